//! Money as exact integer cents (derivations.md §1).
//!
//! LoanPro sends money as strings (`"386.66"`) and sometimes as JSON numbers; either way the
//! decimal text is read digit by digit, never through a binary float, and digits past the cents
//! are dropped (truncation toward zero). Metro 2 writes whole dollars: cents are dropped once, at
//! the end, by [`Cents::dollars`].

use std::fmt;

/// An exact amount of money in cents. Negative amounts exist while computing (a credit
/// balance); they are written as 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cents(pub i64);

/// The largest magnitude accepted, in cents: far beyond any 9-digit Metro 2 amount, and small
/// enough that sums and products of a loan's amounts never overflow.
const MAX_CENTS: i64 = 1_000_000_000_000_000; // 10^13 dollars

impl Cents {
    /// Zero.
    pub const ZERO: Cents = Cents(0);

    /// Whole dollars for a Metro 2 field: truncated toward zero, negative written as 0.
    pub fn dollars(self) -> i64 {
        (self.0 / 100).max(0)
    }

    /// Whether the amount is above zero.
    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// The amount as a [`rust_decimal::Decimal`] with two decimal places.
    pub fn to_decimal(self) -> rust_decimal::Decimal {
        rust_decimal::Decimal::new(self.0, 2)
    }

    /// The cents of a decimal, digits past the cents dropped (toward zero); `None` when it is
    /// out of range.
    pub fn from_decimal(d: rust_decimal::Decimal) -> Option<Cents> {
        let scaled = d.checked_mul(rust_decimal::Decimal::ONE_HUNDRED)?.trunc();
        let v = i64::try_from(scaled).ok()?;
        (v.abs() <= MAX_CENTS).then_some(Cents(v))
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

/// Why a text is not an amount of money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not decimal text (letters, thousands separators, currency signs, ...).
    #[error("{0:?} is not a decimal amount")]
    NotDecimal(String),
    /// More than 10^13 dollars.
    #[error("{0:?} is out of range for an amount of money")]
    OutOfRange(String),
}

/// Reads decimal text as cents: an optional sign, digits with an optional decimal point, and an
/// optional exponent (`3.8666e2`, as a JSON number may be written). Digits past the cents are
/// dropped toward zero (`"-1.239"` → −123 cents).
pub fn parse_money(text: &str) -> Result<Cents, MoneyError> {
    match plain_cents(text.as_bytes()) {
        Some(cents) => Ok(Cents(cents)),
        None => parse_any_money(text),
    }
}

/// `[-]D.DD` with 1 to 13 digits D, how LoanPro writes nearly every amount, read in one pass;
/// `None` for every other form, which [`parse_any_money`] reads. Thirteen digits stay under
/// `MAX_CENTS`, so no range check is needed.
fn plain_cents(bytes: &[u8]) -> Option<i64> {
    let (negative, rest) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    let n = rest.len();
    if !(4..=16).contains(&n) || rest[n - 3] != b'.' {
        return None;
    }
    let cents = rest[..n - 3]
        .iter()
        .chain(&rest[n - 2..])
        .try_fold(0i64, |c, b| {
            b.is_ascii_digit().then(|| c * 10 + i64::from(b - b'0'))
        })?;
    Some(if negative { -cents } else { cents })
}

/// [`parse_money`] of any form it accepts.
fn parse_any_money(text: &str) -> Result<Cents, MoneyError> {
    let bad = || MoneyError::NotDecimal(text.to_string());
    let bytes = text.as_bytes();
    let (negative, rest) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    let (mantissa, exponent) = match rest.iter().position(|b| matches!(b, b'e' | b'E')) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (int_part, frac_part) = match mantissa.iter().position(|b| *b == b'.') {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, &[][..]),
    };
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part.iter().chain(frac_part).all(u8::is_ascii_digit)
    {
        return Err(bad());
    }
    let exp: i64 = match exponent {
        None => 0,
        Some(e) => {
            let (neg, digits) = match e.first() {
                Some(b'-') => (true, &e[1..]),
                Some(b'+') => (false, &e[1..]),
                _ => (false, e),
            };
            if digits.is_empty() || digits.len() > 4 || !digits.iter().all(u8::is_ascii_digit) {
                return Err(bad());
            }
            let v = digits
                .iter()
                .fold(0i64, |acc, b| acc * 10 + i64::from(b - b'0'));
            if neg {
                -v
            } else {
                v
            }
        }
    };
    // The value is digits × 10^(exp − frac_len); cents keep the digits down to 10^−2.
    let digits = int_part.iter().chain(frac_part);
    let keep = int_part.len() as i64 + exp + 2; // how many leading digits are cents or more
    let mut cents: i64 = 0;
    let mut taken = 0i64;
    for b in digits {
        if taken >= keep {
            break;
        }
        cents = cents
            .checked_mul(10)
            .and_then(|c| c.checked_add(i64::from(b - b'0')))
            .filter(|c| *c <= MAX_CENTS)
            .ok_or_else(|| MoneyError::OutOfRange(text.to_string()))?;
        taken += 1;
    }
    // Digits the text did not spell out up to the cents are zeros (e.g. "12" or "1.5e3").
    while taken < keep {
        if cents != 0 {
            cents = cents
                .checked_mul(10)
                .filter(|c| *c <= MAX_CENTS)
                .ok_or_else(|| MoneyError::OutOfRange(text.to_string()))?;
        }
        taken += 1;
    }
    Ok(Cents(if negative { -cents } else { cents }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> i64 {
        parse_money(s).unwrap().0
    }

    #[test]
    fn the_plain_form_reads_as_any_form_does() {
        for s in [
            "386.66",
            "0.00",
            "-0.00",
            "-1.23",
            "007.50",
            "9999999999999.99",
            "99999999999999.99",
            "1.5",
            "1.505",
            ".50",
            "+1.00",
            "1,00.00",
            "1.0e",
            "-",
            "",
            "12",
            "1a.00",
            "1.a0",
        ] {
            if let Some(cents) = plain_cents(s.as_bytes()) {
                assert_eq!(parse_any_money(s), Ok(Cents(cents)), "{s:?}");
            }
            assert_eq!(parse_money(s), parse_any_money(s), "{s:?}");
        }
        assert_eq!(plain_cents(b"9999999999999.99"), Some(999_999_999_999_999));
        assert_eq!(plain_cents(b"99999999999999.99"), None);
    }

    #[test]
    fn strings_and_number_texts_are_exact() {
        assert_eq!(c("386.66"), 38666);
        assert_eq!(c("0.1"), 10);
        assert_eq!(c("12"), 1200);
        assert_eq!(c("12."), 1200);
        assert_eq!(c(".5"), 50);
        assert_eq!(c("0.00"), 0);
        assert_eq!(c("24216.00"), 2_421_600);
        assert_eq!(c("-0.10"), -10);
        assert_eq!(c("+7"), 700);
    }

    #[test]
    fn digits_past_the_cents_are_dropped_toward_zero() {
        assert_eq!(c("386.669"), 38666);
        assert_eq!(c("-1.239"), -123);
        assert_eq!(c("0.0099"), 0);
    }

    #[test]
    fn exponents_as_json_numbers_write_them() {
        assert_eq!(c("3.8666e2"), 38666);
        assert_eq!(c("1.5E3"), 150_000);
        assert_eq!(c("38666e-2"), 38666);
        assert_eq!(c("123456e-5"), 123);
        assert_eq!(c("5e-9"), 0);
    }

    #[test]
    fn other_texts_are_refused() {
        for s in [
            "", "-", ".", "1,000.00", "$5", "1.2.3", "abc", "1e", "1e+", " 1", "NaN",
        ] {
            assert!(parse_money(s).is_err(), "{s:?}");
        }
        assert!(matches!(
            parse_money("100000000000000000"),
            Err(MoneyError::OutOfRange(_))
        ));
    }

    #[test]
    fn dollars_truncate_and_negative_is_zero() {
        assert_eq!(Cents(38666).dollars(), 386);
        assert_eq!(Cents(99).dollars(), 0);
        assert_eq!(Cents(-50_000).dollars(), 0);
        assert_eq!(Cents(-1234).to_string(), "-12.34");
        assert_eq!(Cents(5).to_string(), "0.05");
    }

    #[test]
    fn decimals_round_trip() {
        let d = Cents(38666).to_decimal();
        assert_eq!(d.to_string(), "386.66");
        assert_eq!(Cents::from_decimal(d), Some(Cents(38666)));
        assert_eq!(
            Cents::from_decimal(rust_decimal::Decimal::new(-1239, 3)),
            Some(Cents(-123))
        );
    }
}
