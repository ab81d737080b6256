//! `timeline.terms_duration(t)`.
use super::clean_read::{timeline_arg, timeline_type};
use super::prelude::*;
use super::timeline_of::worked_example;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "timeline.terms_duration",
        params: vec![param("t", timeline_type())],
        ret: Type::Text,
        doc: "Terms Duration (derivations.md §6): round-half-up(installments × 12 / payments per year) as three digits (36 monthly → \"036\", 78 biweekly → \"036\"); over 999 months is an error.",
        examples: &[
            (worked_example!(".terms_duration"), "\"012\""),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let t = timeline_arg(&args[0])?;
    let s = t.timeline.schedule();
    let months = s.frequency().terms_months(s.len());
    if months > 999 {
        return Err(ValueError::new(format!(
            "Terms Duration of {months} months does not fit in three digits"
        )));
    }
    // Three digits written in place: `format!` would build a String only to copy it.
    let digit = |place: u64| b'0' + (months / place % 10) as u8;
    let digits = [digit(100), digit(10), digit(1)];
    Ok(Value::text(
        std::str::from_utf8(&digits).expect("ASCII digits"),
    ))
}
