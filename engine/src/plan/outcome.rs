//! What mapping one document gives.

use std::fmt;

use crate::record::DataRecord;

/// The result of mapping one document.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A data record, with the rules that did not hold.
    Mapped {
        /// The record (RDW set).
        record: DataRecord,
        /// Rule results: one per rule that did not hold.
        findings: Vec<Finding>,
    },
    /// A `skip when` condition held.
    Skipped {
        /// The skip's reason.
        reason: String,
        /// The skip's line.
        line: u32,
    },
    /// The document could not be mapped.
    Error(MapError),
}

impl Outcome {
    /// `ok`, `skipped` or `error`, as the JSON output spells it.
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Mapped { .. } => "ok",
            Outcome::Skipped { .. } => "skipped",
            Outcome::Error(_) => "error",
        }
    }
}

/// Severity of a mapping rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleSeverity {
    /// The record must not go to the bureaus as it is.
    Error,
    /// Worth a look.
    Warning,
}

impl RuleSeverity {
    /// `error` or `warning`, as a mapping writes it.
    pub fn name(self) -> &'static str {
        match self {
            RuleSeverity::Error => "error",
            RuleSeverity::Warning => "warning",
        }
    }
}

/// A rule that did not hold on a record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// The rule's id.
    pub rule: String,
    /// Its severity.
    pub severity: RuleSeverity,
    /// Its message.
    pub message: String,
    /// The rule's `.m2map` line.
    pub line: u32,
}

/// Why a document could not be mapped.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MapError {
    /// The document's `id`, when it has one.
    pub document_id: Option<String>,
    /// The field being computed (`base.current_balance`, `j1[0].surname`), a `skip`, a
    /// `rule ID`, or none for the document as a whole.
    pub field: Option<String>,
    /// The mapping file's name.
    pub file: String,
    /// The `.m2map` line.
    pub line: u32,
    /// What went wrong.
    pub message: String,
    /// The other fields of the document that failed, after this one (in record order): a
    /// document that fails in its segments is mapped to the end, so that the analyst sees
    /// every field to fix at once. Empty for a failure in a skip or a rule.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<OtherFailure>,
}

/// Another failure of a document that could not be mapped ([`MapError::others`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OtherFailure {
    /// The field (`j1[0].surname`), or the segment's `when` or `for each`.
    pub field: String,
    /// The `.m2map` line.
    pub line: u32,
    /// What went wrong.
    pub message: String,
}

/// How many other failures a reason names; the rest are counted.
const OTHERS_NAMED: usize = 5;

impl MapError {
    /// The other failures as a reason ends: `; and 2 more: base.x (line 12), j1[0].y (line 40)`
    /// (at most five named, then `…`); empty when there are none. Fields and lines only: the
    /// first failure's message is the one shown, and fixing it may fix the others.
    pub fn others_text(&self) -> String {
        if self.others.is_empty() {
            return String::new();
        }
        let mut named: Vec<String> = self
            .others
            .iter()
            .take(OTHERS_NAMED)
            .map(|o| format!("{} (line {})", o.field, o.line))
            .collect();
        if self.others.len() > OTHERS_NAMED {
            named.push("…".into());
        }
        format!("; and {} more: {}", self.others.len(), named.join(", "))
    }
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.document_id {
            Some(id) => write!(f, "document {id}")?,
            None => f.write_str("document without id")?,
        }
        if let Some(field) = &self.field {
            write!(f, ", {field}")?;
        }
        write!(
            f,
            " ({}:{}): {}{}",
            self.file,
            self.line,
            self.message,
            self.others_text()
        )
    }
}

impl std::error::Error for MapError {}
