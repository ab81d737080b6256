//! `add_days(date, days)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "add_days",
        params: vec![param("date", Type::Date), param("days", Type::Int)],
        ret: Type::Date,
        doc: "The date a number of days later (negative: earlier).",
        examples: &[
            ("add_days(2026-02-27, 2)", "2026-03-01"),
            ("add_days(2026-05-31, -30)", "2026-05-01"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let Some(d) = args[0].as_date()? else {
        return Ok(Value::Null);
    };
    let n = args[1].as_int()?;
    d.checked_add_signed(chrono::Duration::days(n))
        .map(Value::Date)
        .ok_or_else(|| ValueError::new(format!("{d} + {n} days is out of range")))
}
