//! The layouts of the Metro 2 character (426) format: every field of the header, base and
//! trailer records and of the appended segments, with positions, widths, types and required-ness.
//!
//! The tables are the reference TSVs (`engine/layouts/*.tsv`, copied from
//! `reference/metro2/layouts/`) compiled into the binary and parsed once; a test proves the copy
//! equals the reference, so there is one source of truth and no hand-transcribed positions.

use std::fmt;
use std::sync::LazyLock;

/// A record or segment of the character format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SegmentKind {
    /// The header record (first record of a file).
    Header,
    /// The base segment of a data record.
    Base,
    /// The trailer record (last record of a file).
    Trailer,
    /// Associated consumer at the same address.
    J1,
    /// Associated consumer at a different address.
    J2,
    /// Original creditor name.
    K1,
    /// Purchased from / sold to.
    K2,
    /// Mortgage information.
    K3,
    /// Specialized payment information.
    K4,
    /// Account number / identification number change.
    L1,
    /// Employment.
    N1,
}

impl SegmentKind {
    /// Every kind, in the order of the reference tables.
    pub const ALL: [SegmentKind; 11] = [
        SegmentKind::Header,
        SegmentKind::Base,
        SegmentKind::Trailer,
        SegmentKind::J1,
        SegmentKind::J2,
        SegmentKind::K1,
        SegmentKind::K2,
        SegmentKind::K3,
        SegmentKind::K4,
        SegmentKind::L1,
        SegmentKind::N1,
    ];

    /// The appended segments, in the fixed order they follow the base segment.
    pub const APPENDED: [SegmentKind; 8] = [
        SegmentKind::J1,
        SegmentKind::J2,
        SegmentKind::K1,
        SegmentKind::K2,
        SegmentKind::K3,
        SegmentKind::K4,
        SegmentKind::L1,
        SegmentKind::N1,
    ];

    /// The lower-case name used in mapping files, JSON and messages (`base`, `j1`, ...).
    pub fn name(self) -> &'static str {
        match self {
            SegmentKind::Header => "header",
            SegmentKind::Base => "base",
            SegmentKind::Trailer => "trailer",
            SegmentKind::J1 => "j1",
            SegmentKind::J2 => "j2",
            SegmentKind::K1 => "k1",
            SegmentKind::K2 => "k2",
            SegmentKind::K3 => "k3",
            SegmentKind::K4 => "k4",
            SegmentKind::L1 => "l1",
            SegmentKind::N1 => "n1",
        }
    }

    /// Parses a lower- or upper-case name (`base`, `J1`).
    pub fn from_name(name: &str) -> Option<SegmentKind> {
        SegmentKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }

    /// The segment identifier written in an appended segment's first two bytes (`J1`, `K4`, ...).
    pub fn identifier(self) -> Option<&'static [u8; 2]> {
        match self {
            SegmentKind::J1 => Some(b"J1"),
            SegmentKind::J2 => Some(b"J2"),
            SegmentKind::K1 => Some(b"K1"),
            SegmentKind::K2 => Some(b"K2"),
            SegmentKind::K3 => Some(b"K3"),
            SegmentKind::K4 => Some(b"K4"),
            SegmentKind::L1 => Some(b"L1"),
            SegmentKind::N1 => Some(b"N1"),
            _ => None,
        }
    }

    /// The appended segment whose identifier is `id`.
    pub fn from_identifier(id: &[u8]) -> Option<SegmentKind> {
        SegmentKind::APPENDED
            .into_iter()
            .find(|k| k.identifier().is_some_and(|i| i.as_slice() == id))
    }

    /// Whether a data record may carry several segments of this kind (J1 and J2).
    pub fn repeats(self) -> bool {
        matches!(self, SegmentKind::J1 | SegmentKind::J2)
    }

    /// The segment's length in bytes in the character format.
    pub fn byte_len(self) -> usize {
        layout(self).len
    }

    /// The layout of this kind.
    pub fn layout(self) -> &'static Layout {
        layout(self)
    }

    fn tsv(self) -> &'static str {
        match self {
            SegmentKind::Header => include_str!("../layouts/header.tsv"),
            SegmentKind::Base => include_str!("../layouts/base.tsv"),
            SegmentKind::Trailer => include_str!("../layouts/trailer.tsv"),
            SegmentKind::J1 => include_str!("../layouts/j1.tsv"),
            SegmentKind::J2 => include_str!("../layouts/j2.tsv"),
            SegmentKind::K1 => include_str!("../layouts/k1.tsv"),
            SegmentKind::K2 => include_str!("../layouts/k2.tsv"),
            SegmentKind::K3 => include_str!("../layouts/k3.tsv"),
            SegmentKind::K4 => include_str!("../layouts/k4.tsv"),
            SegmentKind::L1 => include_str!("../layouts/l1.tsv"),
            SegmentKind::N1 => include_str!("../layouts/n1.tsv"),
        }
    }

    fn index(self) -> usize {
        SegmentKind::ALL
            .iter()
            .position(|k| *k == self)
            .unwrap_or(0)
    }
}

