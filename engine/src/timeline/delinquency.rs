//! Delinquency on any day (derivations.md §3): installments covered, the oldest unpaid due
//! date, days and amount past due, buckets and the start of a 30+ run.
//!
//! Everything is answered from the schedule and the ledger by binary search; nothing loops
//! over days. Between two payment days the number of installments covered is constant, so
//! days past due only grow there and every maximum over a span sits on the span's end or on
//! the day before a payment.

use super::days::Day;
use super::payments::{Ledger, PaidWalk};
use super::schedule::Schedule;
use crate::clean::money::Cents;

/// The bucket of a number of days past due: 0–29 → 0, 30–59 → 1, … 150–179 → 5, 180+ → 6.
pub fn bucket(dpd: u32) -> u8 {
    (dpd / 30).min(6) as u8
}

/// A loan's delinquency timeline: its schedule and its counted payments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    schedule: Schedule,
    ledger: Ledger,
}

/// The worst day of a span: the largest days past due and the latest day it was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Worst {
    /// The largest dpd over the span.
    pub dpd: u32,
    /// The latest day of the span with that dpd (`t*` of §5).
    pub day: Day,
}

impl Timeline {
    /// The timeline of a schedule and its counted payments.
    pub fn new(schedule: Schedule, ledger: Ledger) -> Timeline {
        Timeline { schedule, ledger }
    }

    /// The schedule.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// The counted payments.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// `paid(t)`.
    pub fn paid(&self, t: Day) -> Cents {
        self.ledger.paid(t)
    }

    /// `covered(t)` = min(n, ⌊paid(t) / payment⌋): installments paid in full, oldest first.
    pub fn covered(&self, t: Day) -> u32 {
        self.covered_by(self.paid(t))
    }

    fn covered_by(&self, paid: Cents) -> u32 {
        let full = paid.0.max(0) / self.schedule.payment().0;
        u32::try_from(full)
            .unwrap_or(u32::MAX)
            .min(self.schedule.len())
    }

    /// `oud(t)`: the oldest unpaid due date, when one is due on or before `t`.
    pub fn oud(&self, t: Day) -> Option<Day> {
        let c = self.covered(t);
        (c < self.schedule.len())
            .then(|| self.schedule.due(c))
            .filter(|due| *due <= t)
    }

    /// `dpd(t)`: days since the oldest unpaid due date (the due date itself is day 0).
    pub fn dpd(&self, t: Day) -> u32 {
        self.oud(t).map_or(0, |due| (t - due) as u32)
    }

    /// `apd(t)`: the unpaid part of the installments due 30 or more days before `t`. Positive
    /// exactly when `dpd(t)` ≥ 30.
    pub fn apd(&self, t: Day) -> Cents {
        let due_30 = i64::from(self.schedule.due_count(t - 30));
        let owed = self.schedule.payment().0.saturating_mul(due_30);
        Cents((owed - self.paid(t).0).max(0))
    }

    /// `run_start(t)`: the first day of the latest run of dpd ≥ 30 that began on or before `t`,
    /// whether or not it still goes on at `t`.
    ///
    /// A run starts on `r` = due(c) + 30 exactly when installment `c` is the oldest unpaid one
    /// on both `r − 1` and `r` (a payment day never starts a run: it can only lower dpd). Run
    /// starts grow with `c`, so the latest one is found by trying `c` downward from the largest
    /// candidate.
    pub fn run_start(&self, t: Day) -> Option<Day> {
        let due_30 = self.schedule.due_count(t - 30);
        let top = self.covered(t).min(due_30.checked_sub(1)?);
        (0..=top).rev().find_map(|c| {
            if c >= self.schedule.len() {
                return None;
            }
            let r = self.schedule.due(c) + 30;
            (self.covered(r - 1) == c && self.covered(r) == c).then_some(r)
        })
    }

    /// The largest dpd over the days `from..=to` and the latest day that reached it; `None`
    /// when the span is empty.
    pub fn worst(&self, from: Day, to: Day) -> Option<Worst> {
        if from > to {
            return None;
        }
        // dpd grows by one a day between payment days, so a span's maximum is on its last day
        // or on the eve of a payment inside it.
        let eves = self.ledger.days_in(from + 1, to).map(|p| p - 1);
        let mut best = Worst { dpd: 0, day: from };
        for day in eves.chain(std::iter::once(to)) {
            let dpd = self.dpd(day);
            if dpd >= best.dpd {
                best = Worst { dpd, day };
            }
        }
        // With dpd 0 on every candidate, the latest day of the span is `to`.
        if best.dpd == 0 {
            best.day = to;
        }
        Some(best)
    }

