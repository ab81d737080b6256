//! `presets/loanpro.m2map` written out by hand in Rust, for the bench only: the ceiling of any
//! compilation of the preset. It reads the same `sonic_rs::Value` document and calls the same
//! engine code the preset's built-ins call (the timeline, the clean-ups of §1 and §8, the field
//! encoder), so what it saves against the plan is exactly the interpreter's cost: dynamic
//! values, slots, closures. The bench checks it gives the plan's bytes and rule results on every
//! generated loan before timing it.
//!
//! It reads the shapes LoanPro sends (money, flags, the term, SSNs, ZIP codes and phone numbers
//! as strings or numbers; the other text fields as strings); where the plan would fail a loan (a
//! bad date, a missing balance) it returns [`Hand::Error`] without a message.
//! `cli/tests/preset_by_hand.rs` checks it against the plan over every fixture.

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};
use metro2_engine::builtins::payments_text::CountedPayments;
use metro2_engine::clean::codes;
use metro2_engine::clean::date::loanpro_day;
use metro2_engine::clean::money::{parse_money, Cents};
use metro2_engine::clean::text::{address, address_is_blank, given_name, surname};
use metro2_engine::field::encode;
use metro2_engine::json::Doc;
use metro2_engine::layout::{Field, SegmentKind};
use metro2_engine::loan::Loan;
use metro2_engine::plan::{Bound, Outcome};
use metro2_engine::timeline::days::{date_of, day_of, Day};
use metro2_engine::timeline::{bucket, profile_text, LoanTerms, LoanTimeline, PaymentRow};
use metro2_engine::{DataRecord, FieldValue, Segment};
use sonic_rs::{JsonContainerTrait, JsonValueTrait};

/// What the hand-written mapping made of a loan.
// Returned by value once a loan and matched at once, as the plan's `Outcome` is: boxing the
// record would add an allocation the plan does not make.
#[allow(clippy::large_enum_variant)]
pub enum Hand {
    /// The record and the ids of the rules that did not hold.
    Mapped(DataRecord, Vec<&'static str>),
    /// A skip of §4.
    Skipped,
    /// A loan the plan fails.
    Error,
}

/// The segments' fields, looked up once.
pub struct ByHand {
    base: Vec<&'static Field>,
    j1: Vec<&'static Field>,
    j2: Vec<&'static Field>,
}

/// The base segment's fields other than the primary consumer's, in the order
/// [`ByHand::try_map`] writes them; then [`PERSON`] and [`ADDRESS`] for the primary.
const ACCOUNT: &[&str] = &[
    "processing_indicator",
    "time_stamp",
    "correction_indicator",
    "identification_number",
    "consumer_account_number",
    "portfolio_type",
    "account_type",
    "date_opened",
    "credit_limit",
    "highest_credit",
    "terms_duration",
    "terms_frequency",
    "scheduled_monthly_payment_amount",
    "actual_payment_amount",
    "account_status",
    "payment_rating",
    "payment_history_profile",
    "current_balance",
    "amount_past_due",
    "original_charge_off_amount",
    "date_of_account_information",
    "date_of_first_delinquency",
    "date_closed",
    "date_of_last_payment",
    "interest_type_indicator",
];

/// A consumer's fields in the base segment, J1 and J2, in the order [`ByHand::person`] and the
/// base segment write them.
const PERSON: &[&str] = &[
    "surname",
    "first_name",
    "middle_name",
    "generation_code",
    "social_security_number",
    "date_of_birth",
    "telephone_number",
    "ecoa_code",
];

/// A consumer's address fields in the base segment and J2.
const ADDRESS: &[&str] = &[
    "country_code",
    "first_line_of_address",
    "second_line_of_address",
    "city",
    "state",
    "postal_code",
];

/// The preset's `open_status` table: an open account's status by its dpd bucket (§4 rule 6).
const OPEN_STATUS: [&str; 7] = ["11", "71", "78", "80", "82", "83", "84"];

/// A payment rating's character by its bucket.
const DIGITS: [&str; 7] = ["0", "1", "2", "3", "4", "5", "6"];

fn fields(kind: SegmentKind, keys: &[&str]) -> Vec<&'static Field> {
    keys.iter()
        .map(|k| kind.layout().field(k).expect("a layout key"))
        .collect()
}

/// An object's keys read in one pass (sonic-rs finds a key by decoding every key before it, so
/// each `get` on the node would scan again).
struct Keys<'d>(Vec<(&'d str, &'d Doc)>);

