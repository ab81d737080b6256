//! Reading Metro 2 character (426) files as bureaus and other tools produce them: with or
//! without line breaks between records (LF or CR LF), records wrapped over several lines,
//! fixed-length records padded with blanks, variable-length records, with or without block
//! descriptor words.
//!
//! Line breaks are never data in the character format (every field is printable ASCII), so the
//! reader treats CR and LF as absent wherever they appear; offsets in records and findings are
//! still the byte offsets of the input. Arbitrary bytes never make the reader panic: what it
//! cannot read becomes a structural [`Finding`] naming the record number (1-based, the header is
//! record 1), the byte offset and what was expected.
//!
//! A file of one record per line (unblocked, and one of its first lines exactly as long as its
//! RDW says) is framed by its lines instead: a line is a record, its RDW is checked against the
//! line's length, and a line that disagrees is reported and reading goes on at the next line,
//! so one damaged line neither swallows its neighbour nor shifts the numbers of the records
//! after it. Files wrapped at a column and files without line breaks are framed by their RDWs
//! alone; where an RDW leaves nothing to go on there, reading stops
//! ([`Scanner::stopped_early`]) and nothing is claimed about the bytes left unread.
//!
//! Packed (366) files as moov-io writes them are read too ([`packed`]): detected by their
//! binary descriptor words, converted record by record to the character format, with offsets
//! still pointing at the packed bytes.
//!
//! Three ways in: [`read_file`] (everything in memory), [`Records`] (an iterator of owned
//! records for large files) and [`Scanner`] (borrowed raw records, what the validator uses).

use std::borrow::Cow;

use crate::layout::SegmentKind;
use crate::record::DataRecord;
use crate::segment::Segment;
use crate::validate::{rules, Finding};
use crate::writer::{Blocking, Newlines, WriteOptions};

pub mod packed;

/// Length of the header, base and trailer in the character format.
const FIXED: usize = 426;

/// What a physical record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    /// The header record.
    Header,
    /// A data record (base segment and appended segments).
    Data,
    /// The trailer record.
    Trailer,
}

/// One physical record as found in the input: its bytes with any line breaks removed.
#[derive(Debug, Clone)]
pub struct RawRecord<'a> {
    /// 1-based record number (the header is record 1).
    pub number: usize,
    /// Byte offset of the record's first byte (its RDW) in the input.
    pub offset: usize,
    /// Header, data or trailer, by content.
    pub kind: RecordKind,
    /// The record's bytes, RDW included, line breaks removed.
    pub bytes: Cow<'a, [u8]>,
    /// For a record wrapped over lines: (position in `bytes`, input offset) of each byte that
    /// follows skipped line breaks.
    breaks: Vec<(usize, usize)>,
}

impl RawRecord<'_> {
    /// The input offset of the byte at `pos` in [`RawRecord::bytes`].
    pub fn physical(&self, pos: usize) -> usize {
        file_offset(self.offset, &self.breaks, pos)
    }

    /// Whether the record's bytes are not the input's bytes one to one: it was wrapped over
    /// several lines, or converted from the packed format. Use [`RawRecord::physical`] then.
    pub fn has_offset_map(&self) -> bool {
        !self.breaks.is_empty()
    }

    /// Where the record's bytes stand in the input, kept with an owned record.
    pub fn positions(&self) -> Positions {
        Positions {
            offset: self.offset,
            breaks: self.breaks.clone(),
        }
    }
}

/// Where the bytes of a record read from a file stand in that file: one run from its offset,
/// or, for a record wrapped over lines or converted from the packed format, a map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Positions {
    offset: usize,
    breaks: Vec<(usize, usize)>,
}

impl Positions {
    /// The file offset of the record's byte at `pos` (a position in its character form).
    pub fn file_offset(&self, pos: usize) -> usize {
        file_offset(self.offset, &self.breaks, pos)
    }
}

/// The file offset of byte `pos` of a record starting at `offset`, whose bytes after each
/// `(position, file offset)` of `breaks` continue from that file offset.
fn file_offset(offset: usize, breaks: &[(usize, usize)], pos: usize) -> usize {
    match breaks.iter().rev().find(|(p, _)| *p <= pos) {
        Some((p, phys)) => phys + (pos - p),
        None => offset + pos,
    }
}

/// A few bytes looked at ahead, without allocating.
struct Peek {
    bytes: [u8; 14],
    len: usize,
}

impl std::ops::Deref for Peek {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// What the scanner yields: a record, or a structural problem where it could not read one.
#[derive(Debug, Clone)]
pub enum Scanned<'a> {
    /// A record.
    Record(RawRecord<'a>),
    /// A structural finding (bad descriptor word, truncated file, ...).
    Problem(Finding),
}

/// The physical shape of a file, as detected while reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Shape {
    /// Whether block descriptor words precede the records.
    pub blocked: bool,
    /// Whether the file is in the packed (366) format (read, converted to characters).
    pub packed: bool,
    /// What follows the first record.
    pub newlines: Newlines,
    /// Number of blocks read (block descriptor words) when blocked.
    pub blocks: usize,
    /// Number of physical records read.
    pub records: usize,
}

impl Shape {
    /// The writer options that reproduce this shape.
    pub fn write_options(&self) -> WriteOptions {
        WriteOptions {
            newlines: self.newlines,
            blocking: if self.blocked {
                Blocking::Variable
            } else {
                Blocking::Fixed
            },
        }
    }
}

/// A low-level scanner over the input: yields raw records (borrowed when not wrapped) and
/// structural problems, in file order.
pub struct Scanner<'a> {
    input: &'a [u8],
    pos: usize,
    number: usize,
    block_end: Option<usize>,
    logical: usize,
    shape: Shape,
    detected: bool,
    done: bool,
    /// A packed record without a block descriptor word was reported; read it unblocked.
    unblocked_next: bool,
    /// The file holds one record per line: each line is checked against its RDW.
    lines: bool,
    /// What a call found beyond the one item it returns (a record and a finding about it).
    pending: Option<Scanned<'a>>,
    /// Reading stopped before the end of the input, at something it could not get past.
    abandoned: bool,
}

/// Bytes taken from the input, with the positions of skipped line breaks.
type Taken<'a> = (Cow<'a, [u8]>, Vec<(usize, usize)>);

