//! `metro2 sync`.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use miette::IntoDiagnostic;

use super::Context;
use crate::sync::runner::RunError;
use crate::sync::{runner, Progress, SyncError, SyncOptions, DEGRADED_EXIT};

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
    /// Loan documents fetched at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
}

/// Runs the command: one summary line on success. The run's status stays `ok` when single
/// loans failed (the run did its job and the failures are retried by the next one), but the
/// exit code is [`DEGRADED_EXIT`] then, so cron and monitoring can tell a degraded run from a
/// clean one; exit 1 when the run itself stopped (a refused token, the database, LoanPro not
/// answering). SIGTERM or Ctrl-C stops it cleanly: the loans in flight finish and are
/// committed, the next `metro2 sync` resumes after them, and the exit code is 130; a second
/// signal quits at once, as a crash would (still resumable).
pub fn run(args: Args, ctx: &Context) -> miette::Result<ExitCode> {
    let as_of = runner::parse_as_of(args.as_of.as_deref()).map_err(|e| miette::miette!("{e}"))?;
    let (mut store, conn) = ctx.connection(args.connection.as_deref())?;
    let mut opts = SyncOptions::new(as_of);
    opts.force_full = args.full;
    opts.concurrency = usize::from(args.concurrency);
    let rt = runner::runtime().into_diagnostic()?;
    let stop = Arc::new(AtomicBool::new(false));
    opts.stop = Some(stop.clone());
    rt.spawn(async move {
        crate::server::stop_signal().await;
        stop.store(true, Ordering::SeqCst);
        eprintln!("stopping after the loans in flight (again to quit at once)");
        crate::server::stop_signal().await;
        std::process::exit(130);
    });
    match runner::sync_connection(rt.handle(), &mut store, &conn, &opts, &Progress::auto()) {
        Ok(report) => {
            println!("{}", report.summary_line());
            Ok(if report.stopped {
                ExitCode::from(130)
            } else if report.degraded() {
                eprintln!("{}", report.degraded_line());
                ExitCode::from(DEGRADED_EXIT)
            } else {
                ExitCode::SUCCESS
            })
        }
        Err(e) => {
            eprintln!("error: {e}");
            if credentials_refused(&e) {
                eprintln!(
                    "a token revoked or replaced in LoanPro is replaced here with `metro2 connection \
                     set {} --token-env VAR` (or --token-stdin), verified before it is saved",
                    conn.name
                );
            }
            Ok(ExitCode::from(1))
        }
    }
}

/// Whether LoanPro refused the connection's token or instance id (401, 403).
fn credentials_refused(e: &RunError) -> bool {
    matches!(e, RunError::Sync(SyncError::Source { source, .. }) if source.is_unauthorized())
}
