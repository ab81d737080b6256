//! A plan that reads a document's `Payments` only through `delinquency` (the LoanPro preset)
//! parses a document with its payment rows read straight from the text into counted payments
//! (`engine/src/loan.rs`, `engine/src/builtins/payments_text.rs`), and leaves to the general
//! parse every document that reader cannot take whole. Both must map a document to the same
//! outcome: the same record bytes, rule results, skips and failures, word for word. This
//! compares them over every fixture, generated loans, and loans whose payments and top level
//! are changed at random into every shape LoanPro sends and some it should not.

mod common;

use std::sync::LazyLock;

use chrono::NaiveDate;
use common::as_of;
use common::preset::{fixtures, outcome_text, params};
use metro2_engine::json;
use metro2_engine::plan::Plan;
use proptest::prelude::*;
use serde_json::{json, Value as Json};

fn compile(source: &str, name: &str) -> Plan {
    m2map::compile(source, name)
        .unwrap_or_else(|d| panic!("{}", d.render_plain(100)))
        .plan
}

fn preset_source() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../presets/loanpro.m2map"
    ))
    .expect("the preset is readable")
}

static PRESET: LazyLock<Plan> = LazyLock::new(|| compile(&preset_source(), "loanpro.m2map"));

/// The two paths' outcomes on `text`, as all they say ([`outcome_text`]); and whether the counted path
/// read the payments from the text.
fn both(plan: &Plan, text: &str, as_of: NaiveDate) -> (String, String, bool) {
    let params = params(as_of);
    let general = match json::parse(text) {
        Ok(doc) => outcome_text(&plan.eval(&doc, &params)),
        Err(e) => format!("parse error: {e}"),
    };
    match plan.parse(text) {
        Ok(loan) => {
            let counted = loan.payments.is_some();
            (
                general,
                outcome_text(&plan.eval_loan(&loan, &params)),
                counted,
            )
        }
        Err(e) => (general, format!("parse error: {e}"), false),
    }
}

#[test]
fn the_preset_counts_payments_from_the_text() {
    assert!(PRESET.counts_payments());
    assert!(PRESET
        .to_string()
        .contains("Payments are read only by delinquency()"));
}

#[test]
fn every_fixture_maps_the_same_both_ways() {
    let mut counted = 0;
    let mut seen = 0;
    for dir in ["", "errors"] {
        for (name, text) in fixtures(dir) {
            let (general, fast, took) = both(&PRESET, &text, as_of());
            assert_eq!(general, fast, "{name}");
            counted += usize::from(took);
            seen += 1;
        }
    }
    assert!(seen >= 40, "only {seen} fixtures");
    // Numbers sent as numbers are plain too; the few left to the general path are named in
    // the fixtures (a payment field in a form LoanPro should not send).
    assert!(counted * 10 >= seen * 8, "{counted} of {seen} counted");
}

#[test]
fn generated_loans_map_the_same_both_ways_and_take_the_fast_path() {
    for as_of in [(2026, 10, 31), (2026, 2, 28)] {
        let as_of = NaiveDate::from_ymd_opt(as_of.0, as_of.1, as_of.2).expect("a date");
        for (i, loan) in metro2::loanpro::generate::generate_loans(200, 11, as_of)
            .iter()
            .enumerate()
        {
            let (general, fast, took) = both(&PRESET, &loan.to_string(), as_of);
            assert_eq!(general, fast, "as of {as_of}, loan {i}");
            assert!(took, "as of {as_of}, loan {i} left to the general parse");
            // Pretty-printed text (whitespace everywhere) takes it too.
            let pretty = serde_json::to_string_pretty(loan).expect("serialises");
            let (general, fast, took) = both(&PRESET, &pretty, as_of);
            assert_eq!(general, fast, "as of {as_of}, loan {i}, pretty");
            assert!(took);
        }
    }
}

