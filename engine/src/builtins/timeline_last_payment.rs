//! `timeline.last_payment(t, end)`.
use super::clean_read::{date_or_none, day_arg, timeline_arg, timeline_type};
use super::prelude::*;
use super::timeline_of::worked_example;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "timeline.last_payment",
        params: vec![param("t", timeline_type()), param("end", Type::Date)],
        ret: Type::Optional(Box::new(Type::Date)),
        doc: "The date of the latest counted payment on or before the end day (Date of Last Payment, derivations.md §6); none when there is none.",
        examples: &[
            (worked_example!(".last_payment(2026-05-31)"), "2026-02-20"),
            (worked_example!(".last_payment(2026-01-14)"), "none"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let t = timeline_arg(&args[0])?;
    let day = day_arg(&args[1], "end")?;
    Ok(date_or_none(t.timeline.last_payment(day)))
}
