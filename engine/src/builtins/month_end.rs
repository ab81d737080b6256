//! `month_end(date)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "month_end",
        params: vec![param("date", Type::Date)],
        ret: Type::Date,
        doc: "The last day of the date's month.",
        examples: &[
            ("month_end(2024-02-10)", "2024-02-29"),
            ("month_end(2026-12-01)", "2026-12-31"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let Some(d) = args[0].as_date()? else {
        return Ok(Value::Null);
    };
    let first = d.with_day(1).expect("day 1 exists");
    first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|n| n.pred_opt())
        .map(Value::Date)
        .ok_or_else(|| ValueError::new(format!("the month of {d} has no end in range")))
}
