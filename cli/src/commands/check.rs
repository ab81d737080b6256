//! `metro2 check`.

use std::process::ExitCode;

use super::Context;

/// Arguments of `metro2 check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Mapping files to check.
    #[arg(required = true)]
    pub files: Vec<std::path::PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

/// Output formats of `metro2 check`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Rendered diagnostics (colour on a terminal).
    Human,
    /// JSON, for editors and CI.
    Json,
}

/// Runs the command.
pub fn run(_args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(super::not_built("check"))
}
