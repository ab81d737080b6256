//! The moov-io/metro2 sample files (fixtures/metro2/moov, copied from the reference samples):
//! read without a structural error, validated, and the findings on them listed.
//!
//! The samples are synthetic test data and break real rules. What they break, and why an
//! analyst would agree (one line per finding in `expected_findings`):
//! - status 62 (paid, was a collection) with a current balance of 2233: paid accounts report a
//!   zero balance (M2X-003, CFPB Status-Balance-1);
//! - account type 48 (collection agency) under portfolio type M (mortgage): 48 belongs under O
//!   (M2X-012, a warning);
//! - terms duration LOC with portfolio M: mortgages report the term in years (M2X-014);
//! - header activity date 08/20/2002 while the time stamp (2020), date opened (2019), date of
//!   account information (09/20/2002) and the J1/J2 dates of birth (2020) are later (M2X-015);
//! - date of account information and date closed (2002) before the date opened (2019) (M2X-016);
//! - lower-case text in the address, K3 MIN, L1 account number and N1 fields (M2F-004, warning).
//!
//! Where the samples disagree with the reference: moov pads the header to 470 bytes and the base
//! record to 1000 bytes (RDWs 0470 and 1000) in a "fixed" file whose trailer is 426; the reader
//! accepts each record's own RDW and blank padding. Its trailer reserved field is blank where the
//! reference types it N; both are accepted.

mod common;

use metro2_engine::layout::SegmentKind;
use metro2_engine::reader::read_file;
use metro2_engine::trailer::Totals;
use metro2_engine::validate::{validate_file, validate_record, RecordContext};
use metro2_engine::writer::write_file;
use metro2_engine::Segment;

fn sample(name: &str) -> Vec<u8> {
    let p = format!(
        "{}/../fixtures/metro2/moov/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn strip_breaks(b: &[u8]) -> Vec<u8> {
    b.iter()
        .copied()
        .filter(|c| *c != b'\n' && *c != b'\r')
        .collect()
}

/// (record, field, rule) of every finding on the whole-file samples, in file order.
fn expected_findings() -> Vec<(usize, &'static str, &'static str)> {
    vec![
        (2, "base.time_stamp", "M2X-015"),
        (2, "base.portfolio_type", "M2X-012"),
        (2, "base.date_opened", "M2X-015"),
        (2, "base.terms_duration", "M2X-014"),
        (2, "base.current_balance", "M2X-003"),
        (2, "base.date_of_account_information", "M2X-015"),
        (2, "base.date_of_account_information", "M2X-016"),
        (2, "base.date_closed", "M2X-016"),
        (2, "base.first_line_of_address", "M2F-004"),
        (2, "base.second_line_of_address", "M2F-004"),
        (2, "base.city", "M2F-004"),
        (2, "j1.date_of_birth", "M2X-015"),
        (2, "j2.date_of_birth", "M2X-015"),
        (2, "k3.mortgage_identification_number", "M2F-004"),
        (2, "l1.new_consumer_account_number", "M2F-004"),
        (2, "n1.employer_name", "M2F-004"),
        (2, "n1.first_line_of_employer_address", "M2F-004"),
        (2, "n1.second_line_of_employer_address", "M2F-004"),
        (2, "n1.employer_city", "M2F-004"),
        (2, "n1.occupation", "M2F-004"),
    ]
}

#[test]
fn whole_file_samples_read_without_structural_error() {
    for name in ["unpacked_fixed_file.dat", "unpacked_fixed_request.dat"] {
        let bytes = sample(name);
        let r = read_file(&bytes);
        assert_eq!(r.findings, vec![], "{name}");
        assert!(r.header.is_some() && r.trailer.is_some(), "{name}");
        assert_eq!(r.records.len(), 1, "{name}");
        let rec = &r.records[0];
        assert_eq!(rec.number, 2);
        let kinds: Vec<_> = rec.record.segments().map(|s| s.kind()).collect();
        use SegmentKind::*;
        assert_eq!(kinds, [Base, J1, J2, K3, L1, N1], "{name}");
        assert_eq!(
            rec.record.base.get("current_balance").as_deref(),
            Some("000002233")
        );
        assert_eq!(rec.record.base.get("account_status").as_deref(), Some("62"));
        // The trailer moov wrote equals the totals recomputed here, counter by counter.
        let mut t = Totals::new();
        t.add(&rec.record);
        let trailer = r.trailer.as_ref().unwrap();
        for (k, v) in t.iter() {
            let have: u64 = trailer.get(k).unwrap().parse().unwrap();
            assert_eq!(have, v, "{name} {k}");
        }
    }
    let fixed = read_file(&sample("unpacked_fixed_file.dat"));
    assert_eq!(fixed.records[0].offset, 470, "after the 470-byte header");
    let lines = read_file(&sample("unpacked_fixed_request.dat"));
    assert_eq!(
        lines.records[0].offset, 427,
        "after the 426-byte header and its LF"
    );
}

#[test]
fn whole_file_samples_findings_are_the_listed_ones() {
    for name in ["unpacked_fixed_file.dat", "unpacked_fixed_request.dat"] {
        let bytes = sample(name);
        let found: Vec<_> = validate_file(&bytes)
            .iter()
            .map(|f| {
                let field: &'static str = Box::leak(
                    format!("{}.{}", f.segment.name(), f.field.unwrap_or("")).into_boxed_str(),
                );
                (f.record, field, f.rule)
            })
            .collect();
        assert_eq!(found, expected_findings(), "{name}");
    }
}

