//! `metro2 responses import`.

use std::process::ExitCode;

use super::Context;

/// `metro2 responses` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Import bureau responses from a CSV or JSON file.
    Import {
        /// The file.
        file: std::path::PathBuf,
    },
}

/// Runs the command.
pub fn run(_cmd: Command, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(super::not_built("responses"))
}
