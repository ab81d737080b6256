//! Writing a Metro 2 character (426) file: header, data records, trailer.
//!
//! The writer owns the framing: it sets every record descriptor word from the segments actually
//! present, writes appended segments in the fixed order (J1*, J2*, K1, K2, K3, K4, L1, N1 — the
//! order [`DataRecord::segments`] gives), upper-cases every byte (alphanumeric fields are upper
//! case; numeric fields hold digits, which upper-casing leaves alone), blocks the records and
//! computes the trailer from the records it wrote.
//!
//! Blocking:
//! - [`Blocking::Fixed`]: every record (header and trailer too) is padded with blanks to one
//!   common length, the length of the longest record, and every RDW holds that length; no block
//!   descriptor words. A base-only file is therefore all 426-byte records.
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

/// The common record length of a fixed-length file holding these records: the longest record,
/// and never less than the 426 bytes of a header.
pub fn fixed_length<'a>(records: impl IntoIterator<Item = &'a DataRecord>) -> usize {
    records
        .into_iter()
        .map(DataRecord::len)
        .fold(SegmentKind::Base.byte_len(), usize::max)
}

/// Writes a whole file: the header, the records and a trailer computed from the records.
/// The header's and records' RDWs are set by the writer, whatever the segments hold.
///
/// # Panics
/// If a record is longer than 9999 bytes, which no record descriptor word can express (it would
/// take some 48 appended J2 segments); use [`FileWriter`] to get an error instead.
pub fn write_file(header: &Segment, records: &[DataRecord], opts: &WriteOptions) -> Vec<u8> {
    let len = fixed_length(records);
    let per_record = len + 8 + 2;
    let mut out = Vec::with_capacity(per_record * (records.len() + 2));
    let mut w = FileWriter::with_record_length(&mut out, header, opts, len)
        .expect("writing into a Vec<u8> cannot fail");
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
    fixed_len: usize,
    totals: Totals,
    physical_records: u64,
    buf: Vec<u8>,
}

impl<W: io::Write> FileWriter<W> {
    /// Starts a file and writes its header. With fixed blocking, records may be at most 426
    /// bytes (base segments only); use [`FileWriter::with_record_length`] when records carry
    /// appended segments.
    pub fn new(out: W, header: &Segment, opts: &WriteOptions) -> io::Result<FileWriter<W>> {
        FileWriter::with_record_length(out, header, opts, SegmentKind::Base.byte_len())
    }

    /// Starts a file whose fixed records are `record_length` bytes long (see [`fixed_length`]);
    /// ignored with variable blocking.
    pub fn with_record_length(
        out: W,
        header: &Segment,
        opts: &WriteOptions,
        record_length: usize,
    ) -> io::Result<FileWriter<W>> {
        if !(SegmentKind::Base.byte_len()..=9999).contains(&record_length) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("fixed record length {record_length} is outside 426..=9999"),
            ));
        }
        let mut w = FileWriter {
            out,
            opts: *opts,
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
        if self.opts.blocking == Blocking::Fixed && record.len() > self.fixed_len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "record {} is {} bytes long; the file's fixed record length is {}",
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
        for s in record.segments() {
            self.buf.extend_from_slice(s.as_bytes());
        }
        self.frame_end(start);
        // Counted on the written (upper-cased) bytes so the trailer describes the file.
        let mut at = start;
        for s in record.segments() {
            let n = s.as_bytes().len();
            let bytes = &self.buf[at..at + n];
            self.totals.add_segment(s.kind(), bytes);
            at += n;
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
    fn fixed_pads_every_record_to_the_longest() {
        let recs = [record(false), record(true)];
        let out = write_file(&header(), &recs, &WriteOptions::default());
        let lines: Vec<&[u8]> = out.split(|b| *b == b'\n').collect();
        assert_eq!(lines.len(), 5, "4 records and the empty tail");
        for l in &lines[..4] {
            assert_eq!(l.len(), 460);
            assert_eq!(&l[..4], b"0460");
        }
        assert!(lines[1][426..].iter().all(|b| *b == b' '));
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
            let len = fixed_length(&recs);
            let mut w = FileWriter::with_record_length(Vec::new(), &header(), &opts, len).unwrap();
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
