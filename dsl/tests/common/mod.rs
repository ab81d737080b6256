//! Helpers shared by the equivalence tests.

use metro2_engine::plan::Outcome;

/// What an outcome says, comparable between two ways of evaluating one mapping: the record's
/// bytes, the skip's reason, or the failure's field, line and message.
pub fn summary(o: &Outcome) -> String {
    match o {
        Outcome::Mapped { record, .. } => String::from_utf8_lossy(record.base.as_bytes()).into(),
        Outcome::Skipped { reason, .. } => format!("skipped: {reason}"),
        Outcome::Error(e) => format!("{:?} line {}: {}", e.field, e.line, e.message),
    }
}
