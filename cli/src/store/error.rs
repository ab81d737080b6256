//! Store errors.
//!
//! A variant's message carries its cause in its own text and names no `source`: miette prints
//! an error's whole `source()` chain after its message, so a cause both in the text and as a
//! source was printed twice (and rusqlite's own source, `Error code 26: ...`, a third time).

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// There is no database file where the global `--db` points, and the command reads one.
    #[error(
        "no database at {path}: run `metro2 connect loanpro` first, or name the database with \
         --db or METRO2_DB"
    )]
    NoDatabase {
        /// The path.
        path: String,
    },
    /// The path names something that is not a database; it was left as it is.
    #[error("{path} is not a Metro2 database ({why})")]
    NotADatabase {
        /// The path.
        path: String,
        /// What it is instead: `it is a directory`, `not a regular file`, `not a SQLite file`.
        why: &'static str,
    },
    /// The database file could not be created, read or opened.
    #[error("cannot {action} the database {path}: {reason}")]
    Open {
        /// `open` or `create`.
        action: &'static str,
        /// The file.
        path: String,
        /// Why (in the message, not a source: see the module's comment). Boxed to keep every
        /// `Result<_, StoreError>` small.
        reason: Box<OpenReason>,
    },
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// The database was written by a newer metro2.
    #[error("the database is at schema version {found}, newer than this metro2 knows ({known}); upgrade metro2")]
    TooNew {
        /// The version in the file.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// A named thing does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A value that should be impossible was read back.
    #[error("corrupt value in the database: {0}")]
    Corrupt(String),
    /// A request that contradicts the stored state.
    #[error("{0}")]
    Invalid(String),
}

/// Why a database file could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenReason {
    /// The file system refused.
    #[error("{0}")]
    Io(std::io::Error),
    /// SQLite refused (or failed on the first statements).
    #[error("{0}")]
    Sqlite(rusqlite::Error),
}

// By hand rather than `#[from]`, which would make the error a `source` too.
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Sqlite(e)
    }
}
