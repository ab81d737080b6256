//! A payment row read against the row before it: LoanPro writes every row of a loan with the
//! same keys in the same order and most values the same (`"active":1`, the status, `null`s),
//! so a row is mostly the bytes of the row before it with a few values changed.
//!
//! The row reader ([`super::payments_text`]) reads a row key by key and marks where it read a
//! value that changes from row to row: a date, a reversal date or an amount in the form it
//! reads in one pass, and any value of a key it passes over (an `id`, a `created`, a
//! `__metadata`). The row's text cut at those values is its template. The next row is first
//! compared with the template: each piece of text between the marked values must be the same
//! bytes, and each marked value is read by the very reader that read it in the template's row
//! (a date by `loanpro_date`, a passed value by the reader that passes values over). Where
//! every piece matches and every value reads, the row reader would have taken exactly the
//! steps it took on the template's row (the same keys in the same order, each value in the
//! same form, the unmarked values the same bytes), so the row is the template's row with the
//! marked fields read anew. Any difference declines the template before anything is kept: the
//! row is read key by key, and becomes the template for the rows after it.

use super::payments_text::{amount_digits, loanpro_date, passed_value, ten_digit_day};
use super::timeline_delinquency::counted;
use crate::clean::money::Cents;
use crate::loan::cursor::Cursor;
use crate::timeline::{Day, PaymentRow};

/// A value of a row read anew against the template, and the reader that reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    /// `date`, by `loanpro_date`.
    Date,
    /// `reverseDate`, by `loanpro_date`.
    ReverseDate,
    /// Any value of a key that is not read (or a later copy of one that is), passed over.
    Passed,
    /// The ten digits of a `date` written `"/Date(N)/"` with ten digits (every date from
    /// 2001 to 2286), by `ten_digit_day`: the text around them is the template's.
    DateDigits,
    /// The same of a `reverseDate`.
    ReverseDateDigits,
    /// The `[-]D.DD` of an `amount` between its quotes, by `amount_digits`: the quotes are the
    /// template's. (The row reader marks an amount it read by `plain_amount`, which reads
    /// exactly that between quotes, with this slot.)
    AmountDigits,
}

impl Slot {
    /// The slot of a marked value whose text is `text`, and how many bytes of that text the
    /// template keeps before and after the slot: a ten-digit date's digits (whose reader reads
    /// exactly what `loanpro_date` reads of such a text), an amount's digits (its quotes).
    fn narrowed(self, text: &[u8]) -> (Slot, usize, usize) {
        let ten_digit_date = text.len() == 20
            && text.starts_with(b"\"/Date(")
            && text.ends_with(b")/\"")
            && text[7..17].iter().all(u8::is_ascii_digit);
        match self {
            Slot::Date if ten_digit_date => (Slot::DateDigits, 7, 3),
            Slot::ReverseDate if ten_digit_date => (Slot::ReverseDateDigits, 7, 3),
            Slot::AmountDigits => (Slot::AmountDigits, 1, 1),
            other => (other, 0, 0),
        }
    }
}

/// A marked value of the row being read: its byte range in the document's text and its slot.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mark {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) slot: Slot,
}

/// The text before a marked value (offsets into the template's row), and the value's slot.
#[derive(Debug, Clone, Copy)]
struct Piece {
    start: u32,
    end: u32,
    slot: Slot,
}

/// The last row read key by key, cut at its marked values.
pub(super) struct Template<'a> {
    /// The row's text, from its `{` to its `}`.
    row: &'a [u8],
    /// The text before each marked value, and the value's slot.
    pieces: Vec<Piece>,
    /// Where the text after the last marked value starts (it runs to the row's end).
    tail: u32,
    /// What the row read as, before its marked fields are read anew.
    base: PaymentRow<'a>,
}

