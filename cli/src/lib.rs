//! The `metro2` command's library: the commands, the LoanPro client and simulator, the SQLite
//! store, the sync pipeline and the webhook server. Everything with I/O lives here; mapping and
//! format rules live in `metro2-engine` and `m2map`.

pub mod commands;
pub mod export;
pub mod loanpro;
pub mod responses;
pub mod server;
pub mod store;
pub mod sync;
pub mod writeback;
