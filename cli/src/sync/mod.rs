//! The sync pipeline: pull loans from LoanPro, map them with the connection's template,
//! validate, and upsert the records, a page at a time.
//!
//! Pages of the search (ascending loan id) are fetched with bounded concurrency; each finished
//! page (its documents, records, failures, the run's counts and the cursor's progress) is
//! committed in one transaction by a writer thread, so a crash loses at most the page in flight
//! and the next run resumes after the last committed loan id. One loan that cannot be fetched
//! or mapped is recorded as failed (an open failure) and the run goes on; every later full or
//! incremental run pulls the open failures again first, so a failure is never skipped by a
//! resume or an incremental window. A refused token, the database, or LoanPro not answering
//! for [`OUTAGE_BREAKER`] loans in a row stops a run, resumable. Memory holds a few pages,
//! whatever the number of loans.

pub mod mapper;
pub mod mapping;
pub mod pipeline;
pub mod plan;
pub mod preset;
pub mod progress;
pub mod runner;
pub mod source;

pub use mapper::{FnMapper, Mapped, RecordMapper};
pub use pipeline::{run_sync, SyncError, SyncOptions, SyncReport, DEGRADED_EXIT, OUTAGE_BREAKER};
pub use plan::{decide, CursorPolicy, Decision};
pub use progress::Progress;
pub use source::LoanSource;
