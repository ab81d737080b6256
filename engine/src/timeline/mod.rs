//! The delinquency timeline of a loan (derivations.md §2–§3 and §5–§7): its payment schedule,
//! its counted payments, and every figure the preset reads from them on any day.
//!
//! Built once per loan (the payments sorted with running totals), then each question (dpd,
//! amount past due, start of a 30+ run, the worst day of a month, the 24-month profile) is a
//! few binary searches: no loop walks the days of a loan's life. Money is exact integer cents.
//!
//! Which rule of §4–§5 applies to a loan (the status, which DOFD reading) is the mapping's
//! choice; [`report`] holds the figures those rules name, one function each.

pub mod days;
pub mod delinquency;
pub mod frequency;
pub mod history;
pub mod loan;
pub mod payments;
pub mod report;
pub mod schedule;

pub use days::Day;
pub use delinquency::{bucket, DpdWalk, Timeline, Worst};
pub use frequency::Frequency;
pub use history::{profile_text, HistoryMonth};
pub use loan::{LoanTerms, LoanTimeline, LoanTimelineError};
pub use payments::{Ledger, PaidWalk, PaymentRow};
pub use schedule::{Schedule, ScheduleError};

#[cfg(test)]
mod properties;
