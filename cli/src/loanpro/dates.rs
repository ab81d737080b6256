//! LoanPro's date forms: `"/Date(N)/"` with N in **seconds** since 1970 UTC, and the many ways
//! it says "no date".

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;

/// Seconds at or before which a `/Date(N)/` means "no date" (year 1; LoanPro's sentinel is
/// `/Date(-62169984000)/`).
const NO_DATE_BELOW: i64 = -62_135_596_800;

/// Writes an instant as LoanPro does: `/Date(N)/`.
pub fn format_odata(at: DateTime<Utc>) -> String {
    format!("/Date({})/", at.timestamp())
}

/// Writes a calendar date as LoanPro does: midnight UTC as `/Date(N)/`.
pub fn format_odata_day(day: NaiveDate) -> String {
    format!("/Date({})/", day_seconds(day))
}

/// Midnight UTC of a day, in seconds since 1970.
pub fn day_seconds(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .unwrap_or(0)
}

/// Reads the seconds of a `/Date(N)/` text (an optional `+hhmm` offset suffix is ignored, as
/// the seconds are UTC already).
pub fn odata_seconds(text: &str) -> Option<i64> {
    let inner = text.strip_prefix("/Date(")?.strip_suffix(")/")?;
    let end = inner
        .get(1..)?
        .find(['+', '-'])
        .map(|i| i + 1)
        .unwrap_or(inner.len());
    inner[..end].parse().ok()
}

/// Reads any date value LoanPro may send: `/Date(N)/`, an ISO date or date-time text, or a
/// number of seconds. `None` for the "no date" forms (`null`, `""`, `/Date(0)/`, the year-1
/// sentinel) and for anything unreadable.
pub fn parse_value(value: &Value) -> Option<DateTime<Utc>> {
    let secs = match value {
        Value::String(s) => parse_text(s)?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    if secs == 0 || secs <= NO_DATE_BELOW {
        return None;
    }
    DateTime::from_timestamp(secs, 0)
}

/// Reads a date text to seconds: `/Date(N)/`, `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS` (UTC) or
/// RFC 3339.
pub fn parse_text(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Some(secs) = odata_seconds(text) {
        return Some(secs);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.timestamp());
    }
    if let Ok(at) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S") {
        return Some(at.and_utc().timestamp());
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(day_seconds(day));
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_and_writes_loanpro_dates() {
        let day = NaiveDate::from_ymd_opt(2015, 3, 31).unwrap();
        assert_eq!(format_odata_day(day), "/Date(1427760000)/");
        assert_eq!(odata_seconds("/Date(1427829732)/"), Some(1_427_829_732));
        assert_eq!(odata_seconds("/Date(-86400)/"), Some(-86_400));
        assert_eq!(
            odata_seconds("/Date(1427829732+0000)/"),
            Some(1_427_829_732)
        );
        assert_eq!(
            parse_value(&json!("/Date(1427829732)/")).map(|d| d.timestamp()),
            Some(1_427_829_732)
        );
        assert_eq!(parse_text("2015-03-31"), Some(1_427_760_000));
        assert_eq!(parse_text("2015-03-31T00:00:01Z"), Some(1_427_760_001));
        for none in [
            json!(null),
            json!(""),
            json!("/Date(0)/"),
            json!("/Date(-62169984000)/"),
        ] {
            assert_eq!(parse_value(&none), None, "{none}");
        }
    }
}