impl fmt::Display for SegmentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a field's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum FieldType {
    /// `AN`: left-justified, blank-filled, upper case.
    Alphanumeric,
    /// `N`: right-justified, zero-filled digits (money in whole dollars).
    Numeric,
    /// `N-DATE MMDDYYYY`: zeros when absent.
    Date,
    /// `N-TIMESTAMP MMDDYYYYHHMMSS`: zeros when absent.
    Timestamp,
}

impl FieldType {
    /// The type as the reference tables spell it.
    pub fn tsv_name(self) -> &'static str {
        match self {
            FieldType::Alphanumeric => "AN",
            FieldType::Numeric => "N",
            FieldType::Date => "N-DATE MMDDYYYY",
            FieldType::Timestamp => "N-TIMESTAMP MMDDYYYYHHMMSS",
        }
    }

    /// Whether blanks are the empty value (`AN`); otherwise zeros are.
    pub fn is_alphanumeric(self) -> bool {
        self == FieldType::Alphanumeric
    }

    /// The byte a field of this type is filled with when it holds nothing.
    pub fn fill(self) -> u8 {
        if self.is_alphanumeric() {
            b' '
        } else {
            b'0'
        }
    }

    fn parse(s: &str) -> Option<FieldType> {
        match s {
            "AN" => Some(FieldType::Alphanumeric),
            "N" => Some(FieldType::Numeric),
            "N-DATE MMDDYYYY" => Some(FieldType::Date),
            "N-TIMESTAMP MMDDYYYYHHMMSS" => Some(FieldType::Timestamp),
            _ => None,
        }
    }
}

/// Whether a field must hold a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Requirement {
    /// Must hold a real value.
    Required,
    /// Required when the situation applies, otherwise blank or zero.
    Applicable,
    /// May be blank or zero.
    Nullable,
}

impl Requirement {
    /// The word the reference tables use.
    pub fn tsv_name(self) -> &'static str {
        match self {
            Requirement::Required => "required",
            Requirement::Applicable => "applicable",
            Requirement::Nullable => "nullable",
        }
    }

    fn parse(s: &str) -> Option<Requirement> {
        match s {
            "required" => Some(Requirement::Required),
            "applicable" => Some(Requirement::Applicable),
            "nullable" => Some(Requirement::Nullable),
            _ => None,
        }
    }
}

/// One field of a layout.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Field {
    /// The segment this field belongs to.
    pub segment: SegmentKind,
    /// Its index in the layout's field list.
    pub index: usize,
    /// The snake_case key used by mapping files, JSON and messages.
    pub key: &'static str,
    /// The name the bureaus' documents use.
    pub name: &'static str,
    /// 1-based start position in the segment.
    pub start: usize,
    /// Width in bytes.
    pub len: usize,
    /// How values are written.
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Whether the field must hold a value.
    pub required: Requirement,
    /// Fill rules and allowed values, as the reference states them.
    pub notes: String,
}

impl Field {
    /// 0-based offset of the field's first byte in its segment.
    pub fn offset(&self) -> usize {
        self.start - 1
    }

    /// The byte range the field occupies in its segment.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset()..self.offset() + self.len
    }

    /// 1-based position of the field's last byte.
    pub fn end(&self) -> usize {
        self.start + self.len - 1
    }

    /// Whether the field is reserved filler (never assigned by a mapping).
    pub fn is_reserved(&self) -> bool {
        self.key.starts_with("reserved")
    }

    /// Whether the field is a fixed part of the record's framing (RDW, identifiers), written by
    /// the writer rather than a mapping.
    pub fn is_framing(&self) -> bool {
        matches!(
            self.key,
            "record_descriptor_word" | "segment_identifier" | "record_identifier"
        )
    }
}

/// The layout of one record or segment.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Layout {
    /// Which segment.
    pub kind: SegmentKind,
    /// Its length in bytes.
    pub len: usize,
    /// Its fields, in position order, covering every byte exactly once.
    pub fields: Vec<Field>,
}

impl Layout {
    /// The field with this key.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// The field covering the 0-based byte offset.
    pub fn field_at(&self, offset: usize) -> Option<&Field> {
        self.fields.iter().find(|f| f.range().contains(&offset))
    }

    /// A segment of this layout holding nothing: framing written, `AN` blank, everything else zero.
    pub fn blank(&self) -> Vec<u8> {
        let mut bytes = vec![b' '; self.len];
        for f in &self.fields {
            bytes[f.range()].fill(f.ty.fill());
            if f.is_reserved() && !(self.kind == SegmentKind::Trailer && f.ty == FieldType::Numeric)
            {
                // Reserved space is blank in every layout; only the trailer's last reserved
                // field is typed N in the reference (moov zero-fills it), so it stays zeros.
                bytes[f.range()].fill(b' ');
            }
        }
        match self.kind {
            SegmentKind::Header => bytes[4..10].copy_from_slice(b"HEADER"),
            SegmentKind::Trailer => bytes[4..11].copy_from_slice(b"TRAILER"),
            k => {
                if let Some(id) = k.identifier() {
                    bytes[0..2].copy_from_slice(id);
                }
            }
        }
        if matches!(
            self.kind,
            SegmentKind::Header | SegmentKind::Base | SegmentKind::Trailer
        ) {
            bytes[0..4].copy_from_slice(b"0426");
        }
        bytes
    }
}

