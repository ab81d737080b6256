//! `delinquency(setup, payments)`: the loan's timeline (derivations.md §2–§3).
use sonic_rs::{JsonContainerTrait, JsonValueTrait};

use super::clean_read::{read_date, read_day, read_money, scalar_text, timeline_type, TIMELINE};
use super::payment_fields::{field_of, plain_payment, Field};
use super::payments_text::CountedPayments;
use super::prelude::*;
use crate::clean::money::Cents;
use crate::json::{self, Doc, Node};
use crate::timeline::{Day, LoanTerms, LoanTimeline, PaymentRow};

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "delinquency",
        params: vec![param("setup", Type::Json), optional("payments", Type::Json)],
        ret: timeline_type(),
        doc: "The loan's delinquency timeline from LoanSetup (paymentFrequency, firstPaymentDate, contractDate, loanTerm, payment) and its Payments (counted per derivations.md §3; missing or none is no payments). A missing or non-positive term or payment, a missing contract or first payment date, or a frequency other than weekly, biWeekly, semimonthly, monthly, quarterly, semiannually or annually makes the loan an error record.",
        // A call on real LoanPro objects needs a document; `timeline_of` shows the figures.
        examples: &[("delinquency(none, none)", "none")],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let setup = &args[0];
    // One pass over LoanSetup's keys. Should it fail, each field is read on its own instead,
    // so a field fails exactly when, and in the order, it always did.
    let keys = [
        "paymentFrequency",
        "loanTerm",
        "firstPaymentDate",
        "contractDate",
        "payment",
    ];
    let [frequency_value, term_value, first_due, contract, payment] = setup
        .get_many(keys)
        .map_or_else(|_| keys.map(|k| setup.get(k)), |values| values.map(Ok));
    let named =
        |key: &'static str| move |e: ValueError| ValueError::new(format!("LoanSetup.{key}: {e}"));
    let frequency_value = frequency_value?;
    let frequency = scalar_text(&frequency_value)
        .map_err(named("paymentFrequency"))?
        .ok_or_else(|| ValueError::new("LoanSetup.paymentFrequency is required"))?;
    let term_value = term_value?;
    let term = match scalar_text(&term_value).map_err(named("loanTerm"))? {
        None => 0,
        Some(t) if t.is_empty() => 0,
        Some(_) => term_value.as_int().map_err(named("loanTerm"))?,
    };
    let terms = LoanTerms {
        frequency: &frequency,
        first_due: read_date(&first_due?).map_err(named("firstPaymentDate"))?,
        contract: read_date(&contract?).map_err(named("contractDate"))?,
        term,
        payment: read_money(&payment?)
            .map_err(named("payment"))?
            .unwrap_or(Cents::ZERO),
    };
    let payments = match args.get(1) {
        None => Vec::new(),
        Some(v) if v.is_absent() => Vec::new(),
        Some(v) => match CountedPayments::of(v) {
            // Read from the document's text already (`payments_text.rs`).
            Some(counted) => counted.0.clone(),
            None => counted_payments(v)?,
        },
    };
    let t = LoanTimeline::new(&terms, payments).map_err(|e| ValueError::new(e.to_string()))?;
    Ok(Value::Opaque(Opaque::new(TIMELINE, t)))
}

/// The counted payments of a `Payments` list as (day, amount).
fn counted_payments(list: &Value<'_>) -> Result<Vec<(i32, Cents)>, ValueError> {
    let rows = list
        .iter_list()
        .map_err(|e| ValueError::new(format!("Payments: {e}")))?;
    let mut out = Vec::with_capacity(list.list_len().unwrap_or(0));
    for (i, row) in rows.enumerate() {
        // Nearly every row is plain LoanPro JSON; the general reader takes the rest, and it
        // alone words the errors, so both agree on every row.
        let payment = match plain_row(&row) {
            Some(r) => counted(&r),
            None => read_row(&row).map_err(|e| {
                let id = row.get("id").ok().map(|v| v.display()).unwrap_or_default();
                ValueError::new(format!("Payments[{i}] (id {id}): {e}"))
            })?,
        };
        out.extend(payment);
    }
    Ok(out)
}

/// A row's payment when it counts (§3).
pub(super) fn counted(r: &PaymentRow<'_>) -> Option<(Day, Cents)> {
    r.counts()
        .then(|| (r.date.expect("a counted payment is dated"), r.amount))
}

