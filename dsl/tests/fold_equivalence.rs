//! `first`, `last`, `count`, `sum`, `any` and `all` over a document's list are folded element by element without
//! building lists (`plan::code`'s `fold_call`). This checks, over generated lists with every
//! shape LoanPro sends and some it should not, that the folded call gives exactly what the
//! plain call gives on the same elements, failures included. The plain call is reached by
//! reading the filtered list through a `let` used twice (a cached list of values, which the
//! fold does not take).

mod common;

use common::summary;
use metro2_engine::json;
use metro2_engine::plan::{Outcome, Params, Plan};
use proptest::prelude::*;
use serde_json::{json, Value as Json};

/// A mapping whose `terms_duration`, `scheduled_monthly_payment_amount`,
/// `actual_payment_amount`, `account_type`, `account_status`, `surname` and `first_name` read
/// `Payments` through `list` (one of the two forms), so that failures come both from the
/// per-element expressions and from the folds themselves; every other field is constant.
fn mapping(list: &str) -> String {
    format!(
        r#"m2map 1
let kept = Payments where active == 1
let n = count(kept)
segment base {{
  processing_indicator = 1
  time_stamp = 2026-10-31
  correction_indicator = 0
  identification_number = "FURN"
  consumer_account_number = "ACCT1"
  portfolio_type = "I"
  account_type = if any({list}, money(amount) > 100) then "01" else "00"
  date_opened = 2020-01-01
  credit_limit = 0
  highest_credit = 5
  terms_duration = count({list}) + n
  terms_frequency = "M"
  scheduled_monthly_payment_amount = dollars(sum({list}, money(amount)))
  actual_payment_amount = dollars(sum({list}, amount))
  account_status = if all({list}, amount != none) then "11" else "71"
  payment_history_profile = "BBBBBBBBBBBBBBBBBBBBBBBB"
  current_balance = 5
  amount_past_due = 0
  date_of_account_information = 2026-10-31
  interest_type_indicator = "F"
  surname = text(first({list}).active ?? "NONE")
  first_name = text(last({list}).amount ?? "NONE")
  social_security_number = 123456789
  date_of_birth = 1980-01-01
  ecoa_code = "1"
  country_code = "US"
  first_line_of_address = "1 MAIN ST"
  city = "AUSTIN"
  state = "TX"
  postal_code = "78701"
}}
"#
    )
}

fn plan(list: &str) -> Plan {
    m2map::compile(&mapping(list), "fold.m2map")
        .unwrap_or_else(|d| panic!("{d}"))
        .plan
}

/// What the folded and the plain plan give for a document whose `Payments` is `list`.
fn both(folded: &Plan, plain: &Plan, list: Option<Json>) -> (String, String) {
    let mut doc = json!({"id": 7});
    if let Some(l) = list {
        doc["Payments"] = l;
    }
    let doc = json::from_serde(&doc);
    let params = Params::new();
    (
        without_let_kept(&summary(&folded.eval(&doc, &params))),
        without_let_kept(&summary(&plain.eval(&doc, &params))),
    )
}

/// A failure without the let `kept` it names: the plain plan's filter fails inside `kept`,
/// the folded plan's in the field itself; the rest of the message is the same.
fn without_let_kept(summary: &str) -> String {
    match summary.split_once("let kept (") {
        Some((before, rest)) => match rest.split_once("): ") {
            Some((_, after)) => format!("{before}{after}"),
            None => summary.to_string(),
        },
        None => summary.to_string(),
    }
}

fn scalar() -> impl Strategy<Value = Option<Json>> {
    prop_oneof![
        Just(None),
        Just(Some(Json::Null)),
        Just(Some(json!(1))),
        Just(Some(json!(0))),
        Just(Some(json!("1"))),
        Just(Some(json!("a"))),
        Just(Some(json!("386.66"))),
        Just(Some(json!("99.999"))),
        Just(Some(json!(150))),
        Just(Some(json!(-12.5))),
        Just(Some(json!(true))),
        Just(Some(json!([1]))),
    ]
}

fn payment() -> impl Strategy<Value = Json> {
    prop_oneof![
        4 => (scalar(), scalar()).prop_map(|(active, amount)| {
            let mut o = serde_json::Map::new();
            o.insert("id".into(), json!(1));
            if let Some(a) = active {
                o.insert("active".into(), a);
            }
            if let Some(a) = amount {
                o.insert("amount".into(), a);
            }
            Json::Object(o)
        }),
        1 => scalar().prop_map(|s| s.unwrap_or(Json::Null)),
    ]
}

