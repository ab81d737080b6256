//! `metro2 connect`.

use std::process::ExitCode;

use super::Context;

/// Arguments of `metro2 connect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The loan-servicing system (only `loanpro`).
    #[arg(value_enum)]
    pub system: System,
    /// The tenant id (`Autopal-Instance-Id`).
    #[arg(long)]
    pub instance_id: String,
    /// The environment variable that holds the API token.
    #[arg(
        long,
        conflicts_with = "token_stdin",
        required_unless_present = "token_stdin"
    )]
    pub token_env: Option<String>,
    /// Read the API token from standard input.
    #[arg(long)]
    pub token_stdin: bool,
    /// The API base URL.
    #[arg(long, default_value = "https://loanpro.simnang.com/api/public/api/1/")]
    pub base_url: String,
    /// The connection name.
    #[arg(long, default_value = "default")]
    pub name: String,
    /// How often to sync.
    #[arg(long, value_enum, default_value = "hourly")]
    pub cadence: Cadence,
    /// Do not run the first sync.
    #[arg(long)]
    pub no_sync: bool,
}

/// Loan-servicing systems.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum System {
    /// LoanPro.
    Loanpro,
}

/// Sync cadences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Cadence {
    /// Every hour.
    Hourly,
    /// Once a day.
    Daily,
    /// Only when a webhook arrives.
    Webhook,
}

/// Runs the command.
pub fn run(_args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(super::not_built("connect"))
}
