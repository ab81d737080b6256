//! `metro2 loanpro-sim`.

use std::process::ExitCode;

use super::Context;

/// Arguments of `metro2 loanpro-sim`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// Serve this many generated loans.
    #[arg(long, conflicts_with = "dataset")]
    pub loans: Option<usize>,
    /// Seed of the generated loans.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
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
    #[arg(long, default_value_t = 0.0)]
    pub fail_rate: f64,
    /// Added latency per request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
}

/// Runs the command.
pub fn run(_args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(super::not_built("loanpro-sim"))
}
