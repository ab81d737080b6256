//! Which values the plan keeps in a slot (computed once per document) and which it computes
//! in place: a node evaluated more than once keeps its slot, including one read from a single
//! place that is itself evaluated more than once.

mod common;

/// `t[len(displayId)]` is one node, read by the `let` and again by the rule; `len(...)` is read
/// only by it, yet evaluated twice. `upper(title)` is read once, by a field.
fn mapping() -> String {
    format!(
        "{}{}{}",
        r#"m2map 1
table t {
  9 => "11"
  _ => "71"
}
let status = t[len(displayId)]
"#,
        common::base_segment(&[
            ("consumer_account_number", "upper(title)"),
            ("account_status", "status"),
        ]),
        r#"rule R-1 error "the status is the table's":
  base.account_status == t[len(displayId)]
"#
    )
}

#[test]
fn a_call_evaluated_twice_through_one_parent_keeps_its_slot() {
    let plan = m2map::compile(&mapping(), "slots.m2map")
        .unwrap_or_else(|d| panic!("{}", d.render_plain(100)))
        .plan;
    let listing = plan.to_string();
    let slots: Vec<&str> = listing
        .lines()
        .filter(|l| l.trim_start().starts_with('$'))
        .collect();
    assert!(slots.iter().any(|l| l.contains("call len()")), "{listing}");
    assert!(
        !slots.iter().any(|l| l.contains("call upper()")),
        "{listing}"
    );
}
