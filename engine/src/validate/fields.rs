//! Field rules, driven by the layouts: digits in numeric fields, real calendar dates, required
//! fields, printable upper-case text.

use std::sync::LazyLock;

use chrono::NaiveDate;

use super::{rules, Finding, Loc};
use crate::layout::{Field, FieldType, Requirement, SegmentKind};

/// How a field's bytes are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Text,
    Digits,
    Date,
    Timestamp,
}

struct Check {
    field: &'static Field,
    class: Class,
    required: bool,
    reserved: bool,
}

fn compile(kind: SegmentKind) -> Vec<Check> {
    kind.layout()
        .fields
        .iter()
        .filter(|f| !f.is_framing())
        .map(|f| Check {
            field: f,
            class: match f.ty {
                FieldType::Alphanumeric => Class::Text,
                FieldType::Numeric => Class::Digits,
                FieldType::Date => Class::Date,
                FieldType::Timestamp => Class::Timestamp,
            },
            required: f.required == Requirement::Required,
            reserved: f.is_reserved(),
        })
        .collect()
}

static CHECKS: LazyLock<Vec<(SegmentKind, Vec<Check>)>> = LazyLock::new(|| {
    SegmentKind::ALL
        .into_iter()
        .map(|k| (k, compile(k)))
        .collect()
});

/// What the fast path of one layout looks at: which bytes must be digits, which text fields
/// must not be blank, which dates and time stamps must be real.
struct Fast {
    digit_mask: Vec<bool>,
    required_text: Vec<std::ops::Range<usize>>,
    dates: Vec<(std::ops::Range<usize>, bool)>,
    timestamps: Vec<std::ops::Range<usize>>,
}

fn compile_fast(kind: SegmentKind) -> Fast {
    let l = kind.layout();
    let mut fast = Fast {
        digit_mask: vec![false; l.len],
        required_text: Vec::new(),
        dates: Vec::new(),
        timestamps: Vec::new(),
    };
    for c in checks(kind).iter().filter(|c| !c.reserved) {
        let r = c.field.range();
        if c.class != Class::Text {
            fast.digit_mask[r.clone()].fill(true);
        }
        match c.class {
            Class::Text if c.required && !exempt_key(kind, c.field.key) => {
                fast.required_text.push(r)
            }
            Class::Text | Class::Digits => {}
            Class::Date => fast.dates.push((r, c.required)),
            Class::Timestamp => fast.timestamps.push(r),
        }
    }
    fast
}

static FAST: LazyLock<Vec<(SegmentKind, Fast)>> = LazyLock::new(|| {
    SegmentKind::ALL
        .into_iter()
        .map(|k| (k, compile_fast(k)))
        .collect()
});

/// Whether every byte the mask marks is a digit; vectorised like [`all_clean`].
fn digits_where(seg: &[u8], mask: &[bool]) -> bool {
    let ok = |(b, m): (&u8, &bool)| b.is_ascii_digit() | !*m;
    let mut s = seg.chunks_exact(32);
    let mut m = mask.chunks_exact(32);
    for (c, k) in (&mut s).zip(&mut m) {
        if !c.iter().zip(k).fold(true, |a, x| a & ok(x)) {
            return false;
        }
    }
    s.remainder().iter().zip(m.remainder()).all(ok)
}

/// The common case, a clean segment, checked without walking every field: true when the
/// segment certainly has no field finding. Anything doubtful goes to the full walk, which
/// reports it.
fn fast_ok(kind: SegmentKind, seg: &[u8]) -> bool {
    let Some((_, fast)) = FAST.iter().find(|(k, _)| *k == kind) else {
        return false;
    };
    if seg.len() != fast.digit_mask.len() || !all_clean(seg) || !digits_where(seg, &fast.digit_mask)
    {
        return false;
    }
    fast.required_text
        .iter()
        .all(|r| seg[r.clone()].iter().any(|b| *b != b' '))
        && fast.dates.iter().all(|(r, required)| {
            matches!(
                (date_bytes(&seg[r.clone()]), required),
                (DateBytes::Date(_), _) | (DateBytes::Zero, false)
            )
        })
        && fast.timestamps.iter().all(|r| {
            let v = &seg[r.clone()];
            match date_bytes(&v[..8]) {
                DateBytes::Date(_) => time_ok(&v[8..]),
                DateBytes::Zero => v[8..].iter().all(|b| *b == b'0'),
                _ => false,
            }
        })
}

fn checks(kind: SegmentKind) -> &'static [Check] {
    CHECKS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, c)| c.as_slice())
        .unwrap_or(&[])
}

/// What a date field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateBytes {
    /// `00000000`: no date.
    Zero,
    /// All blanks.
    Blank,
    /// A real date as `YYYYMMDD`.
    Date(u32),
    /// Anything else.
    Invalid,
}

