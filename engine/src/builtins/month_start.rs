//! `month_start(date)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "month_start",
        params: vec![param("date", Type::Date)],
        ret: Type::Date,
        doc: "The first day of the date's month.",
        examples: &[("month_start(2026-05-31)", "2026-05-01")],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    Ok(match args[0].as_date()? {
        Some(d) => Value::Date(d.with_day(1).expect("day 1 exists")),
        None => Value::Null,
    })
}
