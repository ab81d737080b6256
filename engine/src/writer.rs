//! Writing a Metro 2 character (426) file: header, data records, trailer.
//!
//! The writer owns the framing: it sets every record descriptor word from the segments actually
//! present, writes appended segments in the fixed order (J1*, J2*, K1, K2, K3, K4, L1, N1 — the
//! order [`DataRecord::segments`] gives), upper-cases every byte (alphanumeric fields are upper
//! case; numeric fields hold digits, which upper-casing leaves alone), blocks the records and
//! computes the trailer from the records it wrote.
//!
//! Blocking:
//! - [`Blocking::Fixed`]: every data record carries the same segments (a [`FixedShape`]: as many
//!   J1 and J2 as the record with the most of them, and each of K1..N1 that any record carries).
//!   A record that does not need a segment the others carry still writes its identifier, the
//!   rest blank-filled (formats.md, "General programming standards"), so every record has the
//!   same length and every segment the same position; header and trailer are padded with
//!   blanks to that length and every RDW holds it; no block descriptor words. A base-only file
//!   is therefore all 426-byte records.
//! - [`Blocking::Variable`]: each record has its own length and is its own block, preceded by a
//!   block descriptor word (4 digits, the record's length plus 4).

use std::io;

use crate::layout::SegmentKind;
use crate::record::DataRecord;
use crate::segment::Segment;
use crate::trailer::Totals;

/// What separates records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Newlines {
    /// LF after every record (bureaus want one record per line).
    #[default]
    Lf,
    /// CR LF after every record.
    Crlf,
    /// Records back to back.
    None,
}

impl Newlines {
    /// The bytes written after each record.
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Newlines::Lf => b"\n",
            Newlines::Crlf => b"\r\n",
            Newlines::None => b"",
        }
    }
}

/// How records are blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Blocking {
    /// Fixed-length records (padded to a common length), no block descriptor words.
    #[default]
    Fixed,
    /// Variable-length records, each in its own block with a block descriptor word.
    Variable,
}

/// How a file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct WriteOptions {
    /// Record separator.
    pub newlines: Newlines,
    /// Blocking.
    pub blocking: Blocking,
}

/// The appended segments every data record of a fixed-length file carries, real or as a
/// placeholder (its identifier, the rest blank-filled): for J1 and J2 the most any record has,
/// for K1..N1 whether any record has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FixedShape {
    /// How many of each kind, in the order of [`SegmentKind::APPENDED`].
    counts: [usize; 8],
}

impl FixedShape {
    /// A shape of base segments only (426-byte records).
    pub fn base_only() -> FixedShape {
        FixedShape::default()
    }

    /// The shape that holds every one of these records.
    pub fn of<'a>(records: impl IntoIterator<Item = &'a DataRecord>) -> FixedShape {
        let mut shape = FixedShape::default();
        for r in records {
            shape.add(r);
        }
        shape
    }

    /// Widens the shape to hold `record` too.
    pub fn add(&mut self, record: &DataRecord) {
        for (c, n) in self.counts.iter_mut().zip(counts(record)) {
            *c = (*c).max(n);
        }
    }

    /// Whether a record with `own` segments of each kind has a place for each.
    fn fits(&self, own: &[usize; 8]) -> bool {
        self.counts.iter().zip(own).all(|(c, n)| n <= c)
    }

    /// The length of every record of the file: the base segment and the shape's segments.
    pub fn len(&self) -> usize {
        SegmentKind::Base.byte_len()
            + SegmentKind::APPENDED
                .iter()
                .zip(self.counts)
                .map(|(k, n)| k.byte_len() * n)
                .sum::<usize>()
    }

    /// Whether the shape holds base segments only.
    pub fn is_empty(&self) -> bool {
        self.counts.iter().all(|c| *c == 0)
    }
}

/// How many appended segments of each kind `record` holds, in the order of
/// [`SegmentKind::APPENDED`].
fn counts(record: &DataRecord) -> [usize; 8] {
    let one = |s: &Option<_>| usize::from(s.is_some());
    [
        record.j1.len(),
        record.j2.len(),
        one(&record.k1),
        one(&record.k2),
        one(&record.k3),
        one(&record.k4),
        one(&record.l1),
        one(&record.n1),
    ]
}

/// Appends a placeholder for an appended segment a fixed-length record does not need: the
/// identifier, then blanks.
fn push_placeholder(buf: &mut Vec<u8>, kind: SegmentKind) {
    let at = buf.len();
    buf.resize(at + kind.byte_len(), b' ');
    if let Some(id) = kind.identifier() {
        buf[at..at + id.len()].copy_from_slice(id);
    }
}

