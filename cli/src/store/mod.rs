//! The SQLite store: connections, mapping templates, sync runs and cursors, the raw loan
//! documents and the Metro 2 records made from them.
//!
//! One file, opened in WAL mode with foreign keys on. The schema is built by numbered migrations
//! ([`migrate::MIGRATIONS`]); a later feature adds its tables by appending a migration, never by
//! editing an applied one. Every write the sync makes for one page of loans (documents, records,
//! failures, run counts and the cursor) happens in one transaction ([`Store::commit_page`]), so a
//! crash leaves the database at a page boundary.

mod connections;
mod cursor;
mod error;
pub mod migrate;
mod records;
mod runs;
pub mod secret;
mod templates;

use std::path::Path;

use rusqlite::Connection as Db;

pub use connections::{Cadence, Connection, ConnectionUpdate, NewConnection, WritebackMethod};
pub use cursor::{Cursor, RunProgress};
pub use error::StoreError;
pub use records::{
    LoanDocument, NewRecord, PageCommit, PageItem, RecordFilter, RecordStatus, StoredRecord,
};
pub use runs::{OpenFailure, PeriodFailure, RunCounts, RunMode, RunStatus, SyncFailure, SyncRun};
pub use secret::{SecretSource, StagedSecret};
pub use templates::Template;

/// Result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database, with its schema migrated to the newest version.
pub struct Store {
    db: Db,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.db.path())
            .finish()
    }
}

impl Store {
    /// Opens (creating when absent) the database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Store> {
        // The database holds loan documents with SSNs and dates of birth: owner-only. A path
        // that cannot be prepared (a missing folder) is left for SQLite to report.
        let _ = crate::private::prepare(path);
        let db = Db::open(path).map_err(|e| StoreError::Open {
            path: path.display().to_string(),
            source: e,
        })?;
        Store::init(db)
    }

    /// An in-memory database, for tests.
    pub fn open_in_memory() -> Result<Store> {
        Store::init(Db::open_in_memory()?)
    }

    fn init(mut db: Db) -> Result<Store> {
        // WAL lets `records` and `export` read while a sync writes; NORMAL synchronous is
        // durable at every commit in WAL mode except against power loss, which a re-sync repairs.
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "NORMAL")?;
        db.pragma_update(None, "foreign_keys", "ON")?;
        db.busy_timeout(std::time::Duration::from_secs(10))?;
        migrate::apply(&mut db, migrate::MIGRATIONS)?;
        Ok(Store { db })
    }

    /// The underlying connection, for features that add their own tables by migration and
    /// query them (export, webhooks, bureau responses).
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The underlying connection, mutably (to open transactions).
    pub fn db_mut(&mut self) -> &mut Db {
        &mut self.db
    }
}

/// The current time as stored: UTC, RFC 3339 with seconds.
pub(crate) fn now_text() -> String {
    time_text(chrono::Utc::now())
}

/// A time as stored.
pub(crate) fn time_text(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
