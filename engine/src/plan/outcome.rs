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
        write!(f, " ({}:{}): {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for MapError {}
