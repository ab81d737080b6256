//! LoanPro: the HTTP client the sync pipeline pulls loans with, the local simulator that stands
//! in for LoanPro in tests and the demo, and a deterministic generator of loan documents.
//!
//! The client ([`Client`]) speaks the API described in `reference/loanpro/api.md`: bearer token
//! plus `Autopal-Instance-Id` on every request, loans enumerated with
//! `POST Loans/Autopal.Search()` and fetched with `GET odata.svc/Loans(id)?$expand=…`, every call
//! paced, bounded in concurrency and retried on `429`, `5xx`, timeouts and dropped connections.
//! [`Client::fetch_loan`] assembles the loan document of `derivations.md` §0 in two requests on
//! the fast path (the expanded loan, then its newest status-archive row), and falls back to
//! separate paged requests when the server defers or pages a nested list.
//!
//! The simulator ([`sim::Simulator`]) serves the same API over loopback from a dataset of loan
//! documents, with switches for the faults the client must survive.

pub mod client;
pub mod config;
pub mod dates;
pub mod document;
pub mod error;
pub mod generate;
pub mod outage;
pub mod pace;
pub mod retry;
pub mod search;
pub mod secret;
pub mod sim;

pub use client::{Client, WriteMethod};
pub use config::ClientConfig;
pub use error::LoanProError;
pub use outage::OutageStreak;
pub use search::{LoanPage, LoanSummary, SearchFilter};
pub use secret::Secret;
