//! LoanPro dates (derivations.md §1).

use chrono::NaiveDate;

/// Seconds since 1970 at or before which a `/Date(N)/` is LoanPro's "no date" (0001-01-01, and
/// its sentinel `/Date(-62169984000)/` before it).
const NO_DATE_AT_OR_BEFORE: i64 = -62_135_596_800;

/// The largest N giving a date Metro 2 can write (9999-12-31T23:59:59Z).
const LAST_WRITABLE: i64 = 253_402_300_799;

/// A date LoanPro sent in a form §1 does not define.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not `/Date(N)/` with N a whole number of seconds.
    #[error("{0:?} is not a LoanPro date (\"/Date(N)/\", N seconds since 1970)")]
    NotADate(String),
    /// A date after the year 9999, which MMDDYYYY cannot hold (milliseconds sent as seconds
    /// land here).
    #[error("{0:?} is after the year 9999")]
    TooLate(String),
}

/// A calendar date written `YYYY-MM-DD` with a four-digit year from 0001, and nothing else.
/// chrono's `%Y` alone takes any number of year digits, so `26-10-31` would be the year 26 and
/// every loan would read as opened after it; a person who types a reporting date means a
/// Metro 2 date, which has four.
pub fn iso_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped || &text[..4] == "0000" {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Reads a LoanPro date text: `"/Date(N)/"` is the UTC calendar date of N seconds after
/// 1970-01-01T00:00:00Z (negative N are dates before 1970). `Ok(None)` for the "no date"
/// texts: `""`, `/Date(0)/` and any N at or before −62135596800. `null` and a missing field are
/// "no date" too; the caller passes `None` for them ([`loanpro_date_opt`]).
pub fn loanpro_date(text: &str) -> Result<Option<NaiveDate>, DateError> {
    Ok(loanpro_day(text)?.map(crate::timeline::days::date_of))
}

/// [`loanpro_date`] as a day number (days since 1970-01-01), for callers that count days: the
/// same texts are read and refused, without building a calendar date only to take it apart.
pub fn loanpro_day(text: &str) -> Result<Option<crate::timeline::days::Day>, DateError> {
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || DateError::NotADate(text.to_string());
    let inner = text
        .strip_prefix("/Date(")
        .and_then(|r| r.strip_suffix(")/"))
        .ok_or_else(bad)?;
    let digits = inner.strip_prefix('-').unwrap_or(inner);
    if digits.is_empty() || digits.len() > 18 {
        return Err(bad());
    }
    // At most 18 digits: the value fits an i64, so each digit is checked and added in one go.
    let magnitude = digits
        .bytes()
        .try_fold(0i64, |n, b| {
            b.is_ascii_digit().then(|| n * 10 + i64::from(b - b'0'))
        })
        .ok_or_else(bad)?;
    let n = if digits.len() < inner.len() {
        -magnitude
    } else {
        magnitude
    };
    loanpro_day_of(n).ok_or_else(|| DateError::TooLate(text.to_string()))
}

/// [`loanpro_day`] of the `N` of `/Date(N)/`, read already: none for LoanPro's empty dates;
/// `None` for a date after the last one Metro 2 can write.
pub(crate) fn loanpro_day_of(n: i64) -> Option<Option<crate::timeline::days::Day>> {
    if n == 0 || n <= NO_DATE_AT_OR_BEFORE {
        return Some(None);
    }
    if n > LAST_WRITABLE {
        return None;
    }
    // Between the two bounds, the day number fits an i32.
    i32::try_from(n.div_euclid(86_400)).ok().map(Some)
}

/// [`loanpro_date`] of a field that may be absent or `null` (both "no date").
pub fn loanpro_date_opt(text: Option<&str>) -> Result<Option<NaiveDate>, DateError> {
    text.map_or(Ok(None), loanpro_date)
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_dates_have_four_year_digits() {
        assert_eq!(
            iso_date("2026-10-31"),
            NaiveDate::from_ymd_opt(2026, 10, 31)
        );
        for bad in [
            "26-10-31",
            "0026-10-31x",
            "-2026-10-31",
            "0000-01-01",
            "2026-1-31",
            "2026-02-30",
            "2026/10/31",
            " 2026-10-31",
        ] {
            assert_eq!(iso_date(bad), None, "{bad}");
        }
        assert!(
            iso_date("0026-10-31").is_some(),
            "four digits, however early"
        );
    }

    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn seconds_since_1970_utc() {
        assert_eq!(loanpro_date("/Date(1427829732)/"), Ok(ymd(2015, 3, 31)));
        assert_eq!(loanpro_date("/Date(1725062400)/"), Ok(ymd(2024, 8, 31)));
        // one second before midnight is still the same UTC day
        assert_eq!(loanpro_date("/Date(1725148799)/"), Ok(ymd(2024, 8, 31)));
        assert_eq!(loanpro_date("/Date(1)/"), Ok(ymd(1970, 1, 1)));
    }

    #[test]
    fn negative_seconds_are_dates_before_1970() {
        assert_eq!(loanpro_date("/Date(-1)/"), Ok(ymd(1969, 12, 31)));
        assert_eq!(loanpro_date("/Date(-86400)/"), Ok(ymd(1969, 12, 31)));
        assert_eq!(loanpro_date("/Date(-86401)/"), Ok(ymd(1969, 12, 30)));
        assert_eq!(loanpro_date("/Date(-315619200)/"), Ok(ymd(1960, 1, 1)));
        assert_eq!(loanpro_date("/Date(-62135596799)/"), Ok(ymd(1, 1, 1)));
    }

    #[test]
    fn every_empty_form_is_no_date() {
        for s in [
            "",
            "/Date(0)/",
            "/Date(-0)/",
            "/Date(-62169984000)/",
            "/Date(-62135596800)/",
        ] {
            assert_eq!(loanpro_date(s), Ok(None), "{s:?}");
        }
        assert_eq!(loanpro_date_opt(None), Ok(None));
    }

    #[test]
    fn other_forms_are_errors() {
        for s in [
            "2026-01-15",
            "/Date()/",
            "/Date(12a)/",
            "/Date(1427829732+0000)/",
            "/Date( 1)/",
            "Date(1)",
            "/Date(1.5)/",
            "/Date(--1)/",
            "/Date(99999999999999999999)/",
        ] {
            assert!(
                matches!(loanpro_date(s), Err(DateError::NotADate(_))),
                "{s:?}"
            );
        }
        assert!(matches!(
            loanpro_date("/Date(1427829732000)/"),
            Err(DateError::TooLate(_))
        ));
        assert_eq!(loanpro_date("/Date(253402300799)/"), Ok(ymd(9999, 12, 31)));
    }
}
