//! `metro2 export`.

use std::process::ExitCode;

use super::Context;
use crate::export::{self, ExportRequest, Target};

/// Arguments of `metro2 export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The connection (the only one when absent).
    #[arg(long)]
    pub connection: Option<String>,
    /// The reporting period, YYYY-MM.
    #[arg(long)]
    pub period: String,
    /// Where to write the file (default: metro2-CONNECTION-PERIOD[-BUREAU].txt here).
    #[arg(long, short)]
    pub out: Option<std::path::PathBuf>,
    /// Which bureau the file is for.
    #[arg(long, value_enum, default_value = "all")]
    pub bureau: Bureau,
    /// Record separator.
    #[arg(long, value_enum, default_value = "lf")]
    pub newlines: super::convert::Newlines,
    /// Write the file even though the period's latest sync run did not finish or loans failed
    /// to sync; what is missing is listed in the held-back report and on standard error.
    #[arg(long)]
    pub allow_incomplete: bool,
    /// Write a file with no records for a period that has no stored record at all.
    #[arg(long)]
    pub allow_empty: bool,
}

/// The bureaus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Bureau {
    /// One file with every program identifier.
    All,
    /// Equifax.
    Equifax,
    /// Experian.
    Experian,
    /// TransUnion.
    Transunion,
    /// Innovis.
    Innovis,
}

impl From<Bureau> for Target {
    fn from(b: Bureau) -> Target {
        match b {
            Bureau::All => Target::All,
            Bureau::Equifax => Target::One(export::Bureau::Equifax),
            Bureau::Experian => Target::One(export::Bureau::Experian),
            Bureau::Transunion => Target::One(export::Bureau::TransUnion),
            Bureau::Innovis => Target::One(export::Bureau::Innovis),
        }
    }
}

/// The writer's record separator for the command-line choice.
pub fn newlines(n: super::convert::Newlines) -> metro2_engine::writer::Newlines {
    match n {
        super::convert::Newlines::Lf => metro2_engine::writer::Newlines::Lf,
        super::convert::Newlines::Crlf => metro2_engine::writer::Newlines::Crlf,
        super::convert::Newlines::None => metro2_engine::writer::Newlines::None,
    }
}

/// Runs the command: the file, the side report, one summary line; the held-back records, the
/// DA records written, and the loans missing from an export allowed to be incomplete, are
/// listed on standard error too.
pub fn run(args: Args, ctx: &Context) -> miette::Result<ExitCode> {
    let (store, conn) = ctx.connection(args.connection.as_deref())?;
    let mut req = ExportRequest::new(args.period.clone());
    req.target = args.bureau.into();
    req.newlines = newlines(args.newlines);
    req.out = args.out.clone();
    req.allow_incomplete = args.allow_incomplete;
    req.allow_empty = args.allow_empty;
    let outcome = export::export_period(&store, &conn, &req).map_err(|e| miette::miette!("{e}"))?;
    for h in &outcome.held_back {
        eprintln!(
            "held back: loan {}{} ({}): {}",
            h.loan_id,
            h.display_id
                .as_deref()
                .map(|d| format!(" display id {d}"))
                .unwrap_or_default(),
            h.status,
            h.findings.first().map(String::as_str).unwrap_or("")
        );
    }
    for d in &outcome.deletes {
        eprintln!("delete: {}", export::report::delete_line(d));
    }
    let c = &outcome.completeness;
    if let Some(line) = c.run_line(&req.period) {
        eprintln!("incomplete: {line}");
    }
    for f in &c.failures {
        let tag = if f.is_stale() { "stale" } else { "not synced" };
        eprintln!("{tag}: {}", export::completeness::failure_line(f));
    }
    println!("{}", outcome.summary_line());
    Ok(ExitCode::SUCCESS)
}
