//! Issue 4's property test, end to end through the preset: for random schedules and payment
//! histories sent as LoanPro documents, the amount past due is positive exactly when the loan
//! is 30 or more days late, the history holds only `0`–`6` with `B` as trailing fill, and a
//! written DOFD is the first day of the 30+ run going on at as_of.

use std::sync::LazyLock;

use chrono::{Datelike, Duration, NaiveDate};
use metro2_engine::plan::{Outcome, Params, Plan};
use metro2_engine::value::Value;
use proptest::prelude::*;
use serde_json::json;

static PLAN: LazyLock<Plan> = LazyLock::new(|| {
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../presets/loanpro.m2map"
    ))
    .unwrap();
    m2map::compile(&source, "presets/loanpro.m2map")
        .unwrap_or_else(|d| panic!("{}", d.render_plain(120)))
        .plan
});

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()
}

fn lp(d: NaiveDate) -> String {
    let secs = (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() * 86_400;
    format!("/Date({secs})/")
}

const FREQUENCIES: [(&str, u32); 4] = [
    ("monthly", 1),
    ("biWeekly", 0),
    ("semimonthly", 2),
    ("quarterly", 3),
];

/// A due date the plain way: monthly kinds from the first date, clamped; biweekly by days.
fn due(freq: &str, first: NaiveDate, k: u32) -> NaiveDate {
    let months = |m: u32| {
        let idx = first.year() * 12 + first.month0() as i32 + m as i32;
        let (y, mo) = (idx.div_euclid(12), idx.rem_euclid(12) as u32 + 1);
        let last = (1..=31)
            .rev()
            .find(|d| NaiveDate::from_ymd_opt(y, mo, *d).is_some())
            .unwrap();
        NaiveDate::from_ymd_opt(y, mo, first.day().min(last)).unwrap()
    };
    match freq {
        "monthly" => months(k),
        "quarterly" => months(3 * k),
        "semimonthly" => months(k / 2) + Duration::days(if k % 2 == 1 { 15 } else { 0 }),
        _ => first + Duration::days(14 * i64::from(k)),
    }
}

/// A loan: frequency, first due date, term, installment in cents, payments (date, cents).
#[derive(Debug, Clone)]
struct Loan {
    freq: &'static str,
    first: NaiveDate,
    n: u32,
    payment: i64,
    payments: Vec<(NaiveDate, i64)>,
}

impl Loan {
    fn paid(&self, t: NaiveDate) -> i64 {
        self.payments.iter().filter(|p| p.0 <= t).map(|p| p.1).sum()
    }

    fn dpd(&self, t: NaiveDate) -> i64 {
        let covered = (self.paid(t) / self.payment).min(i64::from(self.n)) as u32;
        if covered < self.n && due(self.freq, self.first, covered) <= t {
            (t - due(self.freq, self.first, covered)).num_days()
        } else {
            0
        }
    }

    fn document(&self) -> serde_json::Value {
        let money = |c: i64| format!("{}.{:02}", c / 100, c % 100);
        let payments: Vec<_> = self
            .payments
            .iter()
            .enumerate()
            .map(|(i, (d, c))| {
                json!({"id": i + 1, "date": lp(*d), "amount": money(*c), "active": 1,
                       "reverseDate": null, "status": "payment.status.success"})
            })
            .collect();
        json!({
            "id": 7, "displayId": "LN-7", "deleted": 0,
            "LoanSetup": {
                "contractDate": lp(self.first - Duration::days(30)),
                "firstPaymentDate": lp(self.first),
                "loanAmount": "10000.00", "loanTerm": self.n.to_string(),
                "payment": money(self.payment),
                "paymentFrequency": format!("loan.frequency.{}", self.freq),
                "loanClass": "loan.class.consumer", "loanType": "loan.type.installment"
            },
            "LoanSettings": {"creditStatus": "loan.creditstatus.0", "closedDate": null,
                             "creditBureau": "loan.creditbureau.01", "reportingType": "loan.reportingtype.I"},
            "StatusArchive": {"results": [{"date": lp(as_of()), "payoff": "5000.00", "principalBalance": "4900.00"}]},
            "Payments": {"results": payments},
            "Customers": {"results": [{"id": 1, "loanRole": "loan.customerRole.primary",
                "firstName": "Pat", "lastName": "Doe", "ssn": "524019876", "birthDate": lp(NaiveDate::from_ymd_opt(1980, 1, 1).unwrap()),
                "PrimaryAddress": {"address1": "1 Main St", "city": "Austin", "state": "geo.state.TX", "zipcode": "78701", "country": "company.country.usa"},
                "Phones": {"results": []}}]}
        })
    }
}

fn loan() -> impl Strategy<Value = Loan> {
    (
        0usize..FREQUENCIES.len(),
        0i64..900,
        6u32..60,
        1000i64..90_000,
        prop::collection::vec((0i64..1300, 0u8..4), 0..60),
    )
        .prop_map(|(f, start, n, payment, raw)| {
            let first = NaiveDate::from_ymd_opt(2023, 6, 1).unwrap() + Duration::days(start);
            let payments = raw
                .into_iter()
                .map(|(offset, kind)| {
                    let amount = match kind {
                        0 | 1 => payment,
                        2 => payment / 3 + 1,
                        _ => payment * 2,
                    };
                    (first + Duration::days(offset), amount)
                })
                .filter(|(d, _)| *d <= as_of())
                .collect();
            Loan {
                freq: FREQUENCIES[f].0,
                first,
                n,
                payment,
                payments,
            }
        })
}

fn params() -> Params {
    Params::new()
        .with("as_of", Value::Date(as_of()))
        .with("furnisher_id", Value::text("FURN12345"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn mapped_delinquency_fields_hold_the_invariants(loan in loan()) {
        let doc = metro2_engine::json::from_serde(&loan.document());
        let Outcome::Mapped { record, findings } = PLAN.eval(&doc, &params()) else {
            panic!("not mapped: {:?}", PLAN.eval(&doc, &params()).status());
        };
        let get = |k: &str| record.base.get(k).unwrap().trim().to_string();
        let dpd = loan.dpd(as_of());
        let apd: i64 = get("amount_past_due").parse().unwrap();
        prop_assert_eq!(apd > 0, dpd >= 30, "dpd {} apd {}", dpd, apd);

        let history = get("payment_history_profile");
        prop_assert_eq!(history.len(), 24);
        prop_assert!(history.trim_end_matches('B').chars().all(|c| ('0'..='6').contains(&c)), "{}", history);

        let dofd = get("date_of_first_delinquency");
        if dofd != "00000000" {
            let r = NaiveDate::parse_from_str(&dofd, "%m%d%Y").unwrap();
            prop_assert!(r <= as_of());
            prop_assert!(loan.dpd(r - Duration::days(1)) < 30, "the run starts on {}", r);
            let mut t = r;
            while t <= as_of() {
                prop_assert!(loan.dpd(t) >= 30, "dpd under 30 on {} inside the run from {}", t, r);
                t += Duration::days(1);
            }
        } else {
            prop_assert!(dpd < 30);
        }
        prop_assert!(findings.is_empty(), "{:?}", findings);
    }
}