impl<'d> Keys<'d> {
    fn of(j: Option<&'d Doc>) -> Keys<'d> {
        Keys(
            j.and_then(|j| j.as_object())
                .map(|o| o.iter().collect())
                .unwrap_or_default(),
        )
    }

    /// The first value of `key`, as `get` reads duplicate keys.
    fn get(&self, key: &str) -> Option<&'d Doc> {
        self.0.iter().find(|(k, _)| *k == key).map(|p| p.1)
    }

    /// The [`text`] of `key`, `""` when absent.
    fn text(&self, key: &str) -> Cow<'d, str> {
        text(self.get(key)).unwrap_or_default()
    }
}

/// A scalar's text as the preset reads it: a string, or a number's text as written (LoanPro
/// sometimes sends SSNs, ZIP codes, terms and money as numbers). `None` for null and missing.
fn text(j: Option<&Doc>) -> Option<Cow<'_, str>> {
    let j = j?;
    match j.as_str() {
        Some(s) => Some(Cow::Borrowed(s)),
        None => j.as_raw_number().map(|n| Cow::Owned(n.as_str().to_owned())),
    }
}

/// A `{"results": [...]}` list.
fn list(j: Option<&Doc>) -> &[Doc] {
    j.and_then(|j| j.get("results"))
        .and_then(|r| r.as_array())
        .map_or(&[], |a| &a[..])
}

/// Whether a customer's loanRole is `role`.
fn has_role(c: &Doc, role: &str) -> bool {
    text(c.get("loanRole")).as_deref() == Some(role)
}

/// LoanPro's flag: 1 as a number or a text, or `true`. (Not through [`text`]: a number's
/// text would be copied for every payment's `active`.)
fn is_one(j: Option<&Doc>) -> bool {
    j.is_some_and(|j| {
        j.as_bool() == Some(true)
            || j.as_str() == Some("1")
            || j.as_raw_number().is_some_and(|n| n.as_str() == "1")
    })
}

/// An amount of §1, from its [`text`]; `Ok(None)` for null, missing and `""`.
fn money(j: Option<&Doc>) -> Result<Option<Cents>, ()> {
    match j {
        None => Ok(None),
        Some(j) if j.is_null() => Ok(None),
        Some(j) => match text(Some(j)).ok_or(())? {
            t if t.is_empty() => Ok(None),
            t => parse_money(&t).map(Some).map_err(drop),
        },
    }
}

/// A date of §1 as a day number; `Ok(None)` for every "no date" form.
fn day(j: Option<&Doc>) -> Result<Option<Day>, ()> {
    match j {
        None => Ok(None),
        Some(j) if j.is_null() => Ok(None),
        Some(j) => loanpro_day(j.as_str().ok_or(())?).map_err(drop),
    }
}

fn after_last(s: &str) -> &str {
    s.rsplit_once('.').map_or(s, |x| x.1)
}

/// The counted payments of §3.
fn payments(rows: &[Doc]) -> Result<Vec<(Day, Cents)>, ()> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let o = row.as_object().ok_or(())?;
        let (mut active, mut date, mut reversed, mut status, mut amount) =
            (None, None, None, None, None);
        for (k, v) in o.iter() {
            match k {
                "active" => active = Some(v),
                "date" => date = Some(v),
                "reverseDate" => reversed = Some(v),
                "status" => status = Some(v),
                "amount" => amount = Some(v),
                _ => {}
            }
        }
        let row = PaymentRow {
            active: is_one(active),
            date: day(date)?,
            reverse_date: day(reversed)?,
            status: status.and_then(|s| s.as_str()),
            amount: money(amount)?.unwrap_or(Cents::ZERO),
        };
        if row.counts() {
            out.push((row.date.expect("a counted payment is dated"), row.amount));
        }
    }
    Ok(out)
}

/// The customer's MailAddress when its first line is not blank, else its PrimaryAddress (§8).
fn consumer_address<'d>(c: &Keys<'d>) -> Keys<'d> {
    let mail = Keys::of(c.get("MailAddress"));
    if address_is_blank(&mail.text("address1")) {
        Keys::of(c.get("PrimaryAddress"))
    } else {
        mail
    }
}

fn date_value(d: Option<Day>) -> FieldValue<'static> {
    d.map_or(FieldValue::Empty, |d| FieldValue::Date(date_of(d)))
}