fn is_break(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

/// Whether `s` holds a line break. Folded without short-circuit over fixed chunks so the
/// compiler vectorises it: this runs over every byte of every record.
fn has_break(s: &[u8]) -> bool {
    let mut chunks = s.chunks_exact(32);
    for c in &mut chunks {
        if c.iter()
            .fold(false, |a, b| a | (*b == b'\n') | (*b == b'\r'))
        {
            return true;
        }
    }
    chunks.remainder().iter().any(|b| is_break(*b))
}

/// Lines looked at to tell a file of one record per line from one wrapped at a column.
const LOOKED_AT_LINES: usize = 64;

/// The largest length a 4-digit descriptor word can give.
const MAX_RDW: usize = 9999;

/// Whether the input holds one record per line: one of its first lines is exactly as long as
/// its RDW says. Looking past the first line keeps one damaged line at the start from hiding
/// that; a file wrapped at a column (80, 100) or without line breaks never has such a line.
fn line_framed(input: &[u8]) -> bool {
    let mut from = 0;
    for _ in 0..LOOKED_AT_LINES {
        while input.get(from).is_some_and(|b| is_break(*b)) {
            from += 1;
        }
        if from >= input.len() {
            return false;
        }
        // A line longer than any RDW is no record; not looking further bounds the cost on a
        // file without line breaks.
        let window = &input[from..input.len().min(from + MAX_RDW + 1)];
        let len = match window.iter().position(|b| is_break(*b)) {
            Some(n) => n,
            None if from + window.len() == input.len() && from > 0 => window.len(),
            None => return false,
        };
        if len >= FIXED && input.get(from..from + 4).and_then(digits4) == Some(len) {
            return true;
        }
        from += len;
    }
    false
}

/// What a record is, by the identifier after its RDW.
fn kind_of(bytes: &[u8]) -> RecordKind {
    if bytes.get(4..10) == Some(b"HEADER") {
        RecordKind::Header
    } else if bytes.get(4..11) == Some(b"TRAILER") {
        RecordKind::Trailer
    } else {
        RecordKind::Data
    }
}

/// Whether `bytes` (RDW included), read as one record, leave nothing unexplained: a header or
/// trailer padded with blanks, or a data record that splits into whole segments.
fn whole(bytes: &[u8]) -> bool {
    if bytes.len() < FIXED {
        return false;
    }
    match kind_of(bytes) {
        RecordKind::Data => split_segments(bytes, |_, _| {}).is_ok(),
        _ => bytes[FIXED..].iter().all(|b| *b == b' '),
    }
}

/// Whether `rest` starts with a record that fits in it by its own RDW.
fn starts_record(rest: &[u8]) -> bool {
    rest.get(..4)
        .and_then(digits4)
        .is_some_and(|d| d >= FIXED && d <= rest.len())
}

fn digits4(b: &[u8]) -> Option<usize> {
    if b.len() == 4 && b.iter().all(u8::is_ascii_digit) {
        Some(b.iter().fold(0, |a, d| a * 10 + usize::from(d - b'0')))
    } else {
        None
    }
}

/// Shows up to `n` bytes for a message, escaped, without revealing more than a few characters.
fn shown(b: &[u8], n: usize) -> String {
    let end = b.len().min(n);
    format!("{:?}", String::from_utf8_lossy(&b[..end]))
}

impl<'a> Scanner<'a> {
    /// A scanner over a whole input.
    pub fn new(input: &'a [u8]) -> Scanner<'a> {
        Scanner {
            input,
            pos: 0,
            number: 0,
            block_end: None,
            logical: 0,
            shape: Shape {
                blocked: false,
                packed: false,
                newlines: Newlines::None,
                blocks: 0,
                records: 0,
            },
            detected: false,
            done: false,
            unblocked_next: false,
            lines: false,
            pending: None,
            abandoned: false,
        }
    }

    /// The file's shape as read so far (complete once the iterator is exhausted).
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// Whether reading stopped at something it could not get past, leaving the rest of the
    /// input unread: what is missing from the records read (a trailer) may be in that rest.
    pub fn stopped_early(&self) -> bool {
        self.abandoned
    }

    fn skip_breaks(&mut self) {
        while self.pos < self.input.len() && is_break(self.input[self.pos]) {
            self.pos += 1;
        }
    }

    /// The next (at most 14) logical bytes from `from` without consuming them.
    fn peek(&self, from: usize, n: usize) -> Peek {
        let mut p = Peek {
            bytes: [0; 14],
            len: 0,
        };
        for b in self.input[from..]
            .iter()
            .filter(|b| !is_break(**b))
            .take(n.min(14))
        {
            p.bytes[p.len] = *b;
            p.len += 1;
        }
        p
    }

    /// Takes `n` logical bytes from the current position: borrowed when they hold no line
    /// break, gathered otherwise. `None` when the input ends first (with how many there were).
    fn take(&mut self, n: usize) -> Result<Taken<'a>, usize> {
        let input = self.input;
        let start = self.pos;
        if let Some(slice) = input.get(start..start + n) {
            if !has_break(slice) {
                self.pos += n;
                self.logical += n;
                return Ok((Cow::Borrowed(slice), Vec::new()));
            }
        }
        let mut out = Vec::with_capacity(n);
        let mut breaks = Vec::new();
        let mut i = start;
        let mut after_break = false;
        while out.len() < n && i < input.len() {
            let b = input[i];
            if is_break(b) {
                after_break = true;
            } else {
                if after_break {
                    breaks.push((out.len(), i));
                    after_break = false;
                }
                out.push(b);
            }
            i += 1;
        }
        if out.len() < n {
            return Err(out.len());
        }
        self.pos = i;
        self.logical += n;
        Ok((Cow::Owned(out), breaks))
    }

    fn detect(&mut self) {
        self.detected = true;
        if packed::is_packed(self.input) {
            self.shape.packed = true;
            self.shape.blocked = true;
            return;
        }
        self.skip_breaks();
        let head = self.peek(self.pos, 14);
        let d0 = head.get(0..4).and_then(digits4);
        let d1 = head.get(4..8).and_then(digits4);
        self.shape.blocked = match (d0, d1) {
            _ if head.get(8..14) == Some(b"HEADER") && d0.is_some() && d1.is_some() => true,
            _ if head.get(4..10) == Some(b"HEADER") => false,
            (Some(a), Some(b)) => a >= 8 && b == a - 4,
            _ => false,
        };
        self.lines = !self.shape.blocked && line_framed(&self.input[self.pos..]);
    }

    fn problem(
        &mut self,
        rule: &'static rules::Rule,
        offset: usize,
        message: String,
    ) -> Scanned<'a> {
        Scanned::Problem(Finding::new(
            rule,
            self.number,
            SegmentKind::Base,
            None,
            offset,
            message,
        ))
    }

    fn fatal(&mut self, rule: &'static rules::Rule, offset: usize, message: String) -> Scanned<'a> {
        self.done = true;
        self.problem(rule, offset, message)
    }

    /// Like [`Scanner::fatal`], for a stop before the end of the input.
    fn abandon(
        &mut self,
        rule: &'static rules::Rule,
        offset: usize,
        message: String,
    ) -> Scanned<'a> {
        self.abandoned = true;
        self.fatal(rule, offset, message)
    }

    /// A record read from `at`.
    fn record(
        &mut self,
        at: usize,
        bytes: Cow<'a, [u8]>,
        breaks: Vec<(usize, usize)>,
    ) -> Scanned<'a> {
        self.shape.records += 1;
        Scanned::Record(RawRecord {
            number: self.number,
            offset: at,
            kind: kind_of(&bytes),
            bytes,
            breaks,
        })
    }

    /// Whether the bytes at the position look like a block descriptor word followed by its
    /// record's descriptor word (BDW = RDW + 4).
    fn looks_like_new_block(&self) -> bool {
        let head = self.peek(self.pos, 8);
        match (
            head.get(0..4).and_then(digits4),
            head.get(4..8).and_then(digits4),
        ) {
            (Some(a), Some(b)) => a >= 8 && b == a - 4,
            _ => false,
        }
    }

    fn next_item(&mut self) -> Option<Scanned<'a>> {
        if let Some(item) = self.pending.take() {
            return Some(item);
        }
        if self.done {
            return None;
        }
        if !self.detected {
            self.detect();
        }
        if self.shape.packed {
            return self.next_packed();
        }
        let before = self.pos;
        self.skip_breaks();
        if self.number == 1 && self.shape.newlines == Newlines::None && self.pos > before {
            self.shape.newlines = if self.input[before] == b'\r' {
                Newlines::Crlf
            } else {
                Newlines::Lf
            };
        }
        if self.pos >= self.input.len() {
            self.done = true;
            if let Some(end) = self.block_end {
                if self.logical < end {
                    let (n, at) = (self.logical, self.input.len());
                    return Some(self.problem(
                        &rules::BLOCK_MISMATCH,
                        at,
                        format!(
                            "the file ends {} bytes before the end of its last block (block descriptor word says the block ends at byte {end} of the data, the data ends at {n})",
                            end - n
                        ),
                    ));
                }
            }
            return None;
        }
        let next_number = self.number + 1;
        if self.shape.blocked {
            let at_block_start = match self.block_end {
                None => true,
                Some(end) => self.logical >= end || self.looks_like_new_block(),
            };
            if at_block_start {
                if let Some(end) = self.block_end {
                    if self.logical != end {
                        let at = self.pos;
                        let msg = if self.logical > end {
                            format!(
                                "record {} ran {} bytes past the end of its block: the block descriptor word disagrees with the records' descriptor words",
                                self.number,
                                self.logical - end
                            )
                        } else {
                            format!(
                                "a new block starts {} bytes before the end of the previous one: the block descriptor word disagrees with the records' descriptor words",
                                end - self.logical
                            )
                        };
                        return Some(self.problem_then_clear(at, msg));
                    }
                }
                let bdw_at = self.pos;
                let bdw = match self.take(4) {
                    Ok((b, _)) => b,
                    Err(_) => {
                        self.number = next_number;
                        return Some(self.fatal(
                            &rules::BDW_UNREADABLE,
                            bdw_at,
                            "the file ends inside a block descriptor word".into(),
                        ));
                    }
                };
                match digits4(&bdw) {
                    Some(n) if n >= 8 => {
                        self.block_end = Some(self.logical - 4 + n);
                        self.shape.blocks += 1;
                    }
                    _ => {
                        self.number = next_number;
                        return Some(self.abandon(
                            &rules::BDW_UNREADABLE,
                            bdw_at,
                            format!(
                                "expected a block descriptor word (4 digits, at least 0008) before record {next_number}, found {}",
                                shown(&bdw, 4)
                            ),
                        ));
                    }
                }
                self.skip_breaks();
            }
        }
        self.number = next_number;
        let at = self.pos;
        if self.lines {
            return Some(self.next_line(at));
        }
        let head = self.peek(at, 4);
        let Some(rdw) = digits4(&head) else {
            return Some(self.unreadable_rdw(at, &head));
        };
        if rdw < FIXED {
            if rdw < 4 {
                return Some(self.abandon(
                    &rules::RECORD_TOO_SHORT,
                    at,
                    format!("record {next_number}: the record descriptor word says {rdw} bytes, which cannot hold even itself"),
                ));
            }
            let message = format!(
                "record {next_number}: the record descriptor word says {rdw} bytes; a header, base segment or trailer needs at least {FIXED}"
            );
            // A short record that also runs past the end of the file ends the reading: the
            // position could not move past it, and the next call would find it again.
            return Some(match self.take(rdw) {
                Ok(_) => self.problem(&rules::RECORD_TOO_SHORT, at, message),
                Err(_) => self.fatal(&rules::RECORD_TOO_SHORT, at, message),
            });
        }
        match self.take(rdw) {
            Ok((bytes, breaks)) => Some(self.record(at, bytes, breaks)),
            Err(have) => Some(self.fatal(
                &rules::RECORD_TRUNCATED,
                at,
                format!(
                    "record {next_number}: the record descriptor word says {rdw} bytes but the file ends after {have}"
                ),
            )),
        }
    }

    /// The next record of a packed file. Binary bytes may equal CR or LF there, so nothing is
    /// skipped: the descriptor words alone frame the records.
    fn next_packed(&mut self) -> Option<Scanned<'a>> {
        let input = self.input;
        if self.pos >= input.len() {
            self.done = true;
            return None;
        }
        let next_number = self.number + 1;
        if !self.unblocked_next && self.block_end.is_none_or(|e| self.pos >= e) {
            let at = self.pos;
            if let Some(e) = self.block_end.take() {
                if at != e {
                    self.number = next_number;
                    return Some(self.abandon(
                        &rules::BLOCK_MISMATCH,
                        at,
                        format!(
                            "record {} ran {} bytes past the end of its block",
                            next_number - 1,
                            at - e
                        ),
                    ));
                }
            }
            let bdw = packed::descriptor(&input[at..]);
            let rdw = input.get(at + 4..).and_then(packed::descriptor);
            match (bdw, rdw) {
                (Some(b), Some(r)) if b == r + 4 => {
                    self.block_end = Some(at + b);
                    self.shape.blocks += 1;
                    self.pos += 4;
                }
                _ => {
                    // The record stands outside any block (moov-io writes its packed trailer
                    // so); it is read, and reported.
                    self.block_end = None;
                    self.number = next_number;
                    let item = self.problem(
                        &rules::BLOCK_MISMATCH,
                        at,
                        format!("record {next_number} is not preceded by a block descriptor word: a packed file blocks every record"),
                    );
                    self.number = next_number - 1;
                    self.unblocked_next = true;
                    return Some(item);
                }
            }
        }
        self.unblocked_next = false;
        self.number = next_number;
        let at = self.pos;
        let Some(rdw) = packed::descriptor(&input[at..]) else {
            return Some(self.abandon(
                &rules::RDW_UNREADABLE,
                at,
                format!("record {next_number}: expected a binary record descriptor word (2-byte length, then 2 zero bytes)"),
            ));
        };
        if rdw < packed::PACKED {
            return Some(self.abandon(
                &rules::RECORD_TOO_SHORT,
                at,
                format!(
                    "record {next_number}: the record descriptor word says {rdw} bytes; a packed header, base segment or trailer needs {}",
                    packed::PACKED
                ),
            ));
        }
        let Some(bytes) = input.get(at..at + rdw) else {
            return Some(self.fatal(
                &rules::RECORD_TRUNCATED,
                at,
                format!(
                    "record {next_number}: the record descriptor word says {rdw} bytes but the file ends after {}",
                    input.len() - at
                ),
            ));
        };
        self.pos = at + rdw;
        self.shape.records += 1;
        let (kind, seg) = if bytes.get(4..10) == Some(b"HEADER") {
            (RecordKind::Header, SegmentKind::Header)
        } else if bytes.get(4..11) == Some(b"TRAILER") {
            (RecordKind::Trailer, SegmentKind::Trailer)
        } else {
            (RecordKind::Data, SegmentKind::Base)
        };
        let (mut chars, map) = packed::to_character(seg, &bytes[..packed::PACKED]);
        chars.extend_from_slice(&bytes[packed::PACKED..]);
        let len = chars.len().min(9999);
        crate::record::write_rdw(len, &mut chars);
        let mut breaks: Vec<(usize, usize)> = map.into_iter().map(|(c, p)| (c, at + p)).collect();
        breaks.push((FIXED, at + packed::PACKED));
        Some(Scanned::Record(RawRecord {
            number: next_number,
            offset: at,
            kind,
            bytes: Cow::Owned(chars),
            breaks,
        }))
    }

    fn problem_then_clear(&mut self, at: usize, msg: String) -> Scanned<'a> {
        self.block_end = Some(self.logical);
        self.problem(&rules::BLOCK_MISMATCH, at, msg)
    }

    /// The next record of a file of one record per line, starting at `at`: the line is the
    /// record's boundary and its RDW is checked against it. A disagreement is reported and
    /// reading goes on at the next line, so record numbers stay those of the lines. When the
    /// line holds a whole record by one of the two lengths (the RDW's or its own) the record
    /// is read by that length, so one wrong length does not hide its fields.
    fn next_line(&mut self, at: usize) -> Scanned<'a> {
        let input = self.input;
        let rdw = input.get(at..at + 4).and_then(digits4);
        // The common case, as cheap as without line breaks: the RDW's length ends at a break.
        if let Some(r) = rdw.filter(|r| *r >= FIXED) {
            if let Some(slice) = input.get(at..at + r) {
                if input.get(at + r).is_none_or(|b| is_break(*b)) && !has_break(slice) {
                    self.pos = at + r;
                    return self.record(at, Cow::Borrowed(slice), Vec::new());
                }
            }
        }
        let end = input[at..]
            .iter()
            .position(|b| is_break(*b))
            .map_or(input.len(), |n| at + n);
        let line = &input[at..end];
        let Some(rdw) = rdw else {
            return self.unreadable_rdw(at, &line[..line.len().min(4)]);
        };
        let (len, number) = (line.len(), self.number);
        self.pos = end;
        let extra = |s: &mut Self| {
            let rest = &line[rdw..];
            let what = if rest.iter().all(|b| *b == b' ') {
                "all blanks".to_string()
            } else {
                shown(rest, 8)
            };
            s.problem(
                &rules::RDW_LINE_MISMATCH,
                at + rdw,
                format!(
                    "record {number}: its line runs {} bytes past the {rdw} its record descriptor word says, from byte {} of the record: {what}",
                    rest.len(),
                    rdw + 1,
                ),
            )
        };
        if rdw >= FIXED && rdw < len {
            if starts_record(&line[rdw..]) {
                // Records run together on one line: the next one starts after this one.
                self.pos = at + rdw;
                return self.record(at, Cow::Borrowed(&line[..rdw]), Vec::new());
            }
            if whole(&line[..rdw]) {
                let finding = extra(self);
                let rec = self.record(at, Cow::Borrowed(&line[..rdw]), Vec::new());
                self.pending = Some(finding);
                return rec;
            }
        }
        if whole(line) {
            let rule = if rdw < FIXED {
                &rules::RECORD_TOO_SHORT
            } else {
                &rules::RDW_LINE_MISMATCH
            };
            let finding = self.problem(
                rule,
                at,
                format!(
                    "record {number}: the record descriptor word says {rdw} bytes, but the record's line holds a whole {len}-byte record; read as {len} bytes"
                ),
            );
            self.pending = Some(self.record(at, Cow::Borrowed(line), Vec::new()));
            return finding;
        }
        if rdw >= FIXED && rdw < len {
            // A longer line whose bytes are a whole record by neither length: the RDW frames
            // the record, and what is wrong inside it is the segments' to say.
            let finding = extra(self);
            let rec = self.record(at, Cow::Borrowed(&line[..rdw]), Vec::new());
            self.pending = Some(finding);
            return rec;
        }
        // A line skipped is still a physical record, which the trailer's block count counts.
        self.shape.records += 1;
        if rdw < FIXED {
            let why = if rdw < 4 {
                "which cannot hold even itself".to_string()
            } else {
                format!("a header, base segment or trailer needs at least {FIXED}")
            };
            return self.problem(
                &rules::RECORD_TOO_SHORT,
                at,
                format!("record {number}: the record descriptor word says {rdw} bytes; {why}; skipped to the next line"),
            );
        }
        // Only a line shorter than its RDW is left (an equal one took the first path).
        if input[end..].iter().all(|b| is_break(*b)) {
            return self.fatal(
                &rules::RECORD_TRUNCATED,
                at,
                format!("record {number}: the record descriptor word says {rdw} bytes but the file ends after {len}"),
            );
        }
        self.problem(
            &rules::RDW_LINE_MISMATCH,
            at,
            format!(
                "record {number} is {len} bytes long, but its record descriptor word says {rdw}: its line ends at byte offset {end}; skipped to the next line"
            ),
        )
    }

    /// An RDW that is not 4 digits: if a later line starts a new record, resume there so one
    /// bad line does not hide the rest of the file; otherwise stop.
    fn unreadable_rdw(&mut self, at: usize, head: &[u8]) -> Scanned<'a> {
        let msg = format!(
            "record {}: expected a record descriptor word (4 digits) at the start of the record, found {}",
            self.number,
            shown(head, 4)
        );
        let input = self.input;
        let next_line = input[at..]
            .iter()
            .position(|b| is_break(*b))
            .map(|n| at + n)
            .filter(|&end| input[end..].iter().any(|b| !is_break(*b)));
        match next_line {
            Some(end) => {
                self.pos = end;
                self.logical += end - at;
                self.block_end = None;
                self.problem(
                    &rules::RDW_UNREADABLE,
                    at,
                    format!("{msg}; skipped to the next line"),
                )
            }
            None => self.abandon(&rules::RDW_UNREADABLE, at, msg),
        }
    }
}

