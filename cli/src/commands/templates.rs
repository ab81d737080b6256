//! `metro2 templates list | show | diff`.

use std::process::ExitCode;

use super::Context;

/// `metro2 templates` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List a connection's template versions.
    List {
        /// The connection (the only one when absent).
        #[arg(long)]
        connection: Option<String>,
    },
    /// Print one version's source.
    Show {
        /// The connection (the only one when absent).
        #[arg(long)]
        connection: Option<String>,
        /// The version (the newest when absent).
        #[arg(long)]
        version: Option<i64>,
    },
    /// Diff two versions, or a version against the shipped preset.
    Diff {
        /// The connection (the only one when absent).
        #[arg(long)]
        connection: Option<String>,
        /// The older side: a version number or `preset`.
        from: String,
        /// The newer side: a version number or `preset` (the newest version when absent).
        to: Option<String>,
    },
}

/// Runs the command.
pub fn run(_cmd: Command, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(super::not_built("templates"))
}