impl ByHand {
    /// Looks the fields up.
    pub fn new() -> ByHand {
        ByHand {
            base: fields(SegmentKind::Base, &[ACCOUNT, PERSON, ADDRESS].concat()),
            j1: fields(SegmentKind::J1, PERSON),
            j2: fields(SegmentKind::J2, &[PERSON, ADDRESS].concat()),
        }
    }

    /// Maps one loan as `presets/loanpro.m2map` does.
    pub fn map(&self, doc: &Doc, as_of: NaiveDate, furnisher: &str) -> Hand {
        self.try_map(doc, None, as_of, furnisher)
            .unwrap_or(Hand::Error)
    }

    /// [`ByHand::map`] of a document parsed by the plan (`Plan::parse`): its payments
    /// counted from the text when the plan read them so.
    pub fn map_loan(&self, loan: &Loan, as_of: NaiveDate, furnisher: &str) -> Hand {
        let counted = loan
            .payments
            .as_ref()
            .and_then(CountedPayments::of)
            .map(|c| &c.0[..]);
        self.try_map(&loan.doc, counted, as_of, furnisher)
            .unwrap_or(Hand::Error)
    }

    fn try_map(
        &self,
        doc: &Doc,
        counted: Option<&[(Day, Cents)]>,
        as_of: NaiveDate,
        furnisher: &str,
    ) -> Result<Hand, ()> {
        let as_of_day = day_of(as_of);
        let month_first = day_of(as_of.with_day(1).expect("day 1"));
        let loan = Keys::of(Some(doc));
        let setup = Keys::of(loan.get("LoanSetup"));
        let settings = Keys::of(loan.get("LoanSettings"));
        let opened = day(setup.get("contractDate"))?;
        let closed = day(settings.get("closedDate"))?;

        // §4: the override, the newest status row, the balance, the rule.
        let credit_status = settings.text("creditStatus");
        let over = match after_last(&credit_status) {
            code @ ("61" | "62" | "63" | "64" | "65" | "93" | "95" | "96" | "97" | "DA" | "DF") => {
                code
            }
            _ => "",
        };
        let is_delete = over == "DA" || over == "DF";
        let mut row: Option<(Day, &Doc)> = None;
        for r in list(loan.get("StatusArchive")) {
            if let Some(d) = day(r.get("date"))?.filter(|d| *d <= as_of_day) {
                if row.is_none_or(|(b, _)| d >= b) {
                    row = Some((d, r));
                }
            }
        }
        let row_date = row.map(|r| r.0);
        let row = Keys::of(row.map(|r| r.1));
        let row_balance = match money(row.get("payoff"))? {
            Some(b) => Some(b),
            None => money(row.get("principalBalance"))?,
        };
        let paid_off = closed.is_some_and(|c| c <= as_of_day) && row_balance == Some(Cents::ZERO);

        // The skips of §4.
        if is_one(loan.get("deleted")) || opened.is_some_and(|o| o > as_of_day) {
            return Ok(Hand::Skipped);
        }
        if !is_delete && paid_off && closed.is_some_and(|c| c < month_first) {
            return Ok(Hand::Skipped);
        }

        // §2-§3: the timeline.
        let frequency = text(setup.get("paymentFrequency")).ok_or(())?;
        let term = match setup.text("loanTerm").as_ref() {
            "" => 0,
            t => t.parse().map_err(drop)?,
        };
        let terms = LoanTerms {
            frequency: &frequency,
            first_due: day(setup.get("firstPaymentDate"))?.map(date_of),
            contract: opened.map(date_of),
            term,
            payment: money(setup.get("payment"))?.unwrap_or(Cents::ZERO),
        };
        let counted = match counted {
            Some(c) => c.to_vec(),
            None => payments(list(loan.get("Payments")))?,
        };
        let lt = LoanTimeline::new(&terms, counted).map_err(drop)?;
        let t = &lt.timeline;

        let balance = match row_balance {
            Some(b) if row_date.is_some_and(|d| d >= month_first) => b,
            _ if is_delete => Cents::ZERO,
            _ => return Err(()),
        };
        let decided_by = if is_delete {
            2
        } else if paid_off {
            4
        } else if !over.is_empty() {
            5
        } else {
            6
        };
        let status = match decided_by {
            4 => match over {
                "61" | "62" | "63" | "64" | "65" => over,
                "97" => "64",
                "93" => "62",
                "95" => "61",
                "96" => "63",
                _ => "13",
            },
            6 => OPEN_STATUS[usize::from(bucket(t.dpd(as_of_day)))],
            _ => over,
        };
        let end_day = if decided_by == 4 {
            closed.ok_or(())?
        } else {
            as_of_day
        };
        let off_schedule = matches!(
            status,
            "13" | "61" | "62" | "63" | "64" | "65" | "93" | "95" | "96" | "97" | "DA" | "DF"
        );
        let rated = (decided_by == 4 && matches!(status, "13" | "65"))
            || (decided_by == 5 && matches!(status, "65" | "95"));
        let dofd = if decided_by == 4 && status == "13" {
            t.dofd_paid(end_day)
        } else if decided_by == 4 || decided_by == 5 {
            t.dofd_led_to(end_day)
        } else {
            t.dofd_open(as_of_day)
        };

        // §8: the consumers.
        let customers = list(loan.get("Customers"));
        let primary = customers
            .iter()
            .find(|c| has_role(c, "loan.customerRole.primary"))
            .or(customers.first())
            .ok_or(())?;
        let has_secondary = customers
            .iter()
            .any(|c| has_role(c, "loan.customerRole.secondary"));
        let primary_keys = Keys::of(Some(primary));
        let home = consumer_address(&primary_keys);
        let home_line = address(&home.text("address1"), 32);
        let home_zip = codes::zip(&home.text("zipcode"));

        let mut base = Segment::blank(SegmentKind::Base);
        let out = base.as_bytes_mut();
        let mut failed = false;
        let mut put = |i: usize, v: FieldValue<'_>| {
            let f = self.base[i];
            failed |= encode(f, &v, &mut out[f.range()]).is_err();
        };
        put(0, FieldValue::Int(1));
        put(1, FieldValue::Date(as_of));
        put(2, FieldValue::Int(0));
        put(3, FieldValue::Text(furnisher));
        put(
            4,
            FieldValue::Text(&codes::account_number(
                &text(loan.get("displayId")).ok_or(())?,
            )),
        );
        let reporting = settings.text("reportingType");
        put(
            5,
            FieldValue::Text(if !reporting.is_empty() {
                after_last(&reporting)
            } else if setup.text("loanClass") == "loan.class.mortgage" {
                "M"
            } else if setup.text("loanType") == "loan.type.creditLimit" {
                "C"
            } else {
                "I"
            }),
        );
        let bureau = settings.text("creditBureau");
        put(
            6,
            FieldValue::Text(if !bureau.is_empty() {
                after_last(&bureau)
            } else {
                match setup.text("loanClass").as_ref() {
                    "loan.class.carLoan" => "00",
                    "loan.class.mortgage" => "26",
                    _ => "01",
                }
            }),
        );
        put(7, date_value(opened));
        put(8, FieldValue::Int(0));
        put(
            9,
            FieldValue::Int(money(setup.get("loanAmount"))?.ok_or(())?.dollars()),
        );
        let months = t.schedule().frequency().terms_months(t.schedule().len());
        if months > 999 {
            return Err(());
        }
        put(10, FieldValue::Text(&format!("{months:03}")));
        put(11, FieldValue::Text(t.schedule().frequency().terms_code()));
        let scheduled = if off_schedule {
            0
        } else {
            t.scheduled_monthly_dollars()
        };
        put(12, FieldValue::Int(scheduled));
        put(
            13,
            FieldValue::Int(t.paid_between(month_first, end_day).dollars()),
        );
        put(14, FieldValue::Text(status));
        let rating = rated.then(|| t.payment_rating(end_day));
        put(
            15,
            rating.map_or(FieldValue::Empty, |r| {
                FieldValue::Text(DIGITS[usize::from(r)])
            }),
        );
        let profile = profile_text(&lt.history(as_of));
        put(16, FieldValue::Text(&profile));
        let current_balance = balance.dollars();
        put(17, FieldValue::Int(current_balance));
        let past_due = if decided_by == 4 {
            0
        } else {
            t.amount_past_due_dollars(as_of_day)
        };
        put(18, FieldValue::Int(past_due));
        let charge_off = if matches!(status, "97" | "64") {
            money(row.get("netChargeOff"))?
                .unwrap_or(Cents::ZERO)
                .dollars()
        } else {
            0
        };
        put(19, FieldValue::Int(charge_off));
        put(20, FieldValue::Date(date_of(end_day)));
        put(21, date_value(dofd));
        put(22, date_value((decided_by == 4).then_some(end_day)));
        put(23, date_value(t.last_payment(end_day)));
        put(24, FieldValue::Text("F"));
        let ecoa = codes::ecoa_or_default(
            codes::ecoa_code(&settings.text("ECOACode")),
            true,
            has_secondary,
        );
        write_person(&mut put, ACCOUNT.len(), &primary_keys, &ecoa)?;
        write_address(
            &mut put,
            ACCOUNT.len() + PERSON.len(),
            &home,
            &home_line,
            &home_zip,
        );
        if failed {
            return Err(());
        }
        let mut record = DataRecord::new(base);

