//! The `metro2` command's library: the commands, the LoanPro client and simulator, the SQLite
//! store, the sync pipeline and the webhook server. Everything with I/O lives here; mapping and
//! format rules live in `metro2-engine` and `m2map`.
#![warn(missing_docs)]

pub mod commands;
pub mod export;
pub mod loanpro;
pub mod native;
pub mod private;
pub mod responses;
pub mod server;
pub mod store;
pub mod sync;
pub mod writeback;

/// Every program that links this library (the `metro2` command, its tests and benchmarks)
/// allocates through mimalloc: a sync allocates and frees each loan's parsed JSON on the
/// runtime's threads, where mimalloc's per-thread free lists cost a fifth to a quarter less CPU
/// than the system allocator, for twice the (still constant) peak memory (DECISIONS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
