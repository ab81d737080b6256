//! Stored segment text back into a data record.
//!
//! The store keeps a record's segments as fixed-width text, base first. Whether segments are
//! separated by line breaks or written back to back, each appended segment starts with its
//! two-character identifier and has its layout's length, so the text splits without ambiguity.

use chrono::NaiveDate;
use metro2_engine::{DataRecord, Segment, SegmentKind};

/// Why stored text is not a data record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Shorter than a base segment.
    #[error("the stored segments are {0} bytes, shorter than a 426-byte base segment")]
    Short(usize),
    /// Bytes at `pos` are not a known segment identifier.
    #[error("unknown segment identifier at byte {0} of the stored segments")]
    Unknown(usize),
    /// A segment runs past the end.
    #[error("the {kind} segment at byte {pos} of the stored segments is cut short")]
    Truncated {
        /// The segment.
        kind: SegmentKind,
        /// Where it starts.
        pos: usize,
    },
}

/// Rebuilds a data record from its stored text.
pub fn decode(text: &str) -> Result<DataRecord, DecodeError> {
    let bytes: Vec<u8> = text
        .bytes()
        .filter(|b| *b != b'\n' && *b != b'\r')
        .collect();
    let base_len = SegmentKind::Base.byte_len();
    if bytes.len() < base_len {
        return Err(DecodeError::Short(bytes.len()));
    }
    let base = Segment::from_bytes(SegmentKind::Base, bytes[..base_len].to_vec())
        .expect("the slice has the base segment's length");
    let mut record = DataRecord::new(base);
    let mut pos = base_len;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        if rest.iter().all(|b| *b == b' ') {
            break;
        }
        let kind = rest
            .get(0..2)
            .and_then(SegmentKind::from_identifier)
            .ok_or(DecodeError::Unknown(pos))?;
        let len = kind.byte_len();
        if rest.len() < len {
            return Err(DecodeError::Truncated { kind, pos });
        }
        record.push(Segment::from_bytes(kind, rest[..len].to_vec()).expect("length checked"));
        pos += len;
    }
    Ok(record)
}

/// The record's date of account information, when it holds a valid date.
pub fn date_of_account_information(record: &DataRecord) -> Option<NaiveDate> {
    let field = SegmentKind::Base
        .layout()
        .field("date_of_account_information")?;
    metro2_engine::field::parse_date(record.base.raw(field))
        .ok()
        .flatten()
}

/// The record's consumer account number, trimmed.
pub fn account_number(record: &DataRecord) -> String {
    record
        .base
        .get("consumer_account_number")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use metro2_engine::FieldValue;

    fn base() -> Segment {
        let mut s = Segment::blank(SegmentKind::Base);
        s.set_key("consumer_account_number", &FieldValue::Text("LN-1"))
            .unwrap();
        s.set_key(
            "date_of_account_information",
            &FieldValue::Date(NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()),
        )
        .unwrap();
        s
    }

    #[test]
    fn base_with_appended_segments_back_to_back_or_on_lines() {
        let j1 = Segment::blank(SegmentKind::J1);
        let k1 = Segment::blank(SegmentKind::K1);
        let parts = [base(), j1.clone(), k1.clone()];
        let texts: Vec<String> = parts
            .iter()
            .map(|s| String::from_utf8(s.as_bytes().to_vec()).unwrap())
            .collect();
        for joined in [texts.concat(), texts.join("\n"), texts.join("\r\n")] {
            let r = decode(&joined).unwrap();
            assert_eq!(r.j1, vec![j1.clone()]);
            assert_eq!(r.k1, Some(k1.clone()));
            assert_eq!(account_number(&r), "LN-1");
            assert_eq!(
                date_of_account_information(&r),
                NaiveDate::from_ymd_opt(2026, 10, 31)
            );
        }
    }

    #[test]
    fn trailing_blanks_are_padding() {
        let text = format!(
            "{}{}",
            String::from_utf8(base().as_bytes().to_vec()).unwrap(),
            " ".repeat(40)
        );
        assert_eq!(decode(&text).unwrap().appended().count(), 0);
    }

    #[test]
    fn broken_text_is_located() {
        let b = String::from_utf8(base().as_bytes().to_vec()).unwrap();
        assert_eq!(decode(&b[..100]), Err(DecodeError::Short(100)));
        assert_eq!(decode(&format!("{b}ZZ")), Err(DecodeError::Unknown(426)));
        assert_eq!(
            decode(&format!("{b}K1ABC")),
            Err(DecodeError::Truncated {
                kind: SegmentKind::K1,
                pos: 426
            })
        );
    }
}
