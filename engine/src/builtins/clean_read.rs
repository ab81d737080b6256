//! Readers shared by the clean-up and timeline built-ins: LoanPro's scalars read exactly as
//! derivations.md §1 defines them (not a built-in; [`super::ALL`] does not list it).

use std::borrow::Cow;

use super::prelude::*;
use crate::clean::money::{parse_money, Cents};
use crate::timeline::days::{day_of, Day};
use crate::timeline::LoanTimeline;
use sonic_rs::JsonValueTrait;

/// The text of a scalar: a string, or a JSON number's text as written (LoanPro sometimes sends
/// numbers where it usually sends strings). `None` for null and missing.
pub(super) fn scalar_text<'a>(v: &'a Value<'_>) -> Result<Option<Cow<'a, str>>, ValueError> {
    Ok(match v {
        Value::Missing | Value::Null => None,
        Value::Text(s) => Some(Cow::Borrowed(s)),
        Value::Json(j) if j.is_null() => None,
        Value::Json(j) if j.is_str() => j.as_str().map(Cow::Borrowed),
        Value::Json(j) if j.is_number() => crate::json::number_text(j),
        Value::Int(n) => Some(Cow::Owned(n.to_string())),
        Value::Decimal(d) => Some(Cow::Owned(d.to_string())),
        other => {
            return Err(ValueError::new(format!(
                "expected text or a number, got {}",
                other.kind()
            )))
        }
    })
}

/// A date under §1: a date value, or LoanPro's `/Date(N)/` text; `None` for every "no date"
/// form (null, missing, `""`, `/Date(0)/`, N at or before year 1). Other forms are errors.
pub(super) fn read_date(v: &Value<'_>) -> Result<Option<NaiveDate>, ValueError> {
    match v {
        Value::Date(d) => Ok(Some(*d)),
        Value::Missing | Value::Null => Ok(None),
        Value::Json(j) if j.is_null() => Ok(None),
        Value::Text(_) | Value::Json(_) if v.as_text().is_ok() => {
            crate::clean::loanpro_date(v.as_text()?).map_err(|e| ValueError::new(e.to_string()))
        }
        other => Err(ValueError::new(format!(
            "expected a LoanPro date (\"/Date(N)/\"), got {}",
            other.kind()
        ))),
    }
}

/// [`read_date`] as a day number (see [`crate::clean::date::loanpro_day`]).
pub(super) fn read_day(v: &Value<'_>) -> Result<Option<Day>, ValueError> {
    let day =
        |s: &str| crate::clean::date::loanpro_day(s).map_err(|e| ValueError::new(e.to_string()));
    match v {
        Value::Date(d) => Ok(Some(day_of(*d))),
        Value::Missing | Value::Null => Ok(None),
        Value::Text(s) => day(s),
        // Every payment's dates come here: one look at the node's kind.
        Value::Json(j) => match crate::json::node(j) {
            crate::json::Node::Null => Ok(None),
            crate::json::Node::String(s) => day(s),
            _ => Err(ValueError::new(format!(
                "expected a LoanPro date (\"/Date(N)/\"), got {}",
                v.kind()
            ))),
        },
        other => Err(ValueError::new(format!(
            "expected a LoanPro date (\"/Date(N)/\"), got {}",
            other.kind()
        ))),
    }
}

/// An amount under §1, in cents: a string or a JSON number read from its text as written.
/// `None` for null, missing and `""` (LoanPro's "not set").
pub(super) fn read_money(v: &Value<'_>) -> Result<Option<Cents>, ValueError> {
    if let Value::Decimal(d) = v {
        return Cents::from_decimal(*d)
            .map(Some)
            .ok_or_else(|| ValueError::new(format!("{d} is out of range for money")));
    }
    match scalar_text(v)? {
        None => Ok(None),
        Some(t) if t.is_empty() => Ok(None),
        Some(t) => parse_money(&t)
            .map(Some)
            .map_err(|e| ValueError::new(e.to_string())),
    }
}

/// A day argument that must be a date (not none).
pub(super) fn day_arg(v: &Value<'_>, what: &str) -> Result<Day, ValueError> {
    match v.as_date()? {
        Some(d) => Ok(day_of(d)),
        None => Err(ValueError::new(format!(
            "{what}: a date is required, got none"
        ))),
    }
}

/// The timeline carried by an opaque `timeline` value.
pub(super) fn timeline_arg<'a>(v: &'a Value<'_>) -> Result<&'a LoanTimeline, ValueError> {
    v.as_opaque(TIMELINE)?
        .downcast::<LoanTimeline>()
        .ok_or_else(|| ValueError::new("the timeline value holds another object"))
}

/// The opaque type name of a loan's delinquency timeline.
pub(super) const TIMELINE: &str = "timeline";

/// The checker's type of a timeline.
pub(super) fn timeline_type() -> Type {
    Type::Opaque(TIMELINE)
}

/// A date result, none when absent.
pub(super) fn date_or_none<'d>(day: Option<Day>) -> Value<'d> {
    day.map_or(Value::Null, |d| {
        Value::Date(crate::timeline::days::date_of(d))
    })
}

/// A width argument of a clean-up that cuts (names and addresses).
pub(super) fn width_arg(v: &Value<'_>) -> Result<usize, ValueError> {
    let w = v.as_int()?;
    usize::try_from(w)
        .ok()
        .filter(|w| *w > 0)
        .ok_or_else(|| ValueError::new(format!("width {w} must be positive")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn money_reads_strings_and_number_texts_exactly() {
        let j = crate::json::from_serde(
            &json!({"s": "386.669", "n": 386.66, "e": "", "z": null, "x": "1,000.00", "big": 3.8666e2}),
        );
        let v = Value::Json(&j);
        let m = |k: &str| read_money(&v.get(k).unwrap());
        assert_eq!(m("s"), Ok(Some(Cents(38666))));
        assert_eq!(m("n"), Ok(Some(Cents(38666))));
        assert_eq!(m("big"), Ok(Some(Cents(38666))));
        assert_eq!(m("e"), Ok(None));
        assert_eq!(m("z"), Ok(None));
        assert_eq!(m("missing"), Ok(None));
        assert!(m("x").is_err());
    }

    #[test]
    fn dates_follow_section_1_strictly() {
        let j = crate::json::from_serde(
            &json!({"d": "/Date(1427829732)/", "e": "", "z": null, "s": "/Date(-62169984000)/", "iso": "2026-01-15", "n": 5}),
        );
        let v = Value::Json(&j);
        let d = |k: &str| read_date(&v.get(k).unwrap());
        assert_eq!(d("d"), Ok(NaiveDate::from_ymd_opt(2015, 3, 31)));
        for k in ["e", "z", "s", "missing"] {
            assert_eq!(d(k), Ok(None), "{k}");
        }
        assert!(d("iso").is_err());
        assert!(d("n").is_err());
    }

    #[test]
    fn every_clean_and_timeline_builtin_is_registered() {
        let names = super::super::registry().names();
        for n in [
            "delinquency",
            "timeline_of",
            "timeline.dpd_at",
            "timeline.history",
            "history_profile",
            "surname",
            "given_name",
            "address",
            "ssn",
            "status_row",
            "loanpro_date",
            "loanpro_money",
        ] {
            assert!(names.contains(&n), "{n}");
        }
        assert_eq!(
            super::super::opaque_types(),
            vec![TIMELINE],
            "the timeline is the only opaque type"
        );
    }
}
