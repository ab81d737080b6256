//! `timeline.rating(t, end)`.
use super::clean_read::{day_arg, timeline_arg, timeline_type};
use super::prelude::*;
use super::timeline_of::worked_example;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "timeline.rating",
        params: vec![param("t", timeline_type()), param("end", Type::Date)],
        ret: Type::Int,
        doc: "Payment Rating (derivations.md §5): the bucket (0–6) of the largest days past due from the first day of the end day's month to the end day.",
        examples: &[
            (worked_example!(".rating(2026-05-31)"), "2"),
            (worked_example!(".rating(2026-02-28)"), "0"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let t = timeline_arg(&args[0])?;
    let day = day_arg(&args[1], "end")?;
    Ok(Value::Int(i64::from(t.timeline.payment_rating(day))))
}
