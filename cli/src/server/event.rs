//! What a LoanPro notification names: the loan to pull and the trace id of the delivery.
//!
//! The body is a tenant-editable template whose default is
//! `{"eventName":"...","context":{"loan-display-id":"727",...}}`. A loan is named by its display
//! id (`loan-display-id`) or its numeric id (`loan-id`, `loanId` or `loan_id`), in `context` or
//! at the top level, as a string or a number. The trace id that LoanPro keeps across retries is
//! read from the `X-LoanPro-Trace-Id` header or a `trace-id`/`traceId` key.

use serde_json::Value;

/// The header that may carry the delivery's trace id.
pub const TRACE_HEADER: &str = "x-loanpro-trace-id";

/// How an event names its loan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoanRef {
    /// LoanPro's numeric loan id.
    Id(i64),
    /// The display id shown to servicers (the Metro 2 account number is usually built from it).
    DisplayId(String),
}

impl std::fmt::Display for LoanRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoanRef::Id(id) => write!(f, "loan id {id}"),
            LoanRef::DisplayId(d) => write!(f, "loan display id {d}"),
        }
    }
}

/// A parsed notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `eventName`, when present.
    pub name: Option<String>,
    /// The loan the event is about, when it names one.
    pub loan: Option<LoanRef>,
    /// The delivery's trace id from the body, when present.
    pub trace_id: Option<String>,
}

/// Why a body is not an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// Not JSON at all.
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    /// JSON, but not an object.
    #[error("the body is JSON but not an object")]
    NotObject,
}

/// Parses a notification body.
pub fn parse(body: &[u8]) -> Result<Event, EventError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| EventError::NotJson(e.to_string()))?;
    let Value::Object(top) = &value else {
        return Err(EventError::NotObject);
    };
    let context = top.get("context").and_then(Value::as_object);
    let lookup = |keys: &[&str]| -> Option<&Value> {
        keys.iter().find_map(|k| {
            context
                .and_then(|c| c.get(*k))
                .or_else(|| top.get(*k))
                .filter(|v| !v.is_null())
        })
    };
    let loan = lookup(&["loan-id", "loanId", "loan_id"])
        .and_then(as_id)
        .map(LoanRef::Id)
        .or_else(|| {
            lookup(&["loan-display-id", "loanDisplayId", "displayId"])
                .and_then(as_text)
                .map(LoanRef::DisplayId)
        });
    Ok(Event {
        name: top.get("eventName").and_then(as_text),
        loan,
        trace_id: lookup(&["trace-id", "traceId", "trace_id"]).and_then(as_text),
    })
}

fn as_text(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

fn as_id(v: &Value) -> Option<i64> {
    as_text(v)?.parse().ok().filter(|id| *id > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_template_names_the_display_id() {
        let e = parse(
            br#"{"eventName":"Account Activated","context":{"loan-display-id":"727","status-days-past-due":13}}"#,
        )
        .unwrap();
        assert_eq!(e.name.as_deref(), Some("Account Activated"));
        assert_eq!(e.loan, Some(LoanRef::DisplayId("727".into())));
        assert_eq!(e.trace_id, None);
    }

    #[test]
    fn numeric_id_wins_and_numbers_are_accepted() {
        let e = parse(br#"{"context":{"loan-id":42,"loan-display-id":"L-42"},"traceId":"abc"}"#)
            .unwrap();
        assert_eq!(e.loan, Some(LoanRef::Id(42)));
        assert_eq!(e.trace_id.as_deref(), Some("abc"));
        let e = parse(br#"{"loanId":"7"}"#).unwrap();
        assert_eq!(e.loan, Some(LoanRef::Id(7)));
        let e = parse(br#"{"context":{"loan-display-id":727}}"#).unwrap();
        assert_eq!(e.loan, Some(LoanRef::DisplayId("727".into())));
    }

    #[test]
    fn bad_ids_are_ignored() {
        let e = parse(br#"{"context":{"loan-id":"x","loan-display-id":""}}"#).unwrap();
        assert_eq!(e.loan, None);
        let e = parse(br#"{"context":{"loan-id":-3}}"#).unwrap();
        assert_eq!(e.loan, None);
    }

    #[test]
    fn non_json_and_non_object_bodies() {
        assert!(matches!(parse(b"eventName=x"), Err(EventError::NotJson(_))));
        assert_eq!(parse(b"[1,2]"), Err(EventError::NotObject));
        assert!(matches!(parse(b""), Err(EventError::NotJson(_))));
    }
}