#[test]
fn a_plan_reading_payments_elsewhere_parses_them_as_a_document() {
    let source = preset_source();
    // The same preset with one more reader of Payments: a rule counting them.
    let counting = format!(
        "{source}\nrule LP-PAYMENTS-LISTED warning \"has payments\":\n  count(Payments) >= 0\n"
    );
    let plan = compile(&counting, "counting.m2map");
    assert!(!plan.counts_payments());
    let text = metro2::loanpro::generate::generate_loans(1, 3, as_of())[0].to_string();
    let loan = plan.parse(&text).expect("parses");
    assert!(loan.payments.is_none());
    let (general, fast, _) = both(&plan, &text, as_of());
    assert_eq!(general, fast);
    // A document counted for the preset is refused by that plan, not mapped without payments.
    let counted = PRESET.parse(&text).expect("parses");
    let outcome = format!("{:?}", plan.eval_loan(&counted, &params(as_of())));
    assert!(outcome.contains("parsed for another mapping"), "{outcome}");
}

/// The members other than `Payments` are judged by sonic-rs alone (parsing the text with the
/// payments replaced): text broken there must give the general path's error, and valid text
/// that looks like structure inside strings must be read as the general path reads it,
/// wherever `Payments` stands.
#[test]
fn the_other_members_are_judged_as_the_general_parse_judges_them() {
    let loan = metro2::loanpro::generate::generate_loans(1, 7, as_of())
        .pop()
        .expect("a loan");
    let last = loan.to_string();
    assert!(last.contains(",\"Payments\":{\"results\":[{"), "{last}");
    // The same loan with its payments first.
    let mut first = serde_json::Map::new();
    first.insert("Payments".into(), loan["Payments"].clone());
    for (k, v) in loan.as_object().expect("an object") {
        if k != "Payments" {
            first.insert(k.clone(), v.clone());
        }
    }
    let first = Json::Object(first).to_string();
    assert!(first.starts_with("{\"Payments\":"));
    let valid = [
        ("\"title\":\"", "\"title\":\"]}, \\\"Payments\\\": [{\\\\"),
        ("\"displayId\":\"", "\"displayId\":\"\\u00e9 \\/ {["),
        (
            "\"archived\":0",
            "\"archived\" : [ [ ], { \"a\" : \"}\" } ] ",
        ),
    ];
    let broken = [
        ("\"active\":1", "\"active\":tru"),
        ("\"archived\":0", "\"archived\":[0}"),
        ("\"archived\":0", "\"archived\":{\"a\":0]"),
        ("\"title\":\"Loan", "\"title\":\"Lo\u{1}an"),
        ("\"title\":\"Loan", "\"title\":\"Lo\\xan"),
        ("\"LoanSetup\":{", "\"LoanSetup\":{{"),
        ("\"archived\":0", "\"archived\":01"),
        ("\"archived\":0", "\"archived\":"),
        ("\"archived\":0", "\"archived\":0 0"),
    ];
    for (name, text) in [("payments last", &last), ("payments first", &first)] {
        let (general, fast, took) = both(&PRESET, text, as_of());
        assert_eq!(general, fast, "{name}");
        assert!(took, "{name}");
        for (from, to) in valid {
            assert!(text.contains(from), "{from}");
            let changed = text.replacen(from, to, 1);
            let (general, fast, took) = both(&PRESET, &changed, as_of());
            assert!(
                !general.starts_with("parse error"),
                "{name}, {to}: {general}"
            );
            assert_eq!(general, fast, "{name}, {to}");
            assert!(took, "{name}, {to}: left to the general parse");
        }
        for (from, to) in broken {
            let changed = text.replacen(from, to, 1);
            let (general, fast, took) = both(&PRESET, &changed, as_of());
            assert!(
                general.starts_with("parse error"),
                "{name}, {to}: {general}"
            );
            assert_eq!(general, fast, "{name}, {to}");
            assert!(!took, "{name}, {to}");
        }
    }
}

