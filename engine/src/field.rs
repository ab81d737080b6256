//! Turning one value into a field's fixed-width bytes, and back.
//!
//! The layout decides width, fill and justification; a value that does not fit is an error,
//! never a silent cut (names and addresses are cut explicitly by the mapping's clean-up
//! built-ins before they get here).

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use crate::layout::{Field, FieldType};

/// A value to be written into a field.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue<'a> {
    /// Nothing: blanks for `AN`, zeros otherwise.
    Empty,
    /// Text. Into `AN` it is upper-cased and left-justified; into `N` it must be digits.
    Text(&'a str),
    /// A whole number (money already in whole dollars). Never negative.
    Int(i64),
    /// A calendar date, written `MMDDYYYY`.
    Date(NaiveDate),
    /// A date and time, written `MMDDYYYYHHMMSS` (or `MMDDYYYY` into a date field).
    Timestamp(NaiveDateTime),
}

/// Why a value cannot be written into a field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// The value needs more bytes than the field has.
    #[error("value {value:?} is {need} characters wide; the field holds {width}")]
    TooWide {
        /// The value as text.
        value: String,
        /// Bytes it needs.
        need: usize,
        /// Bytes the field has.
        width: usize,
    },
    /// A negative number into a numeric field.
    #[error("negative number {0} cannot be written into a numeric field")]
    Negative(i64),
    /// Text that is not all digits into a numeric or date field.
    #[error("{0:?} is not a number: a numeric field holds digits only")]
    NotDigits(String),
    /// A character the format cannot carry (outside printable ASCII).
    #[error("{0:?} holds a character outside printable ASCII")]
    BadCharacter(String),
    /// A value of the wrong kind for the field (a date into a text field, ...).
    #[error("a {got} cannot be written into a {field} field")]
    WrongType {
        /// What was given.
        got: &'static str,
        /// The field's type.
        field: &'static str,
    },
}

/// Writes `value` into `out`, which must be exactly the field's bytes.
pub fn encode(field: &Field, value: &FieldValue<'_>, out: &mut [u8]) -> Result<(), FieldError> {
    debug_assert_eq!(out.len(), field.len);
    let width = field.len;
    match (field.ty, value) {
        (ty, FieldValue::Empty) => out.fill(ty.fill()),
        (FieldType::Alphanumeric, FieldValue::Text(s)) => {
            if !s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                return Err(FieldError::BadCharacter(s.to_string()));
            }
            if s.len() > width {
                return Err(too_wide(s, width));
            }
            out[..s.len()].copy_from_slice(s.as_bytes());
            out[..s.len()].make_ascii_uppercase();
            out[s.len()..].fill(b' ');
        }
        (FieldType::Alphanumeric, FieldValue::Int(n)) => {
            let s = n.to_string();
            if s.len() > width {
                return Err(too_wide(&s, width));
            }
            out[..s.len()].copy_from_slice(s.as_bytes());
            out[s.len()..].fill(b' ');
        }
        (FieldType::Numeric, FieldValue::Int(n)) => write_digits(*n, out)?,
        (FieldType::Numeric | FieldType::Date | FieldType::Timestamp, FieldValue::Text(s)) => {
            if !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(FieldError::NotDigits(s.to_string()));
            }
            if s.len() > width {
                return Err(too_wide(s, width));
            }
            let pad = width - s.len();
            out[..pad].fill(b'0');
            out[pad..].copy_from_slice(s.as_bytes());
        }
        (FieldType::Date, FieldValue::Date(d)) => write_date(*d, out),
        (FieldType::Date, FieldValue::Timestamp(t)) => write_date(t.date(), out),
        (FieldType::Timestamp, FieldValue::Date(d)) => {
            write_date(*d, &mut out[..8]);
            out[8..].fill(b'0');
        }
        (FieldType::Timestamp, FieldValue::Timestamp(t)) => {
            write_date(t.date(), &mut out[..8]);
            write_padded(t.hour() as u64, &mut out[8..10]);
            write_padded(t.minute() as u64, &mut out[10..12]);
            write_padded(t.second() as u64, &mut out[12..14]);
        }
        (ty, v) => {
            return Err(FieldError::WrongType {
                got: v.kind_name(),
                field: ty.tsv_name(),
            })
        }
    }
    Ok(())
}

impl FieldValue<'_> {
    /// What kind of value this is, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            FieldValue::Empty => "empty value",
            FieldValue::Text(_) => "text",
            FieldValue::Int(_) => "number",
            FieldValue::Date(_) => "date",
            FieldValue::Timestamp(_) => "timestamp",
        }
    }
}

fn too_wide(s: &str, width: usize) -> FieldError {
    FieldError::TooWide {
        value: s.to_string(),
        need: s.len(),
        width,
    }
}

