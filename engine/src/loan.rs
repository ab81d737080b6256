//! A loan document parsed for the plan that maps it.
//!
//! A plan that reads the document's `Payments` only to give them to `delinquency` (the LoanPro
//! preset, and any mapping built on it) never looks at a payment row as a node: the rows are
//! read straight from the text into the counted payments `delinquency` builds its timeline
//! from (`builtins/payments_text.rs`), and the rest of the document is parsed as usual. Most
//! of a LoanPro document is its payments, so this is most of the cost of parsing one and of
//! reading its payments (issue 4; docs/performance.md, twelfth session).
//!
//! Nothing about the result depends on the path taken: a document the fast reader cannot
//! take whole (a payment field in a form the plain-row reader leaves to the general one, a
//! duplicated `Payments` key, a key written with escapes, a top level that is not an object,
//! text that is not JSON) is parsed the general way, which gives every error its usual words.

use std::fmt;

use crate::builtins::payments_text::{counted_payments, CountedPayments, COUNTED_PAYMENTS};
use crate::json::{self, Doc};
use crate::value::{Opaque, Value};
use cursor::Cursor;

pub(crate) mod cursor;

/// A parsed loan document.
pub struct Loan {
    /// The document; without its `Payments` key when [`Loan::payments`] holds them.
    pub doc: Doc,
    /// What the document's top-level `Payments` reads as, when its rows were read from the
    /// text: the counted payments, or missing when the document has no such key. `None`
    /// when the document holds them.
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

/// The fast path: `None` when the document is left to the general parse. The top-level
/// object is read once: every member but `Payments` copied as written into the text parsed
/// as the document, the payments counted. The other members are passed over without being
/// judged ([`Cursor::pass_value`]): sonic-rs parsing their copy checks them, and should it
/// refuse them, the general parse of the whole text gives the error. That is exact because
/// the members' boundaries are found the way any JSON parser finds them in valid text, and
/// the payments and the top level's punctuation are checked here: the copy parses exactly
/// when the document does.
fn counted(text: &str) -> Option<Loan> {
    let mut c = Cursor::new(text);
    c.eat(b'{')?;
    let mut rest = String::with_capacity(text.len() / 2);
    rest.push('{');
    let mut payments = None;
    if !c.eat_if(b'}') {
        loop {
            let (key, escaped) = c.string()?;
            c.eat(b':')?;
            if escaped {
                // Compared by its characters, it might be `Payments`.
                return None;
            }
            if key == "Payments" {
                if payments.is_some() {
                    // The general path keeps both and reads the first.
                    return None;
                }
                payments = Some(counted_payments(&mut c)?);
            } else {
                // Passed over unjudged: sonic-rs parses (and so checks) `rest` below.
                c.next_token()?;
                let start = c.at();
                c.pass_value()?;
                let value = c.slice(start, c.at());
                if rest.len() > 1 {
                    rest.push(',');
                }
                rest.push('"');
                rest.push_str(key);
                rest.push_str("\":");
                rest.push_str(value);
            }
            if !c.eat_if(b',') {
                c.eat(b'}')?;
                break;
            }
        }
    }
    if !c.at_end() {
        return None;
    }
    rest.push('}');
    let doc = json::parse(&rest).ok()?;
    let payments = match payments {
        Some(p) => Value::Opaque(Opaque::new(COUNTED_PAYMENTS, CountedPayments(p))),
        None => Value::Missing,
    };
    Some(Loan {
        doc,
        payments: Some(payments),
    })
}
