//! `metro2 inspect`.

use std::process::ExitCode;

use super::Context;

/// Arguments of `metro2 inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Metro 2 file.
    pub file: std::path::PathBuf,
    /// Show only this record (1-based; the header is record 1).
    #[arg(long)]
    pub record: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Show social security numbers in full instead of their last four digits.
    #[arg(long)]
    pub reveal: bool,
}

/// Output formats of `metro2 inspect`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

/// Runs the command.
pub fn run(_args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(super::not_built("inspect"))
}
