//! The runtime value of the mapping language.
//!
//! A value is borrowed from the document being mapped wherever it can be (`Value::Json` holds a
//! reference into the parsed loan), so reading a path never copies the JSON. The lifetime `'d`
//! is the document's; parameters and constants are `Value<'static>`, which fits any `'d`.
//!
//! "Missing" (the document has no such key) and "null" (the key holds `null`, or the literal
//! `none`) are different on purpose: a missing value written into a field is an error record,
//! a null one writes the field's empty fill. `??` replaces both.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::builtins::Type;
use crate::json::{self, Doc, Node};
use sonic_rs::{JsonContainerTrait, JsonValueTrait};

/// One runtime value.
#[derive(Clone)]
pub enum Value<'d> {
    /// The document has no such key (or a list has no such element).
    Missing,
    /// `null` in the document, or the literal `none`.
    Null,
    /// Text.
    Text(Arc<str>),
    /// A whole number.
    Int(i64),
    /// An exact decimal (money is a decimal until a built-in turns it into whole dollars).
    Decimal(Decimal),
    /// A calendar date.
    Date(NaiveDate),
    /// Yes or no.
    Bool(bool),
    /// A list built by the program (a filtered list, a literal list).
    List(Arc<Vec<Value<'d>>>),
    /// A node of the document, read lazily: its type is known only when it is used.
    Json(&'d Doc),
    /// An engine object computed by a built-in (for example a delinquency timeline).
    Opaque(Opaque),
}

/// An engine object carried through a mapping without the language knowing its insides; only
/// built-ins that declare its type name can read it. A single pointer, so values stay small.
#[derive(Clone)]
pub struct Opaque(Arc<OpaqueInner>);

struct OpaqueInner {
    type_name: &'static str,
    object: Box<dyn Any + Send + Sync>,
}

impl Opaque {
    /// Wraps an object under a type name.
    pub fn new<T: Any + Send + Sync>(type_name: &'static str, object: T) -> Opaque {
        Opaque(Arc::new(OpaqueInner {
            type_name,
            object: Box::new(object),
        }))
    }

    /// The type name the checker uses (`timeline`).
    pub fn type_name(&self) -> &'static str {
        self.0.type_name
    }

    /// The object, when it is a `T`.
    pub fn downcast<T: Any>(&self) -> Option<&T> {
        self.0.object.downcast_ref::<T>()
    }

    /// Whether both are the same object.
    pub fn same(&self, other: &Opaque) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Value<'_> {
    /// The value in a few words, for explain output: as [`Value::display`] gives it, with texts
    /// quoted (so `"0"` and `0` differ) and cut at 40 characters.
    pub fn brief(&self) -> String {
        let text = matches!(self, Value::Text(_)) || matches!(self, Value::Json(j) if j.is_str());
        let shown = self.display();
        if !text {
            shown
        } else if shown.chars().count() > 40 {
            format!("{:?}…", shown.chars().take(40).collect::<String>())
        } else {
            format!("{shown:?}")
        }
    }
}

impl fmt::Debug for Value<'_> {
    // JSON nodes and opaque objects show their kind only: documents hold SSNs and dates of
    // birth, which must not reach logs through a Debug print.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Missing => f.write_str("Missing"),
            Value::Null => f.write_str("Null"),
            Value::Text(s) => write!(f, "Text({s:?})"),
            Value::Int(n) => write!(f, "Int({n})"),
            Value::Decimal(d) => write!(f, "Decimal({d})"),
            Value::Date(d) => write!(f, "Date({d})"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::List(l) => f.debug_tuple("List").field(&l.as_slice()).finish(),
            Value::Json(j) => write!(f, "Json({})", json_kind(j)),
            Value::Opaque(o) => write!(f, "Opaque({})", o.type_name()),
        }
    }
}

