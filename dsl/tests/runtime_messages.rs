//! What a loan that cannot be mapped is told: the expression the analyst wrote (not a
//! built-in's parameter), and, for a failure inside a `let`, the let and its line as well as
//! the field, skip or rule that read it.

mod common;

use metro2_engine::plan::{MapError, Outcome, Params, RuleSeverity};

/// Compiles `src` (named `m.m2map`) and maps `doc`.
fn outcome(src: &str, doc: serde_json::Value) -> Outcome {
    let plan = m2map::compile(src, "m.m2map")
        .unwrap_or_else(|d| panic!("{}", d.render_plain(100)))
        .plan;
    plan.eval(&metro2_engine::json::from_serde(&doc), &Params::new())
}

/// The failure of mapping `doc` with `src`.
fn failure(src: &str, doc: serde_json::Value) -> MapError {
    match outcome(src, doc) {
        Outcome::Error(e) => e,
        other => panic!("expected a failure, got {}", common::summary(&other)),
    }
}

/// A mapping of `lets` (whole lines) and a base segment with `fields` written.
fn mapping(lets: &str, fields: &[(&str, &str)]) -> String {
    format!("m2map 1\n{lets}{}", common::base_segment(fields))
}

/// The 1-based line of `src` that holds `needle`.
fn line(src: &str, needle: &str) -> u32 {
    1 + src
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} is not in {src}")) as u32
}

#[test]
fn a_missing_argument_is_named_as_written() {
    let doc = serde_json::json!({"LoanSetup": {"loanAmount": "10.00"}});
    // A path, a method call's receiver, an element's key and an argument that is no path.
    let cases = [
        (
            "dollars(money(LoanSetup.loanAmountX))",
            "money(): LoanSetup.loanAmountX is missing",
        ),
        (
            "LoanSetup.loanAmountX.money().dollars()",
            "money(): LoanSetup.loanAmountX is missing",
        ),
        (
            "dollars(if LoanSetup.a == none then LoanSetup.x else 0)",
            "dollars(): `if LoanSetup.a == none then LoanSetup.x else 0` is missing",
        ),
        (
            "dollars(money(LoanSetup.loanAmount) + LoanSetup.x)",
            "`+`: LoanSetup.x is missing",
        ),
        (
            "int(date(doc.opened) != none)",
            "date(): doc.opened is missing",
        ),
    ];
    for (expression, said) in cases {
        let e = failure(&mapping("", &[("highest_credit", expression)]), doc.clone());
        assert_eq!(
            e.message,
            format!("{said} (give a default with `??`)"),
            "{expression}"
        );
        assert!(!e.message.contains("the argument"), "{}", e.message);
    }
}

#[test]
fn a_missing_value_written_into_a_field_is_named_as_written() {
    let doc = serde_json::json!({"Customers": [{"firstName": "ANA"}]});
    let src = mapping("", &[("surname", "first(Customers).lastName")]);
    let e = failure(&src, doc);
    assert_eq!(e.field.as_deref(), Some("base.surname"));
    assert_eq!(e.line, line(&src, "surname ="));
    assert_eq!(
        e.message,
        "`first(Customers).lastName` is missing (give a default with `??`)"
    );
}

#[test]
fn an_argument_written_over_lines_is_quoted_on_one_line_and_cut_short() {
    let doc = serde_json::json!({"Payments": []});
    let long = format!("LoanSetup.{}", "a".repeat(80));
    let src = mapping(
        "",
        &[(
            "surname",
            &format!("upper(if count(Payments) > 0 # a comment\n    then doc.x\n    else {long})"),
        )],
    );
    let m = failure(&src, doc).message;
    assert!(
        m.starts_with("upper(): `if count(Payments) > 0 then doc.x else LoanSetup.aaaa"),
        "{m}"
    );
    assert!(m.contains("…` is missing"), "{m}");
    assert!(!m.contains("comment"), "{m}");
}

#[test]
fn a_failure_in_a_let_names_the_let_and_the_field_that_read_it() {
    let doc = serde_json::json!({"LoanSetup": {}});
    let lets = "let amt = money(LoanSetup.loanAmountX)\n";
    // Read by one field (computed in place) and by two (kept in a slot): the same message.
    for fields in [
        vec![("highest_credit", "dollars(amt)")],
        vec![
            ("highest_credit", "dollars(amt)"),
            ("scheduled_monthly_payment_amount", "dollars(amt)"),
        ],
    ] {
        let src = mapping(lets, &fields);
        let e = failure(&src, doc.clone());
        assert_eq!(e.field.as_deref(), Some("base.highest_credit"), "{src}");
        assert_eq!(e.line, line(&src, "highest_credit ="));
        assert_eq!(
            e.message,
            "let amt (m.m2map:2): money(): LoanSetup.loanAmountX is missing (give a default with `??`)"
        );
        assert_eq!(
            e.to_string(),
            format!(
                "document without id, base.highest_credit (m.m2map:{}): {}{}",
                e.line,
                e.message,
                e.others_text()
            )
        );
    }
}

