//! The writeback ledger: one row per response and kind of write (`writebacks` table), which is
//! what makes a response written once however often `metro2 writeback` runs or fails.
//!
//! A row goes `sending` just before its request and `done`, `failed` (LoanPro certainly did not
//! apply it) or `uncertain` (it may have) when the answer comes. A row still `sending` on the
//! next run means the process died with the request in flight: it is treated as `uncertain`.

use rusqlite::{params, OptionalExtension};

use crate::store::{Store, StoreError};

/// What is written about a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A note on the loan.
    Note,
    /// The configured custom field.
    CustomField,
}

impl Kind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Note => "note",
            Kind::CustomField => "custom_field",
        }
    }
}

/// Where a write stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Never attempted.
    New,
    /// Written.
    Done,
    /// Attempted; LoanPro certainly did not apply it.
    Failed,
    /// Attempted; LoanPro may have applied it (or the process died in flight).
    Uncertain,
}

/// The state of one write.
pub fn state(store: &Store, response_id: i64, kind: Kind) -> Result<State, StoreError> {
    let status: Option<String> = store
        .db()
        .query_row(
            "SELECT status FROM writebacks WHERE response_id = ?1 AND kind = ?2",
            params![response_id, kind.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(match status.as_deref() {
        None => State::New,
        Some("done") => State::Done,
        Some("failed") => State::Failed,
        Some("sending") | Some("uncertain") => State::Uncertain,
        Some(other) => {
            return Err(StoreError::Corrupt(format!(
                "unknown writeback status {other:?}"
            )))
        }
    })
}

/// Marks a write as in flight (committed before the request is sent).
pub fn begin(
    store: &Store,
    response_id: i64,
    kind: Kind,
    loan_id: i64,
    method: &str,
) -> Result<(), StoreError> {
    store.db().execute(
        "INSERT INTO writebacks (response_id, kind, loan_id, method, status, attempts, started_at)
         VALUES (?1, ?2, ?3, ?4, 'sending', 1, ?5)
         ON CONFLICT (response_id, kind) DO UPDATE SET
            status = 'sending', method = excluded.method, attempts = attempts + 1,
            error = NULL, started_at = excluded.started_at, finished_at = NULL",
        params![
            response_id,
            kind.as_str(),
            loan_id,
            method,
            crate::store::now_text()
        ],
    )?;
    Ok(())
}

/// Records how a write ended. `error` never holds a secret (LoanPro errors do not carry one).
pub fn finish(
    store: &Store,
    response_id: i64,
    kind: Kind,
    state: State,
    error: Option<&str>,
) -> Result<(), StoreError> {
    let status = match state {
        State::Done => "done",
        State::Failed => "failed",
        State::Uncertain => "uncertain",
        State::New => return Err(StoreError::Invalid("a write cannot end as new".to_string())),
    };
    store.db().execute(
        "UPDATE writebacks SET status = ?3, error = ?4, finished_at = ?5
         WHERE response_id = ?1 AND kind = ?2",
        params![
            response_id,
            kind.as_str(),
            status,
            error,
            crate::store::now_text()
        ],
    )?;
    Ok(())
}

/// The stored `LoanSettings.id` of a loan (LoanPro needs it as the `__id` of a custom field
/// write), from the newest document fetched.
pub fn settings_id(
    store: &Store,
    connection_id: i64,
    loan_id: i64,
) -> Result<Option<i64>, StoreError> {
    let doc: Option<String> = store
        .db()
        .query_row(
            "SELECT document FROM loan_documents WHERE connection_id = ?1 AND loan_id = ?2
             ORDER BY id DESC LIMIT 1",
            params![connection_id, loan_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(doc
        .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
        .and_then(|v| {
            let id = v.get("LoanSettings")?.get("id")?;
            id.as_i64()
                .or_else(|| id.as_str().and_then(|s| s.parse().ok()))
        }))
}
