//! Counted payments (derivations.md §3) and the ledger that sums them.

use super::days::Day;
use crate::clean::money::Cents;

/// One payment as LoanPro lists it, its values already cleaned (§1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// `(day, total)` for each distinct payment day, ascending: `total` is the sum of all
    /// payments dated on or before `day`. One list, built in the payments' own allocation.
    days: Vec<(Day, Cents)>,
}

impl Ledger {
    /// The ledger of the given counted payments (day, amount), in any order.
    pub fn new(mut payments: Vec<(Day, Cents)>) -> Ledger {
        payments.sort_unstable_by_key(|p| p.0);
        // Running totals written over the sorted payments, same-day payments merged into one.
        let mut sum = 0i64;
        let mut kept = 0;
        for i in 0..payments.len() {
            let (day, amount) = payments[i];
            sum = sum.saturating_add(amount.0);
            if kept > 0 && payments[kept - 1].0 == day {
                payments[kept - 1].1 = Cents(sum);
            } else {
                payments[kept] = (day, Cents(sum));
                kept += 1;
            }
        }
        payments.truncate(kept);
        Ledger { days: payments }
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

    /// How many payment days are on or before `t`.
    fn count_to(&self, t: Day) -> usize {
        self.days.partition_point(|d| d.0 <= t)
    }

    /// The total paid through the first `count` payment days.
    fn total_of(&self, count: usize) -> Cents {
        count.checked_sub(1).map_or(Cents::ZERO, |i| self.days[i].1)
    }

    /// `paid(t)`: the sum of the payments dated on or before day `t`.
    pub fn paid(&self, t: Day) -> Cents {
        self.total_of(self.count_to(t))
    }

    /// The latest payment day on or before `t`.
    pub fn last_on_or_before(&self, t: Day) -> Option<Day> {
        let i = self.count_to(t);
        i.checked_sub(1).map(|i| self.days[i].0)
    }

    /// The number of distinct payment days.
    pub fn len(&self) -> usize {
        self.days.len()
    }

    /// Whether no payment counts.
    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }

    /// The payment days in `from..=to`, ascending.
    pub fn days_in(&self, from: Day, to: Day) -> impl Iterator<Item = Day> + '_ {
        let a = self.days.partition_point(|d| d.0 < from);
        let b = self.count_to(to);
        self.days[a..b.max(a)].iter().map(|d| d.0)
    }

    /// `paid` on days that never go back, each answered by stepping forward from the last
    /// instead of a binary search.
    pub fn walk(&self) -> PaidWalk<'_> {
        PaidWalk {
            ledger: self,
            count: 0,
        }
    }
}

/// [`Ledger::paid`] on non-decreasing days (see [`Ledger::walk`]).
#[derive(Debug, Clone)]
pub struct PaidWalk<'a> {
    ledger: &'a Ledger,
    /// The payment days on or before the last day asked.
    count: usize,
}

impl PaidWalk<'_> {
    /// `paid(t)`; `t` must not be before the previous day asked.
    pub fn paid(&mut self, t: Day) -> Cents {
        let days = &self.ledger.days;
        while self.count < days.len() && days[self.count].0 <= t {
            self.count += 1;
        }
        self.ledger.total_of(self.count)
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
        assert_eq!(l.len(), 2);
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
            l.days_in(day_of(ymd(2026, 1, 16)), day_of(ymd(2026, 2, 20)))
                .collect::<Vec<_>>(),
            [day_of(ymd(2026, 2, 20))]
        );
        assert_eq!(
            l.days_in(day_of(ymd(2026, 3, 1)), day_of(ymd(2026, 2, 1)))
                .count(),
            0
        );
        let mut walk = l.walk();
        for t in day_of(ymd(2026, 1, 1))..day_of(ymd(2026, 3, 31)) {
            assert_eq!(walk.paid(t), l.paid(t));
        }
    }
}
