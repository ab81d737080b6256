//! A payment row's five fields in the forms the plain readers take, and the row they make.
//!
//! Two readers take LoanPro's payment rows without the general path's per-field errors: the
//! document's (`timeline_delinquency::plain_row`, over parsed nodes) and the text's
//! (`payments_text`, straight from the JSON). Both tell each field apart as a [`Field`] and
//! leave the forms-to-row rules (derivations.md §1, §3) to [`plain_payment`], written once.
//! A row either reader declines (`None`) goes to the general reader, which words the errors.
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
    /// A LoanPro date string already read as its day (the text reader's one-pass form).
    Day(Option<Day>),
    /// An amount string in LoanPro's `D.DD` form already read as its cents (likewise).
    Cents(Cents),
    /// A string with escapes, a list or an object: left to the general reader.
    Other,
}

/// The row of the fields status, active, date, reverseDate and amount, in that order; `None`
/// when a field's form is left to the general reader.
#[inline]
pub(crate) fn plain_payment<'a>(fields: &[Field<'a>; 5]) -> Option<PaymentRow<'a>> {
    let &[status, active, date, reverse_date, amount] = fields;
    Some(PaymentRow {
        status: match status {
            Field::Absent | Field::Null => None,
            Field::String(s) => Some(s),
            _ => return None,
        },
        active: match active {
            Field::Absent | Field::Null => false,
            Field::Bool(b) => b,
            // The number 1 as `json::number_i64` reads it: the text "1", or any integer
            // text equal to 1.
            Field::Number(n) => n == "1" || n.parse::<i64>() == Ok(1),
            Field::NumberNode(d) => match d.as_raw_number() {
                Some(raw) => raw.as_str() == "1" || raw.as_str().parse::<i64>() == Ok(1),
                None => json::number_i64(d) == Some(1),
            },
            Field::String(s) => s == "1",
            _ => return None,
        },
        date: day(date)?,
        reverse_date: day(reverse_date)?,
        amount: match amount {
            Field::Cents(cents) => cents,
            Field::Absent | Field::Null | Field::String("") => Cents::ZERO,
            Field::String(s) | Field::Number(s) => parse_money(s).ok()?,
            Field::NumberNode(d) => parse_money(d.as_raw_number()?.as_str()).ok()?,
            _ => return None,
        },
    })
}

/// A date field's day (none for every "no date" form); `None` when left to the general
/// reader.
fn day(field: Field<'_>) -> Option<Option<Day>> {
    match field {
        Field::Absent | Field::Null => Some(None),
        Field::Day(day) => Some(day),
        Field::String(s) => loanpro_day(s).ok(),
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