impl PartialEq for Value<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Missing, Value::Missing) | (Value::Null, Value::Null) => true,
            (Value::Text(a), Value::Text(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Decimal(a), Value::Decimal(b)) => a == b,
            (Value::Int(a), Value::Decimal(b)) | (Value::Decimal(b), Value::Int(a)) => {
                Decimal::from(*a) == *b
            }
            (Value::Date(a), Value::Date(b)) => a == b,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::List(a), Value::List(b)) => a == b,
            (Value::Json(a), Value::Json(b)) => a == b,
            (Value::Opaque(a), Value::Opaque(b)) => a.same(b),
            _ => false,
        }
    }
}

/// The name of a JSON node's kind, for messages.
pub fn json_kind(j: &Doc) -> &'static str {
    match json::node(j) {
        Node::Null => "null",
        Node::Bool(_) => "boolean",
        Node::Number(_) => "number",
        Node::String(_) => "string",
        Node::Array(_) => "array",
        Node::Object(o) if o.contains_key(&"__deferred") => "deferred object",
        Node::Object(o) if o.contains_key(&"results") => "list",
        Node::Object(_) => "object",
    }
}

/// Why a value could not be read as the type a field, operator or built-in needs. The message
/// is complete on its own; the plan adds the document id, the field and the line. A
/// boxed `str` rather than a `String`, so that `Result<Value, ValueError>`, which every read and
/// built-in returns, is no larger than a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(pub Box<str>);

impl ValueError {
    /// A message.
    pub fn new(message: impl Into<String>) -> ValueError {
        ValueError(message.into().into_boxed_str())
    }
}

/// Seconds since 1970 at or before which LoanPro's `/Date(N)/` means "no date" (year 1; its
/// empty sentinel is `/Date(-62169984000)/`).
const NO_DATE_AT_OR_BEFORE: i64 = -62_135_596_800;

/// Reads LoanPro's `/Date(N)/` (N seconds since 1970-01-01 UTC, possibly negative):
/// `Ok(None)` for the "no date" forms (`/Date(0)/` and the year-1 sentinels).
pub fn parse_loanpro_date(s: &str) -> Result<Option<NaiveDate>, ValueError> {
    let inner = s
        .strip_prefix("/Date(")
        .and_then(|r| r.strip_suffix(")/"))
        .ok_or_else(|| ValueError::new(format!("{s:?} is not a date")))?;
    // LoanPro sometimes appends a zone offset (`/Date(123+0000)/`); the instant is the number.
    let digits_end = inner
        .char_indices()
        .skip(1)
        .find(|(_, c)| *c == '+' || *c == '-')
        .map(|(i, _)| i)
        .unwrap_or(inner.len());
    let n: i64 = inner[..digits_end]
        .parse()
        .map_err(|_| ValueError::new(format!("{s:?} is not a date")))?;
    if n == 0 || n <= NO_DATE_AT_OR_BEFORE {
        return Ok(None);
    }
    let days = n.div_euclid(86_400);
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("the epoch is a date");
    epoch
        .checked_add_signed(chrono::Duration::days(days))
        .map(Some)
        .ok_or_else(|| ValueError::new(format!("{s:?} is out of the calendar's range")))
}

