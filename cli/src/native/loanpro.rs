//! `presets/loanpro.m2map` written out in Rust: each `let`, skip, field and rule of the preset in
//! file order, over the same document and through the same engine code as the preset's
//! built-ins (the timeline, the clean-ups of §1 and §8, the field encoder). What it saves
//! against the plan is the interpreter: dynamic values, slots, closures. Every reading goes
//! through [`super::read`], which defers to the plan on any shape it does not read exactly as
//! the plan does; so does any failure, since the plan alone words a loan's errors.

use std::borrow::Cow;

use metro2_engine::builtins::EvalFn;
use metro2_engine::clean::codes;
use metro2_engine::clean::money::Cents;
use metro2_engine::clean::text::{address, address_is_blank, given_name, surname};
use metro2_engine::field::encode;
use metro2_engine::json::{node, Doc, Node};
use metro2_engine::layout::{Field, SegmentKind};
use metro2_engine::loan::Loan;
use metro2_engine::timeline::days::{date_of, Day};
use metro2_engine::timeline::{bucket, profile_text, LoanTimeline};
use metro2_engine::value::Value;
use metro2_engine::{DataRecord, FieldValue, Segment};

use super::read::{after_last, day, equals_code, is_one, list, money, scalar, Defer, Keys, R};

/// What the preset made of a loan the native code answers for.
// Returned by value once a loan and matched at once, as the plan's `Outcome` is: boxing the
// record would add an allocation the plan does not make.
#[allow(clippy::large_enum_variant)]
pub enum Answer {
    /// The record and the indexes (in [`RULES`]) of the rules that did not hold.
    Record(DataRecord, Vec<usize>),
    /// The `skip` of this index (in file order) held.
    Skipped(usize),
}

/// The preset's rules, in file order: the plan's rule ids must be these for the native code to
/// stand in for it.
pub const RULES: [&str; 9] = [
    "LP-STATUS-APD",
    "LP-STATUS-DPD",
    "LP-DOFD-REQUIRED",
    "LP-DOFD-RATING",
    "LP-DOFD-CURRENT",
    "LP-DOFD-PAST",
    "LP-HISTORY",
    "LP-PAID-BALANCE",
    "LP-ECOA-CUSTOMERS",
];

/// The number of the preset's `skip when` statements.
pub const SKIPS: usize = 3;

/// The base segment's fields other than the primary consumer's, in the order
/// [`Preset::map`] writes them; then [`PERSON`] and [`ADDRESS`] for the primary.
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

/// A consumer's fields in the base segment, J1 and J2, in the order [`write_person`] writes
/// them.
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

const PRIMARY: &str = "loan.customerRole.primary";
const SECONDARY: &str = "loan.customerRole.secondary";

fn fields(kind: SegmentKind, keys: &[&str]) -> Vec<&'static Field> {
    keys.iter()
        .map(|k| kind.layout().field(k).expect("a layout key"))
        .collect()
}

/// The preset's fields looked up once, and its `delinquency` built-in.
pub struct Preset {
    base: Vec<&'static Field>,
    j1: Vec<&'static Field>,
    j2: Vec<&'static Field>,
    delinquency: EvalFn,
}

/// The parameters of one run.
pub struct Run<'a> {
    /// `as_of`.
    pub as_of: chrono::NaiveDate,
    /// `as_of` as a day number.
    pub as_of_day: Day,
    /// `month_start(as_of)` as a day number.
    pub month_first: Day,
    /// `furnisher_id`.
    pub furnisher: &'a str,
}

impl Preset {
    /// Looks the fields and the built-in up.
    pub fn new() -> Preset {
        let delinquency = metro2_engine::builtins::ALL
            .iter()
            .map(|b| b())
            .find(|b| b.name == "delinquency")
            .expect("the delinquency built-in")
            .eval;
        Preset {
            base: fields(SegmentKind::Base, &[ACCOUNT, PERSON, ADDRESS].concat()),
            j1: fields(SegmentKind::J1, PERSON),
            j2: fields(SegmentKind::J2, &[PERSON, ADDRESS].concat()),
            delinquency,
        }
    }

