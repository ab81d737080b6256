//! `metro2 writeback`.

use std::process::ExitCode;

use super::Context;

/// Arguments of `metro2 writeback`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The connection (the only one when absent).
    #[arg(long)]
    pub connection: Option<String>,
    /// Print the exact requests instead of sending them.
    #[arg(long)]
    pub dry_run: bool,
}

/// Runs the command.
pub fn run(_args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(super::not_built("writeback"))
}
