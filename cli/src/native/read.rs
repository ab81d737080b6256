//! Strict readers of a loan document for the native preset. Each reads one place as the
//! preset's expression there reads it, and answers [`Defer`] for any shape whose reading by
//! the plan this code does not repeat exactly (a missing key the preset reads without `??`,
//! a number where the plan compares a text, an object where a scalar belongs): the plan then
//! maps that loan, so such a loan gets the plan's record or error, never a guess.

use std::borrow::Cow;

use metro2_engine::clean::date::loanpro_day;
use metro2_engine::clean::money::{parse_money, Cents};
use metro2_engine::json::{node, number_text, Doc, Node};
use metro2_engine::timeline::days::Day;

/// "The plan maps this loan": the native preset does not answer for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Defer;

/// A reading, or [`Defer`].
pub type R<T> = Result<T, Defer>;

/// An object's members, read in one pass (sonic-rs finds a key by decoding every key before
/// it, so each `get` on the node would scan again).
pub struct Keys<'d>(Vec<(&'d str, &'d Doc)>);

impl<'d> Keys<'d> {
    /// No members: what a path through a missing or none object reads.
    pub fn empty() -> Keys<'d> {
        Keys(Vec::new())
    }

    /// An object's members; any other node defers.
    pub fn object(j: &'d Doc) -> R<Keys<'d>> {
        match node(j) {
            Node::Object(o) => Ok(Keys(o.iter().collect())),
            _ => Err(Defer),
        }
    }

    /// An object that may be missing (an address a customer does not have): none when it is,
    /// its members when an object; anything else (null included) defers.
    pub fn optional(j: Option<&'d Doc>) -> R<Keys<'d>> {
        j.map_or(Ok(Keys::empty()), Keys::object)
    }

    /// The first value of `key`, as the plan reads duplicate keys.
    pub fn get(&self, key: &str) -> Option<&'d Doc> {
        self.0.iter().find(|(k, _)| *k == key).map(|p| p.1)
    }

    /// A key the preset reads without a default: missing defers (the plan fails there).
    pub fn required(&self, key: &str) -> R<&'d Doc> {
        self.get(key).ok_or(Defer)
    }

    /// `key ?? ""` given to a clean-up built-in, which reads a string or a number's text.
    pub fn text_or_empty(&self, key: &str) -> R<Cow<'d, str>> {
        Ok(scalar(self.get(key))?.unwrap_or_default())
    }

    /// `key ?? ""` compared with a text or cut with `after_last`: a string, `""` for missing
    /// and null; any other kind defers.
    pub fn code_or_empty(&self, key: &str) -> R<&'d str> {
        match self.get(key).map(node) {
            None | Some(Node::Null) => Ok(""),
            Some(Node::String(s)) => Ok(s),
            Some(_) => Err(Defer),
        }
    }
}

/// A scalar as the clean-up built-ins read it: a string, or a number's text as written
/// (LoanPro sometimes sends SSNs, ZIP codes, terms and money as numbers); `None` for null and
/// missing; any other kind defers (the built-ins refuse it).
pub fn scalar(j: Option<&Doc>) -> R<Option<Cow<'_, str>>> {
    match j.map(node) {
        None | Some(Node::Null) => Ok(None),
        Some(Node::String(s)) => Ok(Some(Cow::Borrowed(s))),
        Some(Node::Number(n)) => number_text(n).map(Some).ok_or(Defer),
        Some(_) => Err(Defer),
    }
}

/// `x == 1` for a LoanPro flag read without a default (`deleted`, `isPrimary`): the numbers
/// 0 and 1 as LoanPro writes them, null as false; missing and every other form defer.
pub fn is_one(j: Option<&Doc>) -> R<bool> {
    match j.map(node) {
        Some(Node::Null) => Ok(false),
        Some(Node::Number(n)) => match number_text(n).as_deref() {
            Some("1") => Ok(true),
            Some("0") => Ok(false),
            _ => Err(Defer),
        },
        _ => Err(Defer),
    }
}

