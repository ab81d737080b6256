//! `add_months(date, months)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "add_months",
        params: vec![param("date", Type::Date), param("months", Type::Int)],
        ret: Type::Date,
        doc: "The same day of the month a number of months later, clamped to the month's last day.",
        examples: &[
            ("add_months(2026-01-31, 1)", "2026-02-28"),
            ("add_months(2024-01-31, 1)", "2024-02-29"),
            ("add_months(2026-01-31, 2)", "2026-03-31"),
            ("add_months(2026-03-15, -3)", "2025-12-15"),
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
    let months = chrono::Months::new(n.unsigned_abs().min(u32::MAX as u64) as u32);
    // chrono clamps to the last day of a shorter month, as derivations.md §2 requires.
    let r = if n >= 0 {
        d.checked_add_months(months)
    } else {
        d.checked_sub_months(months)
    };
    r.map(Value::Date)
        .ok_or_else(|| ValueError::new(format!("{d} + {n} months is out of range")))
}
