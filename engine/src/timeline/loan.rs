//! A loan's timeline together with its opening date: the object the mapping language carries
//! as its opaque `timeline` value.

use chrono::NaiveDate;

use super::days::{date_of, day_of, Day};
use super::delinquency::Timeline;
use super::frequency::Frequency;
use super::history::HistoryMonth;
use super::payments::Ledger;
use super::schedule::{Schedule, ScheduleError};
use crate::clean::money::Cents;

/// What the preset knows of a loan's delinquency: the timeline of §2–§3 and `date_opened`
/// (the contract date), which bounds the history profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanTimeline {
    /// The schedule and counted payments.
    pub timeline: Timeline,
    /// `LoanSetup.contractDate`.
    pub opened: Day,
}

/// Why a loan has no timeline (the loan is an error record). Each names the LoanPro field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoanTimelineError {
    /// The schedule's own checks (term, payment, length).
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    /// No `LoanSetup.contractDate`.
    #[error("LoanSetup.contractDate is required")]
    NoContractDate,
    /// No `LoanSetup.firstPaymentDate`.
    #[error("LoanSetup.firstPaymentDate is required")]
    NoFirstPaymentDate,
    /// A `paymentFrequency` outside the preset (`single`, `custom`, unknown).
    #[error("LoanSetup.paymentFrequency {0:?} is not supported (weekly, biWeekly, semimonthly, monthly, quarterly, semiannually, annually)")]
    Frequency(String),
}

/// The loan's terms as read from `LoanSetup`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanTerms<'a> {
    /// `paymentFrequency`.
    pub frequency: &'a str,
    /// `firstPaymentDate`.
    pub first_due: Option<NaiveDate>,
    /// `contractDate`.
    pub contract: Option<NaiveDate>,
    /// `loanTerm` (negative or zero is an error).
    pub term: i64,
    /// `payment`.
    pub payment: Cents,
}

impl LoanTimeline {
    /// Builds the timeline from the loan's terms and its counted payments (day, amount).
    pub fn new(
        terms: &LoanTerms<'_>,
        payments: Vec<(Day, Cents)>,
    ) -> Result<Self, LoanTimelineError> {
        let frequency = Frequency::from_loanpro(terms.frequency)
            .ok_or_else(|| LoanTimelineError::Frequency(terms.frequency.to_string()))?;
        let n = u32::try_from(terms.term)
            .ok()
            .filter(|n| *n > 0)
            .ok_or(ScheduleError::NoTerm)?;
        if !terms.payment.is_positive() {
            return Err(ScheduleError::NoPayment.into());
        }
        let opened = terms.contract.ok_or(LoanTimelineError::NoContractDate)?;
        let first = terms
            .first_due
            .ok_or(LoanTimelineError::NoFirstPaymentDate)?;
        let schedule = Schedule::new(frequency, first, n, terms.payment)?;
        Ok(LoanTimeline {
            timeline: Timeline::new(schedule, Ledger::new(payments)),
            opened: day_of(opened),
        })
    }

    /// The contract date.
    pub fn opened_date(&self) -> NaiveDate {
        date_of(self.opened)
    }

    /// The history profile months for the reporting month containing `as_of`.
    pub fn history(&self, as_of: NaiveDate) -> [HistoryMonth; 24] {
        self.timeline.history(day_of(as_of), self.opened)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms() -> LoanTerms<'static> {
        LoanTerms {
            frequency: "loan.frequency.monthly",
            first_due: NaiveDate::from_ymd_opt(2026, 1, 15),
            contract: NaiveDate::from_ymd_opt(2025, 12, 15),
            term: 12,
            payment: Cents(10_000),
        }
    }

    #[test]
    fn each_missing_term_names_its_field() {
        assert!(LoanTimeline::new(&terms(), vec![]).is_ok());
        let e = |t: LoanTerms<'static>| LoanTimeline::new(&t, vec![]).unwrap_err().to_string();
        assert!(e(LoanTerms { term: 0, ..terms() }).contains("loanTerm"));
        assert!(e(LoanTerms {
            term: -3,
            ..terms()
        })
        .contains("loanTerm"));
        assert!(e(LoanTerms {
            payment: Cents(0),
            ..terms()
        })
        .contains("payment"));
        assert!(e(LoanTerms {
            contract: None,
            ..terms()
        })
        .contains("contractDate"));
        assert!(e(LoanTerms {
            first_due: None,
            ..terms()
        })
        .contains("firstPaymentDate"));
        assert!(e(LoanTerms {
            frequency: "loan.frequency.single",
            ..terms()
        })
        .contains("single"));
    }
}
