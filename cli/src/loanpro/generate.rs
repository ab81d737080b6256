//! Deterministic, realistic LoanPro loan documents (shapes as `example-loan.json`) for the
//! simulator, the demo and the benchmarks.
//!
//! The same `(n, seed, as_of)` always gives the same documents, on every platform: randomness
//! comes from a SplitMix64 stream per loan and money is computed in integer cents (the
//! amortisation factor is built by repeated multiplication, which IEEE 754 rounds the same
//! everywhere). Each loan has 24 to 60 scheduled installments due by `as_of`, a payment
//! behaviour (on time, recently late, seriously late, charged off, paid off, partial payer, a
//! reversed payment), one or two borrowers, a frequency among monthly, bi-weekly, weekly and
//! semi-monthly, and status-archive rows at the two previous month ends and on `as_of`, whose
//! figures follow `derivations.md` §3 from the payments.

use chrono::{Datelike, Duration, Months, NaiveDate};
use serde_json::{json, Map, Value};

use super::dates::{day_seconds, format_odata_day};

/// The id of the first generated loan; loan `i` (from 0) has id `FIRST_ID + i`.
pub const FIRST_ID: i64 = 100_001;

/// `n` loan documents for `seed`, as they stand on `as_of`.
pub fn generate_loans(n: usize, seed: u64, as_of: NaiveDate) -> Vec<Value> {
    (0..n).map(|i| generate_loan(i, seed, as_of)).collect()
}

/// Loan number `index` (from 0) of the set for `seed`.
pub fn generate_loan(index: usize, seed: u64, as_of: NaiveDate) -> Value {
    let mut rng = Rng::new(seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5EED);
    Builder::new(&mut rng, FIRST_ID + index as i64, as_of).build()
}

/// SplitMix64: tiny, fast, and its output is fixed by its definition (unlike `rand`'s
/// `StdRng`, whose algorithm may change between versions).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo + 1) as u64)) as i64
    }

    /// True with probability `percent / 100`.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Frequency {
    Monthly,
    BiWeekly,
    Weekly,
    SemiMonthly,
}

