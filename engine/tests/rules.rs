//! Every validator rule has a case that triggers it and a near miss that does not.

mod common;

use common::*;
use metro2_engine::layout::SegmentKind;
use metro2_engine::validate::{rules, validate_file, validate_record, RecordContext};
use metro2_engine::writer::{write_file, Blocking, Newlines, WriteOptions};
use metro2_engine::DataRecord;

type Make = Box<dyn Fn() -> Vec<u8>>;

/// A file of one record whose base fields are set to these values.
fn with_base(fields: &'static [(&'static str, &'static str)]) -> Make {
    Box::new(move || {
        file_with(|r| {
            for (k, v) in fields {
                put(&mut r.base, k, v);
            }
        })
    })
}

/// A file of one record whose base field `key` is patched to exact bytes after writing (for
/// bytes the writer would change, such as lower case).
fn patched(key: &'static str, raw: &'static [u8]) -> Make {
    Box::new(move || {
        let mut f = file(&[record()]);
        patch_base(&mut f, key, raw);
        f
    })
}

/// A file of one record with an appended segment whose fields are set to these values.
fn with_segment(kind: SegmentKind, fields: &'static [(&'static str, &'static str)]) -> Make {
    Box::new(move || {
        file_with(|r| {
            let mut s = appended(kind);
            for (k, v) in fields {
                put(&mut s, k, v);
            }
            r.push(s);
        })
    })
}

fn lines(f: &[u8]) -> Vec<Vec<u8>> {
    f.split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| l.to_vec())
        .collect()
}

