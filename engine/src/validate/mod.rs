//! The validator: every finding of a file or a record, not just the first, each with a stable
//! rule id ([`rules`]), a severity, the record number, the segment, the field, the byte offset and
//! a message a compliance analyst understands.
//!
//! Validation reads straight from the bytes: no field is decoded into an allocated value, and
//! nothing is allocated unless there is a finding to report. Messages never quote a social
//! security number or a date of birth.
//!
//! Families, one file each: structure (in [`crate::reader`], which finds it while reading),
//! [`fields`] (digits, dates, required fields, characters), [`codes`] (code lists), [`cross`]
//! (cross-field rules of rules.md) and [`totals`] (the trailer recomputed).

use chrono::{Datelike, NaiveDate};

use crate::layout::SegmentKind;
use crate::reader::{split_segments, Scanned, Scanner};
use crate::record::DataRecord;

pub mod codes;
pub mod cross;
pub mod fields;
pub mod rules;
pub mod totals;

pub use rules::Rule;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file or record must not go to the bureaus as it is.
    Error,
    /// Suspicious or non-standard, but acceptable.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// The stable rule id (see [`rules`]).
    pub rule: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// 1-based record number in the file (the header is record 1); for a record validated on
    /// its own, the number its [`RecordContext`] gives.
    pub record: usize,
    /// The segment the finding is in.
    pub segment: SegmentKind,
    /// The field key, when the finding is about one field.
    pub field: Option<&'static str>,
    /// Byte offset in the file (of the field when there is one).
    pub offset: usize,
    /// What is wrong, for an analyst.
    pub message: String,
}

impl Finding {
    /// A finding of `rule`.
    pub fn new(
        rule: &'static Rule,
        record: usize,
        segment: SegmentKind,
        field: Option<&'static str>,
        offset: usize,
        message: String,
    ) -> Finding {
        Finding {
            rule: rule.id,
            severity: rule.severity,
            record,
            segment,
            field,
            offset,
            message,
        }
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// What a record is validated against besides its own bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordContext {
    /// The header's activity date: no date in the record may be later.
    pub activity_date: Option<NaiveDate>,
    /// The record number findings carry (0 when the record is not from a file).
    pub record: usize,
    /// The byte offset of the record's first byte in its file (0 when not from a file).
    pub offset: usize,
}

/// A date as `YYYYMMDD` in one integer, so dates compare without decoding.
pub(crate) fn ymd(d: NaiveDate) -> u32 {
    (d.year().max(0) as u32) * 10_000 + d.month() * 100 + d.day()
}

/// Where a segment is: its record number and the file offset of its first byte.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Loc {
    pub record: usize,
    pub offset: usize,
}

/// Validates one data record (base and appended segments). Needs no header: the context gives
/// the activity date when there is one. This is what the sync pipeline and the exporter call on
/// mapped records.
pub fn validate_record(record: &DataRecord, ctx: &RecordContext) -> Vec<Finding> {
    let mut bytes = Vec::with_capacity(record.len());
    let mut spans = Vec::with_capacity(4);
    for s in record.segments() {
        spans.push((s.kind(), bytes.len()));
        bytes.extend_from_slice(s.as_bytes());
    }
    let mut out = Vec::new();
    check_data(&bytes, &spans, ctx, &mut out, None);
    out.sort_by_key(|f| f.offset);
    out
}

