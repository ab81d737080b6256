//! `timeline.apd_at(t, day)`.
use super::clean_read::{day_arg, timeline_arg, timeline_type};
use super::prelude::*;
use super::timeline_of::worked_example;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "timeline.apd_at",
        params: vec![param("t", timeline_type()), param("day", Type::Date)],
        ret: Type::Money,
        doc: "Amount past due on a day, exact (derivations.md §3): the unpaid part of the installments due 30 or more days before it; positive exactly when dpd ≥ 30.",
        examples: &[
            (worked_example!(".apd_at(2026-05-31)"), "200.00"),
            (worked_example!(".apd_at(2026-04-13)"), "0"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let t = timeline_arg(&args[0])?;
    let day = day_arg(&args[1], "day")?;
    Ok(Value::Decimal(t.timeline.apd(day).to_decimal()))
}
