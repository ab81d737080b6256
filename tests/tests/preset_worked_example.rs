//! derivations.md §9, the worked example, as a LoanPro document through the shipped preset:
//! every figure the section states, and its two variations (a 97 override, a late catch-up
//! payment).

use chrono::NaiveDate;
use metro2_engine::plan::{Outcome, Params};
use metro2_engine::value::Value;
use serde_json::json;

fn lp(y: i32, m: u32, d: u32) -> String {
    let day = NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let secs = (day - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() * 86_400;
    format!("/Date({secs})/")
}

/// 12 × 100.00 monthly from 2026-01-15, contract 2025-12-15, paid 2026-01-15 and 2026-02-20.
fn loan(credit_status: &str, extra: Option<((i32, u32, u32), &str)>) -> serde_json::Value {
    let mut payments = vec![
        json!({"id": 1, "date": lp(2026, 1, 15), "amount": "100.00", "active": 1}),
        json!({"id": 2, "date": lp(2026, 2, 20), "amount": "100.00", "active": 1}),
    ];
    if let Some(((y, m, d), amount)) = extra {
        payments.push(json!({"id": 3, "date": lp(y, m, d), "amount": amount, "active": 1}));
    }
    json!({
        "id": 9, "displayId": "LN-9", "deleted": 0,
        "LoanSetup": {"contractDate": lp(2025, 12, 15), "firstPaymentDate": lp(2026, 1, 15),
                      "loanAmount": "1200.00", "loanTerm": "12", "payment": "100.00",
                      "paymentFrequency": "loan.frequency.monthly", "loanClass": "loan.class.consumer",
                      "loanType": "loan.type.installment"},
        "LoanSettings": {"creditStatus": format!("loan.creditstatus.{credit_status}"), "closedDate": null},
        "StatusArchive": {"results": [{"date": lp(2026, 5, 31), "payoff": "1000.00", "principalBalance": "1000.00", "netChargeOff": "1000.00"}]},
        "Payments": {"results": payments},
        "Customers": {"results": [{"id": 1, "loanRole": "loan.customerRole.primary", "firstName": "Ann",
            "lastName": "Lee", "ssn": "524019876", "birthDate": lp(1980, 1, 1),
            "PrimaryAddress": {"address1": "1 Main St", "city": "Austin", "state": "geo.state.TX",
                               "zipcode": "78701", "country": "company.country.usa"},
            "Phones": {"results": []}}]}
    })
}

fn map(doc: &serde_json::Value) -> std::collections::HashMap<&'static str, String> {
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../presets/loanpro.m2map"
    ))
    .unwrap();
    let plan = m2map::compile(&source, "presets/loanpro.m2map")
        .unwrap_or_else(|d| panic!("{}", d.render_plain(120)))
        .plan;
    let params = Params::new()
        .with(
            "as_of",
            Value::Date(NaiveDate::from_ymd_opt(2026, 5, 31).unwrap()),
        )
        .with("furnisher_id", Value::text("FURN12345"));
    let doc = metro2_engine::json::from_serde(doc);
    let Outcome::Mapped { record, .. } = plan.eval(&doc, &params) else {
        panic!("not mapped");
    };
    record
        .base
        .layout()
        .fields
        .iter()
        .map(|f| {
            (
                f.key,
                String::from_utf8_lossy(record.base.raw(f)).into_owned(),
            )
        })
        .collect()
}

#[test]
fn the_worked_example() {
    let b = map(&loan("0", None));
    assert_eq!(b["account_status"], "78");
    assert_eq!(b["date_of_first_delinquency"], "04142026");
    assert_eq!(b["amount_past_due"], "000000200");
    assert_eq!(
        b["payment_history_profile"],
        format!("10000{}", "B".repeat(19))
    );
    assert_eq!(b["payment_rating"], " ");
    assert_eq!(b["date_of_account_information"], "05312026");
    assert_eq!(b["date_opened"], "12152025");
    assert_eq!(b["date_of_last_payment"], "02202026");
    assert_eq!(b["actual_payment_amount"], "000000000");
    assert_eq!(b["scheduled_monthly_payment_amount"], "000000100");
    assert_eq!(b["terms_duration"], "012");
}

#[test]
fn with_a_97_override_the_status_is_97_and_the_dofd_stays() {
    let b = map(&loan("97", None));
    assert_eq!(b["account_status"], "97");
    assert_eq!(b["date_of_first_delinquency"], "04142026");
    assert_eq!(b["scheduled_monthly_payment_amount"], "000000000");
    assert_eq!(b["original_charge_off_amount"], "000001000");
}

#[test]
fn a_catch_up_payment_makes_it_current_but_a_97_keeps_the_dofd() {
    let b = map(&loan("0", Some(((2026, 5, 20), "300.00"))));
    assert_eq!(b["account_status"], "11");
    assert_eq!(b["date_of_first_delinquency"], "00000000");
    assert_eq!(b["amount_past_due"], "000000000");
    assert_eq!(b["actual_payment_amount"], "000000300");
    let b = map(&loan("97", Some(((2026, 5, 20), "300.00"))));
    assert_eq!(b["account_status"], "97");
    assert_eq!(b["date_of_first_delinquency"], "04142026");
}
