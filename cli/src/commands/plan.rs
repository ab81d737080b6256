//! `metro2 plan`.

use std::process::ExitCode;

use super::Context;

/// Arguments of `metro2 plan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The mapping file.
    pub file: std::path::PathBuf,
}

/// Runs the command.
pub fn run(_args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(super::not_built("plan"))
}