/// Validates the segments of one data record given as contiguous bytes and the kind and start
/// of each segment. Counts them into `totals` when given.
pub(crate) fn check_data(
    bytes: &[u8],
    spans: &[(SegmentKind, usize)],
    ctx: &RecordContext,
    out: &mut Vec<Finding>,
    totals: Option<&mut crate::trailer::Totals>,
) {
    let activity = ctx.activity_date.map(ymd);
    let mut totals = totals;
    for (kind, start) in spans {
        let seg = &bytes[*start..*start + kind.byte_len()];
        let loc = Loc {
            record: ctx.record,
            offset: ctx.offset + start,
        };
        if let Some(t) = totals.as_deref_mut() {
            t.add_segment(*kind, seg);
        }
        if *kind != SegmentKind::Base && crate::trailer::is_placeholder(*kind, seg) {
            continue;
        }
        fields::check_segment(*kind, seg, loc, out);
        codes::check_segment(*kind, seg, loc, out);
        cross::check_segment(*kind, seg, loc, activity, out);
    }
    if let Some((SegmentKind::Base, 0)) = spans.first() {
        cross::check_record(bytes, spans, ctx, activity, out);
    }
}

/// Validates a whole file: structure, every field of every record, cross-field rules and the
/// trailer's totals. Never panics on arbitrary bytes.
pub fn validate_file(bytes: &[u8]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut scanner = Scanner::new(bytes);
    let mut sequence = crate::reader::Sequence::default();
    let mut totals = crate::trailer::Totals::new();
    let mut ctx = RecordContext::default();
    let mut spans: Vec<(SegmentKind, usize)> = Vec::new();
    let mut trailer: Option<(Vec<u8>, Loc)> = None;
    let mut trailer_wrapped = Vec::new();
    for item in scanner.by_ref() {
        let rec = match item {
            Scanned::Problem(f) => {
                out.push(f);
                continue;
            }
            Scanned::Record(r) => r,
        };
        let first = out.len();
        sequence.observe(&rec, &mut out);
        let loc = Loc {
            record: rec.number,
            offset: rec.offset,
        };
        match rec.kind {
            crate::reader::RecordKind::Header => {
                crate::reader::check_padding(&rec, &mut out);
                let h = &rec.bytes[..426];
                fields::check_segment(SegmentKind::Header, h, loc, &mut out);
                if ctx.activity_date.is_none() {
                    ctx.activity_date = fields::header_activity_date(h);
                }
            }
            crate::reader::RecordKind::Trailer => {
                crate::reader::check_padding(&rec, &mut out);
                let t = &rec.bytes[..426];
                fields::check_segment(SegmentKind::Trailer, t, loc, &mut out);
                if trailer.is_none() {
                    trailer = Some((t.to_vec(), loc));
                    trailer_wrapped = (0..426).map(|p| rec.physical(p)).collect();
                }
            }
            crate::reader::RecordKind::Data => {
                spans.clear();
                if let Err(p) = split_segments(&rec.bytes, |k, s| spans.push((k, s))) {
                    out.push(p.finding(&rec));
                }
                crate::reader::check_order(&spans, &rec, &mut out);
                ctx.record = rec.number;
                ctx.offset = rec.offset;
                if !spans.is_empty() {
                    let from = out.len();
                    check_data(&rec.bytes, &spans, &ctx, &mut out, Some(&mut totals));
                    if rec.has_offset_map() {
                        for f in &mut out[from..] {
                            f.offset = rec.physical(f.offset - rec.offset);
                        }
                    }
                }
            }
        }
        // Findings of one record read best in byte order.
        out[first..].sort_by_key(|f| f.offset);
        if rec.has_offset_map() && rec.kind != crate::reader::RecordKind::Data {
            for f in &mut out[first..] {
                if f.offset >= rec.offset && f.offset < rec.offset + rec.bytes.len() {
                    f.offset = rec.physical(f.offset - rec.offset);
                }
            }
        }
    }
    if !scanner.stopped_early() {
        sequence.finish(bytes.len(), &mut out);
    }
    if let Some((t, loc)) = trailer {
        let shape = scanner.shape();
        let from = out.len();
        totals::check(&t, loc, &totals, &shape, &mut out);
        if !trailer_wrapped.is_empty() {
            for f in &mut out[from..] {
                f.offset = trailer_wrapped[f.offset - loc.offset];
            }
        }
    }
    out
}
