//! `metro2 responses import`.

use std::process::ExitCode;

use miette::IntoDiagnostic;

use super::Context;
use crate::responses::{self, import, Format};

/// `metro2 responses` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Import bureau responses from a CSV or JSON file (format: docs/bureau-responses.md).
    Import {
        /// The file.
        file: std::path::PathBuf,
        /// The connection whose records the responses are about (the only one when absent).
        #[arg(long)]
        connection: Option<String>,
    },
}

/// Runs the command. Exit status 1 when any row was rejected (the good rows are kept).
pub fn run(cmd: Command, ctx: &Context) -> miette::Result<ExitCode> {
    let Command::Import { file, connection } = cmd;
    let text = std::fs::read_to_string(&file)
        .map_err(|e| miette::miette!("cannot read {}: {e}", file.display()))?;
    let parsed = responses::parse(Format::detect(&file, &text), &text)
        .map_err(|e| miette::miette!("{}: {e}; nothing was imported", file.display()))?;
    let (store, conn) = ctx.connection(connection.as_deref())?;
    let summary =
        import::import(&store, &conn, parsed, &file.display().to_string()).into_diagnostic()?;
    for r in &summary.rejected {
        eprintln!("{}:{r}", file.display());
    }
    println!(
        "imported {} response(s) ({} already imported), rejected {} row(s) of {}",
        summary.imported,
        summary.duplicates,
        summary.rejected.len(),
        file.display()
    );
    Ok(if summary.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
