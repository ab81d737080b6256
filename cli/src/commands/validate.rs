//! `metro2 validate`.

use std::process::ExitCode;

use super::Context;

/// Arguments of `metro2 validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Metro 2 files to validate.
    #[arg(required = true)]
    pub files: Vec<std::path::PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Output formats of `metro2 validate`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// One finding per line, then a summary line.
    Text,
    /// One JSON document.
    Json,
}

/// Runs the command.
pub fn run(_args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(super::not_built("validate"))
}
