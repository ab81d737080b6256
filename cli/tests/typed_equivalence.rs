//! A plan writes most fields through typed writers (`engine/src/plan/typed.rs`) and falls back
//! to the general closures when a document is not in the shape a writer reads; explain mode
//! always takes the general closures. Both must give the same records and the same failures:
//! this compares them for the LoanPro preset over every fixture and a few hundred generated
//! loans, and for the mapping bench's file over loans whose fields are changed at random into
//! every shape LoanPro sends and some it should not.

mod common;

use std::sync::LazyLock;

use chrono::NaiveDate;
use common::preset::{fixtures, outcome_text};
use metro2_engine::json;
use metro2_engine::plan::{Outcome, Params, Plan};
use metro2_engine::value::Value;
use proptest::prelude::*;
use serde_json::{json, Value as Json};

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 31).expect("a date")
}

fn compile(path: &str) -> Plan {
    let source = std::fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR")))
        .expect("the mapping is readable");
    compile_text(&source, path)
}

fn compile_text(mapping: &str, name: &str) -> Plan {
    m2map::compile(mapping, name)
        .unwrap_or_else(|d| panic!("{}", d.render_plain(100)))
        .plan
}

// Each mapping the property tests map with, compiled (and read) once for all their cases.
static SHAPES_PLAN: LazyLock<Plan> = LazyLock::new(|| compile_text(SHAPES, "shapes.m2map"));
static CLEAN_SHAPES_PLAN: LazyLock<Plan> =
    LazyLock::new(|| compile_text(CLEAN_SHAPES, "clean_shapes.m2map"));
static DEFAULT_SHAPES_PLAN: LazyLock<Plan> =
    LazyLock::new(|| compile_text(DEFAULT_SHAPES, "default_shapes.m2map"));
static IF_SHAPES_PLAN: LazyLock<Plan> =
    LazyLock::new(|| compile_text(IF_SHAPES, "if_shapes.m2map"));
static BENCH_PLAN: LazyLock<Plan> = LazyLock::new(|| compile("dsl/benches/bench.m2map"));

fn params() -> Params {
    Params::new()
        .with("as_of", Value::Date(as_of()))
        .with("furnisher_id", Value::text("FURN12345"))
}

/// The typed path (`eval`) and the general one (`explain`) on one document.
fn both(plan: &Plan, doc: &json::Doc) -> (String, String) {
    let p = params();
    (
        outcome_text(&plan.eval(doc, &p)),
        outcome_text(&plan.explain(doc, &p).outcome),
    )
}

#[test]
fn the_shapes_map_the_unchanged_loan() {
    for plan in [
        &*SHAPES_PLAN,
        &*CLEAN_SHAPES_PLAN,
        &*DEFAULT_SHAPES_PLAN,
        &*IF_SHAPES_PLAN,
    ] {
        let doc = json::from_serde(&loan());
        let outcome = plan.eval(&doc, &params());
        assert!(
            matches!(outcome, Outcome::Mapped { .. }),
            "{}",
            outcome_text(&outcome)
        );
        let (typed, general) = both(plan, &doc);
        assert_eq!(typed, general);
    }
}

/// Lets computed by a clean-up built-in (`let line = address(home.address1 ?? "", 32)`, as
/// the preset's `home_line`) are cleaned the typed way outside explain mode: on texts that
/// each kind of clean-up treats differently (a `/` is a space in an address and dropped from a
/// name, a space is a hyphen in a given name), and absent, null and not text, where the
/// general closure computes them.
#[test]
fn lets_cleaned_the_typed_way_give_what_the_general_path_gives() {
    let plan = compile_text(CLEAN_LETS, "clean_lets.m2map");
    let texts = [
        json!("123/B main st. #4"),
        json!("  o'brien-smith  jr. "),
        json!("Mary Ann/Lou"),
        json!("geo.state.tx"),
        json!("78701-1234"),
        json!("Zoë Østergaard"),
        json!(""),
        json!(null),
        json!(5),
    ];
    for (i, t) in texts.iter().enumerate() {
        let mut doc = loan();
        let customer = &mut doc["Customers"]["results"][1];
        for key in ["lastName", "firstName"] {
            customer[key] = t.clone();
        }
        for key in ["address1", "state", "zipcode"] {
            customer["PrimaryAddress"][key] = t.clone();
        }
        let (typed, general) = both(&plan, &json::from_serde(&doc));
        assert_eq!(typed, general, "text {i}: {t}");
    }
    // The loan as it is maps, so the comparison is of records.
    let outcome = plan.eval(&json::from_serde(&loan()), &params());
    assert!(
        matches!(outcome, Outcome::Mapped { .. }),
        "{}",
        outcome_text(&outcome)
    );
}

