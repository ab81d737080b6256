//! What the integration tests of `metro2` share: the date they stand on, the binary run on a
//! database, the LoanPro simulator ([`sim`]) and stores connected to it ([`store`]), the preset's
//! fixtures and parameters ([`preset`]).

// Each test binary compiles its own copy and uses part of it.
#![allow(dead_code)]

pub mod preset;
pub mod sim;
pub mod store;

use std::path::Path;
use std::process::{Command, Output};

use chrono::NaiveDate;

/// The date most tests stand on: a month's end, so that its period (2026-10) is whole.
pub fn as_of() -> NaiveDate {
    d(2026, 10, 31)
}

/// The date `y`-`m`-`day`.
pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A multi-thread runtime of two workers, for the tests that run outside any runtime and block
/// on one (the machine's cores are shared by the tests running in parallel).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Runs the `metro2` binary on the database `db` with `args`.
pub fn metro2(db: &Path, args: &[&str]) -> Output {
    metro2_on(db, args, &[])
}

/// Runs the `metro2` binary on the database `db` with `args` and the environment variables
/// `env` (a `METRO2_DB` of the caller's environment is removed: `--db` says which).
pub fn metro2_on(db: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_metro2"))
        .arg("--db")
        .arg(db)
        .args(args)
        .envs(env.iter().copied())
        .env_remove("METRO2_DB")
        .output()
        .unwrap()
}

/// The arguments of `metro2 connect loanpro` to the simulator at `base_url` (its default
/// instance id), the token read from the environment variable `token_env`, then `more`.
pub fn connect_args<'a>(base_url: &'a str, token_env: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "connect",
        "loanpro",
        "--instance-id",
        "5200000",
        "--token-env",
        token_env,
        "--base-url",
        base_url,
    ];
    args.extend_from_slice(more);
    args
}

/// A command's standard output then its standard error, for assertions and their messages.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The base field `key` of every data record of a Metro 2 file, trimmed, in file order.
pub fn base_values(file: &std::path::Path, key: &str) -> Vec<String> {
    let bytes = std::fs::read(file).unwrap();
    base_values_of(&metro2_engine::reader::read_file(&bytes), key)
}

/// The base field `key` of every data record already read, trimmed, in file order.
pub fn base_values_of(read: &metro2_engine::reader::ReadResult, key: &str) -> Vec<String> {
    read.records
        .iter()
        .map(|r| r.record.base.get(key).unwrap().trim().to_string())
        .collect()
}