/// Writes a whole file: the header, the records and a trailer computed from the records.
/// The header's and records' RDWs are set by the writer, whatever the segments hold.
///
/// # Panics
/// If a record is longer than 9999 bytes, which no record descriptor word can express (it would
/// take some 48 appended J2 segments); use [`FileWriter`] to get an error instead.
pub fn write_file(header: &Segment, records: &[DataRecord], opts: &WriteOptions) -> Vec<u8> {
    let shape = FixedShape::of(records);
    let per_record = shape.len() + 8 + 2;
    let mut out = Vec::with_capacity(per_record * (records.len() + 2));
    let mut w = FileWriter::with_shape(&mut out, header, opts, shape)
        .expect("writing into a Vec<u8> cannot fail and every record fits its own shape");
    for r in records {
        w.write_record(r)
            .expect("writing into a Vec<u8> cannot fail and the length fits every record");
    }
    w.finish().expect("writing into a Vec<u8> cannot fail");
    out
}

/// A streaming writer for large exports: the header is written on creation, each record as it
/// comes, the trailer on [`FileWriter::finish`]. Memory use does not grow with the file.
pub struct FileWriter<W: io::Write> {
    out: W,
    opts: WriteOptions,
    shape: FixedShape,
    fixed_len: usize,
    totals: Totals,
    physical_records: u64,
    buf: Vec<u8>,
}

impl<W: io::Write> FileWriter<W> {
    /// Starts a file and writes its header. With fixed blocking, records may hold base
    /// segments only; use [`FileWriter::with_shape`] when records carry appended segments.
    pub fn new(out: W, header: &Segment, opts: &WriteOptions) -> io::Result<FileWriter<W>> {
        FileWriter::with_shape(out, header, opts, FixedShape::base_only())
    }

    /// Starts a file whose fixed records all carry the segments of `shape` (see
    /// [`FixedShape::of`]); ignored with variable blocking.
    pub fn with_shape(
        out: W,
        header: &Segment,
        opts: &WriteOptions,
        shape: FixedShape,
    ) -> io::Result<FileWriter<W>> {
        let record_length = shape.len();
        if opts.blocking == Blocking::Fixed && record_length > 9999 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("fixed record length {record_length} is more than a record descriptor word holds (9999)"),
            ));
        }
        let mut w = FileWriter {
            out,
            opts: *opts,
            shape,
            fixed_len: record_length,
            totals: Totals::new(),
            physical_records: 0,
            buf: Vec::with_capacity(record_length + 16),
        };
        w.emit(std::iter::once(header.as_bytes()))?;
        Ok(w)
    }

    /// Writes one data record (base segment and appended segments in the fixed order).
    pub fn write_record(&mut self, record: &DataRecord) -> io::Result<()> {
        let fixed = self.opts.blocking == Blocking::Fixed;
        let own = counts(record);
        if fixed && !self.shape.fits(&own) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "record {} is {} bytes long and carries appended segments the file's fixed records ({} bytes) have no place for",
                    self.totals.base_records() + 2,
                    record.len(),
                    self.fixed_len
                ),
            ));
        }
        if record.len() > 9999 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "record {} is {} bytes long; a record descriptor word holds at most 9999",
                    self.totals.base_records() + 2,
                    record.len()
                ),
            ));
        }
        let start = self.frame_start();
        self.buf.extend_from_slice(record.base.as_bytes());
        let mut segments = record.appended();
        for (i, kind) in SegmentKind::APPENDED.into_iter().enumerate() {
            // The record's appended segments are in the fixed order: its `own[i]` of this kind
            // come next, then the placeholders a fixed record needs after them.
            for s in segments.by_ref().take(own[i]) {
                self.buf.extend_from_slice(s.as_bytes());
            }
            if fixed {
                for _ in own[i]..self.shape.counts[i] {
                    push_placeholder(&mut self.buf, kind);
                }
            }
        }
        self.frame_end(start);
        // Counted on the written (upper-cased) bytes so the trailer describes the file;
        // placeholders count for nothing, so they are stepped over.
        let mut at = start;
        self.totals.add_segment(
            SegmentKind::Base,
            &self.buf[at..at + record.base.as_bytes().len()],
        );
        at += record.base.as_bytes().len();
        for (i, kind) in SegmentKind::APPENDED.into_iter().enumerate() {
            let n = kind.byte_len();
            for _ in 0..own[i] {
                self.totals.add_segment(kind, &self.buf[at..at + n]);
                at += n;
            }
            if fixed {
                at += (self.shape.counts[i] - own[i]) * n;
            }
        }
        self.flush_buf()
    }

    /// Writes the trailer and returns the output and the totals it holds.
    pub fn finish(mut self) -> io::Result<(W, Totals)> {
        self.totals.block_count = self.physical_records + 1;
        let trailer = self.totals.to_segment();
        self.emit(std::iter::once(trailer.as_bytes()))?;
        self.out.flush()?;
        Ok((self.out, self.totals))
    }

    /// The totals of the records written so far.
    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    fn emit<'s>(&mut self, segments: impl Iterator<Item = &'s [u8]>) -> io::Result<()> {
        let start = self.frame_start();
        for s in segments {
            self.buf.extend_from_slice(s);
        }
        self.frame_end(start);
        self.flush_buf()
    }

    /// Opens a record in the buffer: room for the BDW when variable. Returns where the record
    /// (its RDW) starts.
    fn frame_start(&mut self) -> usize {
        self.buf.clear();
        if self.opts.blocking == Blocking::Variable {
            self.buf.extend_from_slice(b"0000");
        }
        self.buf.len()
    }

    /// Closes a record: pads, upper-cases, writes RDW (and BDW) and the separator.
    fn frame_end(&mut self, start: usize) {
        if self.opts.blocking == Blocking::Fixed {
            let want = start + self.fixed_len;
            if self.buf.len() < want {
                self.buf.resize(want, b' ');
            }
        }
        self.buf[start..].make_ascii_uppercase();
        let len = self.buf.len() - start;
        write_digits4(len, &mut self.buf[start..start + 4]);
        if start == 4 {
            write_digits4(len + 4, &mut self.buf[0..4]);
        }
        self.buf.extend_from_slice(self.opts.newlines.bytes());
        self.physical_records += 1;
    }

    fn flush_buf(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf)
    }
}

