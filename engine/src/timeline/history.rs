//! The 24-month Payment History Profile (derivations.md §7).

use super::days::{days_in_month, month_end, month_index, Day};
use super::delinquency::{bucket, Timeline};

/// One month of the profile: `None` when the month ended before the account was opened (`B`),
/// else the bucket of dpd on the month's last day.
pub type HistoryMonth = Option<u8>;

impl Timeline {
    /// The 24 months before the reporting month (the month containing `as_of`), most recent
    /// first: month i (1-based) is judged on its last day e(i).
    pub fn history(&self, as_of: Day, opened: Day) -> [HistoryMonth; 24] {
        let oldest = month_index(as_of) - 24;
        let (mut year, mut month) = (
            oldest.div_euclid(12) as i32,
            oldest.rem_euclid(12) as u32 + 1,
        );
        let mut end = month_end(oldest);
        let mut months = [None; 24];
        // Oldest month first, so that dpd walks the ledger forward once and each month's end
        // is the last one's plus the month's length.
        let mut dpd = self.dpd_walk();
        for slot in months.iter_mut().rev() {
            if end >= opened {
                *slot = Some(bucket(dpd.dpd(end)));
            }
            (year, month) = if month == 12 {
                (year + 1, 1)
            } else {
                (year, month + 1)
            };
            end += days_in_month(year, month) as Day;
        }
        months
    }
}

/// The profile as Metro 2 characters with the plain reading of §7: buckets as `0`–`6`, months
/// before the account existed as `B`.
pub fn profile_text(months: &[HistoryMonth; 24]) -> String {
    months
        .iter()
        .map(|m| m.map_or('B', |b| char::from(b'0' + b)))
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::clean::money::Cents;
    use crate::timeline::days::day_of;
    use crate::timeline::frequency::Frequency;
    use crate::timeline::payments::Ledger;
    use crate::timeline::schedule::Schedule;

    fn d(y: i32, m: u32, dd: u32) -> Day {
        day_of(NaiveDate::from_ymd_opt(y, m, dd).unwrap())
    }

    #[test]
    fn worked_example_profile() {
        let s = Schedule::new(
            Frequency::Monthly,
            NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
            12,
            Cents(10_000),
        )
        .unwrap();
        let t = Timeline::new(
            s,
            Ledger::new(vec![
                (d(2026, 1, 15), Cents(10_000)),
                (d(2026, 2, 20), Cents(10_000)),
            ]),
        );
        let h = t.history(d(2026, 5, 31), d(2025, 12, 15));
        assert_eq!(profile_text(&h), format!("10000{}", "B".repeat(19)));
    }

    #[test]
    fn an_account_opened_this_month_is_all_b_and_one_opened_on_a_month_end_counts_it() {
        let s = Schedule::new(
            Frequency::Monthly,
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            12,
            Cents(10_000),
        )
        .unwrap();
        let t = Timeline::new(s, Ledger::default());
        assert_eq!(
            profile_text(&t.history(d(2026, 10, 31), d(2026, 10, 2))),
            "B".repeat(24)
        );
        assert_eq!(
            profile_text(&t.history(d(2026, 10, 31), d(2026, 9, 30))),
            format!("0{}", "B".repeat(23))
        );
    }
}