    /// The payments dated in `from..=to`.
    pub fn paid_between(&self, from: Day, to: Day) -> Cents {
        if from > to {
            return Cents::ZERO;
        }
        Cents(self.paid(to).0 - self.paid(from - 1).0)
    }

    /// The latest counted payment day on or before `t`.
    pub fn last_payment(&self, t: Day) -> Option<Day> {
        self.ledger.last_on_or_before(t)
    }
}

impl Timeline {
    /// `dpd` on days that never go back (the months of a history, oldest first): the ledger is
    /// stepped forward and the oldest unpaid installment's due day kept between days.
    pub fn dpd_walk(&self) -> DpdWalk<'_> {
        DpdWalk {
            timeline: self,
            paid: self.ledger.walk(),
            due: None,
        }
    }
}

/// [`Timeline::dpd`] on non-decreasing days (see [`Timeline::dpd_walk`]).
#[derive(Debug, Clone)]
pub struct DpdWalk<'a> {
    timeline: &'a Timeline,
    paid: PaidWalk<'a>,
    /// The installment last found oldest unpaid, with its due day: along the walk it changes
    /// only when a payment covers it.
    due: Option<(u32, Day)>,
}

impl DpdWalk<'_> {
    /// `dpd(t)`; `t` must not be before the previous day asked.
    pub fn dpd(&mut self, t: Day) -> u32 {
        let c = self.timeline.covered_by(self.paid.paid(t));
        if c >= self.timeline.schedule.len() {
            return 0;
        }
        let due = match self.due {
            Some((k, due)) if k == c => due,
            _ => {
                let due = self.timeline.schedule.due(c);
                self.due = Some((c, due));
                due
            }
        };
        if due <= t {
            (t - due) as u32
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::timeline::days::{date_of, day_of};
    use crate::timeline::frequency::Frequency;

    fn d(y: i32, m: u32, dd: u32) -> Day {
        day_of(NaiveDate::from_ymd_opt(y, m, dd).unwrap())
    }

    /// derivations.md §9: 12 × 100.00 monthly from 2026-01-15; paid 2026-01-15 and 2026-02-20.
    fn example(extra: &[(Day, i64)]) -> Timeline {
        let s = Schedule::new(
            Frequency::Monthly,
            NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
            12,
            Cents(10_000),
        )
        .unwrap();
        let mut p = vec![
            (d(2026, 1, 15), Cents(10_000)),
            (d(2026, 2, 20), Cents(10_000)),
        ];
        p.extend(extra.iter().map(|(day, c)| (*day, Cents(*c))));
        Timeline::new(s, Ledger::new(p))
    }

    #[test]
    fn worked_example_figures() {
        let t = example(&[]);
        let as_of = d(2026, 5, 31);
        assert_eq!(t.covered(as_of), 2);
        assert_eq!(t.oud(as_of), Some(d(2026, 3, 15)));
        assert_eq!(t.dpd(as_of), 77);
        assert_eq!(bucket(t.dpd(as_of)), 2);
        assert_eq!(t.run_start(as_of), Some(d(2026, 4, 14)));
        assert_eq!(t.dpd(d(2026, 4, 14)), 30);
        assert_eq!(t.dpd(d(2026, 4, 13)), 29);
        assert_eq!(t.apd(as_of), Cents(20_000));
        assert_eq!(t.dpd(d(2026, 4, 30)), 46);
        assert_eq!(t.dpd(d(2026, 3, 31)), 16);
        assert_eq!(t.dpd(d(2026, 2, 28)), 0);
        assert_eq!(t.dpd(d(2026, 1, 31)), 0);
    }

    #[test]
    fn worked_example_with_a_late_catch_up_payment() {
        let t = example(&[(d(2026, 5, 20), 30_000)]);
        let as_of = d(2026, 5, 31);
        assert_eq!(t.covered(as_of), 5);
        assert_eq!(t.dpd(as_of), 0);
        assert_eq!(t.apd(as_of), Cents::ZERO);
        // The run that the payment ended still started on 2026-04-14 (a 97 keeps it).
        assert_eq!(t.run_start(as_of), Some(d(2026, 4, 14)));
        let w = t.worst(d(2026, 5, 1), as_of).unwrap();
        assert_eq!(
            w,
            Worst {
                dpd: 65,
                day: d(2026, 5, 19)
            }
        );
    }

    #[test]
    fn a_partial_payment_keeps_the_run_and_a_cure_starts_a_new_one() {
        // 50.00 on Apr 20: still 2 covered, the run from Apr 14 goes on.
        let partial = example(&[(d(2026, 4, 20), 5_000)]);
        assert_eq!(partial.dpd(d(2026, 5, 31)), 77);
        assert_eq!(partial.run_start(d(2026, 5, 31)), Some(d(2026, 4, 14)));
        assert_eq!(partial.apd(d(2026, 5, 31)), Cents(15_000));
        // 200.00 on Apr 20 covers Mar and Apr: current until May 15 + 30 = Jun 14.
        let cured = example(&[(d(2026, 4, 20), 20_000)]);
        assert_eq!(cured.dpd(d(2026, 5, 31)), 16);
        assert_eq!(cured.run_start(d(2026, 5, 31)), Some(d(2026, 4, 14)));
        assert_eq!(cured.run_start(d(2026, 6, 14)), Some(d(2026, 6, 14)));
        assert_eq!(cured.run_start(d(2026, 4, 13)), None);
    }

    #[test]
    fn nothing_is_past_due_before_the_first_due_date_or_after_payoff() {
        let t = example(&[(d(2026, 3, 1), 100_000)]);
        assert_eq!(t.covered(d(2026, 12, 31)), 12);
        assert_eq!(t.oud(d(2027, 6, 1)), None);
        assert_eq!(t.dpd(d(2027, 6, 1)), 0);
        assert_eq!(t.dpd(d(2026, 1, 1)), 0);
        assert_eq!(t.apd(d(2027, 6, 1)), Cents::ZERO);
    }

    #[test]
    fn past_the_last_installment_dpd_keeps_growing() {
        let t = example(&[]);
        assert_eq!(t.oud(d(2027, 12, 31)), Some(d(2026, 3, 15)));
        assert_eq!(t.apd(d(2027, 12, 31)), Cents(100_000));
        assert_eq!(
            date_of(t.run_start(d(2027, 12, 31)).unwrap()),
            date_of(d(2026, 4, 14))
        );
    }

    #[test]
    fn buckets() {
        let cases = [
            (0, 0),
            (29, 0),
            (30, 1),
            (59, 1),
            (60, 2),
            (119, 3),
            (120, 4),
            (150, 5),
            (179, 5),
            (180, 6),
            (900, 6),
        ];
        for (dpd, b) in cases {
            assert_eq!(bucket(dpd), b, "{dpd}");
        }
    }

    #[test]
    fn worst_prefers_the_latest_day_and_is_none_on_an_empty_span() {
        let t = example(&[]);
        assert_eq!(t.worst(d(2026, 5, 2), d(2026, 5, 1)), None);
        let w = t.worst(d(2026, 5, 1), d(2026, 5, 31)).unwrap();
        assert_eq!(
            w,
            Worst {
                dpd: 77,
                day: d(2026, 5, 31)
            }
        );
        let quiet = t.worst(d(2026, 1, 1), d(2026, 1, 31)).unwrap();
        assert_eq!(
            quiet,
            Worst {
                dpd: 0,
                day: d(2026, 1, 31)
            }
        );
    }

    #[test]
    fn paid_between_and_last_payment() {
        let t = example(&[]);
        assert_eq!(t.paid_between(d(2026, 2, 1), d(2026, 2, 28)), Cents(10_000));
        assert_eq!(
            t.paid_between(d(2026, 1, 15), d(2026, 2, 20)),
            Cents(20_000)
        );
        assert_eq!(t.paid_between(d(2026, 3, 1), d(2026, 2, 1)), Cents::ZERO);
        assert_eq!(t.last_payment(d(2026, 5, 31)), Some(d(2026, 2, 20)));
        assert_eq!(t.last_payment(d(2026, 1, 14)), None);
    }
}