fn write_digits4(mut v: usize, out: &mut [u8]) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::FieldValue;

    fn header() -> Segment {
        let mut h = Segment::blank(SegmentKind::Header);
        h.set_key("reporter_name", &FieldValue::Text("Acme"))
            .unwrap();
        h
    }

    fn record(with_k1: bool) -> DataRecord {
        let mut b = Segment::blank(SegmentKind::Base);
        b.set_key("account_status", &FieldValue::Text("11"))
            .unwrap();
        b.set_raw(
            SegmentKind::Base.layout().field("surname").unwrap(),
            b"doe                      ",
        );
        let mut r = DataRecord::new(b);
        if with_k1 {
            r.push(Segment::blank(SegmentKind::K1));
        }
        r
    }

    #[test]
    fn fixed_pads_every_record_to_the_common_shape() {
        let recs = [record(false), record(true)];
        let out = write_file(&header(), &recs, &WriteOptions::default());
        let lines: Vec<&[u8]> = out.split(|b| *b == b'\n').collect();
        assert_eq!(lines.len(), 5, "4 records and the empty tail");
        for l in &lines[..4] {
            assert_eq!(l.len(), 460);
            assert_eq!(&l[..4], b"0460");
        }
        assert_eq!(
            &lines[1][426..428],
            b"K1",
            "a record without the K1 others carry writes its identifier"
        );
        assert!(lines[1][428..].iter().all(|b| *b == b' '), "then blanks");
        assert_eq!(&lines[2][426..428], b"K1");
        assert_eq!(&lines[1][231..234], b"DOE", "AN text is upper-cased");
        let t = &lines[3];
        assert_eq!(&t[4..11], b"TRAILER");
        assert_eq!(&t[11..20], b"000000002");
        assert_eq!(
            &t[56..65],
            b"000000004",
            "block count: every physical record"
        );
        assert_eq!(&t[83..92], b"000000002", "two status 11");
    }

    #[test]
    fn variable_blocks_carry_descriptor_words() {
        let recs = [record(false), record(true)];
        let opts = WriteOptions {
            newlines: Newlines::Crlf,
            blocking: Blocking::Variable,
        };
        let out = write_file(&header(), &recs, &opts);
        let lines: Vec<&[u8]> = out.split(|b| *b == b'\n').collect();
        assert_eq!(&lines[0][..14], b"04300426HEADER");
        assert_eq!(&lines[1][..8], b"04300426");
        assert_eq!(&lines[2][..8], b"04640460");
        assert_eq!(lines[2].len(), 464 + 1, "CR before the LF");
        assert_eq!(&lines[3][..15], b"04300426TRAILER");
    }

    #[test]
    fn streaming_refuses_a_record_longer_than_the_fixed_length() {
        let mut out = Vec::new();
        let mut w = FileWriter::new(&mut out, &header(), &WriteOptions::default()).unwrap();
        w.write_record(&record(false)).unwrap();
        let e = w.write_record(&record(true)).unwrap_err();
        assert!(e.to_string().contains("record 3 is 460 bytes"), "{e}");
    }

    #[test]
    fn streaming_writes_the_same_bytes_as_write_file() {
        let recs = [record(true), record(false), record(true)];
        for blocking in [Blocking::Fixed, Blocking::Variable] {
            let opts = WriteOptions {
                newlines: Newlines::Lf,
                blocking,
            };
            let whole = write_file(&header(), &recs, &opts);
            let shape = FixedShape::of(&recs);
            let mut w = FileWriter::with_shape(Vec::new(), &header(), &opts, shape).unwrap();
            for r in &recs {
                w.write_record(r).unwrap();
            }
            assert_eq!(w.totals().base_records(), 3);
            let (out, totals) = w.finish().unwrap();
            assert_eq!(out, whole, "{blocking:?}");
            assert_eq!(
                totals.get("total_k1_segments"),
                Some(0),
                "blank K1s are placeholders"
            );
            assert_eq!(totals.block_count, 5);
        }
    }

    fn segment(kind: SegmentKind, name: &str) -> Segment {
        let mut s = Segment::blank(kind);
        let key = match kind {
            SegmentKind::K1 => "original_creditor_name",
            _ => "surname",
        };
        s.set_key(key, &FieldValue::Text(name)).unwrap();
        s
    }

    #[test]
    fn fixed_records_carry_every_segment_of_the_shape_in_its_place() {
        // formats.md: in a fixed-length file a record that does not need an appended segment
        // that others carry still writes the segment identifier, the rest blank-filled.
        let mut with_j1 = record(false);
        with_j1.push(segment(SegmentKind::J1, "ROE"));
        let mut with_j2_k1 = record(false);
        with_j2_k1.push(segment(SegmentKind::J2, "POE"));
        with_j2_k1.push(segment(SegmentKind::K1, "FIRST BANK"));
        let recs = [with_j1, with_j2_k1, record(false)];
        let shape = FixedShape::of(&recs);
        assert_eq!(shape.len(), 426 + 100 + 200 + 34);
        let out = write_file(&header(), &recs, &WriteOptions::default());
        let lines: Vec<&[u8]> = out.split(|b| *b == b'\n').collect();
        for l in &lines[..5] {
            assert_eq!(l.len(), 760);
            assert_eq!(&l[..4], b"0760");
        }
        let at = |l: &[u8], pos: usize| l[pos..pos + 2].to_vec();
        // J1 at 427, J2 at 527, K1 at 727 in every data record.
        for l in &lines[1..4] {
            assert_eq!(at(l, 426), b"J1");
            assert_eq!(at(l, 526), b"J2");
            assert_eq!(at(l, 726), b"K1");
        }
        assert_eq!(&lines[1][429..432], b"ROE");
        assert!(
            lines[1][528..726].iter().all(|b| *b == b' '),
            "J2 placeholder"
        );
        assert!(
            lines[2][428..526].iter().all(|b| *b == b' '),
            "J1 placeholder"
        );
        assert_eq!(&lines[2][529..532], b"POE");
        assert_eq!(&lines[2][728..738], b"FIRST BANK");
        assert!(lines[3][428..526].iter().all(|b| *b == b' '));
        assert!(lines[3][528..726].iter().all(|b| *b == b' '));
        assert!(lines[3][728..].iter().all(|b| *b == b' '));
        // Header and trailer are padded with blanks; placeholders count for nothing.
        assert!(lines[0][426..].iter().all(|b| *b == b' '));
        let t = lines[4];
        assert_eq!(&t[38..47], b"000000001", "one real J1");
        assert_eq!(&t[47..56], b"000000001", "one real J2");
        assert_eq!(&t[281..290], b"000000001", "one real K1");
        // The reader gives back the records without their placeholders.
        let read = crate::reader::read_file(&out);
        assert!(read.findings.is_empty(), "{:?}", read.findings);
        let kinds: Vec<Vec<SegmentKind>> = read
            .records
            .iter()
            .map(|r| r.record.segments().map(|s| s.kind()).collect())
            .collect();
        assert_eq!(
            kinds,
            [
                vec![SegmentKind::Base, SegmentKind::J1],
                vec![SegmentKind::Base, SegmentKind::J2, SegmentKind::K1],
                vec![SegmentKind::Base],
            ]
        );
        // The records' own fields are incomplete here: only the framing and totals matter.
        let framing: Vec<_> = crate::validate::validate_file(&out)
            .into_iter()
            .filter(|f| f.rule.starts_with("M2S") || f.rule.starts_with("M2T"))
            .collect();
        assert!(framing.is_empty(), "{framing:?}");
    }

    #[test]
    fn no_newlines_puts_records_back_to_back() {
        let opts = WriteOptions {
            newlines: Newlines::None,
            blocking: Blocking::Fixed,
        };
        let out = write_file(&header(), &[record(false)], &opts);
        assert_eq!(out.len(), 3 * 426);
    }
}