impl<'d> Value<'d> {
    /// The text of a value, for messages and `{value}` in error arms.
    pub fn display(&self) -> String {
        match self {
            Value::Missing => "missing".into(),
            Value::Null => "none".into(),
            Value::Text(s) => s.to_string(),
            Value::Int(n) => n.to_string(),
            Value::Decimal(d) => d.to_string(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::Bool(b) => b.to_string(),
            Value::List(l) => format!("a list of {}", l.len()),
            Value::Json(j) => match json::node(j) {
                Node::String(s) => s.to_string(),
                Node::Number(n) => json::number_text(n).unwrap_or_default().into_owned(),
                Node::Bool(b) => b.to_string(),
                Node::Null => "none".into(),
                _ => format!("a JSON {}", json_kind(j)),
            },
            Value::Opaque(o) => format!("a {}", o.type_name()),
        }
    }

    /// A short name of the value's kind, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Missing => "missing value",
            Value::Null => "none",
            Value::Text(_) => "text",
            Value::Int(_) => "int",
            Value::Decimal(_) => "decimal",
            Value::Date(_) => "date",
            Value::Bool(_) => "bool",
            Value::List(_) => "list",
            Value::Json(j) => json_kind(j),
            Value::Opaque(o) => o.type_name(),
        }
    }

    /// A text value.
    pub fn text(s: impl Into<Arc<str>>) -> Value<'d> {
        Value::Text(s.into())
    }

    /// A text value built by `write` into a scratch buffer: one allocation, where building a
    /// `String` and then the value's shared text takes two and a copy (text built-ins run
    /// several times per document).
    pub fn text_with(write: impl FnOnce(&mut String)) -> Value<'d> {
        crate::scratch::with_scratch(|buf| {
            write(buf);
            Value::Text(Arc::from(buf.as_str()))
        })
    }

    /// Whether the value is missing or null (what `??` replaces). A JSON `null` counts.
    pub fn is_absent(&self) -> bool {
        match self {
            Value::Missing | Value::Null => true,
            Value::Json(j) => j.is_null(),
            _ => false,
        }
    }

    /// Turns a JSON scalar into the matching language value (`Json(null)` into `Null`,
    /// strings into `Text`, integers into `Int`, other numbers into exact `Decimal`s). Objects
    /// and arrays stay JSON nodes.
    pub fn resolve(self) -> Value<'d> {
        match self {
            Value::Json(j) => match json::node(j) {
                Node::Null => Value::Null,
                Node::Bool(b) => Value::Bool(b),
                Node::String(s) => Value::Text(Arc::from(s)),
                Node::Number(n) => match json::number_i64(n) {
                    Some(i) => Value::Int(i),
                    None => match json::number_text(n).and_then(|t| t.parse::<Decimal>().ok()) {
                        Some(d) => Value::Decimal(d),
                        None => Value::Json(j),
                    },
                },
                _ => Value::Json(j),
            },
            other => other,
        }
    }

    /// Reads the value as text: text, or a JSON string. Numbers are not text (a mapping says
    /// `text(x)` when it means it). `None` for none/null/missing is the caller's business, so
    /// they are errors here.
    pub fn as_text(&self) -> Result<&str, ValueError> {
        match self {
            Value::Text(s) => Ok(s),
            Value::Json(j) => match j.as_str() {
                Some(s) => Ok(s),
                None => Err(self.expected("text", self)),
            },
            other => Err(self.expected("text", other)),
        }
    }

    /// Reads the value as a whole number: an int, a JSON integer, or text/JSON text of an
    /// integer (`"36"`, as LoanPro sends numbers), or a decimal with no fraction.
    pub fn as_int(&self) -> Result<i64, ValueError> {
        match self {
            Value::Int(n) => Ok(*n),
            Value::Bool(b) => Ok(i64::from(*b)),
            Value::Decimal(d) if d.fract().is_zero() => {
                i64::try_from(*d).map_err(|_| ValueError::new(format!("{d} is too large")))
            }
            // One look at the node's kind.
            Value::Json(j) => int_of_node(&json::node(j))
                .unwrap_or_else(|| Err(self.expected("a whole number", self))),
            Value::Text(t) => int_of_text(t),
            Value::Decimal(d) => Err(ValueError::new(format!(
                "{d} is not a whole number (dollars(...) turns money into whole dollars)"
            ))),
            other => Err(self.expected("a whole number", other)),
        }
    }

    /// Reads the value as an exact decimal: a decimal, an int, a JSON number (its text as
    /// written, never a binary float) or text holding a decimal (`"386.66"`).
    pub fn as_decimal(&self) -> Result<Decimal, ValueError> {
        match self {
            Value::Decimal(d) => Ok(*d),
            Value::Int(n) => Ok(Decimal::from(*n)),
            // One look at the node's kind (money is read this way many times a document).
            Value::Json(j) => decimal_of_node(&json::node(j))
                .unwrap_or_else(|| Err(self.expected("a decimal number", self))),
            Value::Text(t) => parse_decimal(t.trim()),
            other => Err(self.expected("a decimal number", other)),
        }
    }

    /// Reads the value as a date: a date, LoanPro's `/Date(N)/`, or `YYYY-MM-DD` text.
    /// `Ok(None)` is "no date" (null, `""`, `/Date(0)/`, the year-1 sentinels).
    pub fn as_date(&self) -> Result<Option<NaiveDate>, ValueError> {
        match self {
            Value::Date(d) => Ok(Some(*d)),
            Value::Null => Ok(None),
            // One look at the node's kind.
            Value::Json(j) => {
                date_of_node(&json::node(j)).unwrap_or_else(|| Err(self.expected("a date", self)))
            }
            Value::Text(t) => date_of_text(t),
            other => Err(self.expected("a date", other)),
        }
    }

    /// Reads the value as yes/no: a bool, a JSON bool, or the integers 0 and 1 (LoanPro's
    /// flags).
    pub fn as_bool(&self) -> Result<bool, ValueError> {
        match self {
            Value::Bool(b) => Ok(*b),
            Value::Json(j) if j.is_boolean() => Ok(j.as_bool() == Some(true)),
            Value::Int(0) => Ok(false),
            Value::Int(1) => Ok(true),
            Value::Json(j) if json::number_i64(j) == Some(0) => Ok(false),
            Value::Json(j) if json::number_i64(j) == Some(1) => Ok(true),
            other => Err(self.expected("yes/no", other)),
        }
    }

    /// Reads the value as a list of values: a program list, a JSON array, or OData's
    /// `{"results":[...]}`. A `__deferred` object is an error: the connector did not expand it.
    pub fn as_list(&self) -> Result<Vec<Value<'d>>, ValueError> {
        match self {
            Value::List(l) => Ok(l.as_ref().clone()),
            Value::Json(j) => json_list(j).map(|items| items.iter().map(Value::Json).collect()),
            other => Err(self.expected("a list", other)),
        }
    }

    /// The elements of a list, one by one, without copying the list (see [`Value::as_list`]
    /// for the shapes read).
    pub fn iter_list(&self) -> Result<ListIter<'_, 'd>, ValueError> {
        match self {
            Value::List(l) => Ok(ListIter::Values(l.iter())),
            Value::Json(j) => json_list(j).map(|items| ListIter::Json(items.iter())),
            other => Err(self.expected("a list", other)),
        }
    }

    /// The number of elements of a list, without building it.
    pub fn list_len(&self) -> Result<usize, ValueError> {
        match self {
            Value::List(l) => Ok(l.len()),
            Value::Json(j) => json_list(j).map(|items| items.len()),
            other => Err(self.expected("a list", other)),
        }
    }

    /// The opaque object of type `type_name`.
    pub fn as_opaque(&self, type_name: &str) -> Result<&Opaque, ValueError> {
        match self {
            Value::Opaque(o) if o.type_name() == type_name => Ok(o),
            other => Err(self.expected(type_name, other)),
        }
    }

    /// Reads a key of an object: `Missing` when there is no such key or the value is not an
    /// object. `__deferred` objects are an error (not expanded by the connector).
    pub fn get(&self, key: &str) -> Result<Value<'d>, ValueError> {
        match self {
            Value::Json(j) => match JsonValueTrait::get(*j, key) {
                // A deferred object holds only `__deferred`, so a key found is a real one: one
                // lookup (and one look at the node's kind) on the common path.
                Some(v) => Ok(Value::Json(v)),
                None => match json::node(j) {
                    Node::Object(o) if o.contains_key(&"__deferred") => Err(deferred(key)),
                    Node::Object(_) | Node::Null => Ok(Value::Missing),
                    _ => Err(ValueError::new(format!(
                        "cannot read .{key} of {}",
                        self.kind()
                    ))),
                },
            },
            Value::Missing | Value::Null => Ok(Value::Missing),
            other => Err(ValueError::new(format!(
                "cannot read .{key} of {}",
                other.kind()
            ))),
        }
    }

    /// Reads several keys of an object in one pass over its keys, as [`Value::get`] reads each
    /// (the first of duplicate keys wins, `Missing` when absent): built-ins that read many
    /// fields of every row of a list (payments) scan each row once instead of once a field.
    pub fn get_many<const N: usize>(&self, keys: [&str; N]) -> Result<[Value<'d>; N], ValueError> {
        let mut out = [const { Value::Missing }; N];
        match self {
            Value::Json(j) if j.is_object() => {
                let j: &'d Doc = j;
                let mut left = N;
                for (k, v) in j.as_object().into_iter().flat_map(|o| o.iter()) {
                    if let Some(i) = keys.iter().position(|key| *key == k) {
                        if matches!(out[i], Value::Missing) {
                            out[i] = Value::Json(v);
                            left -= 1;
                            if left == 0 {
                                break;
                            }
                        }
                    }
                }
                if left > 0 && is_deferred(j) {
                    let key = keys
                        .iter()
                        .zip(&out)
                        .find(|(_, v)| matches!(v, Value::Missing))
                        .map_or("", |(k, _)| k);
                    return Err(deferred(key));
                }
                Ok(out)
            }
            _ => {
                for (i, key) in keys.iter().enumerate() {
                    out[i] = self.get(key)?;
                }
                Ok(out)
            }
        }
    }

    fn expected(&self, what: &str, got: &Value<'_>) -> ValueError {
        match got {
            Value::Missing => ValueError::new(format!("expected {what}, the value is missing")),
            Value::Json(j) if is_deferred(j) => deferred_list(),
            _ => ValueError::new(format!("expected {what}, got {} {:?}", got.kind(), {
                let mut s = got.display();
                if s.len() > 40 {
                    s.truncate(40);
                }
                s
            })),
        }
    }
}

