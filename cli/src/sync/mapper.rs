//! Turning one loan document into the record the store keeps.

use serde_json::Value;

use crate::store::RecordStatus;

/// What mapping and validating one document gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    /// ok, invalid (validation errors), error (the mapping failed) or skipped.
    pub status: RecordStatus,
    /// Why it was skipped or could not be mapped.
    pub reason: Option<String>,
    /// The segments' fixed-width text, base first.
    pub segments: Option<String>,
    /// The segments by field key (JSON text).
    pub fields: Option<String>,
    /// Findings of the mapping's rules and of the validator (JSON array text).
    pub findings: String,
}

impl Mapped {
    /// A document the mapping could not map.
    pub fn error(reason: impl Into<String>) -> Mapped {
        Mapped {
            status: RecordStatus::Error,
            reason: Some(reason.into()),
            segments: None,
            fields: None,
            findings: "[]".into(),
        }
    }
}

/// Maps loan documents for one run: one mapping template, one as-of date, compiled once.
pub trait RecordMapper: Send + Sync + 'static {
    /// Maps and validates one document; `text` is its JSON text as the store keeps it (the
    /// template mapper parses it into the plan's own document type). Never fails the run: a
    /// problem with the document is the returned record's status.
    fn map(&self, document: &Value, text: &str) -> Mapped;
}

/// A mapper from a closure (tests and benchmarks).
pub struct FnMapper<F>(pub F);

impl<F> RecordMapper for FnMapper<F>
where
    F: Fn(&Value) -> Mapped + Send + Sync + 'static,
{
    fn map(&self, document: &Value, _text: &str) -> Mapped {
        (self.0)(document)
    }
}
