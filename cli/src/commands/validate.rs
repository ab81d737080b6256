//! `metro2 validate`: every finding of every file, located by record, byte offset and field.
//!
//! Text output is one finding per line, `FILE:RECORD:OFFSET: SEVERITY RULE-ID SEGMENT.FIELD:
//! message`, then a summary line. Exit 0 when no file has an error (warnings allowed), 1 when
//! one has, 2 when a file cannot be read at all (it cannot be opened, or not one record of it
//! can be read).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use metro2_engine::reader::{Scanned, Scanner};
use metro2_engine::validate::{validate_file, Finding};
use miette::IntoDiagnostic;

use super::Context;

/// Arguments of `metro2 validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Metro 2 files to validate.
    #[arg(required = true)]
    pub files: Vec<std::path::PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Output formats of `metro2 validate`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// One finding per line, then a summary line.
    Text,
    /// One JSON document.
    Json,
}

/// What validating one file gave.
#[derive(Debug, serde::Serialize)]
struct FileReport {
    file: String,
    /// Why the file could not be read at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    unreadable: Option<String>,
    errors: usize,
    warnings: usize,
    findings: Vec<Finding>,
}

fn validate_path(path: &Path) -> FileReport {
    let file = path.display().to_string();
    let mut report = FileReport {
        file,
        unreadable: None,
        errors: 0,
        warnings: 0,
        findings: Vec::new(),
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            report.unreadable = Some(format!("cannot read the file: {e}"));
            return report;
        }
    };
    report.findings = validate_file(&bytes);
    report.errors = report.findings.iter().filter(|f| f.is_error()).count();
    report.warnings = report.findings.len() - report.errors;
    if !Scanner::new(&bytes).any(|i| matches!(i, Scanned::Record(_))) {
        report.unreadable = Some("not one Metro 2 record could be read".into());
    }
    report
}

/// One finding as a text line: `FILE: record 2, byte 636: error M2F-002 base.date_opened:
/// ...`. The place is spelt out rather than written `FILE:2:636`, which editors and CI
/// annotators read as line and column: the byte counts from the start of the file, and in a
/// blocked file records are not lines. A finding about the file as a whole (record 0) has only
/// its byte.
pub fn line(file: &str, f: &Finding) -> String {
    let place = match f.field {
        Some(k) => format!("{}.{k}", f.segment.name()),
        None => f.segment.name().to_string(),
    };
    let at = match f.record {
        0 => format!("byte {}", f.offset),
        r => format!("record {r}, byte {}", f.offset),
    };
    format!(
        "{file}: {at}: {} {} {place}: {}",
        f.severity.name(),
        f.rule,
        f.message
    )
}

/// Runs the command.
pub fn run(args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    let reports: Vec<FileReport> = args
        .files
        .iter()
        .map(|p: &PathBuf| validate_path(p))
        .collect();
    let errors: usize = reports.iter().map(|r| r.errors).sum();
    let warnings: usize = reports.iter().map(|r| r.warnings).sum();
    let unreadable = reports.iter().filter(|r| r.unreadable.is_some()).count();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Text => {
            for r in &reports {
                if let Some(why) = &r.unreadable {
                    eprintln!("{}: {why}", r.file);
                }
                for f in &r.findings {
                    writeln!(out, "{}", line(&r.file, f)).into_diagnostic()?;
                }
            }
            writeln!(
                out,
                "{} file{} checked: {errors} error{}, {warnings} warning{}{}",
                reports.len(),
                plural(reports.len()),
                plural(errors),
                plural(warnings),
                if unreadable > 0 {
                    format!(", {unreadable} unreadable")
                } else {
                    String::new()
                }
            )
            .into_diagnostic()?;
        }
        Format::Json => {
            let doc = serde_json::json!({
                "files": reports,
                "errors": errors,
                "warnings": warnings,
                "unreadable": unreadable,
            });
            serde_json::to_writer_pretty(&mut out, &doc).into_diagnostic()?;
            writeln!(out).into_diagnostic()?;
        }
    }
    out.flush().into_diagnostic()?;
    Ok(if unreadable > 0 {
        ExitCode::from(2)
    } else if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
