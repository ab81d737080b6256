//! The figures of derivations.md §5–§6 that come from the timeline, one method per rule, so
//! the mapping picks the rule (by status) and the arithmetic stays here.

use super::days::{month_start, Day};
use super::delinquency::{bucket, Timeline};
use crate::clean::money::Cents;

impl Timeline {
    /// Payment Rating for 13/65 (rule 4) and 65/95 (rule 5): the bucket of the largest dpd from
    /// the first day of the reporting month (the month containing `end`) to `end`.
    pub fn payment_rating(&self, end: Day) -> u8 {
        self.worst(month_start(end), end)
            .map_or(0, |w| bucket(w.dpd))
    }

    /// DOFD of an open account (rule 6) and of DA/DF: the start of the current run when dpd(as_of)
    /// ≥ 30, else none.
    pub fn dofd_open(&self, as_of: Day) -> Option<Day> {
        (self.dpd(as_of) >= 30)
            .then(|| self.run_start(as_of))
            .flatten()
    }

    /// DOFD of 61–65 from rule 4 and of every rule-5 status: the start of the latest run that
    /// began on or before `end`, even when the account is no longer 30 days late.
    pub fn dofd_led_to(&self, end: Day) -> Option<Day> {
        self.run_start(end)
    }

    /// DOFD of a 13 from rule 4, paid on `paid_on`: the start of the run of the worst day t* of
    /// the reporting month up to `paid_on`, only when that day rates 1–6.
    pub fn dofd_paid(&self, paid_on: Day) -> Option<Day> {
        let w = self.worst(month_start(paid_on), paid_on)?;
        (bucket(w.dpd) >= 1)
            .then(|| self.run_start(w.day))
            .flatten()
    }

    /// Amount Past Due in dollars (rules 2, 5 and 6): apd(as_of), a positive amount under one
    /// dollar written as 1 so that a late account never shows 0.
    pub fn amount_past_due_dollars(&self, as_of: Day) -> i64 {
        dollars_at_least_one(self.apd(as_of))
    }

    /// Scheduled Monthly Payment Amount of a loan on a schedule: ⌊payment × ppy / 12⌋ dollars,
    /// computed exactly in cents.
    pub fn scheduled_monthly_dollars(&self) -> i64 {
        let s = self.schedule();
        let ppy = i64::from(s.frequency().per_year());
        s.payment().0.saturating_mul(ppy) / 1200
    }

    /// Actual Payment Amount: the counted payments dated from the first day of the reporting
    /// month to `end`, summed in cents.
    pub fn actual_payment(&self, end: Day) -> Cents {
        self.paid_between(month_start(end), end)
    }
}

/// Whole dollars of an amount that must not round a positive figure down to 0.
pub fn dollars_at_least_one(c: Cents) -> i64 {
    if c.is_positive() {
        c.dollars().max(1)
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::timeline::days::day_of;
    use crate::timeline::frequency::Frequency;
    use crate::timeline::payments::Ledger;
    use crate::timeline::schedule::Schedule;

    fn d(y: i32, m: u32, dd: u32) -> Day {
        day_of(NaiveDate::from_ymd_opt(y, m, dd).unwrap())
    }

    fn monthly(first: (i32, u32, u32), n: u32, payment: i64, paid: &[(Day, i64)]) -> Timeline {
        let s = Schedule::new(
            Frequency::Monthly,
            NaiveDate::from_ymd_opt(first.0, first.1, first.2).unwrap(),
            n,
            Cents(payment),
        )
        .unwrap();
        Timeline::new(
            s,
            Ledger::new(paid.iter().map(|(d, c)| (*d, Cents(*c))).collect()),
        )
    }

    fn example(extra: &[(Day, i64)]) -> Timeline {
        let mut p = vec![(d(2026, 1, 15), 10_000), (d(2026, 2, 20), 10_000)];
        p.extend_from_slice(extra);
        monthly((2026, 1, 15), 12, 10_000, &p)
    }

    #[test]
    fn worked_example_dofd_by_rule() {
        let as_of = d(2026, 5, 31);
        let late = example(&[]);
        assert_eq!(late.dofd_open(as_of), Some(d(2026, 4, 14)));
        assert_eq!(late.dofd_led_to(as_of), Some(d(2026, 4, 14)));
        assert_eq!(late.amount_past_due_dollars(as_of), 200);
        // A 300.00 payment on May 20: current, open DOFD zeros, a 97 keeps 04142026.
        let cured = example(&[(d(2026, 5, 20), 30_000)]);
        assert_eq!(cured.dofd_open(as_of), None);
        assert_eq!(cured.dofd_led_to(as_of), Some(d(2026, 4, 14)));
        assert_eq!(cured.amount_past_due_dollars(as_of), 0);
    }

    #[test]
    fn paid_off_this_month_after_being_late_rates_the_worst_day() {
        // Paid 1000.00 on May 20: worst day of May is May 19 with dpd 65 → rating 2.
        let t = example(&[(d(2026, 5, 20), 100_000)]);
        let p = d(2026, 5, 20);
        assert_eq!(t.payment_rating(p), 2);
        assert_eq!(t.dofd_paid(p), Some(d(2026, 4, 14)));
        assert_eq!(t.actual_payment(p), Cents(100_000));
        assert_eq!(t.last_payment(p), Some(p));
    }

    #[test]
    fn paid_off_while_current_rates_0_without_dofd() {
        let mut p: Vec<(Day, i64)> = (1..=4).map(|m| (d(2026, m, 15), 10_000)).collect();
        p.push((d(2026, 5, 10), 80_000));
        let t = monthly((2026, 1, 15), 12, 10_000, &p);
        assert_eq!(t.payment_rating(d(2026, 5, 10)), 0);
        assert_eq!(t.dofd_paid(d(2026, 5, 10)), None);
    }

    #[test]
    fn a_cent_past_due_is_one_dollar() {
        assert_eq!(dollars_at_least_one(Cents(1)), 1);
        assert_eq!(dollars_at_least_one(Cents(199)), 1);
        assert_eq!(dollars_at_least_one(Cents(200)), 2);
        assert_eq!(dollars_at_least_one(Cents(0)), 0);
        assert_eq!(dollars_at_least_one(Cents(-5)), 0);
    }

    #[test]
    fn scheduled_monthly_payment_is_the_exact_monthly_equivalent() {
        let s = |f, c| {
            let s = Schedule::new(
                f,
                NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                10,
                Cents(c),
            )
            .unwrap();
            Timeline::new(s, Ledger::default()).scheduled_monthly_dollars()
        };
        assert_eq!(s(Frequency::Monthly, 38_666), 386);
        // 150.00 biweekly × 26 / 12 = 325.00
        assert_eq!(s(Frequency::BiWeekly, 15_000), 325);
        // 100.00 weekly × 52 / 12 = 433.33 → 433
        assert_eq!(s(Frequency::Weekly, 10_000), 433);
        assert_eq!(s(Frequency::SemiMonthly, 10_050), 201);
        assert_eq!(s(Frequency::Quarterly, 30_000), 100);
        // 299.99 quarterly / 3 = 99.996 → 99
        assert_eq!(s(Frequency::Quarterly, 29_999), 99);
        assert_eq!(s(Frequency::Annually, 1_200_099), 1000);
    }
}
