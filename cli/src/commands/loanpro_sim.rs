//! `metro2 loanpro-sim`: a local LoanPro serving generated loans or a folder of loan documents.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use miette::{miette, IntoDiagnostic};

use super::Context;
use crate::loanpro::generate::generate_loans;
use crate::loanpro::sim::{load_dataset, Faults, Generated, SimConfig, Simulator};

/// Arguments of `metro2 loanpro-sim`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// Serve this many generated loans (default 200 when no dataset is given).
    #[arg(long, conflicts_with = "dataset")]
    pub loans: Option<usize>,
    /// Seed of the generated loans.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The date the generated loans stand on (default: the last day of the previous month).
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// Serve the loan documents (JSON files) in this folder.
    #[arg(long)]
    pub dataset: Option<std::path::PathBuf>,
    /// The token clients must send.
    #[arg(long, default_value = "sim-token")]
    pub token: String,
    /// The instance id clients must send.
    #[arg(long, default_value = "5200000")]
    pub instance_id: String,
    /// Answer 429 with Retry-After above this many requests per second.
    #[arg(long)]
    pub rate_limit: Option<f64>,
    /// Share of requests answered with 500 (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = super::values::share)]
    pub fail_rate: f64,
    /// Added latency per request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Share of requests whose connection is dropped (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = super::values::share)]
    pub drop_rate: f64,
    /// Loans whose GET answers malformed JSON (repeatable).
    #[arg(long = "malformed-loan")]
    pub malformed_loans: Vec<i64>,
    /// Loans whose GET answers 500 while the search still lists them (repeatable).
    #[arg(long = "failing-loan")]
    pub failing_loans: Vec<i64>,
    /// The loan field bumped when a loan changes.
    #[arg(long, default_value = "lastUpdated")]
    pub updated_field: String,
    /// Behave as a tenant without an updated field (incremental pulls must sweep).
    #[arg(long)]
    pub no_updated_field: bool,
    /// Hold the generated loans in memory (about 75 KB each) instead of generating each again
    /// per request (about 130 µs of CPU each), and keep the serialised answer of a loan asked
    /// for a second time (forgotten when the loan changes): for throughput measurements.
    #[arg(long)]
    pub hold: bool,
}

/// The last day of the month before today's (UTC).
pub fn default_as_of() -> NaiveDate {
    let today = Utc::now().date_naive();
    today.with_day(1).unwrap_or(today) - Duration::days(1)
}

/// Runs the command: prints the base URL as the first line of standard output, then serves
/// until interrupted.
pub fn run(args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    let listen: SocketAddr = args
        .listen
        .parse()
        .map_err(|e| miette!("--listen {:?}: {e}", args.listen))?;
    // Generated loans are generated again per request rather than held (a few bytes per loan
    // instead of ~75 KB of JSON tree), so the simulator can serve 100,000 of them.
    let (loans, generated, count) = match &args.dataset {
        Some(dir) => {
            let loans =
                load_dataset(dir).map_err(|e| miette!("--dataset {}: {e}", dir.display()))?;
            let count = loans.len();
            (loans, None, count)
        }
        None => {
            let count = args.loans.unwrap_or(200);
            let generated = Generated {
                count,
                seed: args.seed,
                as_of: args.as_of.unwrap_or_else(default_as_of),
            };
            if args.hold {
                let loans = generate_loans(count, generated.seed, generated.as_of);
                (loans, None, count)
            } else {
                (Vec::new(), Some(generated), count)
            }
        }
    };
    let cfg = SimConfig {
        listen,
        loans,
        token: args.token,
        instance_id: args.instance_id.clone(),
        updated_field: (!args.no_updated_field).then_some(args.updated_field),
        faults: Faults {
            rate_limit: args.rate_limit,
            fail_rate: args.fail_rate,
            drop_rate: args.drop_rate,
            latency_ms: args.latency_ms,
            malformed_loans: args.malformed_loans,
            failing_loans: args.failing_loans,
            ..Faults::default()
        },
        generated,
        ..SimConfig::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .into_diagnostic()?;
    runtime.block_on(async move {
        let handle = Simulator::start(cfg)
            .await
            .map_err(|e| miette!("cannot listen on {listen}: {e}"))?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", handle.base_url).into_diagnostic()?;
        out.flush().into_diagnostic()?;
        drop(out);
        eprintln!(
            "LoanPro simulator: {count} loans for instance {}; Ctrl-C stops it",
            args.instance_id
        );
        tokio::signal::ctrl_c().await.into_diagnostic()?;
        handle.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}