fn write_digits(n: i64, out: &mut [u8]) -> Result<(), FieldError> {
    if n < 0 {
        return Err(FieldError::Negative(n));
    }
    let mut v = n as u64;
    for b in out.iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
    if v != 0 {
        return Err(too_wide(&n.to_string(), out.len()));
    }
    Ok(())
}

fn write_padded(mut v: u64, out: &mut [u8]) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// Writes `MMDDYYYY` into 8 bytes.
pub fn write_date(d: NaiveDate, out: &mut [u8]) {
    write_padded(d.month() as u64, &mut out[0..2]);
    write_padded(d.day() as u64, &mut out[2..4]);
    write_padded(d.year().max(0) as u64, &mut out[4..8]);
}

/// The bytes of a date or timestamp field are neither zeros nor a real calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a real calendar date")]
pub struct NotADate;

/// Reads `MMDDYYYY`: `Ok(None)` for all zeros, `Err` for anything that is not a real date.
pub fn parse_date(bytes: &[u8]) -> Result<Option<NaiveDate>, NotADate> {
    if bytes.len() != 8 || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(NotADate);
    }
    if bytes.iter().all(|b| *b == b'0') {
        return Ok(None);
    }
    let num = |r: std::ops::Range<usize>| {
        bytes[r]
            .iter()
            .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'))
    };
    NaiveDate::from_ymd_opt(num(4..8) as i32, num(0..2), num(2..4))
        .map(Some)
        .ok_or(NotADate)
}

/// Reads `MMDDYYYYHHMMSS`: `Ok(None)` for all zeros.
pub fn parse_timestamp(bytes: &[u8]) -> Result<Option<NaiveDateTime>, NotADate> {
    if bytes.len() != 14 || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(NotADate);
    }
    if bytes.iter().all(|b| *b == b'0') {
        return Ok(None);
    }
    let date = parse_date(&bytes[..8])?.ok_or(NotADate)?;
    let num = |r: std::ops::Range<usize>| {
        bytes[r]
            .iter()
            .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'))
    };
    date.and_hms_opt(num(8..10), num(10..12), num(12..14))
        .map(Some)
        .ok_or(NotADate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{layout, SegmentKind};

    fn field(kind: SegmentKind, key: &str) -> &'static Field {
        layout(kind).field(key).unwrap()
    }

    fn enc(kind: SegmentKind, key: &str, v: FieldValue<'_>) -> Result<String, FieldError> {
        let f = field(kind, key);
        let mut out = vec![b'?'; f.len];
        encode(f, &v, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn text_is_upper_cased_and_left_justified() {
        assert_eq!(
            enc(SegmentKind::Base, "state", FieldValue::Text("tx")).unwrap(),
            "TX"
        );
        assert_eq!(
            enc(SegmentKind::Base, "postal_code", FieldValue::Text("78701")).unwrap(),
            "78701    "
        );
    }

    #[test]
    fn numbers_are_right_justified_and_zero_filled() {
        assert_eq!(
            enc(SegmentKind::Base, "current_balance", FieldValue::Int(1234)).unwrap(),
            "000001234"
        );
        assert!(matches!(
            enc(
                SegmentKind::Base,
                "current_balance",
                FieldValue::Int(1_000_000_000)
            ),
            Err(FieldError::TooWide { .. })
        ));
        assert_eq!(
            enc(SegmentKind::Base, "current_balance", FieldValue::Int(-1)),
            Err(FieldError::Negative(-1))
        );
    }

    #[test]
    fn dates_are_mmddyyyy_and_empty_is_zeros() {
        let d = NaiveDate::from_ymd_opt(2026, 4, 14).unwrap();
        assert_eq!(
            enc(SegmentKind::Base, "date_opened", FieldValue::Date(d)).unwrap(),
            "04142026"
        );
        assert_eq!(
            enc(SegmentKind::Base, "date_closed", FieldValue::Empty).unwrap(),
            "00000000"
        );
        assert_eq!(
            enc(SegmentKind::Base, "time_stamp", FieldValue::Date(d)).unwrap(),
            "04142026000000"
        );
        assert_eq!(parse_date(b"04142026"), Ok(Some(d)));
        assert_eq!(parse_date(b"00000000"), Ok(None));
        assert_eq!(parse_date(b"02302026"), Err(NotADate));
    }

    #[test]
    fn wrong_kinds_are_refused() {
        let d = NaiveDate::from_ymd_opt(2026, 4, 14).unwrap();
        assert!(matches!(
            enc(SegmentKind::Base, "surname", FieldValue::Date(d)),
            Err(FieldError::WrongType { .. })
        ));
        assert!(matches!(
            enc(
                SegmentKind::Base,
                "current_balance",
                FieldValue::Text("12a")
            ),
            Err(FieldError::NotDigits(_))
        ));
        assert!(matches!(
            enc(SegmentKind::Base, "surname", FieldValue::Text("MÜLLER")),
            Err(FieldError::BadCharacter(_))
        ));
    }
}