#[test]
fn a_let_written_below_the_field_is_named_with_its_own_line() {
    let doc = serde_json::json!({"LoanSetup": {}});
    let src = format!(
        "m2map 1\n{}\n## The amount.\nlet amt = money(LoanSetup.loanAmountX)\n",
        common::base_segment(&[("highest_credit", "dollars(amt)")])
    );
    let e = failure(&src, doc);
    // The field's line, not the let's (which comes after it).
    assert_eq!(e.line, line(&src, "highest_credit ="));
    let let_line = line(&src, "let amt");
    assert!(
        e.message
            .starts_with(&format!("let amt (m.m2map:{let_line}): money(): ")),
        "{}",
        e.message
    );
}

#[test]
fn the_innermost_let_is_named() {
    let doc = serde_json::json!({"LoanSetup": {}});
    let lets =
        "let amt = money(LoanSetup.loanAmountX)\nlet twice = amt * 2\nlet shown = dollars(twice)\n";
    for fields in [
        vec![("highest_credit", "shown")],
        vec![
            ("highest_credit", "shown"),
            ("scheduled_monthly_payment_amount", "shown"),
        ],
        vec![
            ("highest_credit", "shown"),
            ("scheduled_monthly_payment_amount", "dollars(amt)"),
        ],
    ] {
        let e = failure(&mapping(lets, &fields), doc.clone());
        assert!(
            e.message
                .starts_with("let amt (m.m2map:2): money(): LoanSetup.loanAmountX"),
            "{fields:?}: {}",
            e.message
        );
    }
    // A let that does not fail, read by a failing expression, is not named: neither when its
    // value is what is missing...
    for fields in [
        vec![("highest_credit", "dollars(money(amt))")],
        vec![
            ("highest_credit", "dollars(money(amt))"),
            ("scheduled_monthly_payment_amount", "dollars(money(amt))"),
        ],
    ] {
        let e = failure(&mapping("let amt = LoanSetup.x\n", &fields), doc.clone());
        // A let that is a path is the path's node: named by the key that is missing.
        assert_eq!(
            e.message,
            "money(): LoanSetup.x is missing (give a default with `??`)"
        );
        let lets = "let amt = if LoanSetup.a == none then LoanSetup.x else 0\n";
        let e = failure(&mapping(lets, &fields), doc.clone());
        assert_eq!(
            e.message,
            "money(): amt is missing (give a default with `??`)"
        );
    }
    // ... nor when it is beside what is.
    let lets = "let amt = money(LoanSetup.loanAmount ?? 0)\n";
    let e = failure(
        &mapping(
            lets,
            &[("highest_credit", "dollars(amt + money(LoanSetup.x))")],
        ),
        doc,
    );
    assert_eq!(
        e.message,
        "money(): LoanSetup.x is missing (give a default with `??`)"
    );
}

#[test]
fn a_skip_or_a_rule_that_fails_in_a_let_names_its_own_line_and_the_let() {
    let doc = serde_json::json!({"LoanSetup": {}});
    let lets = "let opened = date(LoanSetup.contractDateX)\n";
    let skip = "skip when opened > 2026-10-31 \"not opened yet\"\n";
    let src = format!("{}{skip}", mapping(lets, &[]));
    let e = failure(&src, doc.clone());
    assert_eq!(e.field.as_deref(), Some("skip"));
    assert_eq!(e.line, line(&src, "skip when"));
    assert_eq!(
        e.message,
        "let opened (m.m2map:2): date(): LoanSetup.contractDateX is missing (give a default with `??`)"
    );

    let rule = "rule R-1 error \"opened in the past\":\n  opened < 2026-10-31\n";
    let src = format!("{}{rule}", mapping(lets, &[]));
    let e = failure(&src, doc.clone());
    assert_eq!(e.field.as_deref(), Some("rule R-1"));
    assert_eq!(e.line, line(&src, "rule R-1"));
    assert!(
        e.message.starts_with("let opened (m.m2map:2): date(): "),
        "{}",
        e.message
    );

    // A warning rule that cannot be checked says so in its finding, with the let.
    let src = format!("{}{}", mapping(lets, &[]), rule.replace("error", "warning"));
    let Outcome::Mapped { findings, .. } = outcome(&src, doc) else {
        panic!("a warning rule holds no record back");
    };
    assert_eq!(findings[0].severity, RuleSeverity::Warning);
    assert_eq!(findings[0].line, line(&src, "rule R-1"));
    assert_eq!(
        findings[0].message,
        "opened in the past (could not be checked: let opened (m.m2map:2): date(): LoanSetup.contractDateX is missing (give a default with `??`))"
    );
}

