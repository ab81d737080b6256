//! A failure while computing an SSN or a date of birth never quotes the consumer's value; the
//! same failure in another field does (an analyst needs it there to see what went wrong).

mod common;

use metro2_engine::plan::{Outcome, Params};

fn failure(field: &str, expression: &str, doc: serde_json::Value) -> String {
    let src = format!("m2map 1\n{}", common::base_segment(&[(field, expression)]));
    let plan = m2map::compile(&src, "identities.m2map")
        .unwrap_or_else(|d| panic!("{}", d.render_plain(100)))
        .plan;
    let doc = metro2_engine::json::from_serde(&doc);
    match plan.eval(&doc, &Params::new()) {
        Outcome::Error(e) => e.message,
        other => panic!("expected a failure, got {}", common::summary(&other)),
    }
}

#[test]
fn a_date_of_birth_that_is_not_a_date_is_not_quoted() {
    let doc = serde_json::json!({"birthDate": "1985-04-12"});
    let m = failure("date_of_birth", "loanpro_date(doc.birthDate)", doc.clone());
    assert!(!m.contains("1985"), "{m}");
    assert!(m.contains(r#""****-**-**""#), "{m}");
    // The format the message names is not a value: it stays readable.
    assert!(m.contains("/Date(N)/"), "{m}");
    // The same value in a field that is not an identity is shown.
    let m = failure("date_opened", "loanpro_date(doc.birthDate)", doc);
    assert!(m.contains("1985-04-12"), "{m}");
}

#[test]
fn an_ssn_that_cannot_be_read_is_not_quoted() {
    let doc = serde_json::json!({"ssn": "123-45-6789x"});
    let m = failure("social_security_number", "int(doc.ssn)", doc);
    assert!(!m.contains("6789"), "{m}");
}