/// `x == "code"` for a value read without a default (`loanRole`, `loanClass`): a string
/// compared as text, null as false; missing and every other kind defer.
pub fn equals_code(j: Option<&Doc>, code: &str) -> R<bool> {
    match j.map(node) {
        Some(Node::Null) => Ok(false),
        Some(Node::String(s)) => Ok(s == code),
        _ => Err(Defer),
    }
}

/// A `{"results": [...]}` list read without a default; anything else defers (a bare array,
/// `__deferred`, missing).
pub fn list(j: Option<&Doc>) -> R<&[Doc]> {
    let Some(Node::Object(o)) = j.map(node) else {
        return Err(Defer);
    };
    match o.get(&"results").map(node) {
        Some(Node::Array(a)) => Ok(a),
        _ => Err(Defer),
    }
}

/// `loanpro_money(x)`: an amount of §1; `None` for missing, null and `""`; a malformed amount
/// defers (the plan fails it with its message).
pub fn money(j: Option<&Doc>) -> R<Option<Cents>> {
    match scalar(j)? {
        None => Ok(None),
        Some(t) if t.is_empty() => Ok(None),
        Some(t) => parse_money(&t).map(Some).map_err(|_| Defer),
    }
}

/// `loanpro_date(x)` as a day number: `None` for every "no date" form of §1 (missing, null,
/// `""`, `/Date(0)/`); any other form than a `/Date(N)/` string defers.
pub fn day(j: Option<&Doc>) -> R<Option<Day>> {
    match j.map(node) {
        None | Some(Node::Null) => Ok(None),
        Some(Node::String(s)) => loanpro_day(s).map_err(|_| Defer),
        Some(_) => Err(Defer),
    }
}

/// The part after the last `.` (`after_last(x, ".")`).
pub fn after_last(s: &str) -> &str {
    s.rsplit_once('.').map_or(s, |x| x.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Doc {
        metro2_engine::json::parse(text).unwrap()
    }

    #[test]
    fn flags_are_the_numbers_zero_and_one_or_null() {
        let d = doc(r#"{"a": 1, "b": 0, "c": null, "d": "1", "e": true, "f": 1.0}"#);
        let k = Keys::object(&d).unwrap();
        assert_eq!(is_one(k.get("a")), Ok(true));
        assert_eq!(is_one(k.get("b")), Ok(false));
        assert_eq!(is_one(k.get("c")), Ok(false));
        for key in ["d", "e", "f", "missing"] {
            assert_eq!(is_one(k.get(key)), Err(Defer), "{key}");
        }
    }

    #[test]
    fn lists_are_odata_results_only() {
        let d = doc(r#"{"a": {"results": [1]}, "b": [1], "c": {"__deferred": {}}, "d": null}"#);
        let k = Keys::object(&d).unwrap();
        assert_eq!(list(k.get("a")).map(<[Doc]>::len), Ok(1));
        for key in ["b", "c", "d", "missing"] {
            assert!(list(k.get(key)).is_err(), "{key}");
        }
    }

    #[test]
    fn scalars_read_numbers_as_written_and_defer_on_containers() {
        let d = doc(r#"{"n": 12.50, "s": "x", "z": null, "o": {}, "t": true}"#);
        let k = Keys::object(&d).unwrap();
        assert_eq!(k.text_or_empty("n").unwrap(), "12.50");
        assert_eq!(k.text_or_empty("s").unwrap(), "x");
        assert_eq!(k.text_or_empty("z").unwrap(), "");
        assert_eq!(k.text_or_empty("missing").unwrap(), "");
        assert!(k.text_or_empty("o").is_err());
        assert!(k.text_or_empty("t").is_err());
        assert!(k.code_or_empty("n").is_err());
        assert_eq!(money(k.get("n")), Ok(Some(Cents(1250))));
        assert_eq!(money(k.get("s")), Err(Defer));
        assert_eq!(day(k.get("n")), Err(Defer));
        assert_eq!(day(k.get("z")), Ok(None));
    }
}
