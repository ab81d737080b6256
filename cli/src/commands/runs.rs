//! `metro2 runs`: a connection's sync history, newest first, with the loans that failed.

use std::process::ExitCode;

use miette::IntoDiagnostic;
use serde_json::json;

use super::Context;
use crate::store::SyncRun;

/// Arguments of `metro2 runs`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The connection (the only one when absent).
    #[arg(long)]
    pub connection: Option<String>,
    /// How many runs, newest first.
    #[arg(long, default_value_t = 20, value_parser = super::values::positive)]
    pub limit: u64,
    /// List each run's failed loans and the loans it could not map, with why.
    #[arg(long)]
    pub failures: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// Output formats of `metro2 runs`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns.
    Table,
    /// JSON lines, one run a line.
    Json,
}

/// Runs the command.
pub fn run(args: Args, ctx: &Context) -> miette::Result<ExitCode> {
    let (store, conn) = ctx.connection(args.connection.as_deref())?;
    let runs = store.runs(conn.id, args.limit as usize).into_diagnostic()?;
    if matches!(args.format, Format::Table) {
        println!(
            "{}",
            table_row([
                "RUN",
                "STARTED",
                "MODE",
                "STATUS",
                "AS OF",
                "FETCHED",
                "MAPPED",
                "SKIPPED",
                "INVALID",
                "UNMAPPED",
                "FAILED",
                "UNCHANGED",
            ])
        );
    }
    for r in &runs {
        let (failures, unmapped) = if args.failures || matches!(args.format, Format::Json) {
            (
                store.failures(r.id).into_diagnostic()?,
                store.unmapped(r.id).into_diagnostic()?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        match args.format {
            Format::Table => {
                println!("{}", table_line(r));
                if let Some(e) = &r.error {
                    println!("       stopped: {e}");
                }
                if let Some(resumed) = r.resumes_run_id {
                    println!("       resumed run {resumed}");
                }
                for f in &failures {
                    println!("       loan {}: {}", f.loan_id, f.error);
                }
                for f in &unmapped {
                    println!(
                        "       loan {}: could not be mapped: {}",
                        f.loan_id, f.error
                    );
                }
            }
            Format::Json => {
                let c = &r.counts;
                let line = json!({
                    "run": r.id, "connection": conn.name, "mode": r.mode.as_str(),
                    "status": r.status.as_str(), "as_of": r.as_of, "since": r.since,
                    "resumes_run": r.resumes_run_id, "template_version": r.template_version,
                    "started_at": r.started_at, "finished_at": r.finished_at, "error": r.error,
                    "counts": {"fetched": c.fetched, "mapped": c.mapped, "skipped": c.skipped,
                               "invalid": c.invalid - c.unmapped, "unmapped": c.unmapped,
                               "failed": c.failed, "unchanged": c.unchanged},
                    "failures": failures.iter()
                        .map(|f| json!({"loan_id": f.loan_id, "error": f.error}))
                        .collect::<Vec<_>>(),
                    "unmapped": unmapped.iter()
                        .map(|f| json!({"loan_id": f.loan_id, "error": f.error}))
                        .collect::<Vec<_>>(),
                });
                println!("{line}");
            }
        }
    }
    if runs.is_empty() && matches!(args.format, Format::Table) {
        println!("{}: no sync has run yet", conn.name);
    }
    Ok(ExitCode::SUCCESS)
}

fn table_line(r: &SyncRun) -> String {
    let c = &r.counts;
    // The stored `invalid` counts the documents that could not be mapped too; the table keeps
    // them apart, as the sync's summary line does.
    let numbers = [
        c.fetched,
        c.mapped,
        c.skipped,
        c.invalid - c.unmapped,
        c.unmapped,
        c.failed,
        c.unchanged,
    ]
    .map(|n| n.to_string());
    let [fetched, mapped, skipped, invalid, unmapped, failed, unchanged] = &numbers;
    table_row([
        &r.id.to_string(),
        &r.started_at,
        r.mode.as_str(),
        r.status.as_str(),
        &r.as_of,
        fetched,
        mapped,
        skipped,
        invalid,
        unmapped,
        failed,
        unchanged,
    ])
}

/// One line of the table: the header and every run share its widths.
fn table_row(c: [&str; 12]) -> String {
    format!(
        "{:>5}  {:<20}  {:<11}  {:<11}  {:<10}  {:>7} {:>7} {:>7} {:>7} {:>8} {:>7} {:>9}",
        c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11]
    )
}
