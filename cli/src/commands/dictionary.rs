//! `metro2 dictionary`.

use std::process::ExitCode;

use super::Context;

/// Arguments of `metro2 dictionary`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The mapping file.
    pub file: std::path::PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: Format,
}

/// Output formats of `metro2 dictionary`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// A Markdown table.
    Markdown,
    /// JSON.
    Json,
}

/// Runs the command.
pub fn run(_args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(super::not_built("dictionary"))
}
