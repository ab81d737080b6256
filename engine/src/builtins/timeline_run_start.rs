//! `timeline.run_start(t, day)`.
use super::clean_read::{date_or_none, day_arg, timeline_arg, timeline_type};
use super::prelude::*;
use super::timeline_of::worked_example;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "timeline.run_start",
        params: vec![param("t", timeline_type()), param("day", Type::Date)],
        ret: Type::Optional(Box::new(Type::Date)),
        doc: "The first day of the latest run of 30+ days past due that began on or before the day, whether or not it still goes on (derivations.md §3); none when there was none.",
        examples: &[
            (worked_example!(".run_start(2026-05-31)"), "2026-04-14"),
            (worked_example!(".run_start(2026-04-13)"), "none"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let t = timeline_arg(&args[0])?;
    let day = day_arg(&args[1], "day")?;
    Ok(date_or_none(t.timeline.run_start(day)))
}