// `is_multiple_of` needs Rust 1.87; the workspace supports 1.85.
#[allow(clippy::manual_is_multiple_of)]
fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Reads an `MMDDYYYY` field without allocating.
pub(crate) fn date_bytes(b: &[u8]) -> DateBytes {
    if b.len() != 8 {
        return DateBytes::Invalid;
    }
    if !b.iter().all(u8::is_ascii_digit) {
        return if b.iter().all(|c| *c == b' ') {
            DateBytes::Blank
        } else {
            DateBytes::Invalid
        };
    }
    let n = |r: std::ops::Range<usize>| b[r].iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0'));
    let (m, d, y) = (n(0..2), n(2..4), n(4..8));
    if m == 0 && d == 0 && y == 0 {
        return DateBytes::Zero;
    }
    if y == 0 || d == 0 || d > days_in_month(y, m) {
        return DateBytes::Invalid;
    }
    DateBytes::Date(y * 10_000 + m * 100 + d)
}

fn time_ok(b: &[u8]) -> bool {
    let n = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
    b.iter().all(u8::is_ascii_digit) && n(0) < 24 && n(2) < 60 && n(4) < 60
}

/// Whether a byte may appear in an upper-case alphanumeric field.
#[inline]
fn clean(b: u8) -> bool {
    (0x20..=0x60).contains(&b) || (0x7b..=0x7e).contains(&b)
}

/// Whether every byte may appear in an upper-case alphanumeric field; folded over fixed chunks
/// without short-circuit so the compiler vectorises it (it runs over every byte of a file).
fn all_clean(seg: &[u8]) -> bool {
    let ok = |b: u8| (b.wrapping_sub(0x20) <= 0x40) | (b.wrapping_sub(0x7b) <= 3);
    let mut chunks = seg.chunks_exact(32);
    for c in &mut chunks {
        if !c.iter().fold(true, |a, b| a & ok(*b)) {
            return false;
        }
    }
    chunks.remainder().iter().all(|b| clean(*b))
}

fn label(kind: SegmentKind, f: &Field) -> String {
    format!("{} {} ({})", kind.name(), f.key, f.name)
}

/// Checks every field of one segment.
pub(crate) fn check_segment(kind: SegmentKind, seg: &[u8], loc: Loc, out: &mut Vec<Finding>) {
    if kind == SegmentKind::Base {
        identification_number(seg, loc, out);
    }
    if fast_ok(kind, seg) {
        return;
    }
    let all_clean = all_clean(seg);
    for c in checks(kind) {
        let f = c.field;
        let v = &seg[f.range()];
        let at = loc.offset + f.offset();
        let push = |out: &mut Vec<Finding>, rule: &'static rules::Rule, msg: String| {
            out.push(Finding::new(rule, loc.record, kind, Some(f.key), at, msg));
        };
        if c.reserved {
            if !all_clean && v.iter().any(|b| !(0x20..0x7f).contains(b)) {
                push(
                    out,
                    &rules::BAD_CHARACTER,
                    format!("{} holds a byte outside printable ASCII", label(kind, f)),
                );
            }
            continue;
        }
        match c.class {
            Class::Text => {
                if !all_clean {
                    if let Some(p) = v.iter().position(|b| !(0x20..0x7f).contains(b)) {
                        push(
                            out,
                            &rules::BAD_CHARACTER,
                            format!(
                                "{} holds byte 0x{:02X} at position {}, outside printable ASCII",
                                label(kind, f),
                                v[p],
                                f.start + p
                            ),
                        );
                    } else if v.iter().any(u8::is_ascii_lowercase) {
                        push(
                            out,
                            &rules::LOWER_CASE,
                            format!(
                                "{} holds lower-case letters; alphanumeric fields are upper case",
                                label(kind, f)
                            ),
                        );
                    }
                }
                if c.required && v.iter().all(|b| *b == b' ') && !exempt(kind, f, seg) {
                    push(
                        out,
                        &rules::REQUIRED_MISSING,
                        format!("{} is required but blank", label(kind, f)),
                    );
                }
            }
            Class::Digits => {
                if !v.iter().all(u8::is_ascii_digit) {
                    digits_problem(kind, f, v, c.required, out, push);
                }
            }
            Class::Date => match date_bytes(v) {
                DateBytes::Date(_) => {}
                DateBytes::Zero if c.required => push(
                    out,
                    &rules::REQUIRED_MISSING,
                    format!("{} is required but zero-filled", label(kind, f)),
                ),
                DateBytes::Zero => {}
                DateBytes::Blank if c.required => push(
                    out,
                    &rules::REQUIRED_MISSING,
                    format!("{} is required but blank", label(kind, f)),
                ),
                DateBytes::Blank => push(
                    out,
                    &rules::NUMERIC_BLANK,
                    format!(
                        "{} is blank; an absent date is zero-filled (00000000)",
                        label(kind, f)
                    ),
                ),
                DateBytes::Invalid => {
                    let shown = if crate::identity::is_identity(f.key) {
                        String::new()
                    } else {
                        format!(" {:?}", String::from_utf8_lossy(v))
                    };
                    push(
                        out,
                        &rules::NOT_A_DATE,
                        format!(
                            "{}{shown} is not a real calendar date in MMDDYYYY form",
                            label(kind, f)
                        ),
                    )
                }
            },
            Class::Timestamp => {
                let ok = match date_bytes(&v[..8]) {
                    DateBytes::Date(_) => time_ok(&v[8..]),
                    DateBytes::Zero => v[8..].iter().all(|b| *b == b'0'),
                    DateBytes::Blank => v.iter().all(|b| *b == b' '),
                    DateBytes::Invalid => false,
                };
                if !ok {
                    push(
                        out,
                        &rules::NOT_A_DATE,
                        format!(
                            "{} {:?} is not a real date and time in MMDDYYYYHHMMSS form",
                            label(kind, f),
                            String::from_utf8_lossy(v)
                        ),
                    );
                } else if v.iter().all(|b| *b == b' ') {
                    push(
                        out,
                        &rules::NUMERIC_BLANK,
                        format!(
                            "{} is blank; an absent time stamp is zero-filled",
                            label(kind, f)
                        ),
                    );
                }
            }
        }
    }
}