fn payments() -> impl Strategy<Value = Option<Json>> {
    let list = || prop::collection::vec(payment(), 0..8);
    prop_oneof![
        list().prop_map(|l| Some(json!({ "results": l }))),
        list().prop_map(|l| Some(Json::Array(l))),
        Just(None),
        Just(Some(Json::Null)),
        Just(Some(json!("not a list"))),
        Just(Some(json!({"__deferred": {"uri": "x"}}))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn folding_gives_what_the_plain_call_gives(list in payments()) {
        let (a, b) = both(&plan("Payments where active == 1"), &plan("kept"), list);
        prop_assert_eq!(a, b);
    }
}

/// Each folding call alone as the first field that reads the list, so no earlier field's
/// failure hides its own (in `mapping`, `any` fails first on most broken lists).
const ALONE: &[&str] = &[
    "scheduled_monthly_payment_amount = dollars(sum({list}, money(amount)))",
    "scheduled_monthly_payment_amount = dollars(sum({list}, amount))",
    "account_type = if any({list}, money(amount) > 100) then \"01\" else \"00\"",
    "account_status = if all({list}, amount != none) then \"11\" else \"71\"",
    "terms_duration = count({list})",
    "surname = text(first({list}).active ?? \"NONE\")",
    "first_name = text(last({list}).amount ?? \"NONE\")",
];

/// `mapping` with every folding field constant but the one `field` assigns (an entry of
/// [`ALONE`]), and a last field that reads `kept` again, so that `kept` stays a cached list.
fn alone(list: &str, field: &str) -> Plan {
    let constants = [
        ("account_type", "\"00\""),
        ("terms_duration", "1"),
        ("scheduled_monthly_payment_amount", "0"),
        ("actual_payment_amount", "0"),
        ("account_status", "\"11\""),
        ("surname", "\"S\""),
        ("first_name", "\"F\""),
        ("amount_past_due", "0"),
    ];
    let tested = field.split(' ').next().unwrap_or_default();
    let mut body: Vec<String> = Vec::new();
    for line in mapping("kept").lines() {
        let key = line.split_whitespace().next().unwrap_or_default();
        match constants.iter().find(|(k, _)| *k == key) {
            Some(_) if key == "amount_past_due" => {}
            Some(_) if key == tested => body.push(format!("  {}", field.replace("{list}", list))),
            Some((k, v)) => body.push(format!("  {k} = {v}")),
            None if line == "}" => {
                body.push("  amount_past_due = count(kept) * 0".into());
                body.push(line.into());
            }
            None => body.push(line.into()),
        }
    }
    let text = body.join("\n");
    m2map::compile(&text, "alone.m2map")
        .unwrap_or_else(|d| panic!("{d}\n{text}"))
        .plan
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn each_fold_alone_gives_what_the_plain_call_gives(
        list in payments(),
        which in 0..ALONE.len(),
    ) {
        let field = ALONE[which];
        let (a, b) = both(
            &alone("Payments where active == 1", field),
            &alone("kept", field),
            list,
        );
        prop_assert_eq!(a, b, "{}", field);
    }
}

#[test]
fn the_sums_hard_cases_fail_as_the_plain_call_fails() {
    // A kept row without `amount` (money's missing argument fails at once, before the sum
    // does); two different amounts that are not numbers (the sum reports the first).
    let docs = [
        json!({"id": 7, "Payments": [{"active": 1, "amount": "2.00"}, {"active": 1}]}),
        json!({"id": 7, "Payments": [{"active": 1, "amount": "a"}, {"active": 1, "amount": [1]}]}),
        json!({"id": 7, "Payments": [{"active": 1, "amount": true}, {"active": 1}]}),
    ];
    let params = Params::new();
    for (f, field) in ALONE[..2].iter().enumerate() {
        let (folded, plain) = (
            alone("Payments where active == 1", field),
            alone("kept", field),
        );
        for (d, doc) in docs.iter().enumerate() {
            let doc = json::from_serde(doc);
            let a = summary(&folded.eval(&doc, &params));
            // `sum(list, amount)` skips the missing amount of the first document.
            if (f, d) != (1, 0) {
                assert!(a.starts_with("Some(\"base."), "{field}: {a}");
            }
            assert_eq!(a, summary(&plain.eval(&doc, &params)), "{field}");
        }
    }
}

#[test]
fn the_two_forms_reach_the_two_paths() {
    // The folded form reads the list in the call; the plain one through a cached slot.
    let listing = |p: &Plan| format!("{p}");
    assert!(!listing(&plan("Payments where active == 1")).contains("filter"));
    assert!(listing(&plan("kept")).contains("filter"));
}

#[test]
fn a_well_formed_list_maps_the_same_figures_both_ways() {
    let doc = json::from_serde(&json!({"id": 7, "Payments": {"results": [
        {"active": 1, "amount": "386.66"},
        {"active": 0, "amount": "1000.00"},
        {"active": "1", "amount": 150},
    ]}}));
    let params = Params::new();
    for form in ["Payments where active == 1", "kept"] {
        let outcome = plan(form).eval(&doc, &params);
        let Outcome::Mapped { record, .. } = outcome else {
            panic!("{form}: {}", summary(&outcome));
        };
        let field = |k: &str| record.base.get(k).unwrap().into_owned();
        assert_eq!(field("actual_payment_amount"), "000000536", "{form}");
        assert_eq!(field("terms_duration").trim_end(), "4", "{form}");
        assert_eq!(field("account_type"), "01", "{form}");
        assert_eq!(field("surname").trim_end(), "1", "{form}");
        assert_eq!(field("first_name").trim_end(), "150", "{form}");
    }
}