    /// Maps one loan parsed as the plan parses it (its payments counted from the text).
    pub fn map(&self, loan: &Loan, run: &Run<'_>) -> R<Answer> {
        let as_of = run.as_of_day;
        let month_first = run.month_first;
        let doc = Keys::object(&loan.doc)?;
        let setup_doc = doc.required("LoanSetup")?;
        let settings_doc = doc.required("LoanSettings")?;
        let setup = Keys::object(setup_doc)?;
        let settings = Keys::object(settings_doc)?;

        // let opened, closed, override, is_delete.
        let opened = day(setup.get("contractDate"))?;
        let closed = day(settings.get("closedDate"))?;
        let over = match after_last(settings.code_or_empty("creditStatus")?) {
            code @ ("61" | "62" | "63" | "64" | "65" | "93" | "95" | "96" | "97" | "DA" | "DF") => {
                code
            }
            _ => "",
        };
        let is_delete = over == "DA" || over == "DF";

        // let row = status_row(StatusArchive, as_of): the newest row on or before as_of, the
        // last of them on a tie.
        let mut newest: Option<(Day, Keys<'_>)> = None;
        for r in list(doc.get("StatusArchive"))? {
            let r = Keys::object(r)?;
            if let Some(d) = day(r.get("date"))?.filter(|d| *d <= as_of) {
                if newest.as_ref().is_none_or(|(b, _)| d >= *b) {
                    newest = Some((d, r));
                }
            }
        }
        let (row_date, row) = match newest {
            Some((d, r)) => (Some(d), r),
            None => (None, Keys::empty()),
        };
        let row_balance = match money(row.get("payoff"))? {
            Some(b) => Some(b),
            None => money(row.get("principalBalance"))?,
        };
        let paid_off = closed.is_some_and(|c| c <= as_of) && row_balance == Some(Cents::ZERO);

        // The skips of §4, in file order.
        if is_one(doc.get("deleted"))? {
            return Ok(Answer::Skipped(0));
        }
        if opened.is_some_and(|o| o > as_of) {
            return Ok(Answer::Skipped(1));
        }
        if !is_delete && paid_off && closed.is_some_and(|c| c < month_first) {
            return Ok(Answer::Skipped(2));
        }

        // let t = delinquency(LoanSetup, Payments): the built-in itself, so LoanSetup is read
        // exactly as the plan reads it; the payments must have been counted from the text.
        let payments = loan.payments.as_ref().ok_or(Defer)?;
        let timeline =
            (self.delinquency)(&[Value::Json(setup_doc), payments.clone()]).map_err(|_| Defer)?;
        let lt = timeline
            .as_opaque("timeline")
            .ok()
            .and_then(|o| o.downcast::<LoanTimeline>())
            .ok_or(Defer)?;
        let t = &lt.timeline;

        let balance = match row_balance {
            Some(b) if row_date.is_some_and(|d| d >= month_first) => b,
            _ if is_delete => Cents::ZERO,
            // balance_required's error arm.
            _ => return Err(Defer),
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
            6 => OPEN_STATUS[usize::from(bucket(t.dpd(as_of)))],
            _ => over,
        };
        let end_day = if decided_by == 4 {
            closed.ok_or(Defer)?
        } else {
            as_of
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
            t.dofd_open(as_of)
        };

        // §8: the consumers. Every customer is an object whose loanRole is a text or null.
        let customers = list(doc.get("Customers"))?;
        let mut people = Vec::with_capacity(customers.len());
        for c in customers {
            let keys = Keys::object(c)?;
            let role = keys.get("loanRole");
            let primary = equals_code(role, PRIMARY)?;
            let secondary = equals_code(role, SECONDARY)?;
            people.push((c, keys, primary, secondary));
        }
        let primary = people
            .iter()
            .position(|p| p.2)
            .or((!people.is_empty()).then_some(0))
            .ok_or(Defer)?;
        let has_secondary = people.iter().any(|p| p.3);
        let (primary_doc, primary_keys) = (people[primary].0, &people[primary].1);
        let home = consumer_address(primary_keys)?;
        let home_line = address(&home.text_or_empty("address1")?, 32);
        let home_zip = codes::zip(&home.text_or_empty("zipcode")?);

        let mut base = Segment::blank(SegmentKind::Base);
        let out = base.as_bytes_mut();
        let mut failed = false;
        let mut put = |i: usize, v: FieldValue<'_>| {
            let f = self.base[i];
            failed |= encode(f, &v, &mut out[f.range()]).is_err();
        };
        put(0, FieldValue::Int(1));
        put(1, FieldValue::Date(run.as_of));
        put(2, FieldValue::Int(0));
        put(3, FieldValue::Text(run.furnisher));
        let display_id = match scalar(Some(doc.required("displayId")?))? {
            Some(Cow::Borrowed(s)) => s,
            // A number or null: the plan's `account_number` reads those its own way.
            _ => return Err(Defer),
        };
        put(4, FieldValue::Text(&codes::account_number(display_id)));
        let reporting = settings.code_or_empty("reportingType")?;
        put(
            5,
            FieldValue::Text(if !reporting.is_empty() {
                after_last(reporting)
            } else if equals_code(setup.get("loanClass"), "loan.class.mortgage")? {
                "M"
            } else if equals_code(setup.get("loanType"), "loan.type.creditLimit")? {
                "C"
            } else {
                "I"
            }),
        );
        let bureau = settings.code_or_empty("creditBureau")?;
        put(
            6,
            FieldValue::Text(if !bureau.is_empty() {
                after_last(bureau)
            } else {
                match setup.code_or_empty("loanClass")? {
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
            FieldValue::Int(money(setup.get("loanAmount"))?.ok_or(Defer)?.dollars()),
        );
        let months = t.schedule().frequency().terms_months(t.schedule().len());
        if months > 999 {
            return Err(Defer);
        }
        put(10, FieldValue::Text(&format!("{months:03}")));
        // The terms_frequency table, on the text as sent (the timeline also takes a frequency
        // without its `loan.frequency.` prefix; the table does not).
        let frequency = match setup.code_or_empty("paymentFrequency")? {
            "loan.frequency.weekly" => "W",
            "loan.frequency.biWeekly" => "B",
            "loan.frequency.semimonthly" => "E",
            "loan.frequency.monthly" => "M",
            "loan.frequency.quarterly" => "Q",
            "loan.frequency.semiannually" => "S",
            "loan.frequency.annually" => "Y",
            _ => return Err(Defer),
        };
        put(11, FieldValue::Text(frequency));
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
        let profile = profile_text(&lt.history(run.as_of));
        put(16, FieldValue::Text(&profile));
        let current_balance = balance.dollars();
        put(17, FieldValue::Int(current_balance));
        let past_due = if decided_by == 4 {
            0
        } else {
            t.amount_past_due_dollars(as_of)
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
            codes::ecoa_code(&scalar(settings.get("ECOACode"))?.unwrap_or_default()),
            true,
            has_secondary,
        );
        write_person(&mut put, ACCOUNT.len(), primary_keys, &ecoa)?;
        write_address(
            &mut put,
            ACCOUNT.len() + PERSON.len(),
            &home,
            &home_line,
            &home_zip,
        )?;
        if failed {
            return Err(Defer);
        }
        let mut record = DataRecord::new(base);

        // J1/J2: the co-borrowers (secondary, other than the primary object), in list order.
        let co_buyer_ecoa = codes::ecoa_or_default(
            codes::ecoa_code(&scalar(settings.get("coBuyerECOACode"))?.unwrap_or_default()),
            false,
            has_secondary,
        );
        for (i, (c, keys, _, secondary)) in people.iter().enumerate() {
            if !secondary || i == primary {
                continue;
            }
            // `it != primary` compares the objects: another customer equal to the primary is
            // not a co-borrower. The engine's equality decides, as in the plan.
            if metro2_engine::plan::equals(&Value::Json(c), &Value::Json(primary_doc)) {
                continue;
            }
            let a = consumer_address(keys)?;
            let line = address(&a.text_or_empty("address1")?, 32);
            let zip = codes::zip(&a.text_or_empty("zipcode")?);
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
            write_person(&mut put, 0, keys, &co_buyer_ecoa)?;
            if !same {
                write_address(&mut put, PERSON.len(), &a, &line, &zip)?;
            }
            if failed {
                return Err(Defer);
            }
            record.push(seg);
        }
        record.set_rdw();

        // The rules, on the values written, by their index in RULES. LP-STATUS-DPD (1: an open
        // account's status is `open_status` of its bucket) holds by construction here.
        let mut broken = Vec::new();
        let late = matches!(
            status,
            "71" | "78" | "80" | "82" | "83" | "84" | "93" | "97"
        );
        let clear = matches!(status, "11" | "13" | "61" | "62" | "63" | "64" | "65");
        if (late && past_due <= 0) || (clear && past_due != 0) {
            broken.push(0);
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
            broken.push(2);
        }
        if status == "13" && rating.is_some_and(|r| r >= 1) != dofd.is_some() {
            broken.push(3);
        }
        if status == "11" && dofd.is_some() {
            broken.push(4);
        }
        if dofd.is_some_and(|d| d > end_day) {
            broken.push(5);
        }
        let digits = profile.trim_end_matches('B');
        if !digits.bytes().all(|b| (b'0'..=b'6').contains(&b)) {
            broken.push(6);
        }
        if matches!(status, "13" | "61" | "62" | "63" | "64" | "65") && current_balance != 0 {
            broken.push(7);
        }
        if (ecoa == "1" && has_secondary) || (ecoa == "2" && !has_secondary) {
            broken.push(8);
        }
        Ok(Answer::Record(record, broken))
    }
}

impl Default for Preset {
    fn default() -> Self {
        Preset::new()
    }
}

/// `consumer_address(c)`: the customer's MailAddress when its first line is not blank, else
/// its PrimaryAddress (§8). Either may be missing; any other kind than an object defers.
fn consumer_address<'d>(c: &Keys<'d>) -> R<Keys<'d>> {
    let mail = Keys::optional(c.get("MailAddress"))?;
    if address_is_blank(&mail.text_or_empty("address1")?) {
        Keys::optional(c.get("PrimaryAddress"))
    } else {
        Ok(mail)
    }
}

fn date_value(d: Option<Day>) -> FieldValue<'static> {
    d.map_or(FieldValue::Empty, |d| FieldValue::Date(date_of(d)))
}

