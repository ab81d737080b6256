//! A failure while computing an SSN or a date of birth never quotes the consumer's value,
//! whether the value is on its way to an identity field or, by a template's mistake or in a
//! rule, anywhere else; the same failure on a value that is not an identity does quote it (an
//! analyst needs it to see what went wrong).

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
    // A date of birth mapped by mistake into another field is still not quoted...
    let m = failure("date_opened", "loanpro_date(doc.birthDate)", doc);
    assert!(!m.contains("1985"), "{m}");
    // ... while the same text read from a key that is no identity is shown.
    let doc = serde_json::json!({"contractDate": "1985-04-12"});
    let m = failure("date_opened", "loanpro_date(doc.contractDate)", doc);
    assert!(m.contains("1985-04-12"), "{m}");
}

#[test]
fn an_identity_reached_through_a_let_a_list_or_a_rule_is_not_quoted() {
    let doc = serde_json::json!({"Customers": [{"ssn": "524-01-9876"}]});
    let eval = |src: String| {
        let plan = m2map::compile(&src, "identities.m2map")
            .unwrap_or_else(|d| panic!("{}", d.render_plain(100)))
            .plan;
        match plan.eval(&metro2_engine::json::from_serde(&doc), &Params::new()) {
            Outcome::Error(e) => e.message,
            other => panic!("expected a failure, got {}", common::summary(&other)),
        }
    };
    // Through a let and an element of a list, into a field that is not an identity.
    let m = eval(format!(
        "m2map 1\nlet ssns = [first(Customers).ssn]\n{}",
        common::base_segment(&[("credit_limit", "count(ssns where int(it) > 0)")])
    ));
    assert!(!m.contains("9876"), "{m}");
    // In an error rule: the record is not sent, and the message does not quote the SSN.
    let m = eval(format!(
        "m2map 1\n{}rule LP-SSN error \"ssn\": int(first(Customers).ssn) > 0\n",
        common::base_segment(&[])
    ));
    assert!(m.contains("int()"), "{m}");
    assert!(!m.contains("9876"), "{m}");
}

#[test]
fn a_warning_rule_that_cannot_be_checked_is_a_finding_not_an_error_record() {
    let src = format!(
        "m2map 1\n{}rule LP-SSN warning \"the SSN is a number\": int(first(Customers).ssn) > 0\n",
        common::base_segment(&[])
    );
    let plan = m2map::compile(&src, "identities.m2map")
        .unwrap_or_else(|d| panic!("{}", d.render_plain(100)))
        .plan;
    let doc = serde_json::json!({"Customers": [{"ssn": "524-01-9876"}]});
    match plan.eval(&metro2_engine::json::from_serde(&doc), &Params::new()) {
        Outcome::Mapped { findings, .. } => {
            assert_eq!(findings.len(), 1, "{findings:?}");
            let m = &findings[0].message;
            assert!(
                m.starts_with("the SSN is a number (could not be checked: int()"),
                "{m}"
            );
            assert!(!m.contains("9876"), "{m}");
        }
        other => panic!("expected a mapped record, got {}", common::summary(&other)),
    }
}

#[test]
fn an_ssn_that_cannot_be_read_is_not_quoted() {
    let doc = serde_json::json!({"ssn": "123-45-6789x"});
    let m = failure("social_security_number", "int(doc.ssn)", doc);
    assert!(!m.contains("6789"), "{m}");
}

#[test]
fn explain_shows_a_lets_value_unless_it_comes_from_an_identity() {
    let src = format!(
        "m2map 1\nlet ssn = doc.ssn ?? \"\"\nlet status = if doc.late == 1 then \"71\" else \"11\"\n{}",
        // Each let read by two fields, so each is computed once and kept (a let read once is
        // written into its field and has no value of its own to show).
        common::base_segment(&[
            ("social_security_number", "int(ssn)"),
            ("consumer_account_number", "ssn"),
            ("account_status", "status"),
            ("terms_frequency", "if status == \"71\" then \"M\" else \"W\""),
        ])
    );
    let plan = m2map::compile(&src, "identities.m2map")
        .unwrap_or_else(|d| panic!("{}", d.render_plain(100)))
        .plan;
    let doc = metro2_engine::json::from_serde(&serde_json::json!({"ssn": "524019876", "late": 1}));
    let ex = plan.explain(&doc, &Params::new());
    let notes: Vec<&String> = ex.fields.iter().flat_map(|f| &f.branches).collect();
    assert!(
        notes.iter().any(|n| n.ends_with("let status = \"71\"")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.ends_with("let ssn = (hidden: computed from an identity)")),
        "{notes:?}"
    );
    assert!(!notes.iter().any(|n| n.contains("9876")), "{notes:?}");
}
