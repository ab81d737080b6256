//! Which values the plan keeps in a slot (computed once per document) and which it computes
//! in place: a node evaluated more than once keeps its slot, including one read from a single
//! place that is itself evaluated more than once.

/// `t[len(displayId)]` is one node, read by the `let` and again by the rule; `len(...)` is read
/// only by it, yet evaluated twice. `upper(title)` is read once, by a field.
const MAPPING: &str = r#"m2map 1
table t {
  9 => "11"
  _ => "71"
}
let status = t[len(displayId)]
segment base {
  processing_indicator = 1
  time_stamp = 2026-10-31
  correction_indicator = 0
  identification_number = "FURN"
  consumer_account_number = upper(title)
  portfolio_type = "I"
  account_type = "00"
  date_opened = 2020-01-01
  credit_limit = 0
  highest_credit = 0
  terms_duration = 0
  terms_frequency = "M"
  scheduled_monthly_payment_amount = 0
  actual_payment_amount = 0
  account_status = status
  payment_history_profile = "BBBBBBBBBBBBBBBBBBBBBBBB"
  current_balance = 0
  amount_past_due = 0
  date_of_account_information = 2026-10-31
  interest_type_indicator = "F"
  surname = "S"
  first_name = "F"
  social_security_number = 123456789
  date_of_birth = 1980-01-01
  ecoa_code = "1"
  country_code = "US"
  first_line_of_address = "1 MAIN ST"
  city = "AUSTIN"
  state = "TX"
  postal_code = "78701"
}
rule R-1 error "the status is the table's":
  base.account_status == t[len(displayId)]
"#;

#[test]
fn a_call_evaluated_twice_through_one_parent_keeps_its_slot() {
    let plan = m2map::compile(MAPPING, "slots.m2map")
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