fn is_deferred(j: &Doc) -> bool {
    j.as_object().is_some_and(|o| o.contains_key(&"__deferred"))
}

fn deferred(key: &str) -> ValueError {
    ValueError::new(format!(
        "cannot read .{key}: the object is `__deferred` (not expanded); fetch it with $expand"
    ))
}

fn deferred_list() -> ValueError {
    ValueError::new(
        "the list is `__deferred` (not expanded by the connector); fetch it with $expand",
    )
}

/// An iterator over the elements of a list value.
pub enum ListIter<'a, 'd> {
    /// A list built by the program.
    Values(std::slice::Iter<'a, Value<'d>>),
    /// A JSON list of the document.
    Json(std::slice::Iter<'d, Doc>),
}

impl<'d> Iterator for ListIter<'_, 'd> {
    type Item = Value<'d>;

    fn next(&mut self) -> Option<Value<'d>> {
        match self {
            ListIter::Values(i) => i.next().cloned(),
            ListIter::Json(i) => i.next().map(Value::Json),
        }
    }
}

/// The elements of a JSON list: an array, or OData's `{"results":[...]}`.
pub fn json_list(j: &Doc) -> Result<&[Doc], ValueError> {
    match json::node(j) {
        Node::Array(a) => Ok(a),
        Node::Object(o) => match o.get(&"results").and_then(|r| r.as_array()) {
            Some(a) => Ok(a),
            _ if o.contains_key(&"__deferred") => Err(deferred_list()),
            _ => Err(ValueError::new("expected a list, got an object")),
        },
        _ => Err(ValueError::new(format!(
            "expected a list, got {}",
            json_kind(j)
        ))),
    }
}

