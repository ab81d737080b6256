//! `metro2 convert`: a Metro 2 file to a JSON document (header, records with their segments by
//! field key, trailer) and back. The document's values are each field's exact fixed-width text,
//! so the round trip loses nothing (see `metro2_engine::document`).
//!
//! Exit 0 on success; 1 when the Metro 2 input had structural errors (the document still holds
//! every record that could be read, the findings go to standard error); 2 when the input cannot
//! be read or converted.

use std::io::Write;
use std::process::ExitCode;

use metro2_engine::document::Document;
use metro2_engine::reader::read_file;
use metro2_engine::writer::{self, write_file, WriteOptions};
use miette::IntoDiagnostic;

use super::Context;

/// Arguments of `metro2 convert`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The input file (Metro 2, or JSON when converting to metro2).
    pub file: std::path::PathBuf,
    /// What to convert to.
    #[arg(long, value_enum)]
    pub to: Target,
    /// Where to write (standard output when absent).
    #[arg(long, short)]
    pub out: Option<std::path::PathBuf>,
    /// Record separator when writing Metro 2.
    #[arg(long, value_enum, default_value = "lf")]
    pub newlines: Newlines,
    /// Blocking when writing Metro 2.
    #[arg(long, value_enum, default_value = "fixed")]
    pub blocking: Blocking,
}

/// Conversion targets.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Target {
    /// A JSON document: header, records with their segments by field key, trailer.
    Json,
    /// A Metro 2 character file.
    Metro2,
}

/// Record separators.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Newlines {
    /// LF after every record.
    Lf,
    /// CR LF after every record.
    Crlf,
    /// Records back to back.
    None,
}

/// Blocking of the written file.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Blocking {
    /// Every record padded to the same length, no block descriptor words.
    Fixed,
    /// Each record its own length, each preceded by a block descriptor word.
    Variable,
}

impl Args {
    fn write_options(&self) -> WriteOptions {
        WriteOptions {
            newlines: match self.newlines {
                Newlines::Lf => writer::Newlines::Lf,
                Newlines::Crlf => writer::Newlines::Crlf,
                Newlines::None => writer::Newlines::None,
            },
            blocking: match self.blocking {
                Blocking::Fixed => writer::Blocking::Fixed,
                Blocking::Variable => writer::Blocking::Variable,
            },
        }
    }
}

/// Runs the command.
pub fn run(args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    let name = args.file.display().to_string();
    let input = std::fs::read(&args.file)
        .map_err(|e| miette::miette!("{name}: cannot read the file: {e}"))?;
    let (output, code) = match args.to {
        Target::Json => {
            let read = read_file(&input);
            if read.header.is_none() && read.records.is_empty() && read.trailer.is_none() {
                // Nothing was read: the first findings say why; thousands more say nothing new.
                const SHOWN: usize = 20;
                if read.findings.len() > SHOWN {
                    eprintln!(
                        "({} findings; the first {SHOWN} follow)",
                        read.findings.len()
                    );
                }
                for f in read.findings.iter().take(SHOWN) {
                    eprintln!("{}", super::validate::line(&name, f));
                }
                let json = input
                    .iter()
                    .find(|b| !b.is_ascii_whitespace())
                    .is_some_and(|b| matches!(b, b'{' | b'['));
                if json {
                    miette::bail!(
                        "{name}: not one Metro 2 record could be read; the file looks like JSON (did you mean --to metro2?)"
                    );
                }
                miette::bail!("{name}: not one Metro 2 record could be read");
            }
            let mut code = ExitCode::SUCCESS;
            for f in &read.findings {
                eprintln!("{}", super::validate::line(&name, f));
                if f.is_error() {
                    code = ExitCode::from(1);
                }
            }
            let doc = Document::from_read(&read);
            let mut out = serde_json::to_vec_pretty(&doc).into_diagnostic()?;
            out.push(b'\n');
            (out, code)
        }
        Target::Metro2 => {
            let doc: Document = serde_json::from_slice(&input).map_err(|e| {
                miette::miette!(
                    "{name}:{}:{}: not a Metro 2 JSON document: {e}",
                    e.line(),
                    e.column()
                )
            })?;
            let (header, records) = doc
                .to_records()
                .map_err(|e| miette::miette!("{name}: {e}"))?;
            if let Some(r) = records.iter().position(|r| r.len() > 9999) {
                miette::bail!("{name}: records[{r}] is longer than a record descriptor word can say (9999 bytes)");
            }
            // The document's texts go into the file as they are (a round trip keeps a damaged
            // field damaged), so the file written is checked as `validate` would check it.
            let written = write_file(&header, &records, &args.write_options());
            let mut code = ExitCode::SUCCESS;
            let shown = args
                .out
                .as_ref()
                .map_or("(output)".to_string(), |p| p.display().to_string());
            for f in &metro2_engine::validate::validate_file(&written) {
                eprintln!("{}", super::validate::line(&shown, f));
                if f.is_error() {
                    code = ExitCode::from(1);
                }
            }
            (written, code)
        }
    };
    match &args.out {
        // Either form carries SSNs and dates of birth in full: owner-only, as a bureau file is.
        Some(p) => crate::private::create(p)
            .and_then(|mut f| f.write_all(&output))
            .map_err(|e| miette::miette!("{}: cannot write: {e}", p.display()))?,
        None => {
            let mut o = std::io::stdout().lock();
            o.write_all(&output).into_diagnostic()?;
            o.flush().into_diagnostic()?;
        }
    }
    Ok(code)
}