impl<'a> Iterator for Scanner<'a> {
    type Item = Scanned<'a>;

    fn next(&mut self) -> Option<Scanned<'a>> {
        self.next_item()
    }
}

/// Splits a data record's bytes (RDW included) into segments: calls `f(kind, start)` for the
/// base segment and each appended segment, in file order. Trailing blanks after the last
/// segment are padding (fixed-length files). Returns what stopped the split early, if anything.
pub fn split_segments(
    bytes: &[u8],
    mut f: impl FnMut(SegmentKind, usize),
) -> Result<(), SplitProblem> {
    if bytes.len() < FIXED {
        return Err(SplitProblem::ShortBase { len: bytes.len() });
    }
    f(SegmentKind::Base, 0);
    let mut pos = FIXED;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        if rest.iter().all(|b| *b == b' ') {
            return Ok(());
        }
        let kind = rest.get(0..2).and_then(SegmentKind::from_identifier);
        match kind {
            Some(k) if rest.len() >= k.byte_len() => {
                f(k, pos);
                pos += k.byte_len();
            }
            Some(k) => {
                return Err(SplitProblem::Truncated {
                    kind: k,
                    pos,
                    have: rest.len(),
                })
            }
            None => return Err(SplitProblem::Unknown { pos }),
        }
    }
    Ok(())
}

