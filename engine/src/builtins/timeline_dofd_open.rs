//! `timeline.dofd_open(t, as_of)`.
use super::clean_read::{date_or_none, day_arg, timeline_arg, timeline_type};
use super::prelude::*;
use super::timeline_of::worked_example;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "timeline.dofd_open",
        params: vec![param("t", timeline_type()), param("as_of", Type::Date)],
        ret: Type::Optional(Box::new(Type::Date)),
        doc: "DOFD of an open account and of DA/DF (derivations.md §5): the start of the current run when dpd(as_of) ≥ 30, else none.",
        examples: &[
            (worked_example!(".dofd_open(2026-05-31)"), "2026-04-14"),
            (worked_example!(".dofd_open(2026-04-13)"), "none"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let t = timeline_arg(&args[0])?;
    let day = day_arg(&args[1], "as_of")?;
    Ok(date_or_none(t.timeline.dofd_open(day)))
}
