//! A payment row's five fields in the forms the plain readers take, and the row they make.
//!
//! Two readers take LoanPro's payment rows without the general path's per-field errors: the
//! document's (`timeline_delinquency::plain_row`, over parsed nodes) and the text's
//! (`payments_text`, straight from the JSON). Both tell each field apart as a [`Field`] and
//! leave the forms-to-row rules (derivations.md §1, §3) to [`set_field`], written once; the
//! text's reader reads LoanPro's usual forms (a `/Date(N)/` date, a `D.DD` amount, the
//! success status, an active flag of 1, `null`) straight into the row, as `set_field` would
//! read them, and tests hold it to that. A row either reader declines (`None`) goes to the
//! general reader, which words the errors.
use sonic_rs::JsonValueTrait;

use crate::clean::date::loanpro_day;
use crate::clean::money::{parse_money, Cents};
use crate::json::{self, Doc};
use crate::timeline::{Day, PaymentRow};

/// A payment field as the plain readers tell values apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field<'a> {
    /// The key is not there.
    Absent,
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written in the text.
    Number(&'a str),
    /// A number node of a parsed document (its text is read from the node).
    NumberNode(&'a Doc),
    /// A string without escapes: its characters.
    String(&'a str),
    /// A string with escapes, a list or an object: left to the general reader.
    Other,
}

/// The row of the fields status, active, date, reverseDate and amount, in that order; `None`
/// when a field's form is left to the general reader.
#[inline]
pub(crate) fn plain_payment<'a>(fields: &[Field<'a>; 5]) -> Option<PaymentRow<'a>> {
    let mut row = ABSENT_ROW;
    for (i, &f) in fields.iter().enumerate() {
        set_field(&mut row, i, f)?;
    }
    Some(row)
}

/// The row whose five fields are all absent: what each field reads as when its key is not
/// there, and when its value is `null`.
pub(crate) const ABSENT_ROW: PaymentRow<'static> = PaymentRow {
    status: None,
    active: false,
    date: None,
    reverse_date: None,
    amount: Cents::ZERO,
};

/// `row` with field `i` (status, active, date, reverseDate, amount; any other index is not a
/// field) read from `f`; `None` when its form is left to the general reader.
#[inline]
pub(crate) fn set_field<'a>(row: &mut PaymentRow<'a>, i: usize, f: Field<'a>) -> Option<()> {
    match i {
        0 => row.status = status(f)?,
        1 => row.active = active(f)?,
        2 => row.date = day(f)?,
        3 => row.reverse_date = day(f)?,
        4 => row.amount = amount(f)?,
        _ => {}
    }
    Some(())
}

/// A status field's text, when there is one.
#[inline]
fn status(field: Field<'_>) -> Option<Option<&str>> {
    match field {
        Field::Absent | Field::Null => Some(None),
        Field::String(s) => Some(Some(s)),
        _ => None,
    }
}

/// LoanPro's active flag.
#[inline]
fn active(field: Field<'_>) -> Option<bool> {
    Some(match field {
        Field::Absent | Field::Null => false,
        Field::Bool(b) => b,
        // The number 1 as `json::number_i64` reads it: the text "1", or any integer text
        // equal to 1.
        Field::Number(n) => n == "1" || n.parse::<i64>() == Ok(1),
        Field::NumberNode(d) => match d.as_raw_number() {
            Some(raw) => raw.as_str() == "1" || raw.as_str().parse::<i64>() == Ok(1),
            None => json::number_i64(d) == Some(1),
        },
        Field::String(s) => s == "1",
        _ => return None,
    })
}

/// A date field's day (none for every "no date" form); `None` when left to the general
/// reader.
#[inline]
fn day(field: Field<'_>) -> Option<Option<Day>> {
    match field {
        Field::Absent | Field::Null => Some(None),
        Field::String(s) => loanpro_day(s).ok(),
        _ => None,
    }
}

/// An amount field's cents.
#[inline]
fn amount(field: Field<'_>) -> Option<Cents> {
    match field {
        Field::Absent | Field::Null | Field::String("") => Some(Cents::ZERO),
        Field::String(s) | Field::Number(s) => parse_money(s).ok(),
        Field::NumberNode(d) => parse_money(d.as_raw_number()?.as_str()).ok(),
        _ => None,
    }
}

/// A document node as a [`Field`]. Strings first: sonic-rs decodes a node's tag again on every
/// accessor, and these fields are nearly always strings.
pub(crate) fn field_of(d: &Doc) -> Field<'_> {
    if let Some(s) = d.as_str() {
        return Field::String(s);
    }
    match json::node(d) {
        json::Node::Null => Field::Null,
        json::Node::Bool(b) => Field::Bool(b),
        json::Node::Number(n) => Field::NumberNode(n),
        json::Node::String(s) => Field::String(s),
        json::Node::Array(_) | json::Node::Object(_) => Field::Other,
    }
}