/// Why a data record could not be split into segments to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitProblem {
    /// The record is shorter than a base segment.
    ShortBase {
        /// Its length.
        len: usize,
    },
    /// Bytes that are neither a known segment identifier nor blank padding.
    Unknown {
        /// Position in the record.
        pos: usize,
    },
    /// A known identifier whose segment does not fit in the record.
    Truncated {
        /// The segment.
        kind: SegmentKind,
        /// Position in the record.
        pos: usize,
        /// Bytes left in the record.
        have: usize,
    },
}

impl SplitProblem {
    /// The structural finding for this problem in `rec`.
    pub fn finding(&self, rec: &RawRecord<'_>) -> Finding {
        let (rule, pos, msg) = match *self {
            SplitProblem::ShortBase { len } => (
                &rules::RECORD_TOO_SHORT,
                0,
                format!("the record is {len} bytes long; a base segment needs {FIXED}"),
            ),
            SplitProblem::Unknown { pos } => {
                let rest = &rec.bytes[pos..];
                // Padding that starts blank is no padding when something follows the blanks:
                // name that, not the blanks.
                match rest.iter().position(|b| *b != b' ') {
                    Some(q) if q > 0 => (
                        &rules::UNKNOWN_SEGMENT,
                        pos + q,
                        format!(
                            "expected an appended segment identifier (J1, J2, K1, K2, K3, K4, L1, N1) or blank padding to the end of the record at byte {} of the record; the blanks end at byte {} with {}",
                            pos + 1,
                            pos + q + 1,
                            shown(&rest[q..], 2)
                        ),
                    ),
                    _ => (
                        &rules::UNKNOWN_SEGMENT,
                        pos,
                        format!(
                            "expected an appended segment identifier (J1, J2, K1, K2, K3, K4, L1, N1) or blank padding at byte {} of the record, found {}",
                            pos + 1,
                            shown(rest, 2)
                        ),
                    ),
                }
            }
            SplitProblem::Truncated { kind, pos, have } => (
                &rules::SEGMENT_TRUNCATED,
                pos,
                format!(
                    "the {} segment needs {} bytes but the record's descriptor word leaves {have}",
                    kind.name().to_uppercase(),
                    kind.byte_len()
                ),
            ),
        };
        Finding::new(
            rule,
            rec.number,
            SegmentKind::Base,
            None,
            rec.physical(pos),
            msg,
        )
    }
}

