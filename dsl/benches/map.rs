//! Mapping speed: the compiled plan of `bench.m2map` against a hand-written Rust function that
//! produces the same bytes from the same parsed JSON, and JSON parsing alone for scale. Both
//! read the document type the plan reads (`metro2_engine::json::Doc`, sonic-rs with exact
//! numbers), parsed once before timing.
//!
//! `cargo bench -p m2map --bench map -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use metro2_engine::field::encode;
use metro2_engine::json::Doc as Json;
use metro2_engine::layout::{Field, SegmentKind};
use metro2_engine::plan::{Outcome, Params};
use metro2_engine::value::parse_loanpro_date;
use metro2_engine::{FieldValue, Segment, Value};
use rust_decimal::Decimal;
use serde_json::{json, Value as SerdeJson};
use sonic_rs::{JsonContainerTrait, JsonValueTrait};

const DOCS: usize = 1000;
/// Passes over the documents per round of the CPU-time comparison.
/// The kernel may account CPU time in scheduler ticks (on the shared 2-core machine the figures
/// moved in steps of 4 ms a round): 50 passes make the hand-written mapping's round about 20
/// steps long, so one step moves its figure by about 5%.
const PASSES: usize = 50;

fn day(n: i64) -> String {
    format!("/Date({})/", 1_700_000_000 + n * 86_400)
}

/// A LoanPro loan document in the connector's shape, varied by `i`.
fn loan(i: usize) -> SerdeJson {
    let payments: Vec<SerdeJson> = (0..12)
        .map(|k| {
            json!({
                "id": i * 100 + k, "date": day(30 * k as i64 + (i % 7) as i64),
                "amount": format!("{}.{:02}", 200 + i % 300, k * 7 % 100),
                "active": if k % 5 == 4 { 0 } else { 1 }, "status": "payment.status.success",
            })
        })
        .collect();
    let freq = [
        "loan.frequency.monthly",
        "loan.frequency.biWeekly",
        "loan.frequency.weekly",
    ][i % 3];
    json!({
        "id": 100_000 + i, "displayId": format!("LN-{:06}", i), "deleted": 0,
        "LoanSetup": {
            "contractDate": day(-((i % 400) as i64)), "loanAmount": format!("{}.00", 5000 + i * 13),
            "loanTerm": format!("{}", 12 + i % 48), "payment": format!("{}.{:02}", 150 + i % 500, i % 100),
            "paymentFrequency": freq,
        },
        "LoanSettings": {
            "creditBureau": if i.is_multiple_of(4) { SerdeJson::Null } else { json!("loan.creditbureau.00") },
        },
        "StatusArchive": {"results": [{
            "payoff": if i.is_multiple_of(3) { SerdeJson::Null } else { json!(format!("{}.37", 4000 + i)) },
            "principalBalance": format!("{}.11", 3900 + i), "daysPastDue": (i * 17) % 120,
            "amountPastDue30": format!("{}.50", (i * 31) % 900),
        }]},
        "Customers": {"results": [
            {"loanRole": "loan.customerRole.secondary", "firstName": "Sam", "lastName": "Other",
             "ssn": "123456789", "birthDate": day(-9000),
             "PrimaryAddress": {"address1": "9 Side St", "city": "Elsewhere", "state": "geo.state.CA", "zipcode": "90001"}},
            {"loanRole": "loan.customerRole.primary", "firstName": format!("Jane{}", i % 50),
             "lastName": format!("Doe{}", i % 97), "ssn": format!("{:09}", 400_000_000 + i),
             "birthDate": day(-10_000 - i as i64),
             "PrimaryAddress": {"address1": format!("{} Main St", i % 999), "city": "Austin",
                                "state": "geo.state.TX", "zipcode": format!("78{:03}-1234", i % 1000)}}
        ]},
        "Payments": {"results": payments},
    })
}

/// The fields the hand-written mapping writes, looked up once.
struct Fields {
    f: Vec<&'static Field>,
}

const KEYS: &[&str] = &[
    "identification_number",
    "consumer_account_number",
    "account_type",
    "date_opened",
    "highest_credit",
    "terms_duration",
    "terms_frequency",
    "scheduled_monthly_payment_amount",
    "actual_payment_amount",
    "account_status",
    "current_balance",
    "amount_past_due",
    "date_of_account_information",
    "date_of_last_payment",
    "surname",
    "first_name",
    "social_security_number",
    "date_of_birth",
    "first_line_of_address",
    "city",
    "state",
    "postal_code",
    "time_stamp",
];

fn list(j: &Json) -> &[Json] {
    j.get("results")
        .and_then(|r| r.as_array())
        .map(|a| &a[..])
        .unwrap_or(&[])
}

