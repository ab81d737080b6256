//! A loan document parsed for the plan that maps it.
//!
//! A plan that reads the document's `Payments` only to give them to `delinquency` (the LoanPro
//! preset, and any mapping built on it) never looks at a payment row as a node: the rows are
//! read straight from the text into the counted payments `delinquency` builds its timeline
//! from (`builtins/payments_text.rs`), and the rest of the document is parsed as usual. Most
//! of a LoanPro document is its payments, so this is most of the cost of parsing one and of
//! reading its payments (issue 4; docs/performance.md, twelfth and thirteenth sessions).
//!
//! Nothing about the result depends on the path taken: a document the fast reader cannot
//! take whole (a payment field in a form the plain-row reader leaves to the general one, a
//! duplicated `Payments` key, a `Payments` key written with escapes, a top level that is not
//! an object, text that is not JSON, no `Payments` at all) is parsed the general way, which
//! gives every error its usual words.

use std::fmt;
use std::sync::LazyLock;

use memchr::memmem::Finder;
use sonic_rs::{JsonContainerTrait, JsonValueTrait};

use crate::builtins::payments_text::{counted_payments, CountedPayments, COUNTED_PAYMENTS};
use crate::json::{self, Doc};
use crate::value::{Opaque, Value};
use cursor::Cursor;

pub(crate) mod cursor;

/// A parsed loan document.
pub struct Loan {
    /// The document. When [`Loan::payments`] holds its payments, its `Payments` is a
    /// placeholder that no plan reads (the plan reads [`Loan::payments`] instead).
    pub doc: Doc,
    /// The document's top-level `Payments` as counted payments, when its rows were read from
    /// the text; `None` when the document holds them.
    pub payments: Option<Value<'static>>,
}

impl Loan {
    /// The whole document parsed (what [`json::parse`] gives).
    pub fn parse(text: &str) -> Result<Loan, String> {
        Ok(Loan {
            doc: json::parse(text)?,
            payments: None,
        })
    }

    /// The document parsed with its payments read as counted payments where it can be, the
    /// whole document otherwise. Only for a plan that reads `Payments` nowhere but as
    /// `delinquency`'s argument (`Plan::parse` asks).
    pub fn parse_counting_payments(text: &str) -> Result<Loan, String> {
        match counted(text) {
            Some(loan) => Ok(loan),
            None => Loan::parse(text),
        }
    }
}

impl fmt::Debug for Loan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A document holds identities: never its content.
        f.debug_struct("Loan")
            .field("counted_payments", &self.payments.is_some())
            .finish_non_exhaustive()
    }
}

/// The JSON text put in place of the payments in the text sonic-rs parses: a string holding
/// the character U+0000, which a JSON text can only write as `\u0000`. A document without
/// that escape cannot hold this string anywhere, so finding it as the parsed document's
/// `Payments` proves the payments read were the top level's `Payments` (the first, which the
/// general path reads).
const PLACEHOLDER: &str = "\"\\u0000\"";

/// The fast path: `None` when the document is left to the general parse. The first
/// `"Payments"` key in the text (found by a vectorised search, not by reading the members
/// before it) has its value read as counted payments, checked as JSON; the text with that
/// value replaced by [`PLACEHOLDER`] is parsed by sonic-rs, which checks everything else.
/// The replacement is exact: a valid value was swapped for another valid value, so the text
/// parses exactly when the document does; and the placeholder read back as the top-level
/// `Payments` shows the key found was that one, not a key of a nested object or the end of
/// a string that holds `\"Payments`. Anything else (no such key, an escaped `Payments` key
/// before it, a second `Payments`, `\u0000` outside the payments) goes to the general parse.
fn counted(text: &str) -> Option<Loan> {
    static KEY: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"Payments\""));
    static NUL: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\\u0000"));
    let bytes = text.as_bytes();
    // The first `"Payments"` followed by a colon: a key (of some object).
    let mut from = 0;
    let mut c = loop {
        let at = from + KEY.find(&bytes[from..])?;
        let mut c = Cursor::new(text);
        c.advance(at + "\"Payments\"".len());
        if c.eat_if(b':') {
            break c;
        }
        from = at + 1;
    };
    c.next_token()?;
    let start = c.at();
    let payments = counted_payments(&mut c)?;
    let end = c.at();
    // `\u0000` anywhere in the text sonic-rs parses but the placeholder: searched outside the
    // payments only (a third of a loan's text), since they are not parsed. No escape can span
    // the placeholder's edges: the text before it ends at a colon or whitespace, and the
    // text after it starts with a comma, a closing bracket or whitespace.
    if NUL.find(&bytes[..start]).is_some() || NUL.find(&bytes[end..]).is_some() {
        return None;
    }
    let mut rest = String::with_capacity(text.len() - (end - start) + PLACEHOLDER.len());
    rest.push_str(&text[..start]);
    rest.push_str(PLACEHOLDER);
    rest.push_str(&text[end..]);
    let doc = json::parse(&rest).ok()?;
    // Read through the shared view only: through sonic-rs's mutable view, an object with a
    // duplicated key answered with the last of them (seen in a test), where the general path
    // reads the first.
    let mut keys = doc.as_object()?.iter().filter(|(k, _)| *k == "Payments");
    if keys.next()?.1.as_str() != Some("\0") || keys.next().is_some() {
        // Not the top level's, or a second `Payments` (the general path reads the first).
        return None;
    }
    Some(Loan {
        doc,
        payments: Some(Value::Opaque(Opaque::new(
            COUNTED_PAYMENTS,
            CountedPayments(payments),
        ))),
    })
}
