//! The sync pipeline: pull loans from LoanPro, map them with the connection's template,
//! validate, and upsert the records, a page at a time.
//!
//! Pages of the search (ascending loan id) are fetched with bounded concurrency; each finished
//! page (its documents, records, failures, the run's counts and the cursor's progress) is
//! committed in one transaction by a writer thread, so a crash loses at most the page in flight
//! and the next run resumes after the last committed loan id. One loan that cannot be fetched
//! or mapped is recorded as failed and the run goes on; only a refused token (or the database)
//! stops a run. Memory holds a few pages, whatever the number of loans.

pub mod mapper;
pub mod mapping;
pub mod pipeline;
pub mod plan;
pub mod preset;
pub mod progress;
pub mod runner;
pub mod source;

pub use mapper::{FnMapper, Mapped, RecordMapper};
pub use pipeline::{run_sync, SyncError, SyncOptions, SyncReport};
pub use plan::{decide, CursorPolicy, Decision};
pub use progress::Progress;
pub use source::LoanSource;