/// Checks the order of a record's segments: J1*, J2*, K1, K2, K3, K4, L1, N1, each of K1..N1 at
/// most once. Reports into `out`.
pub fn check_order(kinds: &[(SegmentKind, usize)], rec: &RawRecord<'_>, out: &mut Vec<Finding>) {
    let rank = |k: SegmentKind| SegmentKind::APPENDED.iter().position(|a| *a == k);
    let mut last: Option<usize> = None;
    for (k, pos) in kinds.iter().skip(1) {
        let Some(r) = rank(*k) else { continue };
        if let Some(l) = last {
            let name = k.name().to_uppercase();
            if r < l {
                out.push(Finding::new(
                    &rules::SEGMENT_ORDER,
                    rec.number,
                    *k,
                    None,
                    rec.physical(*pos),
                    format!(
                        "the {name} segment comes after {}: appended segments go in the order J1, J2, K1, K2, K3, K4, L1, N1",
                        SegmentKind::APPENDED[l].name().to_uppercase()
                    ),
                ));
            } else if r == l && !k.repeats() {
                out.push(Finding::new(
                    &rules::SEGMENT_REPEATED,
                    rec.number,
                    *k,
                    None,
                    rec.physical(*pos),
                    format!("a second {name} segment: a data record carries at most one"),
                ));
            }
        }
        last = Some(last.map_or(r, |l| l.max(r)));
    }
}

/// A data record read from a file, with where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadRecord {
    /// 1-based record number in the file (the header is record 1).
    pub number: usize,
    /// Byte offset of the record's first byte in the file.
    pub offset: usize,
    /// The record.
    pub record: DataRecord,
    /// Where its bytes stand in the file.
    pub positions: Positions,
}