/// A JSON integer, read from its text as written (the parse keeps numbers as text).
fn int(j: &Json) -> Option<i64> {
    j.as_raw_number()?.as_str().parse().ok()
}

fn money(j: &Json) -> Decimal {
    if let Some(s) = j.as_str() {
        s.parse::<Decimal>().unwrap().trunc_with_scale(2)
    } else if let Some(n) = j.as_raw_number() {
        n.as_str().parse::<Decimal>().unwrap().trunc_with_scale(2)
    } else {
        Decimal::ZERO
    }
}

fn dollars(d: Decimal) -> i64 {
    let t = d.trunc();
    if t.is_sign_negative() {
        0
    } else {
        i64::try_from(t).unwrap()
    }
}

fn date(j: &Json) -> Option<NaiveDate> {
    j.as_str()
        .and_then(|s| parse_loanpro_date(s).ok().flatten())
}

fn after_last(s: &str) -> &str {
    s.rsplit_once('.').map(|x| x.1).unwrap_or(s)
}

/// The hand-written equivalent of `bench.m2map`: same bytes, straight Rust.
fn hand_written(
    doc: &Json,
    t: &Fields,
    template: &Segment,
    as_of: NaiveDate,
    furnisher: &str,
) -> Option<Segment> {
    if int(&doc["deleted"]) == Some(1) {
        return None;
    }
    let mut seg = template.clone();
    let out = seg.as_bytes_mut();
    let mut put = |i: usize, v: FieldValue<'_>| {
        let f = t.f[i];
        encode(f, &v, &mut out[f.range()]).unwrap();
    };
    let setup = &doc["LoanSetup"];
    let customers = list(&doc["Customers"]);
    let primary = customers
        .iter()
        .find(|c| c["loanRole"] == "loan.customerRole.primary")
        .or(customers.first())
        .unwrap();
    let address = &primary["PrimaryAddress"];
    let row = &list(&doc["StatusArchive"])[0];
    let balance = if row["payoff"].is_null() {
        money(&row["principalBalance"])
    } else {
        money(&row["payoff"])
    };
    let payments = list(&doc["Payments"]);
    let paid: Decimal = payments
        .iter()
        .filter(|p| int(&p["active"]) == Some(1))
        .map(|p| money(&p["amount"]))
        .sum();
    let account: String = doc["displayId"]
        .as_str()
        .unwrap()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    put(0, FieldValue::Text(furnisher));
    put(1, FieldValue::Text(&account));
    put(
        2,
        FieldValue::Text(after_last(
            doc["LoanSettings"]["creditBureau"]
                .as_str()
                .unwrap_or("loan.creditbureau.01"),
        )),
    );
    put(
        3,
        date(&setup["contractDate"])
            .map(FieldValue::Date)
            .unwrap_or(FieldValue::Empty),
    );
    put(4, FieldValue::Int(dollars(money(&setup["loanAmount"]))));
    put(
        5,
        FieldValue::Int(setup["loanTerm"].as_str().unwrap().parse().unwrap()),
    );
    let freq = match setup["paymentFrequency"].as_str().unwrap() {
        "loan.frequency.weekly" => "W",
        "loan.frequency.biWeekly" => "B",
        "loan.frequency.monthly" => "M",
        _ => return None,
    };
    put(6, FieldValue::Text(freq));
    put(7, FieldValue::Int(dollars(money(&setup["payment"]))));
    put(8, FieldValue::Int(dollars(paid)));
    let status = match int(&row["daysPastDue"]).unwrap_or(0) {
        0..=29 => "11",
        30..=59 => "71",
        60..=89 => "78",
        _ => "84",
    };
    put(9, FieldValue::Text(status));
    put(10, FieldValue::Int(dollars(balance)));
    put(11, FieldValue::Int(dollars(money(&row["amountPastDue30"]))));
    put(12, FieldValue::Date(as_of));
    put(
        13,
        payments
            .last()
            .and_then(|p| date(&p["date"]))
            .map(FieldValue::Date)
            .unwrap_or(FieldValue::Empty),
    );
    put(
        14,
        FieldValue::Text(&primary["lastName"].as_str().unwrap().to_uppercase()),
    );
    put(
        15,
        FieldValue::Text(&primary["firstName"].as_str().unwrap().to_uppercase()),
    );
    put(
        16,
        FieldValue::Int(primary["ssn"].as_str().unwrap().parse().unwrap()),
    );
    put(
        17,
        date(&primary["birthDate"])
            .map(FieldValue::Date)
            .unwrap_or(FieldValue::Empty),
    );
    put(
        18,
        FieldValue::Text(&address["address1"].as_str().unwrap().to_uppercase()),
    );
    put(
        19,
        FieldValue::Text(&address["city"].as_str().unwrap().to_uppercase()),
    );
    put(
        20,
        FieldValue::Text(after_last(address["state"].as_str().unwrap())),
    );
    let zip: String = address["zipcode"]
        .as_str()
        .unwrap()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    put(21, FieldValue::Text(&zip));
    put(22, FieldValue::Date(as_of));
    Some(seg)
}