/// A date written as text: LoanPro's `/Date(N)/` or `YYYY-MM-DD`; `None` when blank.
fn date_of_text(s: &str) -> Result<Option<NaiveDate>, ValueError> {
    let s = s.trim();
    if s.is_empty() {
        Ok(None)
    } else if s.starts_with("/Date(") {
        parse_loanpro_date(s)
    } else {
        crate::clean::date::iso_date(s)
            .map(Some)
            .ok_or_else(|| ValueError::new(format!("{s:?} is not a date")))
    }
}

/// A whole number written as text (`"36"`, or `"36.00"`).
pub(crate) fn int_of_text(s: &str) -> Result<i64, ValueError> {
    let s = s.trim();
    match s.parse::<i64>() {
        Ok(n) => Ok(n),
        Err(_) => match parse_decimal(s) {
            Ok(d) => Value::Decimal(d).as_int(),
            Err(_) => Err(ValueError::new(format!("{s:?} is not a whole number"))),
        },
    }
}

/// [`Value::as_decimal`] of a JSON node already decoded (a typed path decodes each node
/// once); `None` for a kind that is not read as a decimal (the caller words the error).
pub(crate) fn decimal_of_node(n: &Node<'_>) -> Option<Result<Decimal, ValueError>> {
    Some(match n {
        Node::String(s) => parse_decimal(s.trim()),
        Node::Number(n) => match n.as_raw_number() {
            Some(raw) => parse_decimal(raw.as_str()),
            None => parse_decimal(&json::number_text(n).unwrap_or_default()),
        },
        _ => return None,
    })
}