/// Everything read from a file.
#[derive(Debug, Clone)]
pub struct ReadResult {
    /// The header record (its first 426 bytes; padding dropped).
    pub header: Option<Segment>,
    /// The data records, in file order.
    pub records: Vec<ReadRecord>,
    /// The trailer record (its first 426 bytes).
    pub trailer: Option<Segment>,
    /// Structural findings: descriptor words, record order, segments that could not be read.
    pub findings: Vec<Finding>,
    /// The file's physical shape.
    pub shape: Shape,
}

/// Reads a whole file. Never panics; what cannot be read is in `findings`.
pub fn read_file(bytes: &[u8]) -> ReadResult {
    let mut it = Records::new(bytes);
    let mut result = ReadResult {
        header: None,
        records: Vec::new(),
        trailer: None,
        findings: Vec::new(),
        shape: it.shape(),
    };
    for item in it.by_ref() {
        match item {
            Item::Header { segment, .. } => {
                if result.header.is_none() {
                    result.header = Some(segment);
                }
            }
            Item::Record(r) => result.records.push(*r),
            Item::Trailer { segment, .. } => {
                if result.trailer.is_none() {
                    result.trailer = Some(segment);
                }
            }
            Item::Finding(f) => result.findings.push(f),
        }
    }
    result.shape = it.shape();
    result
}

/// What [`Records`] yields.
#[derive(Debug, Clone)]
pub enum Item {
    /// The header record.
    Header {
        /// Record number.
        number: usize,
        /// Byte offset.
        offset: usize,
        /// Where its bytes stand in the file.
        positions: Positions,
        /// Its first 426 bytes.
        segment: Segment,
    },
    /// A data record (boxed: it is much larger than the other items).
    Record(Box<ReadRecord>),
    /// The trailer record.
    Trailer {
        /// Record number.
        number: usize,
        /// Byte offset.
        offset: usize,
        /// Where its bytes stand in the file.
        positions: Positions,
        /// Its first 426 bytes.
        segment: Segment,
    },
    /// A structural finding.
    Finding(Finding),
}

/// An iterator of owned records and structural findings, for files too large to hold as
/// [`ReadResult`]: memory use is one record at a time.
pub struct Records<'a> {
    scanner: Scanner<'a>,
    sequence: Sequence,
    pending: std::collections::VecDeque<Item>,
    finished: bool,
}

impl<'a> Records<'a> {
    /// Reads `bytes`.
    pub fn new(bytes: &'a [u8]) -> Records<'a> {
        Records {
            scanner: Scanner::new(bytes),
            sequence: Sequence::default(),
            pending: Default::default(),
            finished: false,
        }
    }

    /// The file's shape as read so far.
    pub fn shape(&self) -> Shape {
        self.scanner.shape()
    }
}

impl Iterator for Records<'_> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            if let Some(i) = self.pending.pop_front() {
                return Some(i);
            }
            if self.finished {
                return None;
            }
            let mut findings = Vec::new();
            match self.scanner.next() {
                None => {
                    self.finished = true;
                    if !self.scanner.stopped_early() {
                        self.sequence
                            .finish(self.scanner.input.len(), &mut findings);
                    }
                }
                Some(Scanned::Problem(f)) => findings.push(f),
                Some(Scanned::Record(rec)) => {
                    self.sequence.observe(&rec, &mut findings);
                    let item = owned_item(&rec, &mut findings);
                    self.pending.extend(findings.drain(..).map(Item::Finding));
                    if let Some(i) = item {
                        self.pending.push_back(i);
                    }
                }
            }
            self.pending.extend(findings.into_iter().map(Item::Finding));
        }
    }
}

/// Checks that header and trailer records have nothing but blanks beyond their 426 bytes.
pub fn check_padding(rec: &RawRecord<'_>, out: &mut Vec<Finding>) {
    if let Some(p) = rec.bytes[FIXED..].iter().position(|b| *b != b' ') {
        let kind = if rec.kind == RecordKind::Header {
            SegmentKind::Header
        } else {
            SegmentKind::Trailer
        };
        out.push(Finding::new(
            &rules::PADDING_NOT_BLANK,
            rec.number,
            kind,
            None,
            rec.physical(FIXED + p),
            format!(
                "the {} record is padded to {} bytes, but the padding after byte {FIXED} is not blank",
                kind.name(),
                rec.bytes.len()
            ),
        ));
    }
}

fn owned_item(rec: &RawRecord<'_>, findings: &mut Vec<Finding>) -> Option<Item> {
    let fixed = || rec.bytes[..FIXED].to_vec();
    match rec.kind {
        RecordKind::Header => {
            check_padding(rec, findings);
            Some(Item::Header {
                number: rec.number,
                offset: rec.offset,
                positions: rec.positions(),
                segment: Segment::from_bytes(SegmentKind::Header, fixed())?,
            })
        }
        RecordKind::Trailer => {
            check_padding(rec, findings);
            Some(Item::Trailer {
                number: rec.number,
                offset: rec.offset,
                positions: rec.positions(),
                segment: Segment::from_bytes(SegmentKind::Trailer, fixed())?,
            })
        }
        RecordKind::Data => {
            let mut kinds = Vec::new();
            let split = split_segments(&rec.bytes, |k, p| kinds.push((k, p)));
            if let Err(p) = split {
                findings.push(p.finding(rec));
            }
            check_order(&kinds, rec, findings);
            let mut segs = kinds
                .iter()
                .map(|(k, p)| Segment::from_bytes(*k, rec.bytes[*p..*p + k.byte_len()].to_vec()));
            let base = segs.next()??;
            let mut record = DataRecord::new(base);
            // A placeholder (identifier then blanks) only keeps a fixed-length record's
            // segments in place: it carries nothing, and the writer puts it back.
            for s in segs
                .flatten()
                .filter(|s| !crate::trailer::is_placeholder(s.kind(), s.as_bytes()))
            {
                record.push(s);
            }
            Some(Item::Record(Box::new(ReadRecord {
                number: rec.number,
                offset: rec.offset,
                record,
                positions: rec.positions(),
            })))
        }
    }
}

/// The record-order rules: header first and only once, trailer last, nothing after it.
#[derive(Debug, Default, Clone)]
pub struct Sequence {
    seen_any: bool,
    trailer: Option<usize>,
    reported_after_trailer: bool,
}

