//! Calendar arithmetic on day numbers.
//!
//! The timeline answers thousands of date questions per loan, so it works on plain day numbers
//! (days since 1970-01-01) and converts to and from [`NaiveDate`] only at its edges. The civil
//! calendar conversions are Howard Hinnant's `days_from_civil` / `civil_from_days`, exact for
//! every proleptic Gregorian date.

use chrono::{Datelike, NaiveDate};

/// A calendar day as the number of days since 1970-01-01 (negative before).
pub type Day = i32;

/// chrono's day number (days from the common era, 0001-01-01 being 1) of 1970-01-01.
const EPOCH_FROM_CE: i32 = 719_163;

/// The day number of a date.
pub fn day_of(date: NaiveDate) -> Day {
    // chrono keeps a date as year and ordinal: this is cheaper than splitting it into y-m-d.
    date.num_days_from_ce() - EPOCH_FROM_CE
}

/// The date of a day number. Every day the timeline produces lies in years 1–9999, which
/// chrono always represents.
pub fn date_of(day: Day) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day + EPOCH_FROM_CE)
        .expect("a day number within chrono's range")
}

/// Days since 1970-01-01 of the proleptic Gregorian date `y-m-d`.
pub fn days_from_civil(y: i32, m: u32, d: u32) -> Day {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400) as u32; // [0, 399]
    let mp = (m + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + d - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe as i32 - 719_468
}

/// The proleptic Gregorian `(year, month, day)` of a day number.
pub fn civil_from_days(z: Day) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097) as u32; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe as i32 + era * 400 + i32::from(m <= 2);
    (y, m, d)
}

/// Whether `y` is a Gregorian leap year.
pub fn is_leap(y: i32) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// The number of days in month `m` of year `y`.
pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// `(y, m, d)` plus `months` calendar months, the day clamped to the last day of a shorter
/// month (Jan 31 + 1 month = Feb 28 or 29). Callers always add to the same origin date
/// (derivations.md §2: never step by step), so a clamp never carries into later months.
pub fn add_months(y: i32, m: u32, d: u32, months: i64) -> Option<Day> {
    let index = i64::from(y) * 12 + i64::from(m) - 1 + months;
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    if !(1..=9999).contains(&year) {
        return None;
    }
    let month = index.rem_euclid(12) as u32 + 1;
    let day = d.min(days_in_month(year, month));
    Some(days_from_civil(year, month, day))
}

/// The first day of the month that contains `day`.
pub fn month_start(day: Day) -> Day {
    let (y, m, _) = civil_from_days(day);
    days_from_civil(y, m, 1)
}

/// The last day of the month `back` months before the month that contains `day`
/// (`back` = 0 is that month itself).
pub fn month_end_before(day: Day, back: u32) -> Day {
    month_end(month_index(day) - i64::from(back))
}

/// The month that contains `day` as a count of months (`year × 12 + month − 1`), so that
/// stepping months is plain arithmetic.
pub fn month_index(day: Day) -> i64 {
    let (y, m, _) = civil_from_days(day);
    i64::from(y) * 12 + i64::from(m) - 1
}

/// The last day of the month with the given [`month_index`].
pub fn month_end(index: i64) -> Day {
    let year = index.div_euclid(12) as i32;
    let month = index.rem_euclid(12) as u32 + 1;
    days_from_civil(year, month, days_in_month(year, month))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn day_numbers_agree_with_chrono() {
        let epoch = ymd(1970, 1, 1);
        for date in [
            ymd(1, 1, 1),
            ymd(1899, 12, 31),
            ymd(1969, 12, 31),
            ymd(1970, 1, 1),
            ymd(2000, 2, 29),
            ymd(2026, 10, 31),
            ymd(9999, 12, 31),
        ] {
            let n = (date - epoch).num_days() as i32;
            assert_eq!(day_of(date), n, "{date}");
            assert_eq!(date_of(n), date);
        }
    }

    #[test]
    fn months_clamp_to_the_shorter_month_from_the_origin() {
        let jan31 = (2026, 1, 31);
        let add = |k| date_of(add_months(jan31.0, jan31.1, jan31.2, k).unwrap());
        assert_eq!(add(1), ymd(2026, 2, 28));
        assert_eq!(add(2), ymd(2026, 3, 31));
        assert_eq!(add(3), ymd(2026, 4, 30));
        assert_eq!(add(25), ymd(2028, 2, 29));
        assert_eq!(add(-2), ymd(2025, 11, 30));
        assert_eq!(add_months(9999, 12, 1, 1), None);
    }

    #[test]
    fn month_bounds() {
        let d = day_of(ymd(2026, 3, 15));
        assert_eq!(date_of(month_start(d)), ymd(2026, 3, 1));
        assert_eq!(date_of(month_end_before(d, 0)), ymd(2026, 3, 31));
        assert_eq!(date_of(month_end_before(d, 1)), ymd(2026, 2, 28));
        assert_eq!(date_of(month_end_before(d, 3)), ymd(2025, 12, 31));
        assert_eq!(date_of(month_end_before(d, 26)), ymd(2024, 1, 31));
    }
}
