//! `metro2 demo`.

use std::process::ExitCode;

use super::Context;

/// Arguments of `metro2 demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many generated loans the simulator serves.
    #[arg(long, default_value_t = 200)]
    pub loans: usize,
    /// Where the database, the exported file and the reports go.
    #[arg(long, default_value = "metro2-demo")]
    pub dir: std::path::PathBuf,
}

/// Runs the command.
pub fn run(_args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(super::not_built("demo"))
}
