//! Writeback: bureau outcomes pushed to LoanPro as notes (and optionally a custom field), only
//! for connections that opted in (off by default: DECISIONS.md explains the FCRA reason).

pub mod body;
pub mod ledger;
pub mod run;

pub use run::{dry_run, refusal, run, WritebackError, WritebackReport, OUTAGE_STOP};
