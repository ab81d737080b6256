//! The packed (366) format as moov-io writes it: binary block and record descriptor words
//! (2-byte big-endian length, then two zero bytes), header, base and trailer of 366 bytes whose
//! numbers, dates and time stamp are binary, appended segments in characters.
//!
//! moov-io does not write IBM packed decimal: a packed number is a big-endian binary integer
//! filling its bytes; a date is a zero byte, the integer MMDDYYYY in 3 big-endian bytes and an
//! ASCII `s`; the time stamp a zero byte, MMDDYYYYHHMMSS in 6 bytes and `s` (formats.md). This
//! module converts such records to the character format, so everything after reading (the
//! validator, the JSON document) works on one format. Reading only: the writer writes
//! characters.

use std::sync::LazyLock;

use crate::layout::{Field, SegmentKind};

/// Length of the header, base and trailer in the packed format.
pub const PACKED: usize = 366;

/// How a field is stored in the packed format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Same bytes as the character format (text fields, the header's dates).
    Same,
    /// The record descriptor word: rewritten for the character record.
    Rdw,
    /// A binary integer.
    Number,
    /// Zero byte, 3-byte MMDDYYYY, `s`.
    Date,
    /// Zero byte, 6-byte MMDDYYYYHHMMSS, `s`.
    Timestamp,
}

/// One field: its character field, and where and how it is stored packed.
struct Packed {
    field: &'static Field,
    start: usize,
    len: usize,
    kind: Kind,
}

fn tsv(kind: SegmentKind) -> &'static str {
    match kind {
        SegmentKind::Header => include_str!("../../layouts/header.tsv"),
        SegmentKind::Base => include_str!("../../layouts/base.tsv"),
        _ => include_str!("../../layouts/trailer.tsv"),
    }
}

/// The packed columns of a reference table, matched to the engine's character layout by key.
fn parse(kind: SegmentKind) -> Vec<Packed> {
    let layout = kind.layout();
    tsv(kind)
        .lines()
        .skip(1)
        .filter_map(|line| {
            let c: Vec<&str> = line.split('\t').collect();
            let field = layout.field(c.first()?)?;
            let start: usize = c.get(6)?.parse().ok()?;
            let len: usize = c.get(7)?.parse().ok()?;
            let kind = match *c.get(8)? {
                "BINARY" => Kind::Rdw,
                "PACKED-NUMERIC" => Kind::Number,
                "PACKED-DATE 0MMDDYYYYs" => Kind::Date,
                "PACKED-TIMESTAMP 0MMDDYYYYHHMMSSs" => Kind::Timestamp,
                _ => Kind::Same,
            };
            Some(Packed {
                field,
                start: start.checked_sub(1)?,
                len,
                kind,
            })
        })
        .collect()
}

static TABLES: LazyLock<[Vec<Packed>; 3]> = LazyLock::new(|| {
    [
        parse(SegmentKind::Header),
        parse(SegmentKind::Base),
        parse(SegmentKind::Trailer),
    ]
});

fn table(kind: SegmentKind) -> &'static [Packed] {
    match kind {
        SegmentKind::Header => &TABLES[0],
        SegmentKind::Base => &TABLES[1],
        _ => &TABLES[2],
    }
}

fn be(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b))
}

/// Writes `v` as zero-padded digits; `?` everywhere when it does not fit, so the validator
/// reports the field.
fn digits(v: u64, out: &mut [u8]) {
    let mut n = v;
    for b in out.iter_mut().rev() {
        *b = b'0' + (n % 10) as u8;
        n /= 10;
    }
    if n != 0 {
        out.fill(b'?');
    }
}

/// Converts the first 366 bytes of a packed header, base or trailer to its 426 character bytes,
/// and gives for each character field the offset of its packed bytes (for locating findings).
/// The RDW is left for the caller.
pub fn to_character(kind: SegmentKind, packed: &[u8]) -> (Vec<u8>, Vec<(usize, usize)>) {
    let mut out = crate::layout::blank(kind).to_vec();
    let mut map = Vec::new();
    for p in table(kind) {
        let f = p.field;
        let Some(src) = packed.get(p.start..p.start + p.len) else {
            continue;
        };
        let dst = &mut out[f.range()];
        map.push((f.offset(), p.start));
        match p.kind {
            Kind::Rdw => {}
            Kind::Same => {
                let n = src.len().min(dst.len());
                dst[..n].copy_from_slice(&src[..n]);
                dst[n..].fill(b' ');
            }
            Kind::Number => digits(be(src), dst),
            Kind::Date | Kind::Timestamp => {
                let inner = &src[1..src.len() - 1];
                if src.iter().all(|b| *b == 0) {
                    dst.fill(b'0');
                } else if src[0] == 0 && src[src.len() - 1] == b's' {
                    digits(be(inner), dst);
                } else {
                    dst.fill(b'?');
                }
            }
        }
    }
    (out, map)
}

/// The binary descriptor word at the start of `b`: its length, when the last two bytes are zero.
pub fn descriptor(b: &[u8]) -> Option<usize> {
    match b {
        [hi, lo, 0, 0, ..] => Some(usize::from(*hi) << 8 | usize::from(*lo)),
        _ => None,
    }
}

/// Whether `input` starts like a packed file: binary BDW, binary RDW 366, `HEADER`.
pub fn is_packed(input: &[u8]) -> bool {
    input.get(8..14) == Some(b"HEADER")
        && descriptor(input).is_some()
        && descriptor(&input[4..]) == Some(PACKED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moov_packed_encodings_decode() {
        let mut base = vec![b' '; PACKED];
        base[..4].copy_from_slice(&[0x03, 0xec, 0, 0]);
        let opened = 69;
        base[opened..opened + 5].copy_from_slice(&[0x00, 0xab, 0x3c, 0x03, b's']);
        let ts = 5;
        base[ts..ts + 8].copy_from_slice(&[0, 0, 0xeb, 0xa1, 0x17, 0xe0, 0x72, b's']);
        let hc = 79;
        base[hc..hc + 5].copy_from_slice(&[0, 0, 0, 0x09, 0x86]);
        let (c, map) = to_character(SegmentKind::Base, &base);
        let l = SegmentKind::Base.layout();
        let get = |k: &str| String::from_utf8_lossy(&c[l.field(k).unwrap().range()]).into_owned();
        assert_eq!(get("date_opened"), "11222019");
        assert_eq!(get("time_stamp"), "01012020011122");
        assert_eq!(get("highest_credit"), "000002438");
        assert_eq!(
            get("date_closed"),
            "????????",
            "a date without its zero byte and s"
        );
        assert!(map.contains(&(75, 69)));
        assert_eq!(table(SegmentKind::Trailer).last().unwrap().len, 135);
    }
}