/// A payment row read as §1 reads each field, from any value: the general path.
fn read_row(row: &Value<'_>) -> Result<Option<(Day, Cents)>, ValueError> {
    // One pass over the row's keys: a payment has a dozen and five are read.
    let [status_value, active, date, reverse_date, amount] =
        row.get_many(["status", "active", "date", "reverseDate", "amount"])?;
    let status = scalar_text(&status_value)?;
    Ok(counted(&PaymentRow {
        active: is_one(&active),
        date: read_day(&date)?,
        reverse_date: read_day(&reverse_date)?,
        status: status.as_deref(),
        amount: read_money(&amount)?.unwrap_or(Cents::ZERO),
    }))
}

/// A payment row of a parsed document whose five fields are in the forms LoanPro sends
/// ([`plain_payment`]), read in one pass over its keys with each field's node decoded once.
/// `None` for anything else, including every row [`read_row`] would refuse.
fn plain_row<'d>(row: &Value<'d>) -> Option<PaymentRow<'d>> {
    let Value::Json(j) = row else { return None };
    let j: &'d Doc = j;
    let o = j.as_object()?;
    // A payment has a dozen keys; the scan stops once the five are found. Not
    // `Value::get_many`: matching the keys as constants here is what makes this reader pay
    // (with get_many the preset ran 8% slower end to end, 56,000 against 61,000 loans/s).
    let mut fields: [Option<&'d Doc>; 5] = [None; 5];
    let mut left = fields.len();
    for (k, v) in o.iter() {
        let i = match k {
            "status" => 0,
            "active" => 1,
            "date" => 2,
            "reverseDate" => 3,
            "amount" => 4,
            _ => continue,
        };
        // The first of duplicate keys wins, as `Value::get` reads.
        if fields[i].is_none() {
            fields[i] = Some(v);
            left -= 1;
            if left == 0 {
                break;
            }
        }
    }
    if left > 0 && o.contains_key(&"__deferred") {
        return None;
    }
    let [status, active, date, reverse_date, amount] = fields;
    let field = |f: Option<&'d Doc>| f.map_or(Field::Absent, field_of);
    // Nearly every payment's reverseDate is null: ask that first (a tag read).
    let reverse_date = match reverse_date {
        Some(d) if d.is_null() => Field::Null,
        other => field(other),
    };
    plain_payment(&[
        field(status),
        field(active),
        field(date),
        reverse_date,
        field(amount),
    ])
}

/// LoanPro's flag: 1 (as a number or text) or `true`.
fn is_one(v: &Value<'_>) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Int(n) => *n == 1,
        Value::Text(s) => &**s == "1",
        Value::Json(j) => node_is_one(&json::node(j)),
        _ => false,
    }
}

