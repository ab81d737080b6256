//! `metro2 map`.

use std::process::ExitCode;

use super::Context;

/// Arguments of `metro2 map`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The mapping file.
    #[arg(long)]
    pub map: std::path::PathBuf,
    /// The date the report describes (YYYY-MM-DD).
    #[arg(long)]
    pub as_of: String,
    /// A parameter of the mapping, KEY=VALUE (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// JSON files of loans (one loan, an array, an OData envelope or NDJSON); `-` is standard input.
    #[arg(required = true)]
    pub inputs: Vec<std::path::PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    /// Show social security numbers and dates of birth in full in yaml and explain output.
    #[arg(long)]
    pub reveal: bool,
}

/// Output formats of `metro2 map`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// One JSON line per input document.
    Json,
    /// The data records, one per line.
    Metro2,
    /// One field per line, for people.
    Yaml,
    /// Each field with its value, .m2map line and the expression that produced it.
    Explain,
}

/// Runs the command.
pub fn run(_args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(super::not_built("map"))
}