#[test]
fn a_failure_outside_any_let_keeps_the_line_of_the_node_that_failed() {
    let doc = serde_json::json!({"LoanSetup": {}});
    let src = mapping(
        "",
        &[(
            "highest_credit",
            "if LoanSetup.a == none\n    then dollars(money(LoanSetup.x))\n    else 0",
        )],
    );
    let e = failure(&src, doc);
    assert_eq!(e.line, line(&src, "then dollars"));
    assert_eq!(
        e.message,
        "money(): LoanSetup.x is missing (give a default with `??`)"
    );
}

#[test]
fn a_let_computed_from_an_identity_still_quotes_no_value() {
    let doc = serde_json::json!({"Customers": [{"ssn": "524-01-9876"}]});
    let src = mapping(
        "let n = int(first(Customers).ssn)\n",
        &[("credit_limit", "n"), ("highest_credit", "n")],
    );
    let e = failure(&src, doc);
    assert!(!e.message.contains("9876"), "{}", e.message);
    assert!(
        e.message.starts_with("let n (m.m2map:2): int(): "),
        "{}",
        e.message
    );
}

#[test]
fn every_failing_field_of_a_document_is_listed_after_the_first() {
    let doc = serde_json::json!({
        "LoanSetup": {},
        "Customers": [{"firstName": "A"}, {"lastName": "B"}, {}],
    });
    let lets = "let amt = money(LoanSetup.loanAmountX)\n";
    let j1 = "segment j1 for each co in Customers {\n  surname = upper(co.lastName)\n  \
              first_name = upper(co.firstName)\n  ecoa_code = \"2\"\n}\n";
    let src = format!(
        "{}{j1}",
        mapping(
            lets,
            &[
                ("highest_credit", "dollars(amt)"),
                ("scheduled_monthly_payment_amount", "dollars(amt)"),
                ("surname", "upper(first(Customers).lastName)"),
            ],
        )
    );
    let e = failure(&src, doc);
    // The first is reported as before.
    assert_eq!(e.field.as_deref(), Some("base.highest_credit"));
    assert!(
        e.message.starts_with("let amt (m.m2map:2): "),
        "{}",
        e.message
    );
    // Then the others, in record order, each element of the J1 list numbered as a record
    // would number it.
    let others: Vec<(&str, u32)> = e
        .others
        .iter()
        .map(|o| (o.field.as_str(), o.line))
        .collect();
    let (j1_surname, j1_first) = (
        line(&src, "surname = upper(co"),
        line(&src, "first_name = upper(co"),
    );
    assert_eq!(
        others,
        [
            (
                "base.scheduled_monthly_payment_amount",
                line(&src, "scheduled_monthly_payment_amount =")
            ),
            ("base.surname", line(&src, "surname = upper(first")),
            ("j1[0].surname", j1_surname),
            ("j1[1].first_name", j1_first),
            ("j1[2].surname", j1_surname),
            ("j1[2].first_name", j1_first),
        ]
    );
    assert_eq!(
        e.others[3].message,
        "upper(): co.firstName is missing (give a default with `??`)"
    );
    // The reason names five of them and counts the rest.
    let text = e.to_string();
    assert!(
        text.ends_with(&format!(
            "; and 6 more: base.scheduled_monthly_payment_amount (line {}), base.surname (line {}), \
             j1[0].surname (line {j1_surname}), j1[1].first_name (line {j1_first}), \
             j1[2].surname (line {j1_surname}), …",
            others[0].1, others[1].1
        )),
        "{text}"
    );
}

#[test]
fn the_others_are_looked_for_from_a_failing_element_or_segment_condition_on() {
    let doc = serde_json::json!({"Customers": [{}, {"lastName": "B"}, {}]});
    let j1 = "segment j1 for each co in Customers {\n  surname = upper(co.lastName)\n  \
              first_name = \"F\"\n  ecoa_code = \"2\"\n}\n\
              segment k1 when LoanSetup.x > 1 {\n  original_creditor_name = \"X\"\n  \
              creditor_classification = 1\n}\n";
    let src = format!("{}{j1}", mapping("", &[]));
    let e = failure(&src, doc);
    assert_eq!(e.field.as_deref(), Some("j1[0].surname"));
    let others: Vec<&str> = e.others.iter().map(|o| o.field.as_str()).collect();
    assert_eq!(others, ["j1[2].surname"], "{e}");
    // The second element maps: it is not listed, and the third keeps its place's number.
}

#[test]
fn a_document_that_fails_in_a_skip_or_a_rule_lists_nothing_else() {
    let doc = serde_json::json!({"LoanSetup": {}});
    let src = format!(
        "{}skip when date(LoanSetup.x) > 2026-10-31 \"later\"\n",
        mapping("", &[("surname", "upper(LoanSetup.y)")])
    );
    let e = failure(&src, doc.clone());
    assert_eq!(e.field.as_deref(), Some("skip"));
    assert!(e.others.is_empty(), "{e}");
    let src = format!(
        "{}rule R-1 error \"x\": int(LoanSetup.x) > 1\n",
        mapping("", &[])
    );
    let e = failure(&src, doc);
    assert!(e.others.is_empty(), "{e}");
    assert!(!e.to_string().contains("more"), "{e}");
}