        // J1/J2: the co-borrowers, in list order.
        let co_buyer_ecoa = codes::ecoa_or_default(
            codes::ecoa_code(&settings.text("coBuyerECOACode")),
            false,
            has_secondary,
        );
        for c in customers {
            if !has_role(c, "loan.customerRole.secondary")
                || std::ptr::eq(c, primary)
                || c == primary
            {
                continue;
            }
            let c = Keys::of(Some(c));
            let a = consumer_address(&c);
            let line = address(&a.text("address1"), 32);
            let zip = codes::zip(&a.text("zipcode"));
            let same = line == home_line && zip == home_zip;
            let (kind, fs) = if same {
                (SegmentKind::J1, &self.j1)
            } else {
                (SegmentKind::J2, &self.j2)
            };
            let mut seg = Segment::blank(kind);
            let out = seg.as_bytes_mut();
            let mut put = |i: usize, v: FieldValue<'_>| {
                let f = fs[i];
                failed |= encode(f, &v, &mut out[f.range()]).is_err();
            };
            write_person(&mut put, 0, &c, &co_buyer_ecoa)?;
            if !same {
                write_address(&mut put, PERSON.len(), &a, &line, &zip);
            }
            if failed {
                return Err(());
            }
            record.push(seg);
        }
        record.set_rdw();

        // The preset's rules, on the values written. LP-STATUS-DPD (an open account's status is
        // `open_status` of its bucket) holds by construction here: the status is computed so.
        let mut broken = Vec::new();
        let late = matches!(
            status,
            "71" | "78" | "80" | "82" | "83" | "84" | "93" | "97"
        );
        let clear = matches!(status, "11" | "13" | "61" | "62" | "63" | "64" | "65");
        if (late && past_due <= 0) || (clear && past_due != 0) {
            broken.push("LP-STATUS-APD");
        }
        let derogatory = matches!(
            status,
            "61" | "62"
                | "63"
                | "64"
                | "65"
                | "71"
                | "78"
                | "80"
                | "82"
                | "83"
                | "84"
                | "93"
                | "95"
                | "96"
                | "97"
        );
        if derogatory && dofd.is_none() {
            broken.push("LP-DOFD-REQUIRED");
        }
        if status == "13" && rating.is_some_and(|r| r >= 1) != dofd.is_some() {
            broken.push("LP-DOFD-RATING");
        }
        if status == "11" && dofd.is_some() {
            broken.push("LP-DOFD-CURRENT");
        }
        if dofd.is_some_and(|d| d > end_day) {
            broken.push("LP-DOFD-PAST");
        }
        let digits = profile.trim_end_matches('B');
        if !digits.bytes().all(|b| (b'0'..=b'6').contains(&b)) {
            broken.push("LP-HISTORY");
        }
        if matches!(status, "13" | "61" | "62" | "63" | "64" | "65") && current_balance != 0 {
            broken.push("LP-PAID-BALANCE");
        }
        if (ecoa == "1" && has_secondary) || (ecoa == "2" && !has_secondary) {
            broken.push("LP-ECOA-CUSTOMERS");
        }
        Ok(Hand::Mapped(record, broken))
    }
}

