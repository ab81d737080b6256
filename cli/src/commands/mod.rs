//! One module per command. Each holds its clap arguments and a `run` that returns the exit code.

use std::path::PathBuf;

use miette::IntoDiagnostic;

use crate::store::{Connection, Store};

pub mod check;
pub mod connect;
pub mod connection;
pub mod convert;
pub mod demo;
pub mod dictionary;
pub mod explain;
pub mod export;
pub mod fmt;
pub mod inspect;
pub mod loanpro_sim;
pub mod map;
pub mod plan;
pub mod records;
pub mod responses;
pub mod runs;
pub mod serve;
pub mod sync;
pub mod template_trial;
pub mod templates;
pub mod validate;
pub mod values;
pub mod writeback;

/// What every command gets from the global options.
#[derive(Debug, Clone)]
pub struct Context {
    /// The SQLite database (`--db`, `METRO2_DB`).
    pub db: PathBuf,
    /// Whether `--db` or `METRO2_DB` named the database, rather than its default.
    pub db_named: bool,
}

impl Context {
    /// Opens the existing database (`--db`), creating nothing: only `connect` and `demo` start a
    /// database ([`Store::open`]); every other command that opens one reads or adds to it.
    pub fn store(&self) -> miette::Result<Store> {
        Store::open_existing(&self.db).into_diagnostic()
    }

    /// Opens the existing database (as [`Context::store`]) and finds the connection a command names (`--connection`; the only
    /// one when absent).
    pub fn connection(&self, name: Option<&str>) -> miette::Result<(Store, Connection)> {
        let store = self.store()?;
        let conn = store.resolve_connection(name).into_diagnostic()?;
        Ok((store, conn))
    }
}

/// The error a command gives before its issue has landed.
pub fn not_built(name: &str) -> miette::Report {
    miette::miette!("`metro2 {name}` is not available in this build yet")
}