impl<'a> Template<'a> {
    /// No template yet: every row declines it until one is learned.
    pub(super) fn empty() -> Template<'a> {
        Template {
            row: &[],
            pieces: Vec::with_capacity(8),
            tail: 0,
            base: super::payment_fields::ABSENT_ROW,
        }
    }

    /// Learns `row`, the text of a row read key by key into `base` that starts at byte
    /// `start` of the document, its values marked in `marks` (in order, inside the row). A row
    /// longer than `u32` offsets hold is not learned.
    pub(super) fn learn(
        &mut self,
        row: &'a [u8],
        start: usize,
        marks: &[Mark],
        base: PaymentRow<'a>,
    ) {
        self.pieces.clear();
        self.row = &[];
        if u32::try_from(row.len()).is_err() {
            return;
        }
        let mut at = 0;
        for m in marks {
            let (from, to) = (m.start - start, m.end - start);
            let (slot, before, after) = m.slot.narrowed(&row[from..to]);
            self.pieces.push(Piece {
                start: at as u32,
                end: (from + before) as u32,
                slot,
            });
            at = to - after;
        }
        self.tail = at as u32;
        self.row = row;
        self.base = base;
    }

    /// The row at the cursor read against the template: its payment when it counts, the
    /// cursor past the row's `}`. `None`, with the cursor unmoved, when the row is not the
    /// template's (or no template is learned).
    #[inline]
    pub(super) fn read(&self, c: &mut Cursor<'a>) -> Option<Option<(Day, Cents)>> {
        if self.row.is_empty() {
            return None;
        }
        let start = c.at();
        let read = self.read_from(c);
        if read.is_none() {
            c.back_to(start);
        }
        read
    }

    fn read_from(&self, c: &mut Cursor<'a>) -> Option<Option<(Day, Cents)>> {
        let mut r = self.base;
        for p in &self.pieces {
            let text = &self.row[p.start as usize..p.end as usize];
            if !starts_with(c.rest(), text) {
                return None;
            }
            c.advance(text.len());
            match p.slot {
                Slot::Date => r.date = loanpro_date(c)?,
                Slot::ReverseDate => r.reverse_date = loanpro_date(c)?,
                Slot::Passed => passed_value(c)?,
                Slot::DateDigits => {
                    r.date = ten_digit_day(c.rest())?;
                    c.advance(10);
                }
                Slot::ReverseDateDigits => {
                    r.reverse_date = ten_digit_day(c.rest())?;
                    c.advance(10);
                }
                Slot::AmountDigits => {
                    let (cents, n) = amount_digits(c.rest())?;
                    r.amount = cents;
                    c.advance(n);
                }
            }
        }
        let tail = &self.row[self.tail as usize..];
        if !starts_with(c.rest(), tail) {
            return None;
        }
        c.advance(tail.len());
        Some(counted(&r))
    }
}

/// Whether `rest` starts with `text`, compared a word at a time in line: a row's pieces are a
/// few bytes to a few dozen, where the call to `memcmp` behind `<[u8]>::starts_with` costs more
/// than the compare (about 20 instructions a piece, four pieces a row).
#[inline]
fn starts_with(rest: &[u8], text: &[u8]) -> bool {
    let n = text.len();
    let Some(rest) = rest.get(..n) else {
        return false;
    };
    if n >= 8 {
        let word =
            |b: &[u8], i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        let mut i = 0;
        while i + 8 < n {
            if word(rest, i) != word(text, i) {
                return false;
            }
            i += 8;
        }
        // The last word, overlapping the one before it.
        word(rest, n - 8) == word(text, n - 8)
    } else if n >= 4 {
        let word =
            |b: &[u8], i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
        word(rest, 0) == word(text, 0) && word(rest, n - 4) == word(text, n - 4)
    } else {
        rest.iter().zip(text).all(|(a, b)| a == b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_with_compares_as_the_slice_method_compares() {
        let texts: Vec<Vec<u8>> = (0..40)
            .map(|n| (0..n).map(|i| b'a' + (i % 26) as u8).collect())
            .collect();
        for text in &texts {
            for rest_len in 0..45 {
                let mut rest: Vec<u8> = (0..rest_len).map(|i| b'a' + (i % 26) as u8).collect();
                assert_eq!(starts_with(&rest, text), rest.starts_with(text));
                // Each byte changed in turn.
                for at in 0..rest.len() {
                    rest[at] ^= 0x20;
                    assert_eq!(
                        starts_with(&rest, text),
                        rest.starts_with(text),
                        "{} in {}, byte {at}",
                        text.len(),
                        rest.len()
                    );
                    rest[at] ^= 0x20;
                }
            }
        }
    }
}