fn join(ls: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in ls {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    out
}

/// A record with its RDW set to its length.
fn raw_record(r: &DataRecord, tail: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = r.segments().flat_map(|s| s.as_bytes().to_vec()).collect();
    v.extend_from_slice(tail);
    let n = format!("{:04}", v.len());
    v[..4].copy_from_slice(n.as_bytes());
    v
}

/// The valid file with record 2 replaced by these bytes.
fn with_raw_record(bytes: Vec<u8>) -> Vec<u8> {
    let mut ls = lines(&file(&[record()]));
    ls[1] = bytes;
    join(&ls)
}

fn variable() -> Vec<u8> {
    let opts = WriteOptions {
        newlines: Newlines::Lf,
        blocking: Blocking::Variable,
    };
    write_file(&header(), &[record()], &opts)
}

fn valid() -> Make {
    Box::new(|| file(&[record()]))
}

fn cases() -> Vec<(&'static rules::Rule, Make, Make)> {
    use SegmentKind::*;
    vec![
        (
            &rules::HEADER_NOT_FIRST,
            Box::new(|| join(&lines(&file(&[record()]))[1..])),
            valid(),
        ),
        (
            &rules::HEADER_REPEATED,
            Box::new(|| {
                let ls = lines(&file(&[record()]));
                join(&[ls[0].clone(), ls[0].clone(), ls[1].clone(), ls[2].clone()])
            }),
            valid(),
        ),
        (
            &rules::TRAILER_MISSING,
            Box::new(|| join(&lines(&file(&[record()]))[..2])),
            valid(),
        ),
        (
            &rules::AFTER_TRAILER,
            Box::new(|| {
                let ls = lines(&file(&[record()]));
                join(&[ls[0].clone(), ls[1].clone(), ls[2].clone(), ls[1].clone()])
            }),
            valid(),
        ),
        (
            &rules::RDW_UNREADABLE,
            Box::new(|| {
                let mut f = file(&[record()]);
                f[427..431].copy_from_slice(b"04X6");
                f
            }),
            valid(),
        ),
        (
            &rules::RECORD_TRUNCATED,
            Box::new(|| file(&[record()])[..1000].to_vec()),
            valid(),
        ),
        (
            &rules::RECORD_TOO_SHORT,
            Box::new(|| {
                let mut f = file(&[record()]);
                f[427..431].copy_from_slice(b"0425");
                f
            }),
            valid(),
        ),
        (
            &rules::RDW_LINE_MISMATCH,
            Box::new(|| {
                let mut ls = lines(&file(&[record()]));
                ls[1].extend_from_slice(b"EXTRA");
                join(&ls)
            }),
            valid(),
        ),
        (
            &rules::BDW_UNREADABLE,
            Box::new(|| {
                let mut f = variable();
                f[431..435].copy_from_slice(b"04 0");
                f
            }),
            Box::new(variable),
        ),
        (
            &rules::BLOCK_MISMATCH,
            Box::new(|| {
                let mut f = variable();
                f[431..435].copy_from_slice(b"0440");
                f
            }),
            Box::new(variable),
        ),
        (
            &rules::UNKNOWN_SEGMENT,
            Box::new(|| with_raw_record(raw_record(&record(), b"ZZ123"))),
            // Blank padding after the last segment is not a segment.
            Box::new(|| with_raw_record(raw_record(&record(), b"          "))),
        ),
        (
            &rules::SEGMENT_TRUNCATED,
            Box::new(|| with_raw_record(raw_record(&record(), b"K1WIDGET"))),
            Box::new(|| {
                let mut r = record();
                r.push(appended(K1));
                with_raw_record(raw_record(&r, b""))
            }),
        ),
        (
            &rules::SEGMENT_ORDER,
            Box::new(|| {
                let mut tail = appended(K1).as_bytes().to_vec();
                tail.extend_from_slice(appended(J1).as_bytes());
                with_raw_record(raw_record(&record(), &tail))
            }),
            Box::new(|| {
                let mut tail = appended(J1).as_bytes().to_vec();
                tail.extend_from_slice(appended(K1).as_bytes());
                with_raw_record(raw_record(&record(), &tail))
            }),
        ),
        (
            &rules::SEGMENT_REPEATED,
            Box::new(|| {
                let mut tail = appended(K1).as_bytes().to_vec();
                tail.extend_from_slice(appended(K1).as_bytes());
                with_raw_record(raw_record(&record(), &tail))
            }),
            // J1 and J2 may repeat.
            Box::new(|| {
                let mut tail = appended(J1).as_bytes().to_vec();
                tail.extend_from_slice(appended(J1).as_bytes());
                with_raw_record(raw_record(&record(), &tail))
            }),
        ),
        (
            &rules::PADDING_NOT_BLANK,
            Box::new(|| {
                let mut r = record();
                r.push(appended(K1));
                let mut f = file(&[r]);
                f[440] = b'X';
                f
            }),
            Box::new(|| {
                let mut r = record();
                r.push(appended(K1));
                file(&[r])
            }),
        ),
        (&rules::EMPTY_FILE, Box::new(Vec::new), valid()),
        (
            &rules::NOT_DIGITS,
            with_base(&[("current_balance", "0000A1234")]),
            // Zero is a value, not a missing number.
            with_base(&[("current_balance", "000000000")]),
        ),
        (
            &rules::NOT_A_DATE,
            with_base(&[("date_opened", "02302024")]),
            with_base(&[("date_opened", "02292024")]),
        ),
        (
            &rules::REQUIRED_MISSING,
            with_base(&[("surname", "")]),
            // Middle name is not required.
            with_base(&[("middle_name", "")]),
        ),
        (
            &rules::LOWER_CASE,
            patched("surname", b"Doe                      "),
            patched("surname", b"DOE-SMITH                "),
        ),
        (
            &rules::BAD_CHARACTER,
            patched("surname", b"D\x01E                      "),
            patched("surname", b"D'OE                     "),
        ),
        (
            &rules::NUMERIC_BLANK,
            patched("credit_limit", b"         "),
            patched("credit_limit", b"000000000"),
        ),
        (
            &rules::IDENTIFICATION_PLACEHOLDER,
            with_base(&[("identification_number", "999999999")]),
            with_base(&[("identification_number", "990999999")]),
        ),
        (
            &rules::CODE_ACCOUNT_STATUS,
            with_base(&[("account_status", "99")]),
            with_base(&[("account_status", "11")]),
        ),
        (
            &rules::CODE_PAYMENT_RATING,
            with_base(&[
                ("account_status", "13"),
                ("payment_rating", "9"),
                ("current_balance", "0"),
            ]),
            with_base(&[
                ("account_status", "13"),
                ("payment_rating", "0"),
                ("current_balance", "0"),
            ]),
        ),
        (
            &rules::CODE_PAYMENT_HISTORY,
            with_base(&[("payment_history_profile", "00X000000000000000000BBB")]),
            with_base(&[("payment_history_profile", "00D000000000000000000BBB")]),
        ),
        (
            &rules::CODE_PORTFOLIO_TYPE,
            with_base(&[("portfolio_type", "Z")]),
            with_base(&[("portfolio_type", "I")]),
        ),
        (
            &rules::CODE_ACCOUNT_TYPE,
            with_base(&[("account_type", "1C")]),
            with_base(&[("account_type", "01")]),
        ),
        (
            &rules::CODE_TERMS_DURATION,
            with_base(&[("terms_duration", "6MO")]),
            with_base(&[("terms_duration", "072")]),
        ),
        (
            &rules::CODE_TERMS_FREQUENCY,
            with_base(&[("terms_frequency", "X")]),
            with_base(&[("terms_frequency", "B")]),
        ),
        (
            &rules::CODE_SPECIAL_COMMENT,
            with_base(&[("special_comment", "ZZ")]),
            with_base(&[("special_comment", "B")]),
        ),
        (
            &rules::CODE_COMPLIANCE_CONDITION,
            with_base(&[("compliance_condition_code", "XZ")]),
            with_base(&[("compliance_condition_code", "XB")]),
        ),
        (
            &rules::CODE_ECOA,
            with_base(&[("ecoa_code", "4")]),
            with_base(&[("ecoa_code", "7")]),
        ),
        (
            &rules::CODE_CONSUMER_INFORMATION,
            with_base(&[("consumer_information_indicator", "9Z")]),
            with_base(&[("consumer_information_indicator", "1A")]),
        ),
        (
            &rules::CODE_GENERATION,
            with_base(&[("generation_code", "Q")]),
            with_base(&[("generation_code", "J")]),
        ),
        (
            &rules::CODE_INTEREST_TYPE,
            with_base(&[("interest_type_indicator", "X")]),
            with_base(&[("interest_type_indicator", "V")]),
        ),
        (
            &rules::CODE_CORRECTION,
            with_base(&[("correction_indicator", "7")]),
            with_base(&[("correction_indicator", "1")]),
        ),
        (
            &rules::CODE_PROCESSING,
            with_base(&[("processing_indicator", "5")]),
            with_base(&[("processing_indicator", "1")]),
        ),
        (
            &rules::CODE_ADDRESS_INDICATOR,
            with_base(&[("address_indicator", "Q")]),
            with_base(&[("address_indicator", "M")]),
        ),
        (
            &rules::CODE_RESIDENCE,
            with_base(&[("residence_code", "Q")]),
            with_base(&[("residence_code", "R")]),
        ),
        (
            &rules::CODE_CREDITOR_CLASSIFICATION,
            with_segment(K1, &[("creditor_classification", "16")]),
            with_segment(K1, &[("creditor_classification", "15")]),
        ),
        (
            &rules::CODE_PURCHASED_SOLD,
            with_segment(K2, &[("purchased_from_sold_to_indicator", "5")]),
            with_segment(K2, &[("purchased_from_sold_to_indicator", "2")]),
        ),
        (
            &rules::CODE_AGENCY,
            with_segment(K3, &[("agency_identifier", "07")]),
            with_segment(K3, &[("agency_identifier", "02")]),
        ),
        (
            &rules::CODE_SPECIALIZED_PAYMENT,
            with_segment(K4, &[("specialized_payment_indicator", "09")]),
            with_segment(K4, &[("specialized_payment_indicator", "02")]),
        ),
        (
            &rules::CODE_CHANGE_INDICATOR,
            with_segment(L1, &[("change_indicator", "7")]),
            with_segment(L1, &[("change_indicator", "1")]),
        ),
        (
            &rules::STATUS_WITHOUT_PAST_DUE,
            with_base(&[
                ("account_status", "71"),
                ("date_of_first_delinquency", "12012025"),
            ]),
            // A consumer-closed account (XA) may show no amount past due.
            with_base(&[
                ("account_status", "71"),
                ("date_of_first_delinquency", "12012025"),
                ("compliance_condition_code", "XA"),
            ]),
        ),
        (
            &rules::STATUS_WITH_PAST_DUE,
            with_base(&[("amount_past_due", "150")]),
            with_base(&[("amount_past_due", "0")]),
        ),
        (
            &rules::PAID_WITH_BALANCE,
            with_base(&[("account_status", "13"), ("payment_rating", "0")]),
            with_base(&[
                ("account_status", "13"),
                ("payment_rating", "0"),
                ("current_balance", "0"),
            ]),
        ),
        (
            &rules::DELINQUENT_WITHOUT_BALANCE,
            with_base(&[
                ("account_status", "78"),
                ("amount_past_due", "900"),
                ("current_balance", "0"),
                ("date_of_first_delinquency", "12012025"),
            ]),
            with_base(&[
                ("account_status", "78"),
                ("amount_past_due", "900"),
                ("date_of_first_delinquency", "12012025"),
            ]),
        ),
        (
            &rules::SURRENDER_WITHOUT_BALANCE,
            with_base(&[
                ("account_status", "95"),
                ("payment_rating", "J"),
                ("current_balance", "0"),
                ("date_of_first_delinquency", "12012025"),
            ]),
            with_base(&[
                ("account_status", "96"),
                ("date_of_first_delinquency", "12012025"),
            ]),
        ),
        (
            &rules::RATING_MISSING,
            with_base(&[("account_status", "13"), ("current_balance", "0")]),
            with_base(&[
                ("account_status", "13"),
                ("current_balance", "0"),
                ("payment_rating", "0"),
            ]),
        ),
        (
            &rules::RATING_FORBIDDEN,
            with_base(&[("payment_rating", "0")]),
            with_base(&[("payment_rating", "")]),
        ),
        (
            &rules::DOFD_MISSING,
            with_base(&[
                ("account_status", "97"),
                ("amount_past_due", "900"),
                ("original_charge_off_amount", "20000"),
            ]),
            with_base(&[
                ("account_status", "97"),
                ("amount_past_due", "900"),
                ("original_charge_off_amount", "20000"),
                ("date_of_first_delinquency", "06012025"),
            ]),
        ),
        (
            &rules::DOFD_FORBIDDEN,
            with_base(&[("date_of_first_delinquency", "06012025")]),
            // A current account in bankruptcy carries the petition date.
            with_base(&[
                ("date_of_first_delinquency", "06012025"),
                ("consumer_information_indicator", "D"),
            ]),
        ),
        (
            &rules::SURRENDER_WITHOUT_PAST_DUE,
            with_base(&[
                ("account_status", "96"),
                ("date_of_first_delinquency", "12012025"),
            ]),
            // The same repossession with the amount past due reported.
            with_base(&[
                ("account_status", "96"),
                ("amount_past_due", "1500"),
                ("date_of_first_delinquency", "12012025"),
            ]),
        ),
        (
            &rules::DOFD_MISSING_BANKRUPTCY,
            with_base(&[("consumer_information_indicator", "A")]),
            // The petition date is there.
            with_base(&[
                ("consumer_information_indicator", "A"),
                ("date_of_first_delinquency", "06012025"),
            ]),
        ),
        (
            &rules::HISTORY_B_EMBEDDED,
            with_base(&[("payment_history_profile", "0000B0000000000000000BBB")]),
            with_base(&[("payment_history_profile", "0000D0000000000000000BBB")]),
        ),
        (
            &rules::LINE_OF_CREDIT_TYPE,
            with_base(&[("portfolio_type", "C"), ("terms_duration", "LOC")]),
            with_base(&[
                ("portfolio_type", "C"),
                ("account_type", "15"),
                ("terms_duration", "LOC"),
            ]),
        ),
        (
            &rules::PORTFOLIO_UNUSUAL,
            with_base(&[("account_type", "18")]),
            with_base(&[
                ("account_type", "18"),
                ("portfolio_type", "R"),
                ("terms_duration", "REV"),
            ]),
        ),
        (
            &rules::SSN_OR_DOB,
            with_base(&[
                ("social_security_number", "000000000"),
                ("date_of_birth", "00000000"),
            ]),
            with_base(&[("social_security_number", "000000000")]),
        ),
        (
            &rules::SSN_NOT_ISSUED,
            with_base(&[("social_security_number", "666123456")]),
            with_base(&[("social_security_number", "665123456")]),
        ),
        (
            &rules::TERMS_DURATION_PORTFOLIO,
            with_base(&[("terms_duration", "REV")]),
            with_base(&[("terms_duration", "120")]),
        ),
        (
            &rules::DATE_AFTER_ACTIVITY,
            with_base(&[("date_of_last_payment", "02012026")]),
            with_base(&[("date_of_last_payment", "01312026")]),
        ),
        (
            &rules::DATE_BEFORE_OPENED,
            with_base(&[
                ("date_opened", "02012026"),
                ("date_of_last_payment", "00000000"),
                ("time_stamp", "0"),
            ]),
            with_base(&[
                ("date_opened", "01312026"),
                ("date_of_last_payment", "00000000"),
            ]),
        ),
        (
            &rules::DEFERRED_WITHOUT_K4,
            with_base(&[("terms_frequency", "D")]),
            Box::new(|| {
                file_with(|r| {
                    put(&mut r.base, "terms_frequency", "D");
                    let mut k4 = appended(SegmentKind::K4);
                    put(&mut k4, "specialized_payment_indicator", "02");
                    put(&mut k4, "deferred_payment_start_date", "06012026");
                    r.push(k4);
                })
            }),
        ),
        (
            &rules::CHARGE_OFF_AMOUNT_STATUS,
            with_base(&[("original_charge_off_amount", "500")]),
            with_base(&[
                ("account_status", "64"),
                ("current_balance", "0"),
                ("original_charge_off_amount", "500"),
                ("date_of_first_delinquency", "06012025"),
            ]),
        ),
        (
            &rules::CHARGE_OFF_AMOUNT_MISSING,
            with_base(&[
                ("account_status", "64"),
                ("current_balance", "0"),
                ("date_of_first_delinquency", "06012025"),
            ]),
            with_base(&[
                ("account_status", "64"),
                ("current_balance", "0"),
                ("original_charge_off_amount", "1"),
                ("date_of_first_delinquency", "06012025"),
            ]),
        ),
        (
            &rules::K2_NAME_INDICATOR,
            with_segment(K2, &[("purchased_from_sold_to_indicator", "9")]),
            with_segment(
                K2,
                &[
                    ("purchased_from_sold_to_indicator", "9"),
                    ("purchased_from_sold_to_name", ""),
                ],
            ),
        ),
        (
            &rules::K3_ACCOUNT_AGENCY,
            with_segment(K3, &[("agency_identifier", "00")]),
            with_segment(
                K3,
                &[
                    ("agency_identifier", "00"),
                    ("account_number", ""),
                    ("mortgage_identification_number", "100012345678901234"),
                ],
            ),
        ),
        (
            &rules::L1_CHANGE_FIELDS,
            with_segment(L1, &[("change_indicator", "3")]),
            with_segment(
                L1,
                &[
                    ("change_indicator", "3"),
                    ("new_identification_number", "ACME02"),
                ],
            ),
        ),
        (
            &rules::TOTAL_MISMATCH,
            Box::new(|| {
                let mut f = file(&[record()]);
                f[2 * 427 + 11..2 * 427 + 20].copy_from_slice(b"000000002");
                f
            }),
            valid(),
        ),
        (
            &rules::BLOCK_COUNT_MISMATCH,
            Box::new(|| {
                let mut f = file(&[record()]);
                f[2 * 427 + 56..2 * 427 + 65].copy_from_slice(b"000000099");
                f
            }),
            Box::new(|| {
                let mut f = file(&[record()]);
                f[2 * 427 + 56..2 * 427 + 65].copy_from_slice(b"000000000");
                f
            }),
        ),
    ]
}

#[test]
fn the_valid_record_has_no_finding() {
    assert_eq!(validate_file(&file(&[record()])), vec![]);
    let mut r = record();
    for k in SegmentKind::APPENDED {
        r.push(appended(k));
    }
    r.push(appended(SegmentKind::J1));
    assert_eq!(validate_file(&file(&[r.clone(), record()])), vec![]);
    assert_eq!(validate_record(&r, &RecordContext::default()), vec![]);
}

#[test]
fn every_rule_triggers_and_has_a_near_miss() {
    let cases = cases();
    for (rule, trigger, near) in &cases {
        let hit = validate_file(&trigger());
        let f = hit.iter().find(|f| f.rule == rule.id);
        let f = f.unwrap_or_else(|| panic!("{} did not trigger; findings: {hit:#?}", rule.id));
        assert_eq!(f.severity, rule.severity, "{}", rule.id);
        assert!(!f.message.is_empty());
        let miss = ids(&near());
        assert!(
            !miss.contains(&rule.id),
            "{} triggered on its near miss: {miss:?}",
            rule.id
        );
    }
    for r in rules::ALL {
        assert!(
            cases.iter().any(|(c, _, _)| c.id == r.id),
            "rule {} has no test case",
            r.id
        );
    }
}

#[test]
fn findings_are_located() {
    let f = validate_file(&with_base(&[
        ("account_status", "13"),
        ("payment_rating", "0"),
    ])());
    assert_eq!(f.len(), 1, "{f:#?}");
    let f = &f[0];
    assert_eq!(
        (f.rule, f.record, f.field),
        ("M2X-003", 2, Some("current_balance"))
    );
    assert_eq!(f.offset, 427 + 154);
    assert_eq!(f.segment, SegmentKind::Base);
    assert!(f.message.contains("current balance 20000"), "{}", f.message);
}

#[test]
fn messages_never_quote_ssn_or_date_of_birth() {
    let mut r = record();
    put(&mut r.base, "social_security_number", "12345678A");
    put(&mut r.base, "date_of_birth", "13451980");
    let f = validate_record(&r, &RecordContext::default());
    assert!(f.len() >= 2, "{f:#?}");
    for x in &f {
        assert!(!x.message.contains("12345678"), "{}", x.message);
        assert!(!x.message.contains("1345"), "{}", x.message);
    }
}

#[test]
fn validate_record_needs_no_header_and_uses_the_context() {
    let mut r = record();
    put(&mut r.base, "date_of_last_payment", "03012026");
    assert_eq!(validate_record(&r, &RecordContext::default()), vec![]);
    let ctx = RecordContext {
        activity_date: chrono::NaiveDate::from_ymd_opt(2026, 1, 31),
        record: 7,
        offset: 1000,
    };
    let f = validate_record(&r, &ctx);
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].rule, f[0].record, f[0].offset),
        ("M2X-015", 7, 1000 + 205)
    );
}
