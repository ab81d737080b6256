//! `timeline.dpd_at(t, day)`.
use super::clean_read::{day_arg, timeline_arg, timeline_type};
use super::prelude::*;
use super::timeline_of::worked_example;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "timeline.dpd_at",
        params: vec![param("t", timeline_type()), param("day", Type::Date)],
        ret: Type::Int,
        doc: "Days past due on a day (derivations.md §3): days since the oldest unpaid due date, the due date itself being day 0; 0 when nothing is due and unpaid.",
        examples: &[
            (worked_example!(".dpd_at(2026-05-31)"), "77"),
            (worked_example!(".dpd_at(2026-02-28)"), "0"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let t = timeline_arg(&args[0])?;
    let day = day_arg(&args[1], "day")?;
    Ok(Value::Int(i64::from(t.timeline.dpd(day))))
}
