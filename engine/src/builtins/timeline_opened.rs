//! `timeline.opened(t)`.
use super::clean_read::{timeline_arg, timeline_type};
use super::prelude::*;
use super::timeline_of::worked_example;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "timeline.opened",
        params: vec![param("t", timeline_type())],
        ret: Type::Date,
        doc: "The contract date the timeline was built with (Date Opened, derivations.md §6).",
        examples: &[(worked_example!(".opened"), "2025-12-15")],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let t = timeline_arg(&args[0])?;
    Ok(Value::Date(t.opened_date()))
}
