//! The plan reads every key it needs of one object in a single pass (`plan::scan`), while
//! explain mode reads each key on its own through `Value::get`. This checks, over generated
//! objects of every shape a key can be read from (keys in any order, duplicates, a
//! `__deferred` stub, null, text, a list), that the two give the same record or the same
//! failure, at the same field and line.

mod common;

use common::summary;
use metro2_engine::json;
use metro2_engine::plan::{Params, Plan};
use proptest::prelude::*;
use serde_json::{json, Value as Json};

/// Reads four keys of the document and four of `LoanSetup` (a cached slot), in an order that
/// is not the documents' order, with and without defaults.
fn mapping() -> String {
    let fields = common::base_segment(&[
        ("identification_number", "text(title ?? \"NB\")"),
        ("consumer_account_number", "text(displayId ?? \"NA\")"),
        ("account_type", "text(setup.y ?? \"0\")"),
        ("highest_credit", "int(setup.x ?? 0)"),
        ("terms_duration", "int(setup.w ?? 0)"),
        ("scheduled_monthly_payment_amount", "int(setup.x ?? 0)"),
        ("actual_payment_amount", "int(setupId)"),
        ("current_balance", "int(setup.z)"),
        ("surname", "text(archived ?? \"ND\")"),
    ]);
    format!("m2map 1\nlet setup = LoanSetup\n{fields}")
}

fn plan() -> Plan {
    m2map::compile(&mapping(), "scan.m2map")
        .unwrap_or_else(|d| panic!("{d}"))
        .plan
}

fn scalar() -> impl Strategy<Value = Json> {
    prop_oneof![
        Just(Json::Null),
        Just(json!(7)),
        Just(json!("12")),
        Just(json!("x")),
        Just(json!([1])),
    ]
}

/// An object's entries: keys drawn from those the mapping reads and others, repeats allowed,
/// in any order (written as JSON text so duplicates survive).
fn entries(keys: &'static [&'static str]) -> impl Strategy<Value = Vec<(String, Json)>> {
    prop::collection::vec(
        (prop::sample::select(keys).prop_map(String::from), scalar()),
        0..7,
    )
}

fn object_text(entries: &[(String, Json)]) -> String {
    let pairs: Vec<String> = entries.iter().map(|(k, v)| format!("{k:?}: {v}")).collect();
    format!("{{{}}}", pairs.join(", "))
}

/// `LoanSetup` in every shape a key can be read from.
fn setup() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        4 => entries(&["x", "y", "z", "w", "other", "__deferred"]).prop_map(|e| Some(object_text(&e))),
        1 => Just(None),
        1 => Just(Some("null".to_string())),
        1 => Just(Some("\"text\"".to_string())),
        1 => Just(Some("[1, 2]".to_string())),
        1 => Just(Some(r#"{"__deferred": {"uri": "x"}}"#.to_string())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn one_scan_reads_what_each_read_on_its_own_reads(
        root in entries(&["displayId", "title", "setupId", "archived", "id", "__deferred"]),
        setup in setup(),
    ) {
        let mut text = object_text(&root);
        if let Some(s) = setup {
            text = format!("{{\"LoanSetup\": {s}, {}", &text[1..]);
        }
        let text = text.replace(", }", "}");
        let doc = json::parse(&text).expect("generated JSON parses");
        let plan = plan();
        let params = Params::new();
        let scanned = summary(&plan.eval(&doc, &params));
        let read_one_by_one = summary(&plan.explain(&doc, &params).outcome);
        prop_assert_eq!(scanned, read_one_by_one, "{}", text);
    }
}