#[test]
fn duplicate_keys_read_the_first_both_ways() {
    // JSON text can repeat a key (serde_json's maps cannot): every reader takes the first.
    let text = loan()
        .to_string()
        .replace(
            r#""amount":"207.00","active":1"#,
            r#""active":0,"active":1,"amount":"207.00","amount":"1.00""#,
        )
        .replace(
            r#""amount":"207.14","active":1"#,
            r#""amount":"207.14","amount":"5.00","active":1"#,
        )
        .replace(r#""loanTerm":"19""#, r#""loanTerm":"19","loanTerm":"77""#);
    assert!(text.contains(r#""active":0,"active":1"#), "{text}");
    assert!(text.contains(r#""amount":"5.00""#), "{text}");
    let doc = json::parse(&text).expect("JSON");
    for plan in [
        &*BENCH_PLAN,
        &*SHAPES_PLAN,
        &*CLEAN_SHAPES_PLAN,
        &*DEFAULT_SHAPES_PLAN,
    ] {
        let (typed, general) = both(plan, &doc);
        assert_eq!(typed, general);
    }
}

#[test]
fn an_element_after_the_first_kept_fails_the_filter_both_ways() {
    // `first(list where ...)` filters the whole list first, as a `where` does, so an element
    // after the one it gives whose key cannot be read is a failure on both paths.
    let mut doc = loan();
    set(
        &mut doc,
        "/Customers/results/0/loanRole",
        Some(json!("loan.customerRole.primary")),
    );
    set(&mut doc, "/Customers/results/1", Some(json!("x")));
    let (typed, general) = both(&SHAPES_PLAN, &json::from_serde(&doc));
    assert!(general.contains("cannot read .loanRole of"), "{general}");
    assert_eq!(typed, general);
}

#[test]
fn co_borrowers_at_two_addresses_map_the_same_both_ways() {
    // J1 and J2 read `consumer_address` of each co-borrower in turn, in their filters and
    // fields; a result kept for one co-borrower must never be given for another.
    let (typed, general) = j1_loan_both_ways(|customers| {
        let mut elsewhere = customers[1].clone();
        elsewhere["id"] = json!(1001253);
        elsewhere["firstName"] = json!("Riley");
        elsewhere["PrimaryAddress"]["address1"] = json!("88 Far Road");
        elsewhere["PrimaryAddress"]["zipcode"] = json!("10001");
        elsewhere["MailAddress"] = json!({"address1": "PO Box 12", "city": "Albany",
        "state": "geo.state.NY", "zipcode": "12207", "country": "company.country.usa"});
        let mut home = customers[1].clone();
        home["id"] = json!(1001254);
        home["firstName"] = json!("Casey");
        // Elsewhere, at home, elsewhere again: every filter switches co-borrower at each element.
        customers.insert(1, elsewhere.clone());
        customers.push(home);
        elsewhere["id"] = json!(1001255);
        elsewhere["firstName"] = json!("Morgan");
        elsewhere["MailAddress"]["address1"] = json!("PO Box 99");
        customers.push(elsewhere);
    });
    assert_eq!(typed, general);
    let lines: Vec<&str> = typed.lines().collect();
    assert_eq!(lines.len(), 1 + 4, "{typed}");
    for (line, (kind, name)) in lines[1..].iter().zip([
        ("J1", "JORDAN"),
        ("J1", "CASEY"),
        ("J2", "RILEY"),
        ("J2", "MORGAN"),
    ]) {
        assert!(line.starts_with(kind) && line.contains(name), "{line}");
    }
    assert!(
        lines[3].contains("PO BOX 12") && lines[4].contains("PO BOX 99"),
        "{typed}"
    );
}

#[test]
fn each_co_borrower_is_read_anew_both_ways() {
    // J1 is written once per co-borrower; nothing read or kept for one (a key's value, a
    // built-in's result) may be given for the next, which has other keys, nulls where the
    // first has texts, and them in another order.
    let (typed, general) = j1_loan_both_ways(|customers| {
        let mut first = customers[1].clone();
        first["id"] = json!(1001261);
        first["firstName"] = json!("Avery");
        first["middleName"] = json!("Quinn");
        first["generationCode"] = json!("loan.generationCode.jr");
        let mut second = serde_json::Map::new();
        // The second without a middle name or generation code, its keys in reverse order.
        for (k, v) in customers[1].as_object().expect("a customer").iter().rev() {
            if k != "middleName" && k != "generationCode" {
                second.insert(k.clone(), v.clone());
            }
        }
        second.insert("id".into(), json!(1001262));
        second.insert("firstName".into(), json!("Blake"));
        second.insert("ssn".into(), Json::Null);
        customers.truncate(1);
        customers.push(first);
        customers.push(Json::Object(second));
    });
    assert_eq!(typed, general);
    let lines: Vec<&str> = typed.lines().collect();
    assert_eq!(lines.len(), 1 + 2, "{typed}");
    assert!(
        lines[1].contains("AVERY") && lines[1].contains("QUINN"),
        "{typed}"
    );
    assert!(
        lines[2].contains("BLAKE") && !lines[2].contains("QUINN"),
        "{typed}"
    );
}

#[test]
fn a_co_borrowers_address_in_every_shape_maps_the_same_both_ways() {
    // J1/J2 read `consumer_address(co)` the typed way (a built-in from a node to a node); each
    // shape of a customer's two addresses must give what the general path gives, an error
    // included.
    let original = fixture("co_borrower_same_address_j1.json");
    let plan = compile("presets/loanpro.m2map");
    let mail = json!({"address1": "PO Box 7", "city": "Austin", "state": "geo.state.TX",
        "zipcode": "78702", "country": "company.country.usa"});
    let shapes: [(&str, Option<Json>); 9] = [
        ("/MailAddress", Some(mail.clone())),
        (
            "/MailAddress",
            Some(json!({"address1": " #. ", "city": "Nowhere"})),
        ),
        ("/MailAddress", Some(json!(null))),
        ("/MailAddress", None),
        ("/MailAddress/address1", Some(json!(12))),
        ("/MailAddress/address1", Some(json!(null))),
        ("/PrimaryAddress", None),
        ("/PrimaryAddress", Some(json!(null))),
        ("", Some(json!(null))),
    ];
    let mut j2 = 0;
    for (i, (pointer, value)) in shapes.iter().enumerate() {
        let mut loan = original.clone();
        set(
            &mut loan,
            &format!("/Customers/results/1{pointer}"),
            value.clone(),
        );
        let (typed, general) = both(&plan, &json::from_serde(&loan));
        assert_eq!(typed, general, "shape {i}: {pointer} = {value:?}");
        j2 += usize::from(typed.lines().any(|l| l.starts_with("J2")));
    }
    // The mail address moves the first co-borrower to J2, with its lines.
    let mut loan = original.clone();
    set(&mut loan, "/Customers/results/1/MailAddress", Some(mail));
    let (typed, _) = both(&plan, &json::from_serde(&loan));
    assert!(
        typed.contains("J2") && typed.contains("PO BOX 7"),
        "{typed}"
    );
    assert!(j2 >= 2, "{j2} shapes gave a J2");
}

#[test]
fn the_preset_maps_every_fixture_the_same_both_ways() {
    let plan = compile("presets/loanpro.m2map");
    let mut n = 0;
    for (name, text) in fixtures("") {
        let doc = json::parse(&text).expect("a fixture is JSON");
        let (typed, general) = both(&plan, &doc);
        assert_eq!(typed, general, "{name}");
        n += 1;
    }
    assert!(n >= 30, "{n} fixtures");
}

#[test]
fn the_preset_maps_generated_loans_the_same_both_ways() {
    let plan = compile("presets/loanpro.m2map");
    for loan in metro2::loanpro::generate::generate_loans(300, 7, as_of()) {
        let doc = json::from_serde(&loan);
        let (typed, general) = both(&plan, &doc);
        assert_eq!(typed, general, "{}", loan["id"]);
    }
}

/// The J1 fixture with its `Customers` changed by `edit`, through the preset both ways.
fn j1_loan_both_ways(edit: impl FnOnce(&mut Vec<Json>)) -> (String, String) {
    let mut loan = fixture("co_borrower_same_address_j1.json");
    edit(
        loan["Customers"]["results"]
            .as_array_mut()
            .expect("customers"),
    );
    both(&compile("presets/loanpro.m2map"), &json::from_serde(&loan))
}

/// The LoanPro fixture `name` (of `fixtures/loanpro/`).
fn fixture(name: &str) -> Json {
    let path = format!("{}/../fixtures/loanpro/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture"))
        .expect("a fixture is JSON")
}

/// A loan in the mapping bench's shape.
fn loan() -> Json {
    json!({
        "id": 100_007, "displayId": "LN-000007", "deleted": 0,
        "LoanSetup": {
            "contractDate": "/Date(1690000000)/", "loanAmount": "5091.00", "loanTerm": "19",
            "payment": "157.07", "paymentFrequency": "loan.frequency.biWeekly",
        },
        "LoanSettings": {"creditBureau": "loan.creditbureau.00"},
        "StatusArchive": {"results": [{
            "payoff": "4007.37", "principalBalance": "3907.11", "daysPastDue": 119,
            "amountPastDue30": "217.50",
        }]},
        "Customers": {"results": [
            {"loanRole": "loan.customerRole.secondary", "firstName": "Sam", "lastName": "Other",
             "ssn": "123456789", "birthDate": "/Date(922400000)/",
             "PrimaryAddress": {"address1": "9 Side St", "city": "Elsewhere",
                                "state": "geo.state.CA", "zipcode": "90001"}},
            {"loanRole": "loan.customerRole.primary", "firstName": "Jane7", "lastName": "Doe7",
             "ssn": "400000007", "birthDate": "/Date(835000000)/",
             "PrimaryAddress": {"address1": "7 Main St", "city": "Austin",
                                "state": "geo.state.TX", "zipcode": "78007-1234"}},
        ]},
        "Payments": {"results": [
            {"id": 1, "date": "/Date(1700000000)/", "amount": "207.00", "active": 1},
            {"id": 2, "date": "/Date(1702592000)/", "amount": "207.07", "active": 0},
            {"id": 3, "date": "/Date(1705184000)/", "amount": "207.14", "active": 1},
        ]},
    })
}

/// The places the bench's mapping reads, as JSON pointers.
const PLACES: &[&str] = &[
    "/displayId",
    "/deleted",
    "/LoanSetup",
    "/LoanSetup/contractDate",
    "/LoanSetup/loanAmount",
    "/LoanSetup/loanTerm",
    "/LoanSetup/payment",
    "/LoanSetup/paymentFrequency",
    "/LoanSettings",
    "/LoanSettings/creditBureau",
    "/StatusArchive",
    "/StatusArchive/results/0/payoff",
    "/StatusArchive/results/0/principalBalance",
    "/StatusArchive/results/0/daysPastDue",
    "/StatusArchive/results/0/amountPastDue30",
    "/Customers",
    "/Customers/results/0/loanRole",
    "/Customers/results/1/loanRole",
    "/Customers/results/1/lastName",
    "/Customers/results/1/ssn",
    "/Customers/results/1/birthDate",
    "/Customers/results/1/PrimaryAddress",
    "/Customers/results/1/PrimaryAddress/state",
    "/Customers/results/1/PrimaryAddress/zipcode",
    "/Payments",
    "/Payments/results/0/active",
    "/Payments/results/0/amount",
    "/Payments/results/2",
    "/Payments/results/2/date",
];

/// What a place may hold instead (`None`: the key is removed).
fn variant() -> impl Strategy<Value = Option<Json>> {
    prop_oneof![
        Just(None),
        Just(Some(Json::Null)),
        Just(Some(json!(""))),
        Just(Some(json!("x.y"))),
        Just(Some(json!("12"))),
        Just(Some(json!("1.5"))),
        Just(Some(json!(7))),
        Just(Some(json!(-3.25))),
        Just(Some(json!(true))),
        Just(Some(json!([]))),
        Just(Some(json!({}))),
        Just(Some(json!({"__deferred": {"uri": "x"}}))),
        Just(Some(json!("/Date(0)/"))),
        Just(Some(json!("loan.customerRole.primary"))),
        Just(Some(json!(1))),
    ]
}

fn set(doc: &mut Json, pointer: &str, value: Option<Json>) {
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    let Some(parent) = doc.pointer_mut(parent) else {
        return;
    };
    match (parent, value) {
        (Json::Object(o), Some(v)) => {
            o.insert(key.to_string(), v);
        }
        (Json::Object(o), None) => {
            o.remove(key);
        }
        (Json::Array(a), v) => {
            if let Ok(i) = key.parse::<usize>() {
                if i < a.len() {
                    a[i] = v.unwrap_or(Json::Null);
                }
            }
        }
        _ => {}
    }
}

/// Each typed shape written straight into a field (in the bench's mapping some are read only
/// through a `match` or a table, which would hide a wrong value that lands in the same arm).
const SHAPES: &str = r#"m2map 1
segment base {
  processing_indicator = 1
  time_stamp = 2026-10-31
  correction_indicator = 0
  identification_number = after_last(LoanSettings.creditBureau ?? "a.b.DEF", ".")
  consumer_account_number = upper(LoanSetup.paymentFrequency ?? "x.default")
  portfolio_type = "I"
  account_type = "01"
  middle_name = digits(first(Customers where loanRole == "loan.customerRole.primary").ssn)
  date_opened = date(last(Payments).date)
  credit_limit = 0
  highest_credit = dollars(LoanSetup.payment ?? "12.50")
  terms_duration = int(LoanSetup.loanTerm ?? 7)
  terms_frequency = "M"
  scheduled_monthly_payment_amount = dollars(LoanSetup.loanAmount ?? "99.99")
  actual_payment_amount = dollars(sum(Payments where active == 1, money(amount)))
  account_status = "11"
  payment_history_profile = "BBBBBBBBBBBBBBBBBBBBBBBB"
  current_balance = dollars(money(first(StatusArchive).payoff ?? first(StatusArchive).principalBalance))
  amount_past_due = int(first(StatusArchive).daysPastDue ?? 3)
  date_of_account_information = 2026-10-31
  interest_type_indicator = "F"
  surname = alnum(first(Customers).lastName)
  first_name = first(Customers).firstName
  social_security_number = int(last(Customers).ssn)
  date_of_birth = date(last(Customers).birthDate)
  ecoa_code = "1"
  country_code = "US"
  first_line_of_address = upper(last(Customers).PrimaryAddress.address1)
  city = last(Customers).PrimaryAddress.city
  state = after_last(last(Customers).PrimaryAddress.state, ".")
  postal_code = digits(last(Customers).PrimaryAddress.zipcode)
}
"#;

/// The clean-up writers (derivations.md §1, §8) on the places `PLACES` changes, with and
/// without defaults.
const CLEAN_SHAPES: &str = r#"m2map 1
segment base {
  processing_indicator = 1
  time_stamp = 2026-10-31
  correction_indicator = 0
  identification_number = state(LoanSettings.creditBureau ?? "geo.state.TX")
  consumer_account_number = account_number(displayId)
  portfolio_type = "I"
  account_type = "01"
  middle_name = given_name(first(Customers where loanRole == "loan.customerRole.primary").lastName ?? "Mary Ann", 20)
  date_opened = 2020-01-01
  credit_limit = 0
  highest_credit = 0
  terms_duration = 0
  terms_frequency = "M"
  scheduled_monthly_payment_amount = 0
  actual_payment_amount = 0
  account_status = "11"
  payment_history_profile = "BBBBBBBBBBBBBBBBBBBBBBBB"
  current_balance = 0
  amount_past_due = 0
  date_of_account_information = 2026-10-31
  interest_type_indicator = "F"
  surname = surname(last(Customers).lastName, 25)
  first_name = given_name(LoanSetup.paymentFrequency ?? "", 3)
  generation_code = generation(first(Customers).loanRole ?? "customer.generationCode.jr")
  social_security_number = int(ssn(last(Customers).ssn ?? ""))
  telephone_number = int(phone(LoanSetup.loanTerm ?? "(512) 555-0100"))
  date_of_birth = 1980-01-01
  ecoa_code = "1"
  country_code = country(LoanSetup.paymentFrequency ?? "company.country.usa")
  first_line_of_address = address(last(Customers).PrimaryAddress.address1 ?? "", 32)
  second_line_of_address = address(LoanSettings.creditBureau, 5)
  city = address(last(Customers).PrimaryAddress.state, 20)
  state = state(last(Customers).PrimaryAddress.state ?? "")
  postal_code = zip(last(Customers).PrimaryAddress.zipcode ?? "")
}
"#;

/// The base segment's required fields that the mappings below set to constants, as
/// `concat!` takes them.
macro_rules! constant_fields {
    () => {
        r#"  processing_indicator = 1
  time_stamp = 2026-10-31
  correction_indicator = 0
  consumer_account_number = "A1"
  portfolio_type = "I"
  account_type = "01"
  date_opened = 2020-01-01
  credit_limit = 0
  highest_credit = 0
  terms_duration = 0
  terms_frequency = "M"
  scheduled_monthly_payment_amount = 0
  actual_payment_amount = 0
  account_status = "11"
  payment_history_profile = "BBBBBBBBBBBBBBBBBBBBBBBB"
  current_balance = 0
  amount_past_due = 0
  date_of_account_information = 2026-10-31
  interest_type_indicator = "F"
"#
    };
}

/// Clean-up built-ins in lets, each read by two fields (a let read once is compiled into its
/// field, whose typed writer cleans it) (`lets_cleaned_the_typed_way_...`).
const CLEAN_LETS: &str = concat!(
    r#"m2map 1
let home = last(Customers).PrimaryAddress
let line = address(home.address1 ?? "", 32)
let zip5 = zip(home.zipcode ?? "")
let st = state(home.state ?? "")
let sur = surname(last(Customers).lastName ?? "", 25)
let given = given_name(last(Customers).firstName ?? "", 20)
segment base {
"#,
    constant_fields!(),
    r#"  identification_number = zip5
  surname = sur
  first_name = given
  middle_name = given
  date_of_birth = 1980-01-01
  ecoa_code = "1"
  country_code = st
  first_line_of_address = line
  second_line_of_address = line
  city = sur
  state = st
  postal_code = zip5
}
"#
);

/// Lists read with a default that is not a node of the document (`x ?? []`): read typed where
/// the list is there, by the general path where it is not. The rule reads the lets again after
/// the fields, through the general path, so a let a writer filled wrongly shows.
const DEFAULT_SHAPES: &str = concat!(
    r#"m2map 1
let rows = Payments ?? []
let people = Customers ?? []
segment base {
"#,
    constant_fields!(),
    r#"  identification_number = "X"
  surname = (first(rows where active == 0) ?? first(rows)).amount ?? "none"
  first_name = first((Customers ?? []) where loanRole == "loan.customerRole.primary").firstName ?? "none"
  telephone_number = int(phone((first(people where loanRole == "loan.customerRole.secondary") ?? first(people)).ssn ?? ""))
  date_of_birth = 1980-01-01
  ecoa_code = "1"
  country_code = "US"
  first_line_of_address = "1 MAIN ST"
  city = "AUSTIN"
  state = "TX"
  postal_code = "78701"
}

rule T-LISTS warning "a loan without payments or customers":
  count(rows) > 0 and count(people) > 0
"#
);

/// `if` written into a field: text, whole-number and date fields; branches that are constants
/// (one too wide for its field), typed shapes, nested `if`s and general expressions; conditions
/// that can fail (a comparison of kinds that do not compare).
const IF_SHAPES: &str = r#"m2map 1
let term = int(LoanSetup.loanTerm ?? 0)
segment base {
  processing_indicator = 1
  time_stamp = 2026-10-31
  correction_indicator = 0
  identification_number = if (LoanSettings.creditBureau ?? "") != "" then after_last(LoanSettings.creditBureau, ".") else "NONE"
  consumer_account_number = "A1"
  portfolio_type = if LoanSetup.paymentFrequency == "loan.frequency.biWeekly" then "B" else if LoanSetup.payment == "12" then "TOO WIDE" else "I"
  account_type = if term < 10 then after_last(LoanSettings.creditBureau, ".") else default_type[LoanSetup.paymentFrequency ?? ""]
  date_opened = if LoanSetup.loanAmount != none then date(LoanSetup.contractDate) else 2020-01-01
  credit_limit = 0
  highest_credit = if LoanSetup.loanAmount > 1000 then dollars(LoanSetup.loanAmount) else 0
  terms_duration = if term > 12 then term else int(LoanSetup.loanAmount ?? 5)
  terms_frequency = "M"
  scheduled_monthly_payment_amount = if first(Payments).active == 1 then term * 2 else none
  actual_payment_amount = 0
  account_status = if displayId == "LN-000007" then "11" else if deleted == 1 then "13" else upper(displayId ?? "x")
  payment_history_profile = "BBBBBBBBBBBBBBBBBBBBBBBB"
  current_balance = 0
  amount_past_due = 0
  date_of_account_information = 2026-10-31
  date_closed = if LoanSetup.loanTerm == "19" then date(last(Payments).date) else none
  interest_type_indicator = "F"
  surname = if first(Customers).loanRole == "loan.customerRole.secondary" then surname(first(Customers).lastName ?? "", 25) else "NOBODY"
  first_name = if term == 19 then first(Customers).firstName ?? "" else "NONE"
  date_of_birth = 1980-01-01
  ecoa_code = "1"
  country_code = "US"
  first_line_of_address = "1 MAIN ST"
  city = "AUSTIN"
  state = "TX"
  postal_code = "78701"
}

table default_type {
  "loan.frequency.biWeekly" => "00"
  _ => "01"
}
"#;

/// The loan with `changes` made, mapped both ways by `plan`; the changed loan for messages.
fn changed_both_ways(plan: &Plan, changes: Vec<(usize, Option<Json>)>) -> (String, String, Json) {
    let mut doc = loan();
    for (place, value) in changes {
        set(&mut doc, PLACES[place], value);
    }
    let (typed, general) = both(plan, &json::from_serde(&doc));
    (typed, general, doc)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn each_clean_up_writer_gives_what_the_general_path_gives(
        changes in prop::collection::vec((0..PLACES.len(), variant()), 0..4),
    ) {
        let (typed, general, doc) = changed_both_ways(&CLEAN_SHAPES_PLAN, changes);
        prop_assert_eq!(typed, general, "{}", doc);
    }

    #[test]
    fn each_list_with_a_default_gives_what_the_general_path_gives(
        changes in prop::collection::vec((0..PLACES.len(), variant()), 0..4),
    ) {
        let (typed, general, doc) = changed_both_ways(&DEFAULT_SHAPES_PLAN, changes);
        prop_assert_eq!(typed, general, "{}", doc);
    }

    #[test]
    fn each_typed_shape_gives_what_the_general_path_gives(
        changes in prop::collection::vec((0..PLACES.len(), variant()), 0..4),
    ) {
        let (typed, general, doc) = changed_both_ways(&SHAPES_PLAN, changes);
        prop_assert_eq!(typed, general, "{}", doc);
    }

    #[test]
    fn each_if_writer_gives_what_the_general_path_gives(
        changes in prop::collection::vec((0..PLACES.len(), variant()), 0..4),
    ) {
        let (typed, general, doc) = changed_both_ways(&IF_SHAPES_PLAN, changes);
        prop_assert_eq!(typed, general, "{}", doc);
    }

    #[test]
    fn the_bench_mapping_maps_changed_loans_the_same_both_ways(
        changes in prop::collection::vec((0..PLACES.len(), variant()), 1..4),
    ) {
        let (typed, general, doc) = changed_both_ways(&BENCH_PLAN, changes);
        prop_assert_eq!(typed, general, "{}", doc);
    }
}

/// The fields a base segment must assign that [`constant_fields`] leaves to each mapping, as
/// constants.
const OTHER_REQUIRED: &str = r#"  identification_number = "FURN1"
  surname = "DOE"
  first_name = "JANE"
  ecoa_code = "1"
  first_line_of_address = "1 MAIN ST"
  city = "AUSTIN"
  state = "TX"
  postal_code = "78701"
"#;

/// The preset's `table name { ... }`, as `presets/loanpro.m2map` writes it.
fn preset_table(name: &str) -> String {
    let source = std::fs::read_to_string(format!(
        "{}/../presets/loanpro.m2map",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the preset is readable");
    let start = source
        .find(&format!("table {name} {{"))
        .unwrap_or_else(|| panic!("the preset has no table {name}"));
    let end = start + source[start..].find("\n}").expect("the table ends") + 2;
    source[start..end].to_string()
}

/// `history_profile` written the typed way (one character a month straight into the field)
/// gives what the general path gives, over the fixtures and generated loans, for each kind of
/// per-month expression: a table of texts (the preset's), digits and a text, a text of a digit,
/// and ones the typed writer leaves to the general path (a month of two characters, a
/// character that is not ASCII, a number above 9, a month the table has no row for), into
/// fields of other widths, and over a list written in the mapping.
#[test]
fn history_profiles_written_the_typed_way_give_what_the_general_path_gives() {
    let months = [
        r#"history_char[text(it ?? "B")]"#,
        r#"it ?? "B""#,
        "text(it ?? 0)",
        r#"if it == none then "BB" else text(it)"#,
        r#"if it == none then "é" else text(it)"#,
        "text((it ?? 0) + 8)",
        r#"history_char[text(it ?? "X")]"#,
        r#"if (it ?? 0) >= 2 then "L" else "-""#,
    ];
    let fields = [
        "payment_history_profile",
        "surname",
        "first_name",
        "consumer_account_number",
    ];
    let mut docs: Vec<json::Doc> = metro2::loanpro::generate::generate_loans(60, 5, as_of())
        .iter()
        .map(json::from_serde)
        .collect();
    for (_, text) in fixtures("") {
        docs.push(json::parse(&text).expect("a fixture is JSON"));
    }
    let history_char = preset_table("history_char");
    let mut mapped = 0;
    let mut failed = 0;
    for each in months {
        for field in fields {
            for list in ["t.history(as_of)", r#"["1", "2", none, 3]"#] {
                let others: String = format!("{}{OTHER_REQUIRED}", constant_fields!())
                    .lines()
                    .filter(|l| l.split('=').next().map(str::trim) != Some(field))
                    .map(|l| format!("{l}\n"))
                    .collect();
                let mapping = format!(
                    "m2map 1\nparam as_of: date\n{history_char}\nlet t = delinquency(LoanSetup, Payments)\nsegment base {{\n{others}  {field} = history_profile({list}, {each})\n}}\n"
                );
                let plan = compile_text(&mapping, "profiles.m2map");
                for doc in &docs {
                    let (typed, general) = both(&plan, doc);
                    assert_eq!(typed, general, "{field} = history_profile({list}, {each})");
                    if general.starts_with("error") {
                        failed += 1;
                    } else if !general.starts_with("skipped") {
                        mapped += 1;
                    }
                }
            }
        }
    }
    // Both kinds of outcome are compared: records, and failures the general path words.
    assert!(
        mapped >= 1_000 && failed >= 1_000,
        "{mapped} mapped, {failed} failed"
    );
}
