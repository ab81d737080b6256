//! `timeline.paid_between(t, from, to)`.
use super::clean_read::{day_arg, timeline_arg, timeline_type};
use super::prelude::*;
use super::timeline_of::worked_example;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "timeline.paid_between",
        params: vec![param("t", timeline_type()), param("from", Type::Date), param("to", Type::Date)],
        ret: Type::Money,
        doc: "The counted payments dated from the first day to the last, inclusive, summed exactly (Actual Payment Amount over the reporting month, derivations.md §6).",
        examples: &[
            (worked_example!(".paid_between(2026-02-01, 2026-02-28)"), "100.00"),
            (worked_example!(".paid_between(2026-05-01, 2026-05-31)"), "0"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let t = timeline_arg(&args[0])?;
    let day = day_arg(&args[1], "from")?;
    let to = day_arg(&args[2], "to")?;
    Ok(Value::Decimal(
        t.timeline.paid_between(day, to).to_decimal(),
    ))
}
