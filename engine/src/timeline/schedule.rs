//! The payment schedule (derivations.md §2): `n` installments of `payment`, due by frequency
//! from the first due date.

use chrono::{Datelike, NaiveDate};

use super::days::{add_months, day_of, Day};
use super::frequency::Frequency;
use crate::clean::money::Cents;

/// 9999-12-31, the last day Metro 2 can write.
const LAST_DAY: Day = 2_932_896;

/// Why a loan's schedule cannot be built (the loan becomes an error record).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// `LoanSetup.loanTerm` is missing, zero or negative.
    #[error("LoanSetup.loanTerm must be a positive number of installments")]
    NoTerm,
    /// `LoanSetup.payment` is missing, zero or negative.
    #[error("LoanSetup.payment must be a positive amount")]
    NoPayment,
    /// The last installment would fall after the year 9999, which Metro 2 cannot write.
    #[error("LoanSetup.loanTerm: the schedule of {0} installments runs past the year 9999")]
    TooLong(u32),
}

/// The installments of a loan, each due on `due(k)` for `k` in `0..n`.
///
/// Due dates are computed on demand from the first one (never step by step, so a clamped
/// Feb 28 does not drag later months to the 28th) and strictly increase with `k`, which lets
/// [`Schedule::due_count`] answer by binary search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    frequency: Frequency,
    n: u32,
    payment: Cents,
    first: (i32, u32, u32),
    first_day: Day,
}

impl Schedule {
    /// A schedule of `n` installments of `payment`, the first due on `first_due`.
    pub fn new(
        frequency: Frequency,
        first_due: NaiveDate,
        n: u32,
        payment: Cents,
    ) -> Result<Schedule, ScheduleError> {
        if n == 0 {
            return Err(ScheduleError::NoTerm);
        }
        if !payment.is_positive() {
            return Err(ScheduleError::NoPayment);
        }
        if !(1..=9999).contains(&first_due.year()) {
            return Err(ScheduleError::TooLong(n));
        }
        let s = Schedule {
            frequency,
            n,
            payment,
            first: (first_due.year(), first_due.month(), first_due.day()),
            first_day: day_of(first_due),
        };
        match s.try_due(n - 1) {
            Some(last) if last <= LAST_DAY => Ok(s),
            _ => Err(ScheduleError::TooLong(n)),
        }
    }

    /// The frequency.
    pub fn frequency(&self) -> Frequency {
        self.frequency
    }

    /// The number of installments `n`.
    pub fn len(&self) -> u32 {
        self.n
    }

    /// Never true: a schedule has at least one installment.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The installment amount.
    pub fn payment(&self) -> Cents {
        self.payment
    }

    /// The due day of installment `k` (`k` < n).
    pub fn due(&self, k: u32) -> Day {
        debug_assert!(k < self.n);
        self.try_due(k)
            .expect("Schedule::new checked the last due date")
    }

    fn try_due(&self, k: u32) -> Option<Day> {
        let (y, m, d) = self.first;
        let k = i64::from(k);
        let months = |step: i64| add_months(y, m, d, k * step);
        match self.frequency {
            Frequency::Weekly => i32::try_from(i64::from(self.first_day) + 7 * k).ok(),
            Frequency::BiWeekly => i32::try_from(i64::from(self.first_day) + 14 * k).ok(),
            Frequency::Monthly => months(1),
            Frequency::Quarterly => months(3),
            Frequency::SemiAnnually => months(6),
            Frequency::Annually => months(12),
            Frequency::SemiMonthly => {
                add_months(y, m, d, k / 2).map(|day| day + if k % 2 == 1 { 15 } else { 0 })
            }
        }
    }