/// The payments are found by searching the text for `"Payments"` rather than by reading the
/// members before them: a `Payments` that is not the top level's first must not be taken for
/// it, and the document must map as the general path maps it (here, every case below is left
/// to the general parse, except where the top level's own `Payments` is the first found).
#[test]
fn only_the_top_levels_first_payments_are_read_from_the_text() {
    let loan = metro2::loanpro::generate::generate_loans(1, 7, as_of())
        .pop()
        .expect("a loan");
    let text = loan.to_string();
    let other = r#"{"results":[{"id":1,"date":"/Date(1577836800)/","amount":"1.00","active":1}]}"#;
    let cases = [
        // A nested object's `Payments`, before the top level's.
        (
            text.replacen(
                "\"LoanSetup\":{",
                &format!("\"LoanSetup\":{{\"Payments\":{other},"),
                1,
            ),
            false,
        ),
        // A key ending in `\"Payments`, then the top level's.
        (
            text.replacen("{", &format!("{{\"x\\\"Payments\":{other},"), 1),
            false,
        ),
        // The same key at the top level, the only `Payments`-like key.
        (
            text.replacen("\"Payments\":", "\"x\\\"Payments\":", 1),
            false,
        ),
        // `"Payments"` as a value before the key: passed over, the key read.
        (
            text.replacen("\"title\":\"", "\"title\":\"Payments\",\"t\":\"", 1),
            true,
        ),
        // An escaped `Payments` key before the real one: the general path reads it first.
        (
            text.replacen("{", &format!("{{\"Pay\\u006dents\":{other},"), 1),
            false,
        ),
        // A second `Payments` after the first.
        (
            format!("{},\"Payments\":{other}}}", &text[..text.len() - 1]),
            false,
        ),
        // The document holds `\u0000` (so the placeholder could not be told apart).
        (
            text.replacen("\"title\":\"", "\"title\":\"\\u0000", 1),
            false,
        ),
        // `\u0000` after the payments too.
        (
            format!("{},\"z\":\"\\u0000\"}}", &text[..text.len() - 1]),
            false,
        ),
        // `\u0000` inside the payments only, in a key that is not read: the placeholder is
        // still the only such string in the text parsed, so the payments are read from the text.
        (
            text.replacen(
                "\"reverseDate\":null,",
                "\"reverseDate\":null,\"note\":\"\\u0000\",",
                1,
            ),
            true,
        ),
        // No `Payments` at all.
        (
            {
                let mut l = loan.clone();
                l.as_object_mut().expect("an object").remove("Payments");
                l.to_string()
            },
            false,
        ),
    ];
    for (i, (changed, fast)) in cases.iter().enumerate() {
        assert_ne!(changed, &text, "case {i} changed nothing");
        let (general, counted, took) = both(&PRESET, changed, as_of());
        assert!(!general.starts_with("parse error"), "case {i}: {general}");
        assert_eq!(general, counted, "case {i}");
        assert_eq!(took, *fast, "case {i}");
    }
}

/// A change to a loan's JSON: its payments in other shapes, or its top level.
#[derive(Debug, Clone)]
enum Change {
    /// Payment `i`'s field set to a value.
    Field(usize, &'static str, Json),
    /// Payment `i`'s field removed.
    Remove(usize, &'static str),
    /// Payment `i` replaced.
    Row(usize, Json),
    /// Payment `i` given a second value of a field, after the first.
    Duplicate(usize, &'static str, Json),
    /// `Payments` as a bare list, null, absent, deferred, or `results` in another form.
    Payments(u8),
    /// The top level in a form the fast path leaves to the general one.
    Top(u8),
}

fn field() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "status",
        "active",
        "date",
        "reverseDate",
        "amount",
        "id",
        "__deferred",
    ])
}

fn value() -> impl Strategy<Value = Json> {
    prop::sample::select(vec![
        json!(null),
        json!(1),
        json!(0),
        json!(2),
        json!(10),
        json!(1.0),
        json!(1.5),
        json!("1"),
        json!(true),
        json!(false),
        json!(""),
        json!("12.50"),
        json!("-3.00"),
        json!("1.5e2"),
        json!(12.5),
        json!("3,00"),
        json!("/Date(1768435200)/"),
        json!("/Date(0)/"),
        json!("/Date(-62169984000)/"),
        json!("/Date(x)/"),
        json!("2026-01-15"),
        json!("payment.status.reversed"),
        json!("payment.status.success"),
        json!("payment.status.successful"),
        json!("payment.status.succes"),
        json!("pa\"yment"),
        json!("é"),
        json!([]),
        json!({"uri": "u"}),
    ])
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        4 => (0..30usize, field(), value()).prop_map(|(i, f, v)| Change::Field(i, f, v)),
        1 => (0..30usize, field()).prop_map(|(i, f)| Change::Remove(i, f)),
        1 => (0..30usize, value()).prop_map(|(i, v)| Change::Row(i, v)),
        1 => (0..30usize, field(), value()).prop_map(|(i, f, v)| Change::Duplicate(i, f, v)),
        1 => (0..6u8).prop_map(Change::Payments),
        1 => (0..4u8).prop_map(Change::Top),
    ]
}

