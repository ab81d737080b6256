//! `metro2 serve`.

use std::process::ExitCode;

use super::Context;

/// Arguments of `metro2 serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
}

/// Runs the command.
pub fn run(_args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(super::not_built("serve"))
}
