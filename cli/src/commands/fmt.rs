//! `metro2 fmt`.

use std::process::ExitCode;

use super::Context;

/// Arguments of `metro2 fmt`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only check that the files are formatted; exit 1 when one is not.
    #[arg(long)]
    pub check: bool,
    /// Mapping files to format in place.
    #[arg(required = true)]
    pub files: Vec<std::path::PathBuf>,
}

/// Runs the command.
pub fn run(_args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(super::not_built("fmt"))
}