/// [`is_one`] of a document node.
fn node_is_one(n: &Node<'_>) -> bool {
    match n {
        Node::Bool(b) => *b,
        Node::Number(n) => json::number_i64(n) == Some(1),
        Node::String(s) => *s == "1",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtins::clean_read::timeline_arg;
    use crate::json::from_serde;
    use crate::timeline::days::day_of;
    use serde_json::json;

    fn setup() -> serde_json::Value {
        json!({
            "contractDate": "/Date(1765756800)/",
            "firstPaymentDate": "/Date(1768435200)/",
            "loanTerm": "12",
            "payment": "100.00",
            "paymentFrequency": "loan.frequency.monthly"
        })
    }

    fn dpd(setup: &serde_json::Value, payments: &serde_json::Value) -> Result<u32, ValueError> {
        let (setup, payments) = (from_serde(setup), from_serde(payments));
        let t = eval(&[Value::Json(&setup), Value::Json(&payments)])?;
        let lt = timeline_arg(&t)?;
        let as_of = NaiveDate::from_ymd_opt(2026, 5, 31).unwrap();
        Ok(lt.timeline.dpd(day_of(as_of)))
    }

    #[test]
    fn worked_example_from_loanpro_shapes() {
        // 2026-01-15 and 2026-02-20; a reversed and an inactive payment do not count.
        let p = json!({"results": [
            {"id": 1, "date": "/Date(1768435200)/", "amount": "100.00", "active": 1, "reverseDate": null},
            {"id": 2, "date": "/Date(1771545600)/", "amount": 100.00, "active": true, "status": "payment.status.success"},
            {"id": 3, "date": "/Date(1771545600)/", "amount": "100.00", "active": 1, "reverseDate": "/Date(1772000000)/"},
            {"id": 4, "date": "/Date(1771545600)/", "amount": "100.00", "active": 1, "status": "payment.status.reversed"},
            {"id": 5, "date": "/Date(1771545600)/", "amount": "100.00", "active": 0},
            {"id": 6, "date": "/Date(-62169984000)/", "amount": "100.00", "active": 1}
        ]});
        assert_eq!(dpd(&setup(), &p), Ok(77));
    }

    #[test]
    fn numbers_as_numbers_and_missing_payments() {
        let mut s = setup();
        s["loanTerm"] = json!(12);
        s["payment"] = json!(100.0);
        let s = from_serde(&s);
        let t = eval(&[Value::Json(&s)]).unwrap();
        let lt = timeline_arg(&t).unwrap();
        assert_eq!(lt.timeline.schedule().len(), 12);
        assert_eq!(lt.timeline.schedule().payment(), Cents(10_000));
    }

    #[test]
    fn the_plain_reader_agrees_with_the_general_one() {
        let rows = json!([
            {"date": "/Date(1768435200)/", "amount": "100.00", "active": 1, "reverseDate": null, "status": "payment.status.success"},
            {"date": "/Date(1768435200)/", "amount": 100.5, "active": true},
            {"date": "/Date(1768435200)/", "amount": "1.5e2", "active": "1", "status": null},
            {"date": "/Date(1768435200)/", "amount": "", "active": 1},
            {"date": "/Date(1768435200)/", "amount": "-3.00", "active": 1},
            {"date": "/Date(1768435200)/", "amount": "3.00", "active": 1.0},
            {"date": "/Date(1768435200)/", "amount": "3.00", "active": 2},
            {"date": "/Date(1768435200)/", "amount": "3.00", "active": 1, "status": 7},
            {"date": "/Date(1768435200)/", "amount": "3.00", "active": 1, "status": "x.reversed"},
            {"date": "/Date(1768435200)/", "amount": "3.00", "active": 1, "reverseDate": "/Date(0)/"},
            {"date": "/Date(1768435200)/", "amount": "3.00", "active": 1, "reverseDate": "/Date(1768435200)/"},
            {"date": "", "amount": "3.00", "active": 1},
            {"date": "/Date(1768435200)/", "date": "/Date(1771545600)/", "amount": "3.00", "active": 1},
            {"amount": "3.00", "active": 1},
            {},
            null,
            {"__deferred": {"uri": "u"}},
            {"date": 5, "amount": "3.00", "active": 1},
            {"date": "/Date(1768435200)/", "amount": "3,00", "active": 1},
            {"date": "/Date(1768435200)/", "amount": [], "active": 1},
            {"date": "/Date(1768435200)/", "amount": "3.00", "active": 1, "status": {}},
            "a row"
        ]);
        let doc = from_serde(&rows);
        let list = Value::Json(&doc);
        for (i, row) in list.iter_list().unwrap().enumerate() {
            let general = read_row(&row);
            match plain_row(&row) {
                Some(r) => assert_eq!(Ok(counted(&r)), general, "row {i}"),
                // Left to the general reader: errors, a numeric status and a null row.
                None => assert!(
                    general.is_err() || [7, 15].contains(&i),
                    "row {i}: {general:?}"
                ),
            }
        }
    }

    #[test]
    fn errors_name_the_field() {
        let none = json!({"results": []});
        let mut s = setup();
        s["loanTerm"] = json!("");
        assert!(dpd(&s, &none).unwrap_err().0.contains("loanTerm"));
        let mut s = setup();
        s["firstPaymentDate"] = json!("2026-01-15");
        assert!(dpd(&s, &none).unwrap_err().0.contains("firstPaymentDate"));
        let mut s = setup();
        s["paymentFrequency"] = json!("loan.frequency.custom");
        assert!(dpd(&s, &none).unwrap_err().0.contains("custom"));
        let bad = json!({"results": [{"id": 77, "date": "/Date(x)/", "amount": "1", "active": 1}]});
        let e = dpd(&setup(), &bad).unwrap_err().0;
        assert!(e.contains("Payments[0] (id 77)"), "{e}");
        let deferred = json!({"__deferred": {"uri": "Loans(id=5)/Payments"}});
        assert!(dpd(&setup(), &deferred).unwrap_err().0.contains("Payments"));
    }
}
