//! `timeline.amount_past_due(t, day)`.
use super::clean_read::{day_arg, timeline_arg, timeline_type};
use super::prelude::*;
use super::timeline_of::worked_example;
use crate::timeline::report::dollars_at_least_one;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "timeline.amount_past_due",
        params: vec![param("t", timeline_type()), param("day", Type::Date)],
        ret: Type::Int,
        doc: "Amount Past Due in whole dollars on a day (derivations.md §5): the amount past due with the cents dropped, except that a positive amount under one dollar is 1.",
        examples: &[
            (worked_example!(".amount_past_due(2026-05-31)"), "200"),
            (worked_example!(".amount_past_due(2026-03-31)"), "0"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let t = timeline_arg(&args[0])?;
    let day = day_arg(&args[1], "day")?;
    Ok(Value::Int(dollars_at_least_one(t.timeline.apd(day))))
}