impl Sequence {
    /// Observes the next record.
    pub fn observe(&mut self, rec: &RawRecord<'_>, out: &mut Vec<Finding>) {
        let first = !self.seen_any;
        self.seen_any = true;
        if let Some(t) = self.trailer {
            if !self.reported_after_trailer {
                self.reported_after_trailer = true;
                out.push(Finding::new(
                    &rules::AFTER_TRAILER,
                    rec.number,
                    SegmentKind::Trailer,
                    None,
                    rec.offset,
                    format!("record {} comes after the trailer (record {t}): the trailer must be the last record", rec.number),
                ));
            }
        }
        match rec.kind {
            RecordKind::Header if !first => out.push(Finding::new(
                &rules::HEADER_REPEATED,
                rec.number,
                SegmentKind::Header,
                None,
                rec.offset,
                "a header record after the first record: a file has one header, first".into(),
            )),
            RecordKind::Header => {}
            _ if first => out.push(Finding::new(
                &rules::HEADER_NOT_FIRST,
                rec.number,
                SegmentKind::Header,
                None,
                rec.offset,
                "the file does not start with a header record (record identifier HEADER at bytes 5-10)".into(),
            )),
            _ => {}
        }
        if rec.kind == RecordKind::Trailer && self.trailer.is_none() {
            self.trailer = Some(rec.number);
        }
    }