fn bench(c: &mut Criterion) {
    let source = include_str!("bench.m2map");
    let compiled = m2map::compile(source, "bench.m2map").unwrap_or_else(|d| panic!("{d}"));
    let plan = compiled.plan;
    let as_of = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    let params = Params::new()
        .with("as_of", Value::Date(as_of))
        .with("furnisher_id", Value::text("FURN12345"));
    let texts: Vec<String> = (0..DOCS).map(|i| loan(i).to_string()).collect();
    let docs: Vec<Json> = texts
        .iter()
        .map(|t| metro2_engine::json::parse(t).unwrap())
        .collect();

    let layout = SegmentKind::Base.layout();
    let fields = Fields {
        f: KEYS.iter().map(|k| layout.field(k).unwrap()).collect(),
    };
    let mut template = Segment::blank(SegmentKind::Base);
    for (k, v) in [
        ("processing_indicator", "1"),
        ("correction_indicator", "0"),
        ("portfolio_type", "I"),
        ("credit_limit", "0"),
        ("payment_history_profile", "BBBBBBBBBBBBBBBBBBBBBBBB"),
        ("interest_type_indicator", "F"),
        ("ecoa_code", "1"),
        ("country_code", "US"),
    ] {
        template.set_key(k, &FieldValue::Text(v)).unwrap();
    }
    // The parameters are looked up once, as the hand-written mapping takes its two as
    // arguments.
    let bound = plan.bind(&params).expect("the bench's parameters");
    // The two must agree to the byte before their speeds mean anything.
    for d in &docs {
        let Outcome::Mapped { record, .. } = bound.eval(d) else {
            panic!("not mapped")
        };
        let hand = hand_written(d, &fields, &template, as_of, "FURN12345").unwrap();
        assert_eq!(record.base.as_bytes(), hand.as_bytes());
    }

    cpu_time_ratio(
        &texts,
        &docs,
        &|d| {
            black_box(bound.eval(d));
        },
        &|d| {
            black_box(hand_written(d, &fields, &template, as_of, "FURN12345"));
        },
    );

    let mut g = c.benchmark_group("map_1000_loans");
    g.throughput(Throughput::Elements(DOCS as u64));
    g.bench_function("json_parse", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(metro2_engine::json::parse(t).unwrap());
            }
        })
    });
    g.bench_function("plan_eval", |b| {
        b.iter(|| {
            for d in &docs {
                black_box(bound.eval(d));
            }
        })
    });
    g.bench_function("hand_written", |b| {
        b.iter(|| {
            for d in &docs {
                black_box(hand_written(d, &fields, &template, as_of, "FURN12345"));
            }
        })
    });
    g.finish();
}

/// This thread's CPU time in nanoseconds (Linux), so a loaded shared machine does not distort
/// the comparison: wall-clock time counts the time other processes hold the cores.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Interleaves the three workloads round by round and prints the CPU time per document of
/// each and the plan's ratio to the hand-written mapping (the figure the README records).
fn cpu_time_ratio(texts: &[String], docs: &[Json], plan: &dyn Fn(&Json), hand: &dyn Fn(&Json)) {
    let Some(_) = cpu_ns() else { return };
    let (mut parse, mut p, mut h) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..9 {
        // Several passes per round: the kernel's CPU clock may tick in milliseconds.
        let t = cpu_ns().unwrap();
        for _ in 0..PASSES {
            for s in texts {
                black_box(metro2_engine::json::parse(s).unwrap());
            }
        }
        let t1 = cpu_ns().unwrap();
        for _ in 0..PASSES {
            for d in docs {
                plan(d);
            }
        }
        let t2 = cpu_ns().unwrap();
        for _ in 0..PASSES {
            for d in docs {
                hand(d);
            }
        }
        let t3 = cpu_ns().unwrap();
        parse.push(t1 - t);
        p.push(t2 - t1);
        h.push(t3 - t2);
    }
    let median = |v: &mut Vec<u64>| {
        v.sort_unstable();
        v[v.len() / 2] as f64 / (PASSES * docs.len()) as f64 / 1000.0
    };
    let (parse, p, h) = (median(&mut parse), median(&mut p), median(&mut h));
    println!(
        "cpu time per document (median of 9 interleaved rounds of {PASSES} passes): json parse {parse:.2} µs, plan {p:.2} µs, hand-written {h:.2} µs; plan / hand-written = {:.2}",
        p / h
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