/// The shipped preset compiled, the plan the hand-written one is compared with: the text
/// embedded in `metro2` (`sync::preset`), so a bench binary needs no checkout beside it (an
/// old build can be timed against a new one after its checkout is gone).
pub fn compiled_preset() -> metro2_engine::plan::Plan {
    m2map::compile(
        metro2::sync::preset::LOANPRO_PRESET,
        "presets/loanpro.m2map",
    )
    .unwrap_or_else(|d| panic!("{}", d.render_plain(100)))
    .plan
}

/// The plan's outcome on a loan's JSON text, when the hand-written preset agrees with it: the
/// same kind (record, skip, failure), and for a record the same segments and the same rules
/// broken. `plan` must be the preset bound with the same `as_of` and `furnisher_id`.
pub fn agree(
    plan: &Bound<'_>,
    hand: &ByHand,
    text: &str,
    as_of: NaiveDate,
    furnisher: &str,
) -> Result<Outcome, String> {
    let doc = metro2_engine::json::parse(text).map_err(|e| format!("does not parse: {e}"))?;
    let outcome = plan.eval(&doc);
    same(&outcome, hand.map(&doc, as_of, furnisher))?;
    // The document as the plan parses it for mapping (its payments counted from the text):
    // the same outcome, through the plan and by hand.
    let loan = plan
        .parse(text)
        .map_err(|e| format!("does not parse: {e}"))?;
    let counted = plan.eval_loan(&loan);
    if format!("{counted:?}") != format!("{outcome:?}") {
        return Err(format!(
            "the plan's outcome on the parsed loan differs: {counted:?}"
        ));
    }
    same(&outcome, hand.map_loan(&loan, as_of, furnisher))
        .map_err(|e| format!("(the parsed loan) {e}"))?;
    Ok(outcome)
}

