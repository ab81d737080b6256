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
    ACCOUNT_NUMBER_SQL,
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
    /// Opens the database at `path`, creating it when nothing is there, and migrates it: for the
    /// commands that start a database (`connect`, `demo`) and for tests.
    ///
    /// A new file is created with mode 0600 (it holds loan documents with SSNs and dates of
    /// birth); an existing one is refused, untouched, unless it is a regular file that is empty
    /// or that SQLite reads as a database, which is then made 0600 too.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_file(path, true)
    }

    /// Opens the existing database at `path` and migrates it, as [`Store::open`] does, but
    /// creates nothing: a missing file is [`StoreError::NoDatabase`]. For every command that
    /// reads or adds to a database rather than starting one, so that a mistyped `--db` (or a
    /// command run in the wrong folder) says so instead of reporting an empty database and
    /// leaving one behind.
    pub fn open_existing(path: &Path) -> Result<Store> {
        Store::open_file(path, false)
    }

    fn open_file(path: &Path, create: bool) -> Result<Store> {
        use crate::private::{self, Found};
        use rusqlite::OpenFlags;

        let shown = || path.display().to_string();
        let failed = |action, reason| StoreError::Open {
            action,
            path: shown(),
            reason: Box::new(reason),
        };
        let not_a_database = |why| StoreError::NotADatabase { path: shown(), why };
        let io = |action, e| failed(action, error::OpenReason::Io(e));
        let sqlite = |e| failed("open", error::OpenReason::Sqlite(e));

        // Nothing is changed before SQLite has accepted an existing file: a directory or a
        // user's text file given by mistake keeps its contents and its mode.
        let created = match private::look(path).map_err(|e| io("open", e))? {
            Found::Nothing if !create => return Err(StoreError::NoDatabase { path: shown() }),
            Found::Nothing => match private::create_new(path) {
                Ok(()) => true,
                // Created meanwhile by another process: opened as an existing file.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
                Err(e) => return Err(io("create", e)),
            },
            Found::File { .. } => false,
            Found::Directory => return Err(not_a_database("it is a directory")),
            Found::Other => return Err(not_a_database("not a regular file")),
        };
        // The file exists by now, so SQLite never creates one (a file removed meanwhile is an
        // error, not a new database); without `SQLITE_OPEN_URI`, a `--db` beginning `file:` is
        // the path it says, as it was to the checks above.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let db = Db::open_with_flags(path, flags).map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::CannotOpen) if !path.exists() && !create => {
                StoreError::NoDatabase { path: shown() }
            }
            _ => sqlite(e),
        })?;
        if !created {
            // SQLite reads the header (`SQLite format 3\0` and the page size): a file that is not
            // a database is refused here, before anything has written to it or changed its mode.
            // (Reading the header ourselves would open and close a descriptor of a database this
            // process may already have open, dropping SQLite's locks: see `private::Found`.)
            if let Err(e) = db.query_row("PRAGMA schema_version", [], |_| Ok(())) {
                return Err(match e.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::NotADatabase) => not_a_database("not a SQLite file"),
                    _ => sqlite(e),
                });
            }
            // Another application's database (tables, none of them Metro2's bookkeeping) would
            // get Metro2's tables added beside its own: refused, unchanged.
            let (tables, ours): (i64, i64) = db
                .query_row(
                    "SELECT COUNT(*), COUNT(*) FILTER (WHERE name = 'schema_migrations')
                     FROM sqlite_master WHERE type = 'table'",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(sqlite)?;
            if tables > 0 && ours == 0 {
                return Err(not_a_database(
                    "a SQLite database of another application: it has tables and none of Metro2's",
                ));
            }
            // Owner-only, as a new database is. Best effort, as before: a database another
            // user owns and shares with this one cannot be changed, and still opens.
            let _ = private::restrict_database(path);
        }
        Store::init(db).map_err(|e| match e {
            StoreError::Sqlite(e) => sqlite(e),
            e => e,
        })
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

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    use super::{Store, StoreError};

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    fn set_mode(p: &Path, m: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    }

    #[test]
    fn a_directory_is_refused_and_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("dirdb");
        std::fs::create_dir(&d).unwrap();
        set_mode(&d, 0o755);
        for open in [Store::open, Store::open_existing] {
            let e = open(&d).unwrap_err();
            assert!(matches!(e, StoreError::NotADatabase { .. }), "{e:?}");
            assert_eq!(
                e.to_string(),
                format!(
                    "{} is not a Metro2 database (it is a directory)",
                    d.display()
                )
            );
            assert_eq!(mode(&d), 0o755);
        }
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 0, "nothing inside");
    }

    #[test]
    fn a_text_file_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("notdb.db");
        std::fs::write(&f, "text\n").unwrap();
        set_mode(&f, 0o644);
        for open in [Store::open, Store::open_existing] {
            let e = open(&f).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!(
                    "{} is not a Metro2 database (not a SQLite file)",
                    f.display()
                )
            );
            assert_eq!(mode(&f), 0o644);
            assert_eq!(std::fs::read(&f).unwrap(), b"text\n");
        }
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["notdb.db"], "no -wal, -shm or -journal left");
    }

    #[test]
    fn an_empty_file_becomes_an_owner_only_database() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("empty.db");
        std::fs::write(&f, b"").unwrap();
        set_mode(&f, 0o644);
        let store = Store::open_existing(&f).unwrap();
        assert!(store.connections().unwrap().is_empty());
        assert_eq!(mode(&f), 0o600);
    }

    #[test]
    fn an_existing_sqlite_database_is_opened_and_made_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("old.db");
        drop(Store::open(&f).unwrap());
        set_mode(&f, 0o644);
        let store = Store::open_existing(&f).unwrap();
        assert_eq!(mode(&f), 0o600);
        for side in ["old.db-wal", "old.db-shm"] {
            let p = dir.path().join(side);
            if p.exists() {
                assert_eq!(mode(&p), 0o600, "{side}");
            }
        }
        drop(store);
        // A SQLite database without tables (made by `sqlite3 x.db` and left) becomes Metro2's.
        let g = dir.path().join("plain.db");
        rusqlite::Connection::open(&g)
            .unwrap()
            .execute_batch("PRAGMA user_version = 1")
            .unwrap();
        set_mode(&g, 0o644);
        Store::open(&g).unwrap();
        assert_eq!(mode(&g), 0o600);
    }

    #[test]
    fn another_applications_database_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let g = dir.path().join("their.db");
        rusqlite::Connection::open(&g)
            .unwrap()
            .execute_batch("CREATE TABLE invoices (x INTEGER)")
            .unwrap();
        set_mode(&g, 0o644);
        for open in [Store::open, Store::open_existing] {
            let e = open(&g).unwrap_err().to_string();
            assert!(
                e.contains("a SQLite database of another application"),
                "{e}"
            );
        }
        assert_eq!(mode(&g), 0o644);
        let tables: Vec<String> = rusqlite::Connection::open(&g)
            .unwrap()
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(tables, ["invoices"]);
    }

    #[test]
    fn a_new_database_is_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("new.db");
        let store = Store::open(&f).unwrap();
        assert_eq!(mode(&f), 0o600);
        store.connections().unwrap();
        for side in ["new.db-wal", "new.db-shm"] {
            let p = dir.path().join(side);
            if p.exists() {
                assert_eq!(mode(&p), 0o600, "{side}");
            }
        }
    }

    #[test]
    fn open_existing_refuses_a_missing_file_and_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("typo.db");
        let e = Store::open_existing(&f).unwrap_err();
        assert!(matches!(e, StoreError::NoDatabase { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!(
                "no database at {}: run `metro2 connect loanpro` first, or name the database \
                 with --db or METRO2_DB",
                f.display()
            )
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        // A missing folder too.
        let deeper = dir.path().join("missing").join("metro2.db");
        assert!(matches!(
            Store::open_existing(&deeper),
            Err(StoreError::NoDatabase { .. })
        ));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn open_errors_name_the_file_once() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x.db");
        let e = Store::open(&dir.path().join("missing").join("x.db")).unwrap_err();
        assert!(
            e.to_string().starts_with(&format!(
                "cannot create the database {}: ",
                dir.path().join("missing").join("x.db").display()
            )),
            "{e}"
        );
        // A SQLite file whose schema cannot be read: the SQLite error, with the path.
        drop(Store::open(&f).unwrap());
        let mut bytes = std::fs::read(&f).unwrap();
        bytes[100..400].fill(b'x');
        std::fs::write(&f, bytes).unwrap();
        let e = Store::open_existing(&f).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "cannot open the database {}: database disk image is malformed",
                f.display()
            )
        );
        // No error chain repeats the message (miette prints every source after it).
        assert!(std::error::Error::source(&e).is_none());
    }
}