/// [`Value::as_int`] of a JSON node already decoded; `None` for a kind that is not read as a
/// whole number.
pub(crate) fn int_of_node(n: &Node<'_>) -> Option<Result<i64, ValueError>> {
    Some(match n {
        Node::Number(n) => match json::number_i64(n) {
            Some(i) => Ok(i),
            None => parse_decimal(&json::number_text(n).unwrap_or_default())
                .and_then(|d| Value::Decimal(d).as_int()),
        },
        Node::Bool(b) => Ok(i64::from(*b)),
        Node::String(s) => int_of_text(s),
        _ => return None,
    })
}

/// [`Value::as_date`] of a JSON node already decoded; `None` for a kind that is not read as
/// a date.
pub(crate) fn date_of_node(n: &Node<'_>) -> Option<Result<Option<NaiveDate>, ValueError>> {
    Some(match n {
        Node::Null => Ok(None),
        Node::String(s) => date_of_text(s),
        _ => return None,
    })
}

/// Parses decimal text exactly (`"386.66"`, `"-12"`, `"1e3"` is refused).
pub fn parse_decimal(s: &str) -> Result<Decimal, ValueError> {
    s.parse::<Decimal>()
        .map_err(|_| ValueError::new(format!("{s:?} is not a decimal number")))
}