#[test]
fn finding_offsets_point_at_the_field() {
    let bytes = sample("unpacked_fixed_request.dat");
    let f = validate_file(&bytes);
    let bal = f.iter().find(|f| f.rule == "M2X-003").unwrap();
    assert_eq!(&bytes[bal.offset..bal.offset + 9], b"000002233");
    let dob = f
        .iter()
        .find(|f| f.field == Some("date_of_birth") && f.segment == SegmentKind::J1)
        .unwrap();
    assert_eq!(
        &bytes[dob.offset - 78..dob.offset - 76],
        b"J1",
        "J1 date of birth is byte 79"
    );
}

#[test]
fn single_record_samples_wrapped_at_80_and_100_columns() {
    // header_record.dat: a block descriptor word (0430) then the header, wrapped at 80 columns.
    let h = sample("header_record.dat");
    let r = read_file(&h);
    let header = r.header.expect("header");
    assert!(r.shape.blocked);
    assert_eq!(header.get("activity_date").as_deref(), Some("08202002"));
    assert_eq!(header.as_bytes(), &strip_breaks(&h)[4..]);
    let ids: Vec<_> = r.findings.iter().map(|f| f.rule).collect();
    assert_eq!(ids, ["M2S-003"], "a lone header has no trailer");

    // trailer_record.dat: the trailer wrapped at 100 columns, no block descriptor word.
    let t = sample("trailer_record.dat");
    let r = read_file(&t);
    let trailer = r.trailer.expect("trailer");
    assert_eq!(trailer.as_bytes(), strip_breaks(&t).as_slice());
    assert_eq!(
        trailer.get("total_base_records").as_deref(),
        Some("000000001")
    );

    // base_segment.dat: BDW 1268, the base (RDW 1264) wrapped at 80 columns, then every
    // appended segment on its own line (J2 wrapped at 100).
    let b = sample("base_segment.dat");
    let r = read_file(&b);
    assert_eq!(r.records.len(), 1, "{:?}", r.findings);
    let rec = &r.records[0].record;
    use SegmentKind::*;
    let kinds: Vec<_> = rec.segments().map(|s| s.kind()).collect();
    assert_eq!(kinds, [Base, J1, J2, J2, K1, K2, K3, K4, L1, N1]);
    // Each single-segment sample equals the same segment inside base_segment.dat.
    for (kind, file) in [
        (J1, "j1_segment.dat"),
        (J2, "j2_segment.dat"),
        (K1, "k1_segment.dat"),
        (K2, "k2_segment.dat"),
        (K3, "k3_segment.dat"),
        (K4, "k4_segment.dat"),
        (L1, "l1_segment.dat"),
        (N1, "n1_segment.dat"),
    ] {
        let bytes = strip_breaks(&sample(file));
        let seg = Segment::from_bytes(kind, bytes).unwrap_or_else(|| panic!("{file}"));
        let inside = rec.segments().find(|s| s.kind() == kind).unwrap();
        assert_eq!(&seg, inside, "{file}");
    }
    // Validated on its own (no header, so no activity date): the same base-record findings as
    // the whole file, minus the activity-date ones, plus what the extra K1 K2 K4 hold.
    let f: Vec<_> = validate_record(rec, &RecordContext::default())
        .iter()
        .map(|f| (f.segment.name(), f.field.unwrap_or(""), f.rule))
        .collect();
    for want in [
        ("base", "current_balance", "M2X-003"),
        ("base", "terms_duration", "M2X-014"),
        ("base", "date_closed", "M2X-016"),
        ("k2", "purchased_from_sold_to_name", "M2F-004"),
    ] {
        assert!(f.contains(&want), "{want:?} not in {f:#?}");
    }
    assert!(
        !f.iter().any(|x| x.2 == "M2X-015"),
        "no header, no activity date"
    );
}