impl Frequency {
    fn code(self) -> &'static str {
        match self {
            Frequency::Monthly => "loan.frequency.monthly",
            Frequency::BiWeekly => "loan.frequency.biWeekly",
            Frequency::Weekly => "loan.frequency.weekly",
            Frequency::SemiMonthly => "loan.frequency.semimonthly",
        }
    }

    fn per_year(self) -> i64 {
        match self {
            Frequency::Monthly => 12,
            Frequency::BiWeekly => 26,
            Frequency::Weekly => 52,
            Frequency::SemiMonthly => 24,
        }
    }

    /// `due(k)` from `due(0)` (derivations §2; `due(0)`'s day is at most 28, so no clamping).
    fn due(self, first: NaiveDate, k: i64) -> NaiveDate {
        match self {
            Frequency::Monthly => first + Months::new(k as u32),
            Frequency::BiWeekly => first + Duration::days(14 * k),
            Frequency::Weekly => first + Duration::days(7 * k),
            Frequency::SemiMonthly => {
                let d = first + Months::new((k / 2) as u32);
                if k % 2 == 1 {
                    d + Duration::days(15)
                } else {
                    d
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Behaviour {
    OnTime,
    RecentlyLate,
    SeriouslyLate,
    ChargedOff,
    PaidOff,
    Partial,
    Reversed,
}

struct Builder<'r> {
    rng: &'r mut Rng,
    id: i64,
    as_of: NaiveDate,
}

/// A payment as generated: day, cents, reversed.
struct Paid {
    day: NaiveDate,
    cents: i64,
    reversed: bool,
}

const FIRST_NAMES: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "José",
    "María",
    "Björn",
    "Zoë",
    "Chloé",
    "Mary Ann",
    "Ngozi",
    "Wei",
    "Aisha",
    "Liam",
    "Sofía",
    "Øyvind",
    "Renée",
    "Dmitri",
];
const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodríguez",
    "Martinez",
    "Hernández",
    "Lopez",
    "Van Der Berg",
    "O'Brien",
    "St. John",
    "Nguyen",
    "Kim",
    "Müller",
    "Østergaard",
    "Lee",
    "Walker",
    "Young-Allen",
];
const STREETS: &[&str] = &[
    "Main St",
    "Oak Ave",
    "Elm St",
    "Maple Dr",
    "Cedar Ln",
    "Pine St",
    "Lakeview Rd",
    "N. Broadway",
    "Sunset Blvd",
    "Hillcrest Ct",
];
const CITIES: &[(&str, &str, &str)] = &[
    ("Austin", "TX", "78701"),
    ("Denver", "CO", "80202"),
    ("Coeur d'Alene", "ID", "83814"),
    ("Portland", "OR", "97205"),
    ("Columbus", "OH", "43215"),
    ("Raleigh", "NC", "27601"),
    ("Phoenix", "AZ", "85004"),
    ("St. Paul", "MN", "55102"),
    ("Tampa", "FL", "33602"),
    ("Boise", "ID", "83702"),
    ("Albany", "NY", "12207"),
    ("Fresno", "CA", "93721"),
];

impl<'r> Builder<'r> {
    fn new(rng: &'r mut Rng, id: i64, as_of: NaiveDate) -> Builder<'r> {
        Builder { rng, id, as_of }
    }

    fn build(self) -> Value {
        let Builder { rng, id, as_of } = self;
        let frequency = *rng.pick(&[
            Frequency::Monthly,
            Frequency::Monthly,
            Frequency::Monthly,
            Frequency::Monthly,
            Frequency::Monthly,
            Frequency::Monthly,
            Frequency::BiWeekly,
            Frequency::BiWeekly,
            Frequency::Weekly,
            Frequency::SemiMonthly,
        ]);
        let behaviour = match rng.range(0, 99) {
            0..=61 => Behaviour::OnTime,
            62..=73 => Behaviour::RecentlyLate,
            74..=78 => Behaviour::SeriouslyLate,
            79..=81 => Behaviour::ChargedOff,
            82..=89 => Behaviour::PaidOff,
            90..=94 => Behaviour::Partial,
            _ => Behaviour::Reversed,
        };
        let missed = match behaviour {
            Behaviour::RecentlyLate => rng.range(1, 3),
            Behaviour::SeriouslyLate => rng.range(4, 7),
            Behaviour::ChargedOff => rng.range(6, 9),
            _ => 0,
        };
        // Installments due by as_of; the paid ones stay within 24..=60.
        let due_count = rng.range(24, 60 - missed.min(36)) + missed;
        let first_due = first_due_date(rng, frequency, due_count, as_of);
        let due_count = (0..)
            .take_while(|k| frequency.due(first_due, *k) <= as_of)
            .count() as i64;
        let term = match behaviour {
            Behaviour::PaidOff => due_count,
            _ => due_count + rng.range(0, 36),
        };
        let contract = match frequency {
            Frequency::Monthly | Frequency::SemiMonthly => first_due - Months::new(1),
            Frequency::BiWeekly => first_due - Duration::days(14),
            Frequency::Weekly => first_due - Duration::days(7),
        };
        let principal_cents = rng.range(20, 400) * 10_000;
        let rate_bp = rng.range(500, 2_999); // annual rate in hundredths of a percent
        let installment = amortised_payment(principal_cents, rate_bp, frequency.per_year(), term);
        // Every due date once: the figures below look them up many times.
        let dues: Vec<NaiveDate> = (0..term).map(|k| frequency.due(first_due, k)).collect();
        let due = |k: i64| dues[k as usize];

        // Payments.
        let mut paid: Vec<Paid> = Vec::new();
        let paying = due_count - missed;
        for k in 0..paying {
            let mut day = due(k) + Duration::days(rng.range(-2, 3));
            if behaviour == Behaviour::Partial && k >= paying - 4 {
                day = due(k) + Duration::days(rng.range(0, 10));
            }
            let day = day.max(contract + Duration::days(1)).min(as_of);
            let cents = if behaviour == Behaviour::Partial && k >= paying - 4 {
                installment / 2
            } else {
                installment
            };
            paid.push(Paid {
                day,
                cents,
                reversed: false,
            });
        }
        if behaviour == Behaviour::Reversed {
            let k = paid.len() - rng.range(1, 3) as usize;
            paid[k].reversed = true;
        }
        let counted = |t: NaiveDate| -> i64 {
            paid.iter()
                .filter(|p| !p.reversed && p.day <= t)
                .map(|p| p.cents)
                .sum()
        };
        let balance_at = |t: NaiveDate| -> i64 {
            let covered = (counted(t) / installment).min(term);
            remaining_balance(
                principal_cents,
                rate_bp,
                frequency.per_year(),
                installment,
                covered,
            )
        };
        let dpd_at = |t: NaiveDate| -> i64 {
            let covered = (counted(t) / installment).min(term);
            if covered < term && due(covered) <= t {
                (t - due(covered)).num_days()
            } else {
                0
            }
        };
        let past_due_at = |t: NaiveDate| -> i64 {
            let limit = t - Duration::days(30);
            let due_by = dues.partition_point(|d| *d <= limit) as i64;
            (installment * due_by - counted(t)).max(0)
        };

        let closed = match behaviour {
            Behaviour::PaidOff => paid.last().map(|p| p.day),
            _ => None,
        };
        let charge_off = if behaviour == Behaviour::ChargedOff {
            balance_at(as_of)
        } else {
            0
        };
        let credit_status = match behaviour {
            Behaviour::ChargedOff => "loan.creditstatus.97",
            Behaviour::PaidOff if rng.chance(50) => "loan.creditstatus.13",
            _ if rng.chance(20) => "loan.creditstatus.11",
            _ => "loan.creditstatus.0",
        };

        // Status archive: the two previous month ends and as_of.
        let month_start = as_of.with_day(1).unwrap_or(as_of);
        let prev_end = month_start - Duration::days(1);
        let prev2_end = prev_end.with_day(1).unwrap_or(prev_end) - Duration::days(1);
        let mut archive = Vec::new();
        for (n, day) in [prev2_end, prev_end, as_of].into_iter().enumerate() {
            if day <= contract {
                continue;
            }
            let balance = if closed.is_some_and(|c| c <= day) {
                0
            } else {
                balance_at(day)
            };
            let interest = balance * rate_bp / 10_000 / frequency.per_year() / 2;
            archive.push(json!({
                "id": id * 10 + n as i64,
                "loanId": id,
                "date": format_odata_day(day),
                "payoff": money(if balance == 0 { 0 } else { balance + interest }),
                "principalBalance": money(balance),
                "daysPastDue": if closed.is_some_and(|c| c <= day) { 0 } else { dpd_at(day) },
                "amountPastDue30": money(past_due_at(day)),
                "netChargeOff": money(if day >= as_of { charge_off } else { 0 }),
            }));
        }

        let payments: Vec<Value> = paid
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let reverse_date = if p.reversed {
                    Value::String(format_odata_day((p.day + Duration::days(3)).min(as_of)))
                } else {
                    Value::Null
                };
                json!({
                    "id": id * 1000 + k as i64 + 1,
                    "date": format_odata_day(p.day),
                    "amount": money(p.cents),
                    "active": 1,
                    "reverseDate": reverse_date,
                    "status": if p.reversed { "payment.status.reversed" } else { "payment.status.success" },
                })
            })
            .collect();

        let class = *rng.pick(&[
            "loan.class.carLoan",
            "loan.class.consumer",
            "loan.class.consumer",
            "loan.class.other",
        ]);
        let credit_bureau = match class {
            "loan.class.carLoan" => json!("loan.creditbureau.00"),
            _ if rng.chance(50) => json!("loan.creditbureau.01"),
            _ => Value::Null,
        };
        let primary = customer(rng, id, 1, "loan.customerRole.primary", None);
        let mut customers = vec![primary.clone()];
        let joint = rng.chance(30);
        if joint {
            let shared = rng.chance(60).then(|| primary["PrimaryAddress"].clone());
            customers.push(customer(rng, id, 2, "loan.customerRole.secondary", shared));
        }
        let last_activity = archive
            .last()
            .and_then(|r| r["date"].as_str())
            .and_then(super::dates::odata_seconds)
            .unwrap_or(day_seconds(as_of));
        let last_updated = last_activity + 3_600 + rng.range(0, 40_000);
        let deleted = i64::from(rng.chance(1));

        let mut loan = Map::new();
        loan.insert(
            "__metadata".into(),
            json!({
                "uri": format!("https://loanpro.simnang.com/api/public/api/1/odata.svc/Loans(id={id})"),
                "type": "Entity.Loan"
            }),
        );
        loan.insert("id".into(), json!(id));
        loan.insert("displayId".into(), json!(format!("LN-{id:06}")));
        loan.insert("title".into(), json!(format!("Loan {id}")));
        loan.insert("active".into(), json!(1));
        loan.insert("archived".into(), json!(0));
        loan.insert("deleted".into(), json!(deleted));
        loan.insert("created".into(), json!(format_odata_day(contract)));
        loan.insert("lastMaintRun".into(), json!(format_odata_day(as_of)));
        loan.insert(
            "lastUpdated".into(),
            json!(format!("/Date({last_updated})/")),
        );
        loan.insert(
            "LoanSetup".into(),
            json!({
                "id": id * 3,
                "loanId": id,
                "contractDate": format_odata_day(contract),
                "firstPaymentDate": format_odata_day(first_due),
                "origFinalPaymentDate": format_odata_day(due(term - 1)),
                "loanAmount": money(principal_cents),
                "loanTerm": term.to_string(),
                "payment": money(installment),
                "paymentFrequency": frequency.code(),
                "loanClass": class,
                "loanType": "loan.type.installment",
                "loanRate": format!("{}.{:02}00", rate_bp / 100, rate_bp % 100),
            }),
        );
        loan.insert(
            "LoanSettings".into(),
            json!({
                "id": id * 5,
                "loanId": id,
                "creditStatus": credit_status,
                "creditBureau": credit_bureau,
                "reportingType": if rng.chance(50) { json!("loan.reportingtype.I") } else { Value::Null },
                "ECOACode": Value::Null,
                "coBuyerECOACode": if joint { json!("loan.ecoacodes.2") } else { Value::Null },
                "closedDate": closed.map(|d| Value::String(format_odata_day(d))).unwrap_or(Value::Null),
                "CustomFieldValues": { "results": [] },
            }),
        );
        loan.insert("StatusArchive".into(), json!({ "results": archive }));
        loan.insert("Customers".into(), json!({ "results": customers }));
        loan.insert("Payments".into(), json!({ "results": payments }));
        Value::Object(loan)
    }
}