/// Whether the hand-written preset's result is the plan's outcome.
fn same(outcome: &Outcome, hand: Hand) -> Result<(), String> {
    match (outcome, hand) {
        (Outcome::Mapped { record, findings }, Hand::Mapped(mine, broken)) => {
            if *record != mine {
                let text = |r: &DataRecord| {
                    r.segments()
                        .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
                        .collect::<Vec<_>>()
                        .join("\n")
                };
                return Err(format!(
                    "wrote\n{}\nthe plan\n{}",
                    text(&mine),
                    text(record)
                ));
            }
            let rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
            if rules != broken {
                return Err(format!("broke {broken:?}, the plan {rules:?}"));
            }
        }
        (Outcome::Skipped { .. }, Hand::Skipped) | (Outcome::Error(_), Hand::Error) => {}
        (p, _) => return Err(format!("disagrees with the plan's {}", p.status())),
    }
    Ok(())
}

/// The [`PERSON`] fields of a consumer from `at` on, with its ECOA code (§1, §8).
fn write_person(
    put: &mut impl FnMut(usize, FieldValue<'_>),
    at: usize,
    c: &Keys<'_>,
    ecoa: &str,
) -> Result<(), ()> {
    put(at, FieldValue::Text(&surname(&c.text("lastName"), 25)));
    put(
        at + 1,
        FieldValue::Text(&given_name(&c.text("firstName"), 20)),
    );
    put(
        at + 2,
        FieldValue::Text(&given_name(&c.text("middleName"), 20)),
    );
    put(
        at + 3,
        FieldValue::Text(codes::generation_code(&c.text("generationCode"))),
    );
    put(at + 4, int_or_empty(codes::ssn(&c.text("ssn"))));
    put(at + 5, date_value(day(c.get("birthDate"))?));
    put(at + 6, phone(c));
    put(at + 7, FieldValue::Text(ecoa));
    Ok(())
}

/// The [`ADDRESS`] fields from `at` on: the address object's, its first line and ZIP already
/// cleaned (§1, §8).
fn write_address(
    put: &mut impl FnMut(usize, FieldValue<'_>),
    at: usize,
    a: &Keys<'_>,
    line: &str,
    zip: &str,
) {
    put(at, FieldValue::Text(codes::country(&a.text("country"))));
    put(at + 1, FieldValue::Text(line));
    put(at + 2, FieldValue::Text(&address(&a.text("address2"), 32)));
    put(at + 3, FieldValue::Text(&address(&a.text("city"), 20)));
    put(at + 4, FieldValue::Text(&codes::state(&a.text("state"))));
    put(at + 5, FieldValue::Text(zip));
}

fn int_or_empty(digits: Option<&str>) -> FieldValue<'static> {
    digits
        .and_then(|d| d.parse().ok())
        .map_or(FieldValue::Empty, FieldValue::Int)
}

/// The first phone whose isPrimary is 1, else the first phone, when 10 digits or 1 + 10 (§8).
fn phone(c: &Keys<'_>) -> FieldValue<'static> {
    let phones = list(c.get("Phones"));
    let chosen = phones
        .iter()
        .find(|p| is_one(p.get("isPrimary")))
        .or(phones.first());
    let number = chosen
        .and_then(|p| text(p.get("phone")))
        .unwrap_or_default();
    match codes::phone(&number) {
        Some(d) => int_or_empty(Some(&d)),
        None => FieldValue::Empty,
    }
}
