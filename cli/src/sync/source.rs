//! Where the pipeline pulls loans from: LoanPro's client, or a stand-in in tests.

use std::future::Future;

use chrono::NaiveDate;
use serde_json::Value;

use crate::loanpro::{Client, LoanPage, LoanProError, SearchFilter};

/// A source of loan documents: a paged search ordered by ascending id, and one document per
/// loan. Implementations pace themselves and retry what can be retried;
/// the pipeline decides how many fetches are in flight.
pub trait LoanSource: Send + Sync + 'static {
    /// One page of the loans the filter selects, ordered by ascending id.
    fn search(
        &self,
        start: usize,
        top: usize,
        filter: &SearchFilter,
    ) -> impl Future<Output = Result<LoanPage, LoanProError>> + Send;

    /// The loan document (derivations.md §0) of one loan as of a date.
    fn fetch(
        &self,
        id: i64,
        as_of: NaiveDate,
    ) -> impl Future<Output = Result<Value, LoanProError>> + Send;
}

impl LoanSource for Client {
    fn search(
        &self,
        start: usize,
        top: usize,
        filter: &SearchFilter,
    ) -> impl Future<Output = Result<LoanPage, LoanProError>> + Send {
        self.search_loans(start, top, filter)
    }

    fn fetch(
        &self,
        id: i64,
        as_of: NaiveDate,
    ) -> impl Future<Output = Result<Value, LoanProError>> + Send {
        self.fetch_loan(id, as_of)
    }
}