#[test]
fn moov_request_sample_written_back_keeps_every_record() {
    // Reading moov's file and writing it with this writer: same segments, RDWs recomputed
    // (the header drops moov's padding), text upper-cased, the trailer recomputed equal.
    let r = read_file(&sample("unpacked_fixed_request.dat"));
    let records: Vec<_> = r.records.iter().map(|x| x.record.clone()).collect();
    let out = write_file(
        r.header.as_ref().unwrap(),
        &records,
        &r.shape.write_options(),
    );
    let back = read_file(&out);
    assert_eq!(back.findings, vec![]);
    assert_eq!(back.records.len(), 1);
    let t0 = r.trailer.unwrap();
    let t1 = back.trailer.unwrap();
    for k in metro2_engine::trailer::COUNTERS {
        assert_eq!(t0.get(k), t1.get(k), "{k}");
    }
    let lower = back.records[0].record.base.get("city").unwrap();
    assert_eq!(lower.trim_end(), "U.S. POSTAL");
}

#[test]
fn packed_sample_reads_like_the_character_one() {
    // packed_file.dat: moov-io's packed (366) encoding of the same account, with K1, K2 and K4
    // segments too. Converted to characters, the base segment equals the character sample's
    // (apart from the RDW). moov-io writes the packed trailer outside any block, and its block
    // count (3) counts it: both are reported.
    let packed = read_file(&sample("packed_file.dat"));
    let chars = read_file(&sample("unpacked_fixed_file.dat"));
    assert!(packed.shape.packed && packed.shape.blocked);
    assert_eq!(packed.records.len(), 1);
    let p = &packed.records[0].record;
    let c = &chars.records[0].record;
    assert_eq!(&p.base.as_bytes()[4..], &c.base.as_bytes()[4..]);
    assert_eq!(p.j1, c.j1);
    assert_eq!(p.n1, c.n1);
    assert!(p.k1.is_some() && p.k2.is_some() && p.k4.is_some());
    assert_eq!(
        packed.header.as_ref().unwrap().get("activity_date"),
        chars.header.as_ref().unwrap().get("activity_date")
    );
    let ids: Vec<_> = packed.findings.iter().map(|f| (f.record, f.rule)).collect();
    assert_eq!(ids, [(3, "M2S-009")]);
    let t = packed.trailer.unwrap();
    assert_eq!(t.get("total_base_records").as_deref(), Some("000000001"));
    assert_eq!(t.get("total_k4_segments").as_deref(), Some("000000001"));

    let f = validate_file(&sample("packed_file.dat"));
    let bal = f.iter().find(|f| f.rule == "M2X-003").unwrap();
    assert_eq!(
        bal.offset,
        374 + 129,
        "located at the packed bytes of current_balance"
    );
    let block = f.iter().find(|f| f.rule == "M2T-002").unwrap();
    assert!(
        block.message.contains("is 3, but the file holds 2 blocks"),
        "{}",
        block.message
    );
}