/// `due(0)` such that installment `due_count − 1` falls on or before `as_of` and the next one
/// after it (semi-monthly: within one installment of that).
fn first_due_date(
    rng: &mut Rng,
    frequency: Frequency,
    due_count: i64,
    as_of: NaiveDate,
) -> NaiveDate {
    match frequency {
        Frequency::Monthly => {
            let day = rng.range(1, 28) as u32;
            let last = last_on_or_before(as_of, day);
            last - Months::new((due_count - 1) as u32)
        }
        Frequency::SemiMonthly => {
            // Pairs (d, d + 15); the caller recounts the installments due by as_of.
            let day = rng.range(1, 13) as u32;
            last_on_or_before(as_of, day) - Months::new(((due_count - 1) / 2) as u32)
        }
        Frequency::BiWeekly | Frequency::Weekly => {
            let period = if frequency == Frequency::Weekly {
                7
            } else {
                14
            };
            let last = as_of - Duration::days(rng.range(0, period - 1));
            last - Duration::days(period * (due_count - 1))
        }
    }
}

/// The latest date on or before `as_of` whose day of month is `day` (at most 28).
fn last_on_or_before(as_of: NaiveDate, day: u32) -> NaiveDate {
    let this = as_of.with_day(day).unwrap_or(as_of);
    if this <= as_of {
        this
    } else {
        this - Months::new(1)
    }
}