/// Why a reference table could not be read (a broken build, caught by the layout tests).
#[derive(Debug, thiserror::Error)]
#[error("layouts/{segment}.tsv line {line}: {message}")]
pub struct LayoutError {
    /// The table.
    pub segment: SegmentKind,
    /// 1-based line.
    pub line: usize,
    /// What was wrong.
    pub message: String,
}

/// Parses one reference table. The block descriptor word row (start `0`) is not part of the
/// record's bytes: it belongs to blocking (see `formats.md`), so it is left out of `fields`.
pub fn parse_tsv(kind: SegmentKind, text: &'static str) -> Result<Layout, LayoutError> {
    let err = |line: usize, message: String| LayoutError {
        segment: kind,
        line,
        message,
    };
    let mut fields = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&'static str> = line.split('\t').collect();
        if cols.len() < 10 {
            return Err(err(i + 1, format!("{} columns, expected 10", cols.len())));
        }
        if cols[0] == "block_descriptor_word" {
            continue;
        }
        let start: usize = cols[2]
            .parse()
            .map_err(|_| err(i + 1, format!("start {:?} is not a number", cols[2])))?;
        let len: usize = cols[3]
            .parse()
            .map_err(|_| err(i + 1, format!("length {:?} is not a number", cols[3])))?;
        let ty = FieldType::parse(cols[4])
            .ok_or_else(|| err(i + 1, format!("unknown type {:?}", cols[4])))?;
        let required = Requirement::parse(cols[5])
            .ok_or_else(|| err(i + 1, format!("unknown required-ness {:?}", cols[5])))?;
        fields.push(Field {
            segment: kind,
            index: fields.len(),
            key: cols[0],
            name: cols[1],
            start,
            len,
            ty,
            required,
            notes: unquote(cols[9]),
        });
    }
    let len = fields.last().map(|f| f.end()).unwrap_or(0);
    let mut expected = 1;
    for f in &fields {
        if f.start != expected {
            return Err(err(
                0,
                format!(
                    "field {} starts at {}, expected {}",
                    f.key, f.start, expected
                ),
            ));
        }
        expected = f.end() + 1;
    }
    Ok(Layout { kind, len, fields })
}

fn unquote(s: &str) -> String {
    match s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => s.to_string(),
    }
}

static LAYOUTS: LazyLock<Vec<Layout>> = LazyLock::new(|| {
    SegmentKind::ALL
        .into_iter()
        .map(|k| match parse_tsv(k, k.tsv()) {
            Ok(l) => l,
            // The tables are compiled in and proven by tests; a failure here is a broken build.
            Err(e) => panic!("embedded layout table is invalid: {e}"),
        })
        .collect()
});

/// The layout of a record or segment.
pub fn layout(kind: SegmentKind) -> &'static Layout {
    &LAYOUTS[kind.index()]
}

/// Each embedded layout's [`Layout::blank`], made once: a segment built from nothing starts
/// from it, and writing it field by field cost about 2,300 instructions a segment
/// (docs/performance.md, seventeenth session).
static BLANKS: LazyLock<Vec<Vec<u8>>> =
    LazyLock::new(|| LAYOUTS.iter().map(Layout::blank).collect());

/// [`Layout::blank`] of the embedded layout of `kind`, made once.
pub fn blank(kind: SegmentKind) -> &'static [u8] {
    &BLANKS[kind.index()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_match_the_format() {
        let want = [426, 426, 426, 100, 200, 34, 34, 40, 30, 54, 146];
        for (k, n) in SegmentKind::ALL.into_iter().zip(want) {
            assert_eq!(layout(k).len, n, "{k}");
        }
    }

    #[test]
    fn the_kept_blank_is_the_layouts_blank() {
        for k in SegmentKind::ALL {
            assert_eq!(blank(k), layout(k).blank(), "{k}");
        }
    }

    #[test]
    fn blank_segments_carry_their_framing() {
        assert_eq!(&layout(SegmentKind::J2).blank()[..3], b"J2 ");
        let h = layout(SegmentKind::Header).blank();
        assert_eq!(&h[..10], b"0426HEADER");
        let b = layout(SegmentKind::Base).blank();
        let f = layout(SegmentKind::Base).field("current_balance").unwrap();
        assert_eq!(&b[f.range()], b"000000000");
        let f = layout(SegmentKind::Base).field("surname").unwrap();
        assert_eq!(&b[f.range()], b"                         ");
    }
}
