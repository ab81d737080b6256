//! Counted payments (derivations.md §3) and the ledger that sums them.

use super::days::Day;
use crate::clean::money::Cents;

/// One payment as LoanPro lists it, its values already cleaned (§1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow<'a> {
    /// `active`: 1 (or `true`).
    pub active: bool,
    /// `date` as a day number; `None` for every "no date" form.
    pub date: Option<Day>,
    /// `reverseDate` as a day number; `None` for every "no date" form.
    pub reverse_date: Option<Day>,
    /// `status` (`payment.status.success`, ...), when present.
    pub status: Option<&'a str>,
    /// `amount`.
    pub amount: Cents,
}

impl PaymentRow<'_> {
    /// Whether the payment counts: active, dated, not reversed (no `reverseDate`, no status
    /// ending in `.reversed`) and positive. A reversed payment counts on no day at all, not even
    /// before its reversal: the servicer rewrote the ledger, and the history follows it.
    pub fn counts(&self) -> bool {
        self.active
            && self.date.is_some()
            && self.reverse_date.is_none()
            && !self.status.is_some_and(|s| s.ends_with(".reversed"))
            && self.amount.is_positive()
    }
}

/// The counted payments of a loan, sorted by day with running totals, so that the amount paid
/// by any day is one binary search.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ledger {
    /// Distinct payment days, ascending.
    days: Vec<Day>,
    /// `totals[i]`: the sum of all payments dated on or before `days[i]`.
    totals: Vec<i64>,
}

impl Ledger {
    /// The ledger of the given counted payments (day, amount), in any order.
    pub fn new(mut payments: Vec<(Day, Cents)>) -> Ledger {
        payments.sort_unstable_by_key(|p| p.0);
        let mut days = Vec::with_capacity(payments.len());
        let mut totals: Vec<i64> = Vec::with_capacity(payments.len());
        let mut sum = 0i64;
        for (day, amount) in payments {
            sum = sum.saturating_add(amount.0);
            if days.last() == Some(&day) {
                *totals.last_mut().expect("a total per day") = sum;
            } else {
                days.push(day);
                totals.push(sum);
            }
        }
        Ledger { days, totals }
    }

    /// The ledger of the rows that count (§3), dropping the others.
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = PaymentRow<'a>>) -> Ledger {
        Ledger::new(
            rows.into_iter()
                .filter(PaymentRow::counts)
                .map(|r| (r.date.expect("counted rows are dated"), r.amount))
                .collect(),
        )
    }

    /// `paid(t)`: the sum of the payments dated on or before day `t`.
    pub fn paid(&self, t: Day) -> Cents {
        let i = self.days.partition_point(|d| *d <= t);
        Cents(if i == 0 { 0 } else { self.totals[i - 1] })
    }

    /// The latest payment day on or before `t`.
    pub fn last_on_or_before(&self, t: Day) -> Option<Day> {
        let i = self.days.partition_point(|d| *d <= t);
        i.checked_sub(1).map(|i| self.days[i])
    }

    /// The distinct payment days, ascending.
    pub fn days(&self) -> &[Day] {
        &self.days
    }

    /// The payment days in `from..=to`, ascending.
    pub fn days_in(&self, from: Day, to: Day) -> &[Day] {
        let a = self.days.partition_point(|d| *d < from);
        let b = self.days.partition_point(|d| *d <= to);
        &self.days[a..b.max(a)]
    }
}

#[cfg(test)]
mod tests {
    use super::super::days::day_of;
    use super::*;
    use chrono::NaiveDate;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn row(date: Option<NaiveDate>, amount: i64) -> PaymentRow<'static> {
        PaymentRow {
            active: true,
            date: date.map(day_of),
            reverse_date: None,
            status: Some("payment.status.success"),
            amount: Cents(amount),
        }
    }

    #[test]
    fn only_active_dated_unreversed_positive_payments_count() {
        let d = Some(ymd(2026, 1, 15));
        assert!(row(d, 100).counts());
        assert!(!row(None, 100).counts());
        assert!(!row(d, 0).counts());
        assert!(!row(d, -5).counts());
        assert!(!PaymentRow {
            active: false,
            ..row(d, 100)
        }
        .counts());
        assert!(!PaymentRow {
            reverse_date: d.map(day_of),
            ..row(d, 100)
        }
        .counts());
        assert!(!PaymentRow {
            status: Some("payment.status.reversed"),
            ..row(d, 100)
        }
        .counts());
        assert!(PaymentRow {
            status: None,
            ..row(d, 100)
        }
        .counts());
    }

    #[test]
    fn paid_sums_payments_on_or_before_a_day_and_merges_same_days() {
        let l = Ledger::from_rows([
            row(Some(ymd(2026, 2, 20)), 100),
            row(Some(ymd(2026, 1, 15)), 100),
            row(Some(ymd(2026, 1, 15)), 50),
            row(Some(ymd(2026, 3, 1)), 0),
        ]);
        assert_eq!(l.days().len(), 2);
        assert_eq!(l.paid(day_of(ymd(2026, 1, 14))), Cents(0));
        assert_eq!(l.paid(day_of(ymd(2026, 1, 15))), Cents(150));
        assert_eq!(l.paid(day_of(ymd(2026, 2, 19))), Cents(150));
        assert_eq!(l.paid(day_of(ymd(2026, 2, 20))), Cents(250));
        assert_eq!(
            l.last_on_or_before(day_of(ymd(2026, 2, 19))),
            Some(day_of(ymd(2026, 1, 15)))
        );
        assert_eq!(l.last_on_or_before(day_of(ymd(2026, 1, 1))), None);
        assert_eq!(
            l.days_in(day_of(ymd(2026, 1, 16)), day_of(ymd(2026, 2, 20))),
            &[day_of(ymd(2026, 2, 20))]
        );
        assert!(l
            .days_in(day_of(ymd(2026, 3, 1)), day_of(ymd(2026, 2, 1)))
            .is_empty());
    }
}
