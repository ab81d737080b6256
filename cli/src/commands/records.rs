//! `metro2 records`.

use std::process::ExitCode;

use super::Context;

/// Arguments of `metro2 records`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The connection (every one when absent).
    #[arg(long)]
    pub connection: Option<String>,
    /// The reporting period, YYYY-MM.
    #[arg(long)]
    pub period: Option<String>,
    /// Only records with validation errors.
    #[arg(long)]
    pub invalid: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Show social security numbers in full.
    #[arg(long)]
    pub reveal: bool,
}

/// Output formats of `metro2 records`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns.
    Table,
    /// JSON lines.
    Json,
}

/// Runs the command.
pub fn run(_args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(super::not_built("records"))
}
