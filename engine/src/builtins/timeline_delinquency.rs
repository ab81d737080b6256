//! `delinquency(setup, payments)`: the loan's timeline (derivations.md §2–§3).
use super::clean_read::{read_date, read_day, read_money, scalar_text, timeline_type, TIMELINE};
use super::prelude::*;
use crate::clean::money::Cents;
use crate::timeline::{LoanTerms, LoanTimeline, PaymentRow};

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
    let field = |key: &str| setup.get(key);
    let named =
        |key: &'static str| move |e: ValueError| ValueError::new(format!("LoanSetup.{key}: {e}"));
    let frequency_value = field("paymentFrequency")?;
    let frequency = scalar_text(&frequency_value)
        .map_err(named("paymentFrequency"))?
        .ok_or_else(|| ValueError::new("LoanSetup.paymentFrequency is required"))?;
    let term_value = field("loanTerm")?;
    let term = match scalar_text(&term_value).map_err(named("loanTerm"))? {
        None => 0,
        Some(t) if t.is_empty() => 0,
        Some(_) => term_value.as_int().map_err(named("loanTerm"))?,
    };
    let terms = LoanTerms {
        frequency: &frequency,
        first_due: read_date(&field("firstPaymentDate")?).map_err(named("firstPaymentDate"))?,
        contract: read_date(&field("contractDate")?).map_err(named("contractDate"))?,
        term,
        payment: read_money(&field("payment")?)
            .map_err(named("payment"))?
            .unwrap_or(Cents::ZERO),
    };
    let payments = match args.get(1) {
        None => Vec::new(),
        Some(v) if v.is_absent() => Vec::new(),
        Some(v) => counted_payments(v)?,
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
        let at = |e: ValueError| {
            let id = row.get("id").ok().map(|v| v.display()).unwrap_or_default();
            ValueError::new(format!("Payments[{i}] (id {id}): {e}"))
        };
        // One pass over the row's keys: a payment has a dozen and five are read.
        let [status_value, active, date, reverse_date, amount] = row
            .get_many(["status", "active", "date", "reverseDate", "amount"])
            .map_err(at)?;
        let status = scalar_text(&status_value).map_err(at)?;
        let r = PaymentRow {
            active: is_one(&active),
            date: read_day(&date).map_err(at)?,
            reverse_date: read_day(&reverse_date).map_err(at)?,
            status: status.as_deref(),
            amount: read_money(&amount).map_err(at)?.unwrap_or(Cents::ZERO),
        };
        if r.counts() {
            out.push((r.date.expect("a counted payment is dated"), r.amount));
        }
    }
    Ok(out)
}

/// LoanPro's flag: 1 (as a number or text) or `true`.
fn is_one(v: &Value<'_>) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Int(n) => *n == 1,
        Value::Text(s) => &**s == "1",
        Value::Json(j) => match crate::json::node(j) {
            crate::json::Node::Bool(b) => b,
            crate::json::Node::Number(n) => crate::json::number_i64(n) == Some(1),
            crate::json::Node::String(s) => s == "1",
            _ => false,
        },
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