/// The loan's text with the changes made.
fn changed(loan: &Json, changes: &[Change]) -> String {
    let mut loan = loan.clone();
    let mut top = None;
    for c in changes {
        let rows = loan
            .get_mut("Payments")
            .and_then(|p| p.get_mut("results"))
            .and_then(Json::as_array_mut);
        match (c, rows) {
            (Change::Field(i, f, v), Some(rows)) if !rows.is_empty() => {
                let n = rows.len();
                if let Some(o) = rows[i % n].as_object_mut() {
                    o.insert((*f).to_string(), v.clone());
                }
            }
            (Change::Remove(i, f), Some(rows)) if !rows.is_empty() => {
                let n = rows.len();
                if let Some(o) = rows[i % n].as_object_mut() {
                    o.shift_remove(*f);
                }
            }
            (Change::Row(i, v), Some(rows)) if !rows.is_empty() => {
                let n = rows.len();
                rows[i % n] = v.clone();
            }
            (Change::Duplicate(i, f, v), Some(rows)) if !rows.is_empty() => {
                // serde_json keeps one value per key: the duplicate is written into the text.
                let n = rows.len();
                let i = i % n;
                let row = rows[i].to_string();
                if row.starts_with('{') && row.len() > 2 {
                    let dup = format!("{},{}:{}}}", &row[..row.len() - 1], json!(f), v);
                    rows[i] = json!(format!("\u{1}DUP{dup}\u{1}"));
                }
            }
            (Change::Payments(k), _) => {
                let results = loan
                    .get("Payments")
                    .and_then(|p| p.get("results"))
                    .cloned()
                    .unwrap_or(Json::Null);
                let o = loan.as_object_mut().expect("a loan is an object");
                match k {
                    0 => {
                        o.insert("Payments".into(), results);
                    }
                    1 => {
                        o.insert("Payments".into(), Json::Null);
                    }
                    2 => {
                        o.shift_remove("Payments");
                    }
                    3 => {
                        o.insert("Payments".into(), json!({"__deferred": {"uri": "u"}}));
                    }
                    4 => {
                        o.insert("Payments".into(), json!({"results": {"a": 1}}));
                    }
                    _ => {
                        o.insert(
                            "Payments".into(),
                            json!({"__metadata": {"uri": "u"}, "results": results, "count": 2}),
                        );
                    }
                }
            }
            (Change::Top(k), _) => top = Some(*k),
            _ => {}
        }
    }
    // Duplicated keys are spliced into the text in place of their marker strings.
    let mut text = loan.to_string();
    while let Some(start) = text.find("\"\\u0001DUP") {
        let end = text[start + 1..]
            .find("\\u0001\"")
            .map(|e| start + 1 + e + "\\u0001\"".len())
            .expect("the marker closes");
        let inner: String =
            serde_json::from_str::<String>(&text[start..end]).expect("the marker is a string");
        let dup = inner
            .trim_start_matches("\u{1}DUP")
            .trim_end_matches('\u{1}')
            .to_string();
        text.replace_range(start..end, &dup);
    }
    match top {
        // A second Payments key, after the first.
        Some(0) => format!("{},\"Payments\":[]}}", &text[..text.len() - 1]),
        // A key written with an escape.
        Some(1) => text.replacen("\"displayId\"", "\"display\\u0049d\"", 1),
        // Not JSON: cut short.
        Some(2) => text[..text.len() / 2].to_string(),
        // Trailing text.
        Some(3) => format!("{text} x"),
        _ => text,
    }
}

static LOANS: LazyLock<Vec<Json>> =
    LazyLock::new(|| metro2::loanpro::generate::generate_loans(40, 5, as_of()));

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn changed_loans_map_the_same_both_ways(
        loan in 0..40usize,
        changes in prop::collection::vec(change(), 1..5),
    ) {
        let text = changed(&LOANS[loan], &changes);
        let (general, fast, _) = both(&PRESET, &text, as_of());
        prop_assert_eq!(general, fast, "{}", text);
    }
}
