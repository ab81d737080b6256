//! `timeline.dofd_paid(t, paid_on)`.
use super::clean_read::{date_or_none, day_arg, timeline_arg, timeline_type};
use super::prelude::*;
use super::timeline_of::worked_example;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "timeline.dofd_paid",
        params: vec![param("t", timeline_type()), param("paid_on", Type::Date)],
        ret: Type::Optional(Box::new(Type::Date)),
        doc: "DOFD of a 13 paid off on the day (derivations.md §5): the run start of the latest worst day of the reporting month up to the payoff, only when that day rates 1–6; none otherwise.",
        examples: &[
            (worked_example!(".dofd_paid(2026-05-31)"), "2026-04-14"),
            (worked_example!(".dofd_paid(2026-02-28)"), "none"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let t = timeline_arg(&args[0])?;
    let day = day_arg(&args[1], "paid_on")?;
    Ok(date_or_none(t.timeline.dofd_paid(day)))
}
