//! Store errors.

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened.
    #[error("cannot open the database {path}: {source}")]
    Open {
        /// The file.
        path: String,
        /// Why.
        source: rusqlite::Error,
    },
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
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
