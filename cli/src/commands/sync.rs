//! `metro2 sync`.

use std::process::ExitCode;

use super::Context;

/// Arguments of `metro2 sync`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The connection (the only one when absent).
    #[arg(long)]
    pub connection: Option<String>,
    /// Pull every loan, not only those changed since the cursor.
    #[arg(long)]
    pub full: bool,
    /// The date the report describes (YYYY-MM-DD; default: today).
    #[arg(long)]
    pub as_of: Option<String>,
}

/// Runs the command.
pub fn run(_args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(super::not_built("sync"))
}
