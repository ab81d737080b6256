//! Builders shared by the engine's integration tests: a valid header and data record, and
//! helpers to change single fields in records and in written files.
#![allow(dead_code)]

use metro2_engine::layout::{FieldType, SegmentKind};
use metro2_engine::writer::{write_file, WriteOptions};
use metro2_engine::{DataRecord, Segment};

/// Writes `raw` into a field: exact bytes, padded to the field's width (text to the right with
/// blanks, numbers to the left with zeros). Bad values pass through on purpose.
pub fn put(seg: &mut Segment, key: &str, raw: &str) {
    let f = seg
        .layout()
        .field(key)
        .unwrap_or_else(|| panic!("no field {key}"));
    let mut v = raw.as_bytes().to_vec();
    assert!(v.len() <= f.len, "{key}: {raw:?} wider than {}", f.len);
    let pad = f.len - v.len();
    if f.ty == FieldType::Alphanumeric {
        v.resize(f.len, b' ');
    } else {
        let mut p = vec![b'0'; pad];
        p.extend_from_slice(&v);
        v = p;
    }
    seg.set_raw(f, &v);
}

/// A header with activity date 01/31/2026.
pub fn header() -> Segment {
    let mut h = Segment::blank(SegmentKind::Header);
    put(&mut h, "equifax_program_identifier", "EFX1234567");
    put(&mut h, "activity_date", "01312026");
    put(&mut h, "date_created", "02012026");
    put(&mut h, "reporter_name", "ACME LENDING");
    put(&mut h, "reporter_address", "1 MAIN ST AUSTIN TX 78701");
    h
}

/// A valid current installment account (status 11) with no finding at all.
pub fn base() -> Segment {
    let mut b = Segment::blank(SegmentKind::Base);
    for (k, v) in [
        ("processing_indicator", "1"),
        ("time_stamp", "01312026120000"),
        ("correction_indicator", "0"),
        ("identification_number", "ACME01"),
        ("consumer_account_number", "LN1001"),
        ("portfolio_type", "I"),
        ("account_type", "00"),
        ("date_opened", "03012024"),
        ("highest_credit", "25000"),
        ("terms_duration", "060"),
        ("terms_frequency", "M"),
        ("scheduled_monthly_payment_amount", "500"),
        ("actual_payment_amount", "500"),
        ("account_status", "11"),
        ("payment_history_profile", "000000000000000000000BBB"),
        ("current_balance", "20000"),
        ("date_of_account_information", "01312026"),
        ("date_of_last_payment", "01152026"),
        ("interest_type_indicator", "F"),
        ("surname", "DOE"),
        ("first_name", "JANE"),
        ("social_security_number", "123456789"),
        ("date_of_birth", "01011980"),
        ("ecoa_code", "1"),
        ("country_code", "US"),
        ("first_line_of_address", "1 MAIN ST"),
        ("city", "AUSTIN"),
        ("state", "TX"),
        ("postal_code", "78701"),
        ("address_indicator", "Y"),
        ("residence_code", "O"),
    ] {
        put(&mut b, k, v);
    }
    b
}

/// A valid data record: [`base`] alone.
pub fn record() -> DataRecord {
    DataRecord::new(base())
}

/// A valid J1 segment.
pub fn j1() -> Segment {
    let mut s = Segment::blank(SegmentKind::J1);
    put(&mut s, "surname", "DOE");
    put(&mut s, "first_name", "JOHN");
    put(&mut s, "social_security_number", "587654321");
    put(&mut s, "ecoa_code", "2");
    s
}

/// A valid J2 segment.
pub fn j2() -> Segment {
    let mut s = Segment::blank(SegmentKind::J2);
    put(&mut s, "surname", "ROE");
    put(&mut s, "first_name", "RICHARD");
    put(&mut s, "date_of_birth", "05051975");
    put(&mut s, "ecoa_code", "2");
    put(&mut s, "first_line_of_address", "9 ELM ST");
    put(&mut s, "city", "DALLAS");
    put(&mut s, "state", "TX");
    put(&mut s, "postal_code", "75201");
    s
}

/// A valid appended segment of any kind.
pub fn appended(kind: SegmentKind) -> Segment {
    let mut s = Segment::blank(kind);
    match kind {
        SegmentKind::J1 => return j1(),
        SegmentKind::J2 => return j2(),
        SegmentKind::K1 => {
            put(&mut s, "original_creditor_name", "FIRST BANK");
            put(&mut s, "creditor_classification", "08");
        }
        SegmentKind::K2 => {
            put(&mut s, "purchased_from_sold_to_indicator", "1");
            put(&mut s, "purchased_from_sold_to_name", "OLD LENDER INC");
        }
        SegmentKind::K3 => {
            put(&mut s, "agency_identifier", "01");
            put(&mut s, "account_number", "FN123456");
        }
        SegmentKind::K4 => {
            put(&mut s, "specialized_payment_indicator", "01");
            put(&mut s, "balloon_payment_due_date", "06012030");
            put(&mut s, "balloon_payment_amount", "5000");
        }
        SegmentKind::L1 => {
            put(&mut s, "change_indicator", "1");
            put(&mut s, "new_consumer_account_number", "LN2002");
        }
        SegmentKind::N1 => {
            put(&mut s, "employer_name", "WIDGETS LLC");
            put(&mut s, "occupation", "ENGINEER");
        }
        _ => {}
    }
    s
}

/// A fixed-length LF file of these records.
pub fn file(records: &[DataRecord]) -> Vec<u8> {
    write_file(&header(), records, &WriteOptions::default())
}

/// A file of one record, changed by `f` first.
pub fn file_with(f: impl FnOnce(&mut DataRecord)) -> Vec<u8> {
    let mut r = record();
    f(&mut r);
    file(&[r])
}

/// Overwrites the bytes of a base field of record 2 in a file of base-only records written by
/// [`file`] (records of 426 bytes and an LF).
pub fn patch_base(file: &mut [u8], key: &str, raw: &[u8]) {
    let f = SegmentKind::Base.layout().field(key).unwrap();
    assert_eq!(raw.len(), f.len, "{key}");
    let at = 427 + f.offset();
    file[at..at + f.len].copy_from_slice(raw);
}

/// Rule ids of the findings on a file.
pub fn ids(bytes: &[u8]) -> Vec<&'static str> {
    metro2_engine::validate::validate_file(bytes)
        .iter()
        .map(|f| f.rule)
        .collect()
}
