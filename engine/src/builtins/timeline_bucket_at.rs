//! `timeline.bucket_at(t, day)`.
use super::clean_read::{day_arg, timeline_arg, timeline_type};
use super::prelude::*;
use super::timeline_of::worked_example;
use crate::timeline::bucket;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "timeline.bucket_at",
        params: vec![param("t", timeline_type()), param("day", Type::Date)],
        ret: Type::Int,
        doc: "The bucket of the days past due on a day: 0–29 → 0, 30–59 → 1, 60–89 → 2, 90–119 → 3, 120–149 → 4, 150–179 → 5, 180+ → 6 (derivations.md §3).",
        examples: &[
            (worked_example!(".bucket_at(2026-05-31)"), "2"),
            (worked_example!(".bucket_at(2026-04-30)"), "1"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let t = timeline_arg(&args[0])?;
    let day = day_arg(&args[1], "day")?;
    Ok(Value::Int(i64::from(bucket(t.timeline.dpd(day)))))
}
