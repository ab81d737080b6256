//! A segment buffer: the fixed-width bytes of one record or appended segment, pre-filled from
//! its layout so that a mapping only writes the fields it assigns.

use std::fmt;

use crate::field::{encode, FieldError, FieldValue};
use crate::layout::{Field, Layout, SegmentKind};

/// The bytes of one record or segment in the character format.
#[derive(Clone, PartialEq, Eq)]
pub struct Segment {
    kind: SegmentKind,
    bytes: Vec<u8>,
}

impl Segment {
    /// A segment holding nothing: framing written, `AN` fields blank, the rest zeros.
    pub fn blank(kind: SegmentKind) -> Segment {
        Segment {
            kind,
            bytes: crate::layout::blank(kind).to_vec(),
        }
    }

    /// Wraps bytes read from a file. `bytes` must be exactly the segment's length.
    pub fn from_bytes(kind: SegmentKind, bytes: Vec<u8>) -> Option<Segment> {
        (bytes.len() == kind.byte_len()).then_some(Segment { kind, bytes })
    }

    /// Which segment this is.
    pub fn kind(&self) -> SegmentKind {
        self.kind
    }

    /// Its layout.
    pub fn layout(&self) -> &'static Layout {
        self.kind.layout()
    }

    /// All its bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// All its bytes, for writing fields at known offsets (the evaluation plan's fast path).
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }

    /// The raw bytes of a field.
    pub fn raw(&self, field: &Field) -> &[u8] {
        &self.bytes[field.range()]
    }

    /// The raw text of the field with this key (lossy for non-ASCII bytes read from a file).
    pub fn get(&self, key: &str) -> Option<std::borrow::Cow<'_, str>> {
        let f = self.layout().field(key)?;
        Some(String::from_utf8_lossy(self.raw(f)))
    }

    /// Writes a value into a field, padded and justified by the field's type.
    pub fn set(&mut self, field: &Field, value: &FieldValue<'_>) -> Result<(), FieldError> {
        debug_assert_eq!(field.segment, self.kind);
        encode(field, value, &mut self.bytes[field.range()])
    }

    /// Writes a value into the field with this key. Panics on an unknown key: keys come from
    /// the layout tables, so an unknown one is a programming error.
    pub fn set_key(&mut self, key: &str, value: &FieldValue<'_>) -> Result<(), FieldError> {
        let field = self
            .layout()
            .field(key)
            .unwrap_or_else(|| panic!("no field {key} in {}", self.kind));
        self.set(field, value)
    }

    /// Overwrites a field's bytes as they are (the bytes must have the field's width).
    pub fn set_raw(&mut self, field: &Field, bytes: &[u8]) {
        self.bytes[field.range()].copy_from_slice(bytes);
    }
}

impl fmt::Debug for Segment {
    // Shows the kind only: a segment holds SSNs and dates of birth, which never go to logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Segment({}, {} bytes)", self.kind, self.bytes.len())
    }
}
