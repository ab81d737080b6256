//! `metro2 export`.

use std::process::ExitCode;

use super::Context;

/// Arguments of `metro2 export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The connection (the only one when absent).
    #[arg(long)]
    pub connection: Option<String>,
    /// The reporting period, YYYY-MM.
    #[arg(long)]
    pub period: String,
    /// Where to write the file.
    #[arg(long, short)]
    pub out: Option<std::path::PathBuf>,
    /// Which bureau the file is for.
    #[arg(long, value_enum, default_value = "all")]
    pub bureau: Bureau,
    /// Record separator.
    #[arg(long, value_enum, default_value = "lf")]
    pub newlines: super::convert::Newlines,
}

/// The bureaus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Bureau {
    /// One file with every program identifier.
    All,
    /// Equifax.
    Equifax,
    /// Experian.
    Experian,
    /// TransUnion.
    Transunion,
    /// Innovis.
    Innovis,
}

/// Runs the command.
pub fn run(_args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(super::not_built("export"))
}