impl Value<'static> {
    /// The static type the checker gives a constant.
    pub fn static_type(&self) -> Type {
        match self {
            Value::Missing | Value::Null => Type::None,
            Value::Text(_) => Type::Text,
            Value::Int(_) => Type::Int,
            Value::Decimal(_) => Type::Decimal,
            Value::Date(_) => Type::Date,
            Value::Bool(_) => Type::Bool,
            Value::List(l) => Type::List(Box::new(
                l.first().map(|v| v.static_type()).unwrap_or(Type::Any),
            )),
            Value::Json(_) => Type::Json,
            Value::Opaque(o) => Type::Opaque(o.type_name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brief_says_scalars_as_the_language_writes_them_and_the_rest_by_kind() {
        assert_eq!(Value::text("71").brief(), "\"71\"");
        assert_eq!(Value::Int(6).brief(), "6");
        assert_eq!(Value::Null.brief(), "none");
        assert_eq!(Value::Missing.brief(), "missing");
        let d = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(Value::Date(d).brief(), "2026-11-30");
        assert_eq!(
            Value::text("x".repeat(50).as_str()).brief(),
            format!("{:?}…", "x".repeat(40))
        );
        let doc = crate::json::parse(r#"{"a": "12.50", "n": 7, "o": {}}"#).unwrap();
        let get = |k: &str| Value::Json(&doc).get(k).unwrap().brief();
        assert_eq!(get("a"), "\"12.50\"");
        assert_eq!(get("n"), "7");
        assert_eq!(get("o"), "a JSON object");
    }
    use serde_json::json;

    fn doc(v: serde_json::Value) -> Doc {
        json::from_serde(&v)
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn loanpro_dates_are_utc_days_and_sentinels_are_no_date() {
        assert_eq!(
            parse_loanpro_date("/Date(1427829732)/"),
            Ok(Some(d(2015, 3, 31)))
        );
        assert_eq!(parse_loanpro_date("/Date(0)/"), Ok(None));
        assert_eq!(parse_loanpro_date("/Date(-62169984000)/"), Ok(None));
        assert_eq!(
            parse_loanpro_date("/Date(-86400)/"),
            Ok(Some(d(1969, 12, 31)))
        );
        assert_eq!(parse_loanpro_date("/Date(-1)/"), Ok(Some(d(1969, 12, 31))));
        assert!(parse_loanpro_date("/Date(x)/").is_err());
    }

    #[test]
    fn numbers_are_read_exactly_from_text_and_json() {
        let j = doc(json!({"a": "386.66", "b": 386.66, "c": "36", "d": 7}));
        let v = Value::Json(&j);
        assert_eq!(
            v.get("a").unwrap().as_decimal().unwrap(),
            "386.66".parse::<Decimal>().unwrap()
        );
        assert_eq!(
            v.get("b").unwrap().as_decimal().unwrap(),
            "386.66".parse::<Decimal>().unwrap()
        );
        assert_eq!(v.get("c").unwrap().as_int(), Ok(36));
        assert_eq!(v.get("d").unwrap().as_int(), Ok(7));
        assert!(v.get("a").unwrap().as_int().is_err());
        assert!(matches!(v.get("zz").unwrap(), Value::Missing));
    }

    #[test]
    fn odata_lists_and_deferred_objects() {
        let j = doc(json!({"P": {"results": [1, 2]}, "Q": {"__deferred": {"uri": "x"}}}));
        let v = Value::Json(&j);
        assert_eq!(v.get("P").unwrap().list_len(), Ok(2));
        let err = v.get("Q").unwrap().as_list().unwrap_err();
        assert!(err.0.contains("__deferred"), "{err}");
        let err = v.get("Q").unwrap().get("x").unwrap_err();
        assert!(err.0.contains("not expanded"), "{err}");
    }

    #[test]
    fn numbers_in_parsed_text_are_exact_decimals() {
        // Parsed straight from text, as the CLI and the sync do: no binary float in between.
        let j =
            json::parse(r#"{"a": 1234.57, "b": 1.5e3, "c": 0.1000000000000000000001, "d": 36}"#)
                .unwrap();
        let v = Value::Json(&j);
        let dec = |k: &str| v.get(k).unwrap().as_decimal().unwrap();
        assert_eq!(dec("a"), "1234.57".parse::<Decimal>().unwrap());
        assert_eq!(
            dec("c"),
            "0.1000000000000000000001".parse::<Decimal>().unwrap()
        );
        assert_eq!(dec("b"), Decimal::from(1500));
        assert_eq!(v.get("d").unwrap().as_int(), Ok(36));
        assert_eq!(v.get("a").unwrap().display(), "1234.57");
        assert_eq!(v.get("b").unwrap().display(), "1.5e3");
    }

    #[test]
    fn get_many_reads_as_get_does() {
        let j = doc(json!({"a": 1, "b": "x", "n": null, "D": {"__deferred": {"uri": "u"}}}));
        let v = Value::Json(&j);
        let [a, b, n, z] = v.get_many(["a", "b", "n", "z"]).unwrap();
        for (got, key) in [(a, "a"), (b, "b"), (n, "n"), (z, "z")] {
            assert_eq!(got, v.get(key).unwrap(), "{key}");
        }
        let err = v.get("D").unwrap().get_many(["x"]).unwrap_err();
        assert_eq!(err, v.get("D").unwrap().get("x").unwrap_err());
        assert!(v.get("b").unwrap().get_many(["x"]).is_err());
        assert!(matches!(Value::Null.get_many(["x"]), Ok([Value::Missing])));
    }

    #[test]
    fn values_stay_small() {
        // Values are copied into slots, stacks and lists on every document: keep them 24 bytes.
        assert!(std::mem::size_of::<Value<'_>>() <= 24);
        // Every read and built-in returns one: failures are boxed so it is no larger.
        assert!(std::mem::size_of::<Result<Value<'_>, ValueError>>() <= 24);
    }

    #[test]
    fn missing_and_null_differ_but_both_are_absent() {
        let j = doc(json!({"n": null}));
        let v = Value::Json(&j);
        let n = v.get("n").unwrap();
        let m = v.get("m").unwrap();
        assert!(n.is_absent() && m.is_absent());
        assert!(matches!(n.resolve(), Value::Null));
        assert!(matches!(m, Value::Missing));
    }
}
