//! `x in [texts]` reads `x`'s text once and compares strings (`plan/code.rs`, `InSet`), where
//! the general rule compares `x` with each member in turn. This checks, over document keys of
//! every shape (JSON text, number, boolean, null, a list, absent; a type the checker cannot
//! know) read directly, through an object and through a let, and over a text let, that
//! `x in [...]` gives what `x == a or x == b or ...` gives, record or failure.

mod common;

use common::summary;
use metro2_engine::json;
use metro2_engine::plan::Params;
use serde_json::{json, Value as Json};

/// The same tests written as a set and as a chain of equalities.
fn mapping(as_set: bool) -> String {
    let is = |x: &str, members: &[&str]| -> String {
        let quoted: Vec<String> = members.iter().map(|m| format!("{m:?}")).collect();
        let test = if as_set {
            format!("{x} in [{}]", quoted.join(", "))
        } else {
            let eqs: Vec<String> = quoted.iter().map(|q| format!("{x} == {q}")).collect();
            format!("({})", eqs.join(" or "))
        };
        format!("if {test} then \"Y\" else \"N\"")
    };
    let sets: &[&[&str]] = &[
        &["13", "DA", "x"],
        &["7", "2026-10-31", ""],
        &["1.50", "a longer member"],
    ];
    let mut fields = Vec::new();
    let keys = [
        ("identification_number", "title"),
        ("consumer_account_number", "LoanSetup.loanTerm"),
        ("portfolio_type", "LoanSetup.contractDate"),
        ("account_type", "k"),
        ("terms_frequency", "t"),
    ];
    let mut exprs = Vec::new();
    for (i, (_, x)) in keys.iter().enumerate() {
        exprs.push(is(x, sets[i % sets.len()]));
    }
    for ((key, _), e) in keys.iter().zip(&exprs) {
        fields.push((*key, e.as_str()));
    }
    let body = common::base_segment(&fields);
    format!("m2map 1\nlet k = LoanSetup.loanTerm\nlet t = text(title ?? \"x\")\n{body}")
}

#[test]
fn a_set_of_texts_answers_as_the_equalities_do() {
    let plan = |as_set| {
        m2map::compile(&mapping(as_set), "set.m2map")
            .unwrap_or_else(|d| panic!("{d}"))
            .plan
    };
    let (set, chain) = (plan(true), plan(false));
    let titles = [
        json!(null),
        json!(13),
        json!("13"),
        json!("DA"),
        json!("x"),
        json!("7"),
        json!(""),
        json!("a longer member"),
        json!([1]),
        json!(true),
    ];
    let params = Params::new();
    let mut seen = 0;
    for title in titles.iter().map(Some).chain([None]) {
        for count in [
            None,
            Some(json!(7)),
            Some(json!("7")),
            Some(json!("13")),
            Some(json!(1.50)),
        ] {
            for day in [
                None,
                Some(json!("2026-10-31")),
                Some(json!("")),
                Some(json!(null)),
            ] {
                let mut setup = serde_json::Map::new();
                if let Some(c) = &count {
                    setup.insert("loanTerm".into(), c.clone());
                }
                if let Some(d) = &day {
                    setup.insert("contractDate".into(), d.clone());
                }
                let mut doc = serde_json::Map::new();
                doc.insert("LoanSetup".into(), Json::Object(setup));
                if let Some(t) = title {
                    doc.insert("title".into(), t.clone());
                }
                let text = Json::Object(doc).to_string();
                let doc = json::parse(&text).expect("JSON parses");
                let a = summary(&set.eval(&doc, &params));
                let b = summary(&chain.eval(&doc, &params));
                assert_eq!(a, b, "{text}");
                seen += 1;
            }
        }
    }
    assert_eq!(seen, 11 * 5 * 4);
}