/// The level installment, in cents, of a loan of `principal` cents at `rate_bp` hundredths of
/// a percent a year over `term` payments, rounded up to the cent.
fn amortised_payment(principal: i64, rate_bp: i64, per_year: i64, term: i64) -> i64 {
    let r = rate_bp as f64 / 10_000.0 / per_year as f64;
    let mut growth = 1.0f64;
    for _ in 0..term {
        growth *= 1.0 + r;
    }
    let pmt = principal as f64 * r * growth / (growth - 1.0);
    pmt.ceil() as i64
}

/// The principal left after `covered` installments, in cents (never negative).
fn remaining_balance(
    principal: i64,
    rate_bp: i64,
    per_year: i64,
    installment: i64,
    covered: i64,
) -> i64 {
    let mut balance = principal;
    for _ in 0..covered {
        let interest = balance * rate_bp / 10_000 / per_year;
        balance = (balance + interest - installment).max(0);
    }
    balance
}

/// Cents as LoanPro's money text (`"1234.50"`).
fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// One customer; `address` reuses a co-borrower's home.
fn customer(rng: &mut Rng, loan_id: i64, n: i64, role: &str, address: Option<Value>) -> Value {
    let id = loan_id * 10 + n;
    let ssn = if rng.chance(3) {
        format!("{:09}", rng.range(900_000_000, 999_999_999)) // an ITIN, not an SSN
    } else {
        format!(
            "{:03}{:02}{:04}",
            rng.range(1, 665),
            rng.range(1, 99),
            rng.range(1, 9999)
        )
    };
    let birth = NaiveDate::from_ymd_opt(
        rng.range(1950, 2002) as i32,
        rng.range(1, 12) as u32,
        rng.range(1, 28) as u32,
    )
    .unwrap_or_default();
    let generation = *rng.pick(&[
        "customer.generationCode.none",
        "customer.generationCode.none",
        "customer.generationCode.none",
        "customer.generationCode.none",
        "customer.generationCode.none",
        "customer.generationCode.jr",
        "customer.generationCode.sr",
        "customer.generationCode.iii",
    ]);
    let address = address.unwrap_or_else(|| {
        let (city, state, zip) = *rng.pick(CITIES);
        let unit = if rng.chance(25) {
            json!(format!("Apt {}", rng.range(1, 40)))
        } else {
            json!("")
        };
        json!({
            "address1": format!("{} {}", rng.range(1, 9999), rng.pick(STREETS)),
            "address2": unit,
            "city": city,
            "state": format!("geo.state.{state}"),
            "zipcode": zip,
            "country": "company.country.usa",
            "id": id * 10,
        })
    });
    let mail = if rng.chance(10) {
        json!({
            "address1": format!("PO Box {}", rng.range(1, 9999)),
            "address2": "",
            "city": address["city"].clone(),
            "state": address["state"].clone(),
            "zipcode": address["zipcode"].clone(),
            "country": "company.country.usa",
            "id": id * 10 + 1,
        })
    } else {
        json!({ "address1": null, "address2": null, "city": null, "state": null, "zipcode": null })
    };
    json!({
        "__metadata": {
            "uri": format!("https://loanpro.simnang.com/api/public/api/1/odata.svc/Customers(id={id})"),
            "type": "Entity.Customer"
        },
        "id": id,
        "loanRole": role,
        "customerType": "customer.type.individual",
        "firstName": rng.pick(FIRST_NAMES),
        "middleName": if rng.chance(30) { *rng.pick(&["A", "Lee", "Marie", "J."]) } else { "" },
        "lastName": rng.pick(LAST_NAMES),
        "generationCode": generation,
        "ssn": ssn,
        "birthDate": format_odata_day(birth),
        "Phones": { "results": [ { "phone": format!("{}555{:04}", rng.pick(&["512", "303", "208", "503"]), rng.range(0, 9999)), "isPrimary": 1 } ] },
        "PrimaryAddress": address,
        "MailAddress": mail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()
    }

    #[test]
    fn same_seed_same_documents() {
        assert_eq!(
            generate_loans(20, 7, as_of()),
            generate_loans(20, 7, as_of())
        );
        assert_ne!(generate_loans(5, 7, as_of()), generate_loans(5, 8, as_of()));
    }

    #[test]
    fn realistic_mix() {
        let loans = generate_loans(400, 1, as_of());
        let mut delinquent = 0;
        let mut joint = 0;
        let mut frequencies = std::collections::BTreeSet::new();
        let mut bytes = 0;
        for loan in &loans {
            let payments = loan["Payments"]["results"].as_array().unwrap().len();
            assert!(
                (20..=61).contains(&payments),
                "{} has {payments} payments",
                loan["id"]
            );
            let rows = loan["StatusArchive"]["results"].as_array().unwrap();
            let newest = rows.last().unwrap();
            assert_eq!(newest["date"], format_odata_day(as_of()));
            if newest["daysPastDue"].as_i64().unwrap() >= 30 {
                delinquent += 1;
            }
            if loan["Customers"]["results"].as_array().unwrap().len() == 2 {
                joint += 1;
            }
            frequencies.insert(
                loan["LoanSetup"]["paymentFrequency"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
            for p in loan["Payments"]["results"].as_array().unwrap() {
                let day = crate::loanpro::dates::parse_value(&p["date"])
                    .unwrap()
                    .date_naive();
                assert!(day <= as_of());
            }
            bytes += serde_json::to_string(loan).unwrap().len();
        }
        assert!(
            (40..=120).contains(&delinquent),
            "{delinquent} delinquent of 400"
        );
        assert!((80..=160).contains(&joint), "{joint} joint of 400");
        assert_eq!(frequencies.len(), 4, "{frequencies:?}");
        let average = bytes / loans.len();
        assert!(
            (3_000..=9_000).contains(&average),
            "average document {average} bytes"
        );
    }

    #[test]
    fn amortisation_pays_the_loan_off() {
        let pmt = amortised_payment(1_200_000, 1_200, 12, 12);
        assert_eq!(pmt, 106_619); // 12,000.00 at 12 % over 12 months: 1,066.19 (rounded up)
        assert_eq!(remaining_balance(1_200_000, 1_200, 12, pmt, 12), 0);
        assert_eq!(money(123_405), "1234.05");
    }
}
