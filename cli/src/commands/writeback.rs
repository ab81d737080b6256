//! `metro2 writeback`.

use std::process::ExitCode;

use miette::IntoDiagnostic;

use super::Context;
use crate::loanpro::Client;
use crate::sync::runner;
use crate::writeback::{self, WritebackError};

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

/// Runs the command. Exit status 1 when writeback is off or a write failed or is uncertain.
pub fn run(args: Args, ctx: &Context) -> miette::Result<ExitCode> {
    let (store, conn) = ctx.connection(args.connection.as_deref())?;
    let mut out = std::io::stdout().lock();
    if args.dry_run {
        let report =
            writeback::dry_run(&store, &conn, &mut out).map_err(|e| miette::miette!("{e}"))?;
        for p in &report.failed {
            eprintln!("{p}");
        }
        eprintln!(
            "dry run: {} request(s) printed, {} write(s) done before; nothing sent",
            report.printed, report.already_done
        );
        return Ok(ExitCode::SUCCESS);
    }
    if !conn.writeback {
        eprintln!("{}", writeback::refusal(&conn.name));
        return Ok(ExitCode::from(1));
    }
    let cfg = runner::client_config(&conn, 1).map_err(|e| miette::miette!("{e}"))?;
    let client = Client::new(cfg).map_err(|e| miette::miette!("{e}"))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .into_diagnostic()?;
    match rt.block_on(writeback::run(&store, &conn, &client, &mut out)) {
        Ok(report) => {
            for p in report.failed.iter().chain(&report.uncertain) {
                eprintln!("{p}");
            }
            println!("{}", report.summary_line());
            Ok(if report.is_complete() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Err(WritebackError::Off(name)) => {
            eprintln!("{}", writeback::refusal(&name));
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(miette::miette!("{e}")),
    }
}