    /// Called at the end of the input (`len` bytes).
    pub fn finish(&mut self, len: usize, out: &mut Vec<Finding>) {
        if !self.seen_any {
            out.push(Finding::new(
                &rules::EMPTY_FILE,
                0,
                SegmentKind::Header,
                None,
                0,
                "the file holds no record".into(),
            ));
        } else if self.trailer.is_none() {
            out.push(Finding::new(
                &rules::TRAILER_MISSING,
                0,
                SegmentKind::Trailer,
                None,
                len,
                "the file ends without a trailer record (record identifier TRAILER at bytes 5-11)"
                    .into(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(body: &str, len: usize) -> Vec<u8> {
        let mut v = format!("{len:04}{body}").into_bytes();
        v.resize(len, b' ');
        v
    }

    fn file(newline: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for r in [rec("HEADER", 426), rec("1", 426), rec("TRAILER", 426)] {
            out.extend_from_slice(&r);
            out.extend_from_slice(newline);
        }
        out
    }

    #[test]
    fn reads_with_and_without_line_breaks() {
        for nl in [&b""[..], b"\n", b"\r\n"] {
            let r = read_file(&file(nl));
            assert!(r.findings.is_empty(), "{:?}", r.findings);
            assert!(r.header.is_some() && r.trailer.is_some());
            assert_eq!(r.records.len(), 1);
            assert_eq!(r.records[0].number, 2);
            assert_eq!(r.records[0].offset, 426 + nl.len());
        }
    }

    #[test]
    fn wrapped_records_map_offsets_back_to_the_input() {
        let flat = file(b"");
        let mut wrapped = Vec::new();
        for (i, chunk) in flat.chunks(80).enumerate() {
            if i > 0 {
                wrapped.push(b'\n');
            }
            wrapped.extend_from_slice(chunk);
        }
        let items: Vec<_> = Scanner::new(&wrapped).collect();
        let Scanned::Record(r) = &items[1] else {
            panic!("{items:?}")
        };
        assert!(r.has_offset_map());
        assert_eq!(r.offset, 426 + 5);
        assert_eq!(wrapped[r.physical(4)], b'1');
        assert_eq!(r.physical(4), 430 + 5);
        assert_eq!(read_file(&wrapped).records.len(), 1);
    }

    #[test]
    fn the_iterator_yields_records_in_file_order() {
        let f = file(b"\n");
        let items: Vec<_> = Records::new(&f).collect();
        assert!(matches!(
            items[0],
            Item::Header {
                number: 1,
                offset: 0,
                ..
            }
        ));
        assert!(matches!(&items[1], Item::Record(r) if r.number == 2 && r.offset == 427));
        assert!(matches!(
            items[2],
            Item::Trailer {
                number: 3,
                offset: 854,
                ..
            }
        ));
        assert_eq!(items.len(), 3);
        let items: Vec<_> = Records::new(&f[427..]).collect();
        assert!(matches!(&items[0], Item::Finding(x) if x.rule == "M2S-001"));
    }

    #[test]
    fn blocked_files_are_detected() {
        let mut out = Vec::new();
        for r in [rec("HEADER", 426), rec("1", 426), rec("TRAILER", 426)] {
            out.extend_from_slice(b"0430");
            out.extend_from_slice(&r);
        }
        let r = read_file(&out);
        assert!(r.findings.is_empty(), "{:?}", r.findings);
        assert!(r.shape.blocked);
        assert_eq!(r.shape.blocks, 3);
        assert_eq!(r.records[0].offset, 434);
    }

    #[test]
    fn structure_problems_are_located() {
        let mut f = file(b"\n");
        f.extend_from_slice(&rec("1", 426));
        let r = read_file(&f);
        let ids: Vec<_> = r
            .findings
            .iter()
            .map(|f| (f.rule, f.record, f.offset))
            .collect();
        assert_eq!(ids, [("M2S-004", 4, 3 * 427)]);
        let r = read_file(&f[427..]);
        let ids: Vec<_> = r.findings.iter().map(|f| f.rule).collect();
        assert_eq!(ids, ["M2S-001", "M2S-004"]);
        let r = read_file(&f[..900]);
        let ids: Vec<_> = r.findings.iter().map(|f| (f.rule, f.offset)).collect();
        assert_eq!(ids, [("M2S-006", 854), ("M2S-003", 900)]);
        assert!(r.findings[0]
            .message
            .contains("says 426 bytes but the file ends after 46"));
        assert_eq!(read_file(b"").findings[0].rule, "M2S-015");
    }

    /// Header, the given data lines, trailer, each followed by `nl`.
    fn lines_file(data: &[Vec<u8>], nl: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let header = rec("HEADER", 426);
        let trailer = rec("TRAILER", 426);
        for line in std::iter::once(&header).chain(data).chain([&trailer]) {
            out.extend_from_slice(line);
            out.extend_from_slice(nl);
        }
        out
    }

    fn located(r: &ReadResult) -> Vec<(&'static str, usize, usize)> {
        r.findings
            .iter()
            .map(|f| (f.rule, f.record, f.offset))
            .collect()
    }

    fn numbers(r: &ReadResult) -> Vec<usize> {
        r.records.iter().map(|x| x.number).collect()
    }

    #[test]
    fn a_line_shorter_than_its_rdw_is_reported_and_the_next_line_read() {
        for nl in [&b"\n"[..], b"\r\n", b"\r"] {
            let mut short = rec("1", 426);
            short.truncate(300);
            let f = lines_file(&[short, rec("1", 426)], nl);
            let r = read_file(&f);
            let at = 426 + nl.len();
            assert_eq!(located(&r), [("M2S-016", 2, at)], "{nl:?}");
            let m = &r.findings[0].message;
            assert!(
                m.contains("record 2 is 300 bytes long") && m.contains("says 426"),
                "{m}"
            );
            assert_eq!(numbers(&r), [3]);
            assert_eq!(r.records[0].offset, at + 300 + nl.len());
            assert!(r.trailer.is_some());
            // The line is a physical record for the trailer's block count all the same.
            assert_eq!(r.shape.records, 4);
        }
    }

    #[test]
    fn a_broken_first_line_does_not_hide_that_lines_frame_the_records() {
        let mut f = rec("HEADER", 426);
        f.truncate(300);
        f.push(b'\n');
        f.extend_from_slice(&lines_file(&[], b"\n")[427..]);
        f.extend_from_slice(&rec("1", 426));
        let r = read_file(&f);
        let ids: Vec<_> = r.findings.iter().map(|f| (f.rule, f.record)).collect();
        assert_eq!(ids, [("M2S-016", 1), ("M2S-001", 2), ("M2S-004", 3)]);
    }

    #[test]
    fn bytes_past_the_rdw_are_reported_against_their_record() {
        let mut long = rec("1", 426);
        long.extend_from_slice(b"EXTRA");
        let f = lines_file(&[long, rec("1", 426), rec("1", 426)], b"\n");
        let r = read_file(&f);
        assert_eq!(located(&r), [("M2S-016", 2, 427 + 426)]);
        assert!(r.findings[0].message.contains("\"EXTRA\""));
        // Numbers stay those of the lines: no phantom record for the extra bytes.
        assert_eq!(numbers(&r), [2, 3, 4]);
        assert_eq!(r.records[0].record.base.as_bytes().len(), 426);
    }

    #[test]
    fn a_wrong_rdw_on_a_whole_line_reads_the_line() {
        for (rdw, rule) in [
            ("0600", "M2S-016"),
            ("9999", "M2S-016"),
            ("0300", "M2S-007"),
            ("0000", "M2S-007"),
        ] {
            let mut bad = rec("1", 426);
            bad[..4].copy_from_slice(rdw.as_bytes());
            let f = lines_file(&[bad, rec("1", 426)], b"\n");
            let r = read_file(&f);
            assert_eq!(located(&r), [(rule, 2, 427)], "{rdw}");
            assert!(r.findings[0].message.contains("whole 426-byte record"));
            assert_eq!(numbers(&r), [2, 3], "{rdw}");
            assert!(r.trailer.is_some());
        }
        // An RDW short of a line padded with blanks: the record is whole by the RDW.
        let mut padded = rec("1", 626);
        padded[..4].copy_from_slice(b"0600");
        let r = read_file(&lines_file(&[padded], b"\n"));
        assert_eq!(located(&r), [("M2S-016", 2, 427 + 600)]);
        assert!(r.findings[0].message.contains("all blanks"));
        assert_eq!(numbers(&r), [2]);
    }

    #[test]
    fn a_zero_rdw_on_a_broken_line_skips_to_the_next_line() {
        let mut bad = rec("1", 426);
        bad.truncate(300);
        bad[..4].copy_from_slice(b"0000");
        let f = lines_file(&[bad, rec("1", 426)], b"\n");
        let r = read_file(&f);
        assert_eq!(located(&r), [("M2S-007", 2, 427)]);
        assert!(r.findings[0].message.contains("skipped to the next line"));
        assert_eq!(numbers(&r), [3]);
        assert!(r.trailer.is_some());
    }

    #[test]
    fn without_line_breaks_a_zero_rdw_stops_without_guessing_at_the_rest() {
        let mut f = file(b"");
        f[426..430].copy_from_slice(b"0000");
        let r = read_file(&f);
        // No trailer claim: the trailer may well be in the bytes left unread.
        assert_eq!(located(&r), [("M2S-007", 2, 426)]);
        assert!(Scanner::new(&f).count() <= 2);
    }

    #[test]
    fn records_run_together_on_a_line_are_read_in_turn() {
        let mut two = rec("1", 426);
        two.extend_from_slice(&rec("1", 426));
        let r = read_file(&lines_file(&[two, rec("1", 426)], b"\n"));
        assert!(r.findings.is_empty(), "{:?}", r.findings);
        assert_eq!(numbers(&r), [2, 3, 4]);
        assert_eq!(r.records[1].offset, 427 + 426);
    }

    #[test]
    fn an_unreadable_rdw_skips_to_the_next_line_whatever_the_line_break() {
        let mut bad = rec("1", 426);
        bad[..4].copy_from_slice(b"04X6");
        let r = read_file(&lines_file(&[bad, rec("1", 426)], b"\r"));
        assert_eq!(located(&r), [("M2S-005", 2, 427)]);
        assert_eq!(numbers(&r), [3]);
        assert!(r.trailer.is_some());
    }

    #[test]
    fn padding_that_turns_into_something_else_is_named_by_what_it_turns_into() {
        let mut body = rec("1", 426);
        body.extend_from_slice(b"          ZZ");
        let len = body.len();
        body[..4].copy_from_slice(format!("{len:04}").as_bytes());
        let r = read_file(&lines_file(&[body], b"\n"));
        assert_eq!(located(&r), [("M2S-010", 2, 427 + 436)]);
        let m = &r.findings[0].message;
        assert!(m.contains("\"ZZ\"") && m.contains("byte 437"), "{m}");
    }

    #[test]
    fn unknown_segments_and_order() {
        let mut body = rec("1", 426);
        body.extend_from_slice(&SegmentKind::K1.layout().blank());
        body.extend_from_slice(&SegmentKind::J1.layout().blank());
        body.extend_from_slice(b"ZZ");
        let len = body.len();
        body[..4].copy_from_slice(format!("{len:04}").as_bytes());
        let mut f = rec("HEADER", 426);
        f.extend_from_slice(&body);
        f.extend_from_slice(&rec("TRAILER", 426));
        let r = read_file(&f);
        let ids: Vec<_> = r
            .findings
            .iter()
            .map(|f| (f.rule, f.offset - 426))
            .collect();
        assert_eq!(ids, [("M2S-010", 426 + 34 + 100), ("M2S-012", 426 + 34)]);
    }
}
