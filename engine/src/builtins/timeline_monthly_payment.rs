//! `timeline.monthly_payment(t)`.
use super::clean_read::{timeline_arg, timeline_type};
use super::prelude::*;
use super::timeline_of::worked_example;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "timeline.monthly_payment",
        params: vec![param("t", timeline_type())],
        ret: Type::Int,
        doc: "The monthly equivalent of the installment in whole dollars, ⌊payment × payments per year / 12⌋ computed exactly (Scheduled Monthly Payment Amount, derivations.md §5).",
        examples: &[
            (worked_example!(".monthly_payment"), "100"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let t = timeline_arg(&args[0])?;
    Ok(Value::Int(t.timeline.scheduled_monthly_dollars()))
}
