//! `metro2 convert`.

use std::process::ExitCode;

use super::Context;

/// Arguments of `metro2 convert`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The input file (Metro 2, or JSON when converting to metro2).
    pub file: std::path::PathBuf,
    /// What to convert to.
    #[arg(long, value_enum)]
    pub to: Target,
    /// Where to write (standard output when absent).
    #[arg(long, short)]
    pub out: Option<std::path::PathBuf>,
    /// Record separator when writing Metro 2.
    #[arg(long, value_enum, default_value = "lf")]
    pub newlines: Newlines,
    /// Blocking when writing Metro 2.
    #[arg(long, value_enum, default_value = "fixed")]
    pub blocking: Blocking,
}

/// Conversion targets.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Target {
    /// A JSON document: header, records with their segments by field key, trailer.
    Json,
    /// A Metro 2 character file.
    Metro2,
}

/// Record separators.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Newlines {
    /// LF after every record.
    Lf,
    /// CR LF after every record.
    Crlf,
    /// Records back to back.
    None,
}

/// Blocking of the written file.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Blocking {
    /// Every record padded to the same length, no block descriptor words.
    Fixed,
    /// Each record its own length, each preceded by a block descriptor word.
    Variable,
}

/// Runs the command.
pub fn run(_args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(super::not_built("convert"))
}
