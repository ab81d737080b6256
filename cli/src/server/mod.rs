//! The webhook server and the sync scheduler behind `metro2 serve`.
//!
//! `POST /webhooks/loanpro/{connection}` authenticates a LoanPro notification (signature or
//! static token), drops repeated deliveries and schedules a targeted pull of the loan the event
//! names; `GET /healthz` answers when the server is up. The scheduler runs each connection's
//! cadence.

pub mod dedup;
pub mod event;
pub mod signature;