fn digits_problem(
    kind: SegmentKind,
    f: &'static Field,
    v: &[u8],
    _required: bool,
    out: &mut Vec<Finding>,
    push: impl Fn(&mut Vec<Finding>, &'static rules::Rule, String),
) {
    if v.iter().all(|b| *b == b' ') {
        push(
            out,
            &rules::NUMERIC_BLANK,
            format!(
                "{} is blank; an absent number is zero-filled",
                label(kind, f)
            ),
        );
        return;
    }
    let shown = if crate::identity::is_identity(f.key) {
        String::new()
    } else {
        format!(" {:?}", String::from_utf8_lossy(v))
    };
    push(
        out,
        &rules::NOT_DIGITS,
        format!("{}{shown} holds something other than digits; numeric fields are right-justified and zero-filled", label(kind, f)),
    );
}

/// Required fields that the situation excuses: the K2 name when the indicator is 9 (remove).
fn exempt(kind: SegmentKind, f: &Field, _seg: &[u8]) -> bool {
    exempt_key(kind, f.key)
}

/// The K2 name is required except with indicator 9 (remove); cross-field rule M2X-020 reports
/// both directions, so the plain required check leaves it alone.
fn exempt_key(kind: SegmentKind, key: &str) -> bool {
    kind == SegmentKind::K2 && key == "purchased_from_sold_to_name"
}

fn identification_number(seg: &[u8], loc: Loc, out: &mut Vec<Finding>) {
    let f = &SegmentKind::Base.layout().fields[4];
    debug_assert_eq!(f.key, "identification_number");
    let v = super::codes::trim(&seg[f.range()]);
    if !v.is_empty() && (v.iter().all(|b| *b == b'0') || v.iter().all(|b| *b == b'9')) {
        out.push(Finding::new(
            &rules::IDENTIFICATION_PLACEHOLDER,
            loc.record,
            SegmentKind::Base,
            Some(f.key),
            loc.offset + f.offset(),
            "base identification_number (Identification Number) is all zeros or all nines; it must be the furnisher's real identification number".into(),
        ));
    }
}

/// The header's activity date, when it is a real date.
pub(crate) fn header_activity_date(header: &[u8]) -> Option<NaiveDate> {
    let f = SegmentKind::Header.layout().field("activity_date")?;
    match date_bytes(header.get(f.range())?) {
        DateBytes::Date(v) => {
            NaiveDate::from_ymd_opt((v / 10_000) as i32, (v / 100) % 100, v % 100)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked_without_chrono() {
        assert_eq!(date_bytes(b"02292024"), DateBytes::Date(20240229));
        assert_eq!(date_bytes(b"02292023"), DateBytes::Invalid);
        assert_eq!(date_bytes(b"13012023"), DateBytes::Invalid);
        assert_eq!(date_bytes(b"00000000"), DateBytes::Zero);
        assert_eq!(date_bytes(b"        "), DateBytes::Blank);
        assert_eq!(date_bytes(b"0101 023"), DateBytes::Invalid);
        assert_eq!(date_bytes(b"02291900"), DateBytes::Invalid);
        assert_eq!(date_bytes(b"02292000"), DateBytes::Date(20000229));
    }
}
