//! `days_between(from, to)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "days_between",
        params: vec![param("from", Type::Date), param("to", Type::Date)],
        ret: Type::Int,
        doc: "The number of days from the first date to the second (negative when the second is earlier).",
        examples: &[
            ("days_between(2026-03-15, 2026-05-31)", "77"),
            ("days_between(2026-05-31, 2026-05-01)", "-30"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    match (args[0].as_date()?, args[1].as_date()?) {
        (Some(a), Some(b)) => Ok(Value::Int((b - a).num_days())),
        _ => Ok(Value::Null),
    }
}
