//! What several integration tests of the LoanPro simulator share.

// Each test binary compiles its own copy and uses part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use chrono::NaiveDate;
use metro2::loanpro::generate::generate_loans;
use metro2::loanpro::sim::{SimConfig, SimHandle, Simulator};
use metro2::loanpro::{Client, ClientConfig, LoanPage, SearchFilter};

/// A simulator of generated loans with its default token and instance id, and the ways a test
/// talks to it.
pub struct SimEnv {
    /// The running simulator.
    pub sim: SimHandle,
    /// The base URL of its admin endpoints (`/_sim`).
    pub admin: String,
    /// A plain HTTP client, for raw requests and the admin endpoints.
    pub http: reqwest::Client,
    /// The LoanPro client, configured for the simulator.
    pub client: Client,
}

/// Starts a simulator of `n` loans generated from `seed` as of `as_of`.
pub async fn sim_env(n: usize, seed: u64, as_of: NaiveDate) -> SimEnv {
    let sim = Simulator::start(SimConfig {
        loans: generate_loans(n, seed, as_of),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let admin = format!("http://{}/_sim", sim.addr);
    let client = Client::new(ClientConfig::new(
        sim.base_url.clone(),
        "5200000",
        "sim-token",
    ))
    .unwrap();
    SimEnv {
        sim,
        admin,
        http: reqwest::Client::new(),
        client,
    }
}

/// The ids of one page of a search, in order.
pub async fn search_ids(
    client: &Client,
    start: usize,
    top: usize,
    filter: &SearchFilter,
) -> Vec<i64> {
    let page = client.search_loans(start, top, filter).await.unwrap();
    page.loans.iter().map(|l| l.id).collect()
}

/// A search for the loans updated after the newest update of `page`: empty until one changes.
pub fn updated_after_newest(page: &LoanPage) -> SearchFilter {
    let newest = page
        .loans
        .iter()
        .filter_map(|l| l.last_updated)
        .max()
        .unwrap();
    SearchFilter {
        updated_since: Some(("lastUpdated".into(), newest + chrono::Duration::seconds(1))),
        ..SearchFilter::default()
    }
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

/// A command's standard output then its standard error, for assertions and their messages.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
