//! The JSON document of `metro2 convert`: the header, the data records with their segments by
//! field key, and the trailer. Every value is the field's exact fixed-width text as it stands in
//! the file (`"current_balance": "000001234"`), so converting to JSON and back loses nothing.
//!
//! On the way back a value may also be shorter than its field (it is then padded and justified
//! by the field's type, text upper-cased), a JSON number (numeric fields) or null (blank/zero).
//! Keys not in the layout are errors. Record descriptor words and the trailer are recomputed by
//! the writer, so the document's RDWs and trailer are informative only.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::field::FieldValue;
use crate::layout::SegmentKind;
use crate::reader::ReadResult;
use crate::record::DataRecord;
use crate::segment::Segment;

/// A segment's fields by key, in layout order.
pub type Fields = Map<String, Value>;

/// A whole file as JSON. Unknown keys are refused, here and in [`RecordDoc`]: a segment key
/// spelled `J1` instead of `j1` would otherwise drop every co-borrower without a word.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// The header record's fields.
    pub header: Fields,
    /// The data records.
    pub records: Vec<RecordDoc>,
    /// The trailer's fields (ignored when writing: the writer recomputes the trailer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trailer: Option<Fields>,
}

/// One data record as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordDoc {
    /// Its record number in the file it was read from (informative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<usize>,
    /// Its byte offset in the file it was read from (informative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    /// The base segment.
    pub base: Fields,
    /// J1 segments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub j1: Vec<Fields>,
    /// J2 segments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub j2: Vec<Fields>,
    /// K1 segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k1: Option<Fields>,
    /// K2 segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k2: Option<Fields>,
    /// K3 segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k3: Option<Fields>,
    /// K4 segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k4: Option<Fields>,
    /// L1 segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l1: Option<Fields>,
    /// N1 segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n1: Option<Fields>,
}

/// A value in the document that cannot be written into its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct DocumentError {
    /// Where: `records[3].j1[0].surname`.
    pub place: String,
    /// What is wrong.
    pub message: String,
}

/// A segment's fields as exact fixed-width text.
pub fn segment_fields(seg: &Segment) -> Fields {
    seg.layout()
        .fields
        .iter()
        .map(|f| {
            let text = String::from_utf8_lossy(seg.raw(f)).into_owned();
            (f.key.to_string(), Value::String(text))
        })
        .collect()
}

/// Builds a segment from its fields (see the module documentation for what values may be).
pub fn fields_segment(
    kind: SegmentKind,
    fields: &Fields,
    place: &str,
) -> Result<Segment, DocumentError> {
    let mut seg = Segment::blank(kind);
    let layout = kind.layout();
    for (key, value) in fields {
        let err = |message: String| DocumentError {
            place: format!("{place}.{key}"),
            message,
        };
        let Some(f) = layout.field(key) else {
            return Err(err(format!("{} has no field {key}", kind.name())));
        };
        match value {
            Value::String(s) if s.len() == f.len => {
                if !s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                    return Err(err("holds a character outside printable ASCII".into()));
                }
                seg.set_raw(f, s.as_bytes());
            }
            Value::String(s) => seg
                .set(f, &FieldValue::Text(s))
                .map_err(|e| err(e.to_string()))?,
            Value::Null => seg
                .set(f, &FieldValue::Empty)
                .map_err(|e| err(e.to_string()))?,
            Value::Number(n) => {
                let Some(i) = n.as_i64() else {
                    return Err(err(format!("{n} is not a whole number")));
                };
                seg.set(f, &FieldValue::Int(i))
                    .map_err(|e| err(e.to_string()))?
            }
            other => {
                return Err(err(format!(
                    "expected the field's text, a number or null, found {other}"
                )))
            }
        }
    }
    if let Some(id) = kind.identifier() {
        if &seg.as_bytes()[..2] != id {
            return Err(DocumentError {
                place: format!("{place}.segment_identifier"),
                message: format!("must be {}", String::from_utf8_lossy(id)),
            });
        }
    }
    Ok(seg)
}

impl Document {
    /// The document of a file that was read.
    pub fn from_read(r: &ReadResult) -> Document {
        Document {
            header: r.header.as_ref().map(segment_fields).unwrap_or_default(),
            records: r
                .records
                .iter()
                .map(|rr| {
                    let mut d = RecordDoc::from_record(&rr.record);
                    d.record = Some(rr.number);
                    d.offset = Some(rr.offset);
                    d
                })
                .collect(),
            trailer: r.trailer.as_ref().map(segment_fields),
        }
    }

    /// The header and the data records, ready for the writer.
    pub fn to_records(&self) -> Result<(Segment, Vec<DataRecord>), DocumentError> {
        let header = fields_segment(SegmentKind::Header, &self.header, "header")?;
        let records = self
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| r.to_record(&format!("records[{i}]")))
            .collect::<Result<_, _>>()?;
        Ok((header, records))
    }
}

impl RecordDoc {
    /// The document of one data record.
    pub fn from_record(r: &DataRecord) -> RecordDoc {
        let one = |s: &Option<Segment>| s.as_ref().map(segment_fields);
        RecordDoc {
            record: None,
            offset: None,
            base: segment_fields(&r.base),
            j1: r.j1.iter().map(segment_fields).collect(),
            j2: r.j2.iter().map(segment_fields).collect(),
            k1: one(&r.k1),
            k2: one(&r.k2),
            k3: one(&r.k3),
            k4: one(&r.k4),
            l1: one(&r.l1),
            n1: one(&r.n1),
        }
    }

    /// The data record; `place` prefixes error places.
    pub fn to_record(&self, place: &str) -> Result<DataRecord, DocumentError> {
        let mut r = DataRecord::new(fields_segment(
            SegmentKind::Base,
            &self.base,
            &format!("{place}.base"),
        )?);
        for (i, f) in self.j1.iter().enumerate() {
            r.j1.push(fields_segment(
                SegmentKind::J1,
                f,
                &format!("{place}.j1[{i}]"),
            )?);
        }
        for (i, f) in self.j2.iter().enumerate() {
            r.j2.push(fields_segment(
                SegmentKind::J2,
                f,
                &format!("{place}.j2[{i}]"),
            )?);
        }
        let singles = [
            (SegmentKind::K1, &self.k1),
            (SegmentKind::K2, &self.k2),
            (SegmentKind::K3, &self.k3),
            (SegmentKind::K4, &self.k4),
            (SegmentKind::L1, &self.l1),
            (SegmentKind::N1, &self.n1),
        ];
        for (kind, f) in singles {
            if let Some(f) = f {
                r.push(fields_segment(
                    kind,
                    f,
                    &format!("{place}.{}", kind.name()),
                )?);
            }
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_padded_and_unknown_keys_refused() {
        let mut f = Fields::new();
        f.insert("surname".into(), Value::String("doe".into()));
        f.insert("current_balance".into(), serde_json::json!(1234));
        let s = fields_segment(SegmentKind::Base, &f, "records[0].base").unwrap();
        assert_eq!(s.get("surname").unwrap().trim_end(), "DOE");
        assert_eq!(s.get("current_balance").unwrap(), "000001234");
        f.insert("balance".into(), Value::Null);
        let e = fields_segment(SegmentKind::Base, &f, "records[0].base").unwrap_err();
        assert_eq!(e.place, "records[0].base.balance");
    }
}
