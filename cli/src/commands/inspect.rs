//! `metro2 inspect`: every field of every segment of a Metro 2 file with its key, positions,
//! raw text and decoded value, for a person reading the file.
//!
//! Social security numbers are masked to their last four digits and dates of birth entirely
//! unless `--reveal`.

use std::io::Write;
use std::process::ExitCode;

use metro2_engine::codes;
use metro2_engine::field::{parse_date, parse_timestamp};
use metro2_engine::identity;
use metro2_engine::layout::{Field, FieldType, SegmentKind};
use metro2_engine::reader::{Item, Positions, Records};
use metro2_engine::validate::Finding;
use metro2_engine::Segment;
use miette::IntoDiagnostic;

use super::Context;

/// Arguments of `metro2 inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Metro 2 file.
    pub file: std::path::PathBuf,
    /// Show only this record (1-based; the header is record 1).
    #[arg(long, value_parser = super::values::positive)]
    pub record: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Show social security numbers and dates of birth in full (masked otherwise: an SSN to its
    /// last four digits, a date of birth entirely).
    #[arg(long)]
    pub reveal: bool,
}

/// Output formats of `metro2 inspect`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

/// One field as shown.
#[derive(Debug, serde::Serialize)]
struct FieldView {
    key: &'static str,
    name: &'static str,
    /// 1-based first and last position in the segment.
    start: usize,
    end: usize,
    /// Byte offset of the field in the file.
    offset: usize,
    raw: String,
    value: String,
}

/// One segment as shown.
#[derive(Debug, serde::Serialize)]
struct SegmentView {
    segment: SegmentKind,
    offset: usize,
    fields: Vec<FieldView>,
}

/// One record as shown.
#[derive(Debug, serde::Serialize)]
struct RecordView {
    record: usize,
    offset: usize,
    segments: Vec<SegmentView>,
}

/// Everything shown.
#[derive(Debug, serde::Serialize)]
struct View {
    file: String,
    records: Vec<RecordView>,
    findings: Vec<Finding>,
}

/// The value of a field as a person reads it.
fn decode(kind: SegmentKind, f: &Field, raw: &str, reveal: bool) -> String {
    let trimmed = raw.trim_end();
    match f.ty {
        FieldType::Alphanumeric => {
            if trimmed.is_empty() {
                return "(blank)".into();
            }
            match codes::for_field(kind, f.key).and_then(|l| l.describe(trimmed)) {
                Some(meaning) => format!("{trimmed}: {meaning}"),
                None => trimmed.to_string(),
            }
        }
        FieldType::Numeric if f.key == "social_security_number" => {
            if raw.bytes().all(|b| b == b'0') {
                "(none)".into()
            } else {
                identity::mask_field(f.key, raw, reveal)
            }
        }
        FieldType::Numeric => match raw.parse::<u64>() {
            Ok(n) => match codes::for_field(kind, f.key).and_then(|l| l.describe(raw)) {
                Some(meaning) => format!("{raw}: {meaning}"),
                None => n.to_string(),
            },
            Err(_) if raw.trim().is_empty() => "(blank)".into(),
            Err(_) => "(not a number)".into(),
        },
        FieldType::Date => match parse_date(raw.as_bytes()) {
            Ok(Some(d)) => identity::mask_field(f.key, &d.format("%Y-%m-%d").to_string(), reveal),
            Ok(None) => "(none)".into(),
            Err(_) => "(not a date)".into(),
        },
        FieldType::Timestamp => match parse_timestamp(raw.as_bytes()) {
            Ok(Some(t)) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            Ok(None) => "(none)".into(),
            Err(_) => "(not a date and time)".into(),
        },
    }
}

