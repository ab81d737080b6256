//! The loan document a plan reads: a `sonic_rs::Value` parsed with exact numbers.
//!
//! Parsing dominates the cost of mapping a loan (issue 4): a 7.7 KB LoanPro document takes
//! about 45 µs into an order-preserving, exact-number `serde_json::Value` and about 3 µs into
//! `sonic_rs::Value`, whose objects are flat arrays of pairs in one arena. The workspace builds
//! sonic-rs with `arbitrary_precision`, so every JSON number is kept as the text it was written
//! in (`1234.57`, `1.5e3`) and money is never read through a binary float. Objects keep their
//! keys in document order; a key looked up is found by a linear scan, which for LoanPro's
//! objects (tens of keys, each path read once per document and cached) is cheaper than hashing.
//!
//! serde_json stays the type of everything else (the Metro 2 JSON documents of
//! [`crate::document`], command output, the LoanPro simulator): [`from_serde`] and
//! [`to_serde`] cross over where a caller holds the other kind.

use std::borrow::Cow;

pub use sonic_rs::Value as Doc;
use sonic_rs::{JsonContainerTrait, JsonType, JsonValueTrait};

/// Parses a loan document. Numbers keep their text (see the module's documentation). Nesting
/// deeper than 255 levels is an error (sonic-rs's limit; a LoanPro loan nests about six).
pub fn parse(text: &str) -> Result<Doc, String> {
    sonic_rs::from_str(text).map_err(|e| e.to_string())
}

/// The same document from a `serde_json::Value` (tests and callers that built one). Goes
/// through the JSON text so numbers keep their exact text.
pub fn from_serde(v: &serde_json::Value) -> Doc {
    parse(&v.to_string()).expect("serde_json writes valid JSON")
}

/// The same node as a `serde_json::Value` (for output that echoes part of a document). Keys
/// keep their order and numbers their text.
pub fn to_serde(d: &Doc) -> serde_json::Value {
    let text = sonic_rs::to_string(d).expect("a parsed document serialises");
    serde_json::from_str(&text).expect("sonic-rs writes valid JSON")
}

/// A node of a document, by kind, for matching.
#[derive(Debug, Clone, Copy)]
pub enum Node<'d> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number (read its text with [`number_text`]).
    Number(&'d Doc),
    /// A string.
    String(&'d str),
    /// An array.
    Array(&'d [Doc]),
    /// An object.
    Object(&'d sonic_rs::Object),
}

/// The kind of a node, with what it holds.
#[inline]
pub fn node(d: &Doc) -> Node<'_> {
    // Every sonic-rs accessor decodes the node's tag again: decode it once, then read.
    match d.get_type() {
        JsonType::String => d.as_str().map_or(Node::Null, Node::String),
        JsonType::Object => d.as_object().map_or(Node::Null, Node::Object),
        JsonType::Array => d.as_array().map_or(Node::Null, |a| Node::Array(a)),
        JsonType::Number => Node::Number(d),
        JsonType::Boolean => Node::Bool(d.as_bool() == Some(true)),
        JsonType::Null => Node::Null,
    }
}

/// The text of a number node as written in the document (`None` for other kinds).
pub fn number_text(d: &Doc) -> Option<Cow<'_, str>> {
    // A parsed document holds every number as its text: ask for that first (one tag decode).
    match d.as_raw_number() {
        Some(raw) => Some(Cow::Owned(raw.as_str().to_owned())),
        // Built in memory rather than parsed: sonic-rs holds the number, not its text.
        None => d.as_number().map(|n| Cow::Owned(n.to_string())),
    }
}

/// A number node as a whole number: only when its text is an integer (`7`, not `7.0` nor
/// `7e0`), exactly as serde_json's `as_i64` reads an exact number.
pub fn number_i64(d: &Doc) -> Option<i64> {
    match d.as_raw_number() {
        Some(raw) => raw.as_str().parse().ok(),
        None => d.as_i64(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A document nested deeper than 255 levels is an error, not a stack overflow that would
    /// abort the process and the batch with it: sonic-rs refuses such nesting from 0.5.12 on
    /// (0.5.10 recursed once per level, and this test aborted on a test thread's stack).
    #[test]
    fn documents_nested_too_deep_are_an_error_not_a_crash() {
        for depth in [300, 100_000] {
            let text = format!("{{\"a\": {}{}}}", "[".repeat(depth), "]".repeat(depth));
            assert!(parse(&text).is_err(), "depth {depth}");
            assert!(crate::loan::Loan::parse(&text).is_err(), "depth {depth}");
            assert!(
                crate::loan::Loan::parse_counting_payments(&text).is_err(),
                "depth {depth}"
            );
            let payments = format!(
                "{{\"Payments\": {{\"results\": [{{\"x\": {}{}}}]}}}}",
                "[".repeat(depth),
                "]".repeat(depth)
            );
            assert!(
                crate::loan::Loan::parse_counting_payments(&payments).is_err(),
                "payments, depth {depth}"
            );
        }
        // A loan nests about six levels: 200 is far inside the limit.
        let text = format!("{{\"a\": {}{}}}", "[".repeat(200), "]".repeat(200));
        assert!(parse(&text).is_ok());
    }

    #[test]
    fn numbers_keep_their_text() {
        let d =
            parse(r#"{"a": 1234.57, "b": 1.5e3, "c": 7, "d": 7.0, "e": 0.1000000000000000000001}"#)
                .unwrap();
        let t = |k: &str| number_text(d.get(k).unwrap()).unwrap().into_owned();
        assert_eq!(t("a"), "1234.57");
        assert_eq!(t("b"), "1.5e3");
        assert_eq!(t("e"), "0.1000000000000000000001");
        assert_eq!(number_i64(d.get("c").unwrap()), Some(7));
        assert_eq!(number_i64(d.get("d").unwrap()), None);
    }

    #[test]
    fn serde_round_trip_keeps_order_and_numbers() {
        let j: serde_json::Value =
            serde_json::from_str(r#"{"z": 1.50, "a": [null, true, "x"], "m": {"k": -0.0}}"#)
                .unwrap();
        let d = from_serde(&j);
        assert_eq!(to_serde(&d).to_string(), j.to_string());
        assert!(matches!(node(&d), Node::Object(_)));
        assert!(matches!(node(d.get("a").unwrap()), Node::Array(a) if a.len() == 3));
    }
}