/// The [`PERSON`] fields of a consumer from `at` on, with its ECOA code (§1, §8).
fn write_person(
    put: &mut impl FnMut(usize, FieldValue<'_>),
    at: usize,
    c: &Keys<'_>,
    ecoa: &str,
) -> R<()> {
    put(
        at,
        FieldValue::Text(&surname(&c.text_or_empty("lastName")?, 25)),
    );
    put(
        at + 1,
        FieldValue::Text(&given_name(&c.text_or_empty("firstName")?, 20)),
    );
    put(
        at + 2,
        FieldValue::Text(&given_name(&c.text_or_empty("middleName")?, 20)),
    );
    put(
        at + 3,
        FieldValue::Text(codes::generation_code(&c.text_or_empty("generationCode")?)),
    );
    put(at + 4, int_or_empty(codes::ssn(&c.text_or_empty("ssn")?)));
    put(at + 5, date_value(day(c.get("birthDate"))?));
    put(at + 6, phone(c)?);
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
) -> R<()> {
    put(
        at,
        FieldValue::Text(codes::country(&a.text_or_empty("country")?)),
    );
    put(at + 1, FieldValue::Text(line));
    put(
        at + 2,
        FieldValue::Text(&address(&a.text_or_empty("address2")?, 32)),
    );
    put(
        at + 3,
        FieldValue::Text(&address(&a.text_or_empty("city")?, 20)),
    );
    put(
        at + 4,
        FieldValue::Text(&codes::state(&a.text_or_empty("state")?)),
    );
    put(at + 5, FieldValue::Text(zip));
    Ok(())
}

fn int_or_empty(digits: Option<&str>) -> FieldValue<'static> {
    digits
        .and_then(|d| d.parse().ok())
        .map_or(FieldValue::Empty, FieldValue::Int)
}

/// `int(phone((first(phones where it.isPrimary == 1) ?? first(phones)).phone ?? ""))` with
/// `phones = c.Phones ?? []`: the first phone whose isPrimary is 1, else the first, when 10
/// digits or 1 + 10 (§8).
fn phone(c: &Keys<'_>) -> R<FieldValue<'static>> {
    let phones: &[Doc] = match c.get("Phones").map(node) {
        None | Some(Node::Null) => &[],
        Some(_) => list(c.get("Phones"))?,
    };
    let mut chosen: Option<Keys<'_>> = None;
    let mut first: Option<Keys<'_>> = None;
    for p in phones {
        let keys = Keys::object(p)?;
        let primary = is_one(keys.get("isPrimary"))?;
        if primary {
            chosen = Some(keys);
            break;
        }
        if first.is_none() {
            first = Some(keys);
        }
    }
    let number = match chosen.or(first) {
        Some(p) => p.text_or_empty("phone")?,
        None => Cow::Borrowed(""),
    };
    Ok(match codes::phone(&number) {
        Some(d) => int_or_empty(Some(&d)),
        None => FieldValue::Empty,
    })
}
