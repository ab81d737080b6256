//! `timeline_of(...)`: a timeline from plain values, for examples, tests and hand-made loans.
use super::clean_read::{day_arg, read_money, timeline_type, TIMELINE};
use super::prelude::*;
use crate::clean::money::Cents;
use crate::timeline::{LoanTerms, LoanTimeline};

/// An example call on the §9 worked example of derivations.md (12 × 100.00 monthly from
/// 2026-01-15, opened 2025-12-15, paid 2026-01-15 and 2026-02-20): `worked_example!(".dpd_at(d)")`
/// is the expression text, for the other timeline built-ins' examples.
macro_rules! worked_example {
    ($call:literal) => {
        concat!(
            "timeline_of(\"monthly\", 2026-01-15, 12, \"100.00\", 2025-12-15, [2026-01-15, 2026-02-20], [\"100.00\", \"100.00\"])",
            $call
        )
    };
}
pub(super) use worked_example;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "timeline_of",
        params: vec![
            param("frequency", Type::Text),
            param("first_due", Type::Date),
            param("term", Type::Int),
            param("payment", Type::Money),
            param("opened", Type::Date),
            param("dates", Type::List(Box::new(Type::Date))),
            param("amounts", Type::List(Box::new(Type::Money))),
        ],
        ret: timeline_type(),
        doc: "A delinquency timeline from plain values: frequency (\"monthly\", \"biWeekly\", ...), first due date, number of installments, installment, contract date, and the counted payments as parallel lists of dates and amounts.",
        examples: &[
            (worked_example!(".dpd_at(2026-05-31)"), "77"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let dates = args[5].as_list()?;
    let amounts = args[6].as_list()?;
    if dates.len() != amounts.len() {
        return Err(ValueError::new(format!(
            "timeline_of: {} dates but {} amounts",
            dates.len(),
            amounts.len()
        )));
    }
    let mut payments = Vec::with_capacity(dates.len());
    for (d, a) in dates.iter().zip(&amounts) {
        let amount = read_money(a)?.unwrap_or(Cents::ZERO);
        if amount.is_positive() {
            payments.push((day_arg(d, "timeline_of dates")?, amount));
        }
    }
    let terms = LoanTerms {
        frequency: args[0].as_text()?,
        first_due: args[1].as_date()?,
        contract: args[4].as_date()?,
        term: args[2].as_int()?,
        payment: read_money(&args[3])?.unwrap_or(Cents::ZERO),
    };
    let t = LoanTimeline::new(&terms, payments).map_err(|e| ValueError::new(e.to_string()))?;
    Ok(Value::Opaque(Opaque::new(TIMELINE, t)))
}