    /// How many installments are due on or before day `t`: |{k < n : due(k) ≤ t}|.
    pub fn due_count(&self, t: Day) -> u32 {
        if t < self.first_day {
            return 0;
        }
        let fixed = |step: i32| (((t - self.first_day) / step) as u32).saturating_add(1);
        match self.frequency {
            Frequency::Weekly => fixed(7).min(self.n),
            Frequency::BiWeekly => fixed(14).min(self.n),
            _ => {
                // The smallest k in [1, n] with due(k) > t, taking due(n) as beyond every day: due(0) ≤ t
                // is known, and due dates strictly increase.
                let (mut lo, mut hi) = (1u32, self.n);
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    if self.due(mid) <= t {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                lo
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::days::date_of;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn dues(f: Frequency, first: NaiveDate, n: u32) -> Vec<NaiveDate> {
        let s = Schedule::new(f, first, n, Cents(100)).unwrap();
        (0..n).map(|k| date_of(s.due(k))).collect()
    }

    #[test]
    fn monthly_from_the_31st_clamps_each_month_from_due0() {
        assert_eq!(
            dues(Frequency::Monthly, ymd(2027, 12, 31), 4),
            [
                ymd(2027, 12, 31),
                ymd(2028, 1, 31),
                ymd(2028, 2, 29),
                ymd(2028, 3, 31)
            ]
        );
        assert_eq!(
            dues(Frequency::Monthly, ymd(2026, 1, 31), 3),
            [ymd(2026, 1, 31), ymd(2026, 2, 28), ymd(2026, 3, 31)]
        );
    }

    #[test]
    fn every_frequency_steps_as_specified() {
        let first = ymd(2026, 1, 31);
        assert_eq!(
            dues(Frequency::Weekly, first, 3),
            [first, ymd(2026, 2, 7), ymd(2026, 2, 14)]
        );
        assert_eq!(
            dues(Frequency::BiWeekly, first, 3),
            [first, ymd(2026, 2, 14), ymd(2026, 2, 28)]
        );
        assert_eq!(
            dues(Frequency::SemiMonthly, first, 5),
            [
                first,
                ymd(2026, 2, 15),
                ymd(2026, 2, 28),
                ymd(2026, 3, 15),
                ymd(2026, 3, 31)
            ]
        );
        assert_eq!(
            dues(Frequency::Quarterly, ymd(2025, 11, 30), 3),
            [ymd(2025, 11, 30), ymd(2026, 2, 28), ymd(2026, 5, 30)]
        );
        assert_eq!(
            dues(Frequency::SemiAnnually, ymd(2024, 8, 31), 3),
            [ymd(2024, 8, 31), ymd(2025, 2, 28), ymd(2025, 8, 31)]
        );
        assert_eq!(
            dues(Frequency::Annually, ymd(2024, 2, 29), 3),
            [ymd(2024, 2, 29), ymd(2025, 2, 28), ymd(2026, 2, 28)]
        );
    }

    #[test]
    fn due_count_matches_a_linear_count() {
        for f in Frequency::ALL {
            let s = Schedule::new(f, ymd(2026, 1, 31), 30, Cents(100)).unwrap();
            let start = day_of(ymd(2025, 12, 1));
            for t in start..start + 3000 {
                let linear = (0..30).filter(|&k| s.due(k) <= t).count() as u32;
                assert_eq!(s.due_count(t), linear, "{f:?} {}", date_of(t));
            }
        }
    }

    #[test]
    fn the_last_day_is_9999_12_31() {
        assert_eq!(date_of(LAST_DAY), ymd(9999, 12, 31));
    }

    #[test]
    fn bad_terms_and_payments_are_errors() {
        let d = ymd(2026, 1, 1);
        assert_eq!(
            Schedule::new(Frequency::Monthly, d, 0, Cents(1)),
            Err(ScheduleError::NoTerm)
        );
        assert_eq!(
            Schedule::new(Frequency::Monthly, d, 1, Cents(0)),
            Err(ScheduleError::NoPayment)
        );
        assert_eq!(
            Schedule::new(Frequency::Annually, d, 9000, Cents(1)),
            Err(ScheduleError::TooLong(9000))
        );
    }
}
