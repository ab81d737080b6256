//! Property tests over generated valid records: write → read gives the same records, read →
//! write gives the same bytes, and a file written from valid records validates clean, for
//! every newline style and blocking.

mod common;

use common::{appended, header, put};
use metro2_engine::layout::SegmentKind;
use metro2_engine::reader::read_file;
use metro2_engine::validate::validate_file;
use metro2_engine::writer::{write_file, Blocking, Newlines, WriteOptions};
use metro2_engine::{DataRecord, Segment};
use proptest::prelude::*;

fn upper(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Z][A-Z -]{{0,{}}}", max - 1)).unwrap()
}

fn date_between(y0: u32, y1: u32) -> impl Strategy<Value = String> {
    (y0..=y1, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| format!("{m:02}{d:02}{y:04}"))
}

/// A consistent account: status with the amounts, rating and dates it needs.
#[derive(Debug, Clone)]
struct Account {
    status: &'static str,
    rating: &'static str,
    portfolio: (&'static str, &'static str, &'static str),
    balance: u32,
    past_due: u32,
    php_len: usize,
    opened: String,
    dofd: String,
    surname: String,
    first: String,
    ssn: u32,
    address: String,
    city: String,
    appended: Vec<SegmentKind>,
}

fn account() -> impl Strategy<Value = Account> {
    let status = prop_oneof![
        Just(("11", "")),
        Just(("71", "")),
        Just(("78", "")),
        Just(("13", "0")),
        Just(("97", "")),
    ];
    let portfolio = prop_oneof![
        Just(("I", "00", "060")),
        Just(("R", "18", "REV")),
        Just(("M", "26", "030")),
        Just(("C", "15", "LOC")),
        Just(("O", "48", "001")),
    ];
    let kinds = proptest::collection::vec(
        prop_oneof![
            Just(SegmentKind::J1),
            Just(SegmentKind::J2),
            Just(SegmentKind::K1),
            Just(SegmentKind::K2),
            Just(SegmentKind::K3),
            Just(SegmentKind::K4),
            Just(SegmentKind::L1),
            Just(SegmentKind::N1),
        ],
        0..5,
    );
    (
        status,
        portfolio,
        1u32..999_999,
        1u32..99_999,
        0usize..=24,
        date_between(2010, 2024),
        date_between(2025, 2025),
        (
            upper(25),
            upper(20),
            (100_000_000u32..899_999_999).prop_filter("an SSN the SSA issues", |n| {
                metro2_engine::clean::codes::ssn(&n.to_string()).is_some()
            }),
        ),
        (upper(32), upper(20)),
        kinds,
    )
        .prop_map(
            |(
                (status, rating),
                portfolio,
                balance,
                past_due,
                php_len,
                opened,
                dofd,
                who,
                addr,
                kinds,
            )| {
                Account {
                    status,
                    rating,
                    portfolio,
                    balance,
                    past_due,
                    php_len,
                    opened,
                    dofd,
                    surname: who.0,
                    first: who.1,
                    ssn: who.2,
                    address: addr.0,
                    city: addr.1,
                    appended: kinds,
                }
            },
        )
}

fn build(a: &Account) -> DataRecord {
    let mut b = common::base();
    put(&mut b, "account_status", a.status);
    put(&mut b, "payment_rating", a.rating);
    put(&mut b, "portfolio_type", a.portfolio.0);
    put(&mut b, "account_type", a.portfolio.1);
    put(&mut b, "terms_duration", a.portfolio.2);
    put(&mut b, "date_opened", &a.opened);
    let paid = a.status == "13";
    let delinquent = matches!(a.status, "71" | "78" | "97");
    put(
        &mut b,
        "current_balance",
        &if paid { 0 } else { a.balance }.to_string(),
    );
    put(
        &mut b,
        "amount_past_due",
        &if delinquent { a.past_due } else { 0 }.to_string(),
    );
    if delinquent {
        put(&mut b, "date_of_first_delinquency", &a.dofd);
    }
    if a.status == "97" {
        put(&mut b, "original_charge_off_amount", &a.balance.to_string());
    }
    let php: String = std::iter::repeat_n('0', a.php_len)
        .chain(std::iter::repeat_n('B', 24 - a.php_len))
        .collect();
    put(&mut b, "payment_history_profile", &php);
    put(&mut b, "surname", &a.surname);
    put(&mut b, "first_name", &a.first);
    put(&mut b, "social_security_number", &a.ssn.to_string());
    put(&mut b, "first_line_of_address", &a.address);
    put(&mut b, "city", &a.city);
    let mut r = DataRecord::new(b);
    let mut kinds = a.appended.clone();
    kinds.sort_by_key(|k| SegmentKind::APPENDED.iter().position(|x| x == k));
    for k in kinds {
        if !k.repeats() && r.segments().any(|s| s.kind() == k) {
            continue;
        }
        r.push(appended(k));
    }
    r
}

fn options() -> impl Strategy<Value = WriteOptions> {
    (
        prop_oneof![
            Just(Newlines::Lf),
            Just(Newlines::Crlf),
            Just(Newlines::None)
        ],
        prop_oneof![Just(Blocking::Fixed), Just(Blocking::Variable)],
    )
        .prop_map(|(newlines, blocking)| WriteOptions { newlines, blocking })
}

/// The records as the reader gives them back: RDW as written (the writer sets it).
fn with_rdw(r: &DataRecord, rdw: usize) -> DataRecord {
    let mut r = r.clone();
    let s = format!("{rdw:04}");
    r.base.as_bytes_mut()[..4].copy_from_slice(s.as_bytes());
    r
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn write_read_write(accounts in proptest::collection::vec(account(), 0..6), opts in options()) {
        let records: Vec<DataRecord> = accounts.iter().map(build).collect();
        let bytes = write_file(&header(), &records, &opts);

        // Valid records make a file without any finding.
        let findings = validate_file(&bytes);
        prop_assert!(findings.is_empty(), "{:#?}", findings);

        // write → read: the same records.
        let read = read_file(&bytes);
        prop_assert!(read.findings.is_empty(), "{:#?}", read.findings);
        prop_assert_eq!(read.records.len(), records.len());
        let fixed = metro2_engine::writer::FixedShape::of(&records).len();
        for (got, want) in read.records.iter().zip(&records) {
            let rdw = if opts.blocking == Blocking::Fixed { fixed } else { want.len() };
            prop_assert_eq!(&got.record, &with_rdw(want, rdw));
        }
        prop_assert_eq!(read.shape.write_options(), if records.is_empty() && opts.newlines == Newlines::None {
            read.shape.write_options()
        } else {
            opts
        });

        // Metro 2 → JSON document → Metro 2: the same bytes.
        let doc = metro2_engine::document::Document::from_read(&read);
        let json = serde_json::to_string(&doc).unwrap();
        let doc: metro2_engine::document::Document = serde_json::from_str(&json).unwrap();
        let (h, recs) = doc.to_records().unwrap();
        prop_assert!(write_file(&h, &recs, &opts) == bytes, "JSON round trip differs");

        // read → write: the same bytes.
        let again = write_file(
            read.header.as_ref().unwrap(),
            &read.records.iter().map(|r| r.record.clone()).collect::<Vec<_>>(),
            &read.shape.write_options(),
        );
        prop_assert!(again == bytes, "rewritten file differs");
    }
}

#[test]
fn header_and_trailer_are_padded_in_fixed_files() {
    let mut r = DataRecord::new(common::base());
    r.push(Segment::blank(SegmentKind::K1));
    let bytes = write_file(&header(), &[r], &WriteOptions::default());
    assert_eq!(bytes.len(), 3 * 461);
    assert_eq!(&bytes[..4], b"0460");
    assert_eq!(&bytes[922..926], b"0460");
}