/// `start` is the segment's position in its record; `positions` turn record positions into file
/// offsets (which differ from `offset + position` in a wrapped or packed file).
fn segment_view(seg: &Segment, start: usize, positions: &Positions, reveal: bool) -> SegmentView {
    let kind = seg.kind();
    let fields = seg
        .layout()
        .fields
        .iter()
        .map(|f| {
            let raw = String::from_utf8_lossy(seg.raw(f)).into_owned();
            let value = decode(kind, f, &raw, reveal);
            let raw = identity::mask_field(f.key, &raw, reveal);
            FieldView {
                key: f.key,
                name: f.name,
                start: f.start,
                end: f.end(),
                offset: positions.file_offset(start + f.offset()),
                raw,
                value,
            }
        })
        .collect();
    SegmentView {
        segment: kind,
        offset: positions.file_offset(start),
        fields,
    }
}

/// Runs the command.
pub fn run(args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    let bytes = std::fs::read(&args.file)
        .map_err(|e| miette::miette!("{}: cannot read the file: {e}", args.file.display()))?;
    let want = |n: usize| args.record.is_none_or(|r| r == n as u64);
    // The last record number read, for a message about a record past the end.
    let mut last = 0;
    let mut view = View {
        file: args.file.display().to_string(),
        records: Vec::new(),
        findings: Vec::new(),
    };
    for item in Records::new(&bytes) {
        match item {
            Item::Header {
                number,
                offset,
                positions,
                segment,
            }
            | Item::Trailer {
                number,
                offset,
                positions,
                segment,
            } => {
                last = number;
                if want(number) {
                    view.records.push(RecordView {
                        record: number,
                        offset,
                        segments: vec![segment_view(&segment, 0, &positions, args.reveal)],
                    });
                }
            }
            Item::Record(r) => {
                last = r.number;
                if want(r.number) {
                    let mut at = 0;
                    let segments = r
                        .record
                        .segments()
                        .map(|s| {
                            let v = segment_view(s, at, &r.positions, args.reveal);
                            at += s.as_bytes().len();
                            v
                        })
                        .collect();
                    view.records.push(RecordView {
                        record: r.number,
                        offset: r.offset,
                        segments,
                    });
                }
            }
            Item::Finding(f) => {
                if want(f.record) || f.record == 0 {
                    view.findings.push(f);
                }
            }
        }
    }
    if view.records.is_empty() && args.record.is_none() {
        // Nothing to show (an empty or binary file): the reasons are an error, not a listing.
        for f in &view.findings {
            eprintln!("{}", super::validate::line(&view.file, f));
        }
        miette::bail!("{}: no record could be read", args.file.display());
    }
    if let Some(n) = args.record {
        if view.records.is_empty() {
            miette::bail!(
                "{}: there is no record {n}: the file has {last} (numbered from 1, the header \
                 first)",
                args.file.display()
            );
        }
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Table => table(&view, &mut out).into_diagnostic()?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &view).into_diagnostic()?;
            writeln!(out).into_diagnostic()?;
        }
        Format::Yaml => serde_yaml::to_writer(&mut out, &view).into_diagnostic()?,
    }
    out.flush().into_diagnostic()?;
    Ok(ExitCode::SUCCESS)
}

fn table(view: &View, out: &mut impl Write) -> std::io::Result<()> {
    for r in &view.records {
        for s in &r.segments {
            writeln!(
                out,
                "record {} {} (byte offset {})",
                r.record,
                s.segment.name().to_uppercase(),
                s.offset
            )?;
            let kw = s.fields.iter().map(|f| f.key.len()).max().unwrap_or(0);
            writeln!(
                out,
                "  {:<kw$}  {:>7}  {:<7}  |raw|  value",
                "key",
                "pos",
                "offset",
                kw = kw
            )?;
            for f in &s.fields {
                let pos = format!("{}-{}", f.start, f.end);
                writeln!(
                    out,
                    "  {:<kw$}  {:>7}  {:<7}  |{}|  {}",
                    f.key,
                    pos,
                    f.offset,
                    f.raw,
                    f.value,
                    kw = kw
                )?;
            }
            writeln!(out)?;
        }
    }
    for f in &view.findings {
        writeln!(out, "{}", super::validate::line(&view.file, f))?;
    }
    Ok(())
}
