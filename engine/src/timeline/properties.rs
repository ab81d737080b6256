//! Properties of the timeline over random schedules and payment histories, checked against a
//! day-by-day reading of derivations.md §3 (issue 4, Tests).

use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::clean::money::Cents;

fn timeline() -> impl Strategy<Value = (Timeline, Day)> {
    let freq = prop::sample::select(Frequency::ALL.to_vec());
    (
        freq,
        0i32..1200,    // first due date: days after 2023-01-01
        1u32..60,      // n
        1i64..200_000, // payment in cents
        prop::collection::vec((-40i32..1500, 0u32..4, 1i64..400_000), 0..40),
        0i32..1600, // as_of: days after the first due date minus 100
    )
        .prop_map(|(freq, first, n, payment, raw, as_of)| {
            let base = days::day_of(NaiveDate::from_ymd_opt(2023, 1, 1).unwrap());
            let first_due = days::date_of(base + first);
            let schedule = Schedule::new(freq, first_due, n, Cents(payment)).unwrap();
            // Payments: whole installments, a few installments, or odd amounts.
            let payments = raw
                .into_iter()
                .map(|(offset, kind, odd)| {
                    let amount = match kind {
                        0 => payment,
                        1 => payment * 2,
                        2 => odd,
                        _ => payment / 2 + 1,
                    };
                    (base + first + offset, Cents(amount))
                })
                .collect();
            (
                Timeline::new(schedule, Ledger::new(payments)),
                base + first - 100 + as_of,
            )
        })
}

/// dpd on every day by its definition, without the timeline's shortcuts.
fn naive_dpd(t: &Timeline, day: Day) -> u32 {
    let s = t.schedule();
    let covered = (t.paid(day).0 / s.payment().0).min(i64::from(s.len())) as u32;
    if covered < s.len() && s.due(covered) <= day {
        (day - s.due(covered)) as u32
    } else {
        0
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn amount_past_due_is_positive_exactly_when_30_days_late((t, as_of) in timeline()) {
        for day in [as_of, as_of - 17, as_of + 45, as_of - 200] {
            prop_assert_eq!(t.apd(day).is_positive(), t.dpd(day) >= 30, "day {}", days::date_of(day));
            prop_assert_eq!(t.dpd(day), naive_dpd(&t, day));
        }
    }

    #[test]
    fn history_is_digits_then_trailing_b((t, as_of) in timeline(), opened_back in 0i32..900) {
        let opened = t.schedule().due(0) - opened_back;
        let text = profile_text(&t.history(as_of, opened));
        prop_assert_eq!(text.len(), 24);
        let digits = text.trim_end_matches('B');
        prop_assert!(digits.chars().all(|c| ('0'..='6').contains(&c)), "{}", text);
    }

    #[test]
    fn history_is_the_bucket_of_dpd_on_each_month_end((t, as_of) in timeline(), opened_back in 0i32..900) {
        let opened = t.schedule().due(0) - opened_back;
        let months = t.history(as_of, opened);
        for (i, month) in months.iter().enumerate() {
            let e = days::month_end_before(as_of, i as u32 + 1);
            prop_assert_eq!(*month, (e >= opened).then(|| bucket(naive_dpd(&t, e))), "month {}", i);
        }
    }

    #[test]
    fn dofd_is_the_start_of_the_run_going_on((t, as_of) in timeline()) {
        match t.dofd_open(as_of) {
            Some(r) => {
                prop_assert!(r <= as_of);
                prop_assert!(naive_dpd(&t, r - 1) < 30);
                prop_assert_eq!(Some(r - 30), t.oud(r));
                for day in r..=as_of {
                    prop_assert!(naive_dpd(&t, day) >= 30, "gap on {}", days::date_of(day));
                }
            }
            None => prop_assert!(t.dpd(as_of) < 30),
        }
    }

    #[test]
    fn run_start_and_worst_agree_with_a_day_by_day_scan((t, as_of) in timeline()) {
        let from = t.schedule().due(0) - 5;
        let mut latest = None;
        for day in from..=as_of.max(from) {
            if naive_dpd(&t, day) >= 30 && naive_dpd(&t, day - 1) < 30 {
                latest = Some(day);
            }
        }
        prop_assert_eq!(t.run_start(as_of), latest);
        let month = days::month_start(as_of);
        let mut best = (0u32, as_of);
        for day in month..=as_of {
            let dpd = naive_dpd(&t, day);
            if dpd >= best.0 && dpd > 0 {
                best = (dpd, day);
            }
        }
        let w = t.worst(month, as_of).unwrap();
        prop_assert_eq!((w.dpd, w.day), best);
    }
}
