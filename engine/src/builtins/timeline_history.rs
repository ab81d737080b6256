//! `timeline.history(t, as_of)`.
use super::clean_read::{timeline_arg, timeline_type};
use super::prelude::*;
use super::timeline_of::worked_example;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "timeline.history",
        params: vec![param("t", timeline_type()), param("as_of", Type::Date)],
        ret: Type::List(Box::new(Type::Optional(Box::new(Type::Int)))),
        doc: "The 24 months before the reporting month, most recent first (derivations.md §7): each the bucket (0–6) of dpd on the month's last day, or none when that day is before the contract date (a `B`).",
        examples: &[
            (worked_example!(".history(2026-05-31)[0]"), "1"),
            (worked_example!(".history(2026-05-31)[4]"), "0"),
            (worked_example!(".history(2026-05-31)[5]"), "none"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let t = timeline_arg(&args[0])?;
    let as_of_date = args[1]
        .as_date()?
        .ok_or_else(|| ValueError::new("as_of: a date is required, got none"))?;
    let months = t.history(as_of_date);
    Ok(Value::List(Arc::new(
        months
            .iter()
            .map(|m| m.map_or(Value::Null, |b| Value::Int(i64::from(b))))
            .collect(),
    )))
}
