//! `timeline.dofd_led_to(t, end)`.
use super::clean_read::{date_or_none, day_arg, timeline_arg, timeline_type};
use super::prelude::*;
use super::timeline_of::worked_example;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "timeline.dofd_led_to",
        params: vec![param("t", timeline_type()), param("end", Type::Date)],
        ret: Type::Optional(Box::new(Type::Date)),
        doc: "DOFD of 61–65 from a payoff and of every servicer override (derivations.md §5): the start of the latest 30+ run up to the end day, kept even when the account is no longer 30 days late.",
        examples: &[
            (worked_example!(".dofd_led_to(2026-05-31)"), "2026-04-14"),
            (worked_example!(".dofd_led_to(2026-03-31)"), "none"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let t = timeline_arg(&args[0])?;
    let day = day_arg(&args[1], "end")?;
    Ok(date_or_none(t.timeline.dofd_led_to(day)))
}
