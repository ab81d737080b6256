//! The `webhook_deliveries` table: every authenticated delivery, what was done with it, and the
//! pulls still queued (resumed when the server starts again after a stop or a crash).

use rusqlite::{params, OptionalExtension};

use super::event::LoanRef;
use crate::store::{Store, StoreError};

/// How a delivery was handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A pull of its loan is queued.
    Queued,
    /// Its loan was pulled.
    Pulled,
    /// The pull failed.
    Failed,
    /// A repeated delivery: acknowledged, not acted on.
    Repeat,
    /// The event names no loan.
    NoLoan,
}

impl Status {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Pulled => "pulled",
            Status::Failed => "failed",
            Status::Repeat => "repeat",
            Status::NoLoan => "no_loan",
        }
    }
}

/// The stored form of a loan reference: `id:42` or `display:727`.
pub fn loan_ref_text(r: &LoanRef) -> String {
    match r {
        LoanRef::Id(id) => format!("id:{id}"),
        LoanRef::DisplayId(d) => format!("display:{d}"),
    }
}

/// Reads a stored loan reference.
pub fn parse_loan_ref(text: &str) -> Option<LoanRef> {
    if let Some(id) = text.strip_prefix("id:") {
        id.parse().ok().map(LoanRef::Id)
    } else {
        text.strip_prefix("display:")
            .map(|d| LoanRef::DisplayId(d.to_string()))
    }
}

/// A new delivery to record.
#[derive(Debug, Clone)]
pub struct NewDelivery<'a> {
    /// The connection.
    pub connection_id: i64,
    /// Its trace id.
    pub trace_id: Option<&'a str>,
    /// SHA-256 of the body, hex.
    pub body_sha256: &'a str,
    /// `eventName`.
    pub event_name: Option<&'a str>,
    /// The loan it names.
    pub loan: Option<&'a LoanRef>,
    /// How it is handled.
    pub status: Status,
}

/// Records a delivery and returns its id.
pub fn insert(store: &Store, d: &NewDelivery<'_>) -> Result<i64, StoreError> {
    store.db().execute(
        "INSERT INTO webhook_deliveries
            (connection_id, trace_id, body_sha256, event_name, loan_ref, status, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            d.connection_id,
            d.trace_id,
            d.body_sha256,
            d.event_name,
            d.loan.map(loan_ref_text),
            d.status.as_str(),
            crate::store::now_text()
        ],
    )?;
    Ok(store.db().last_insert_rowid())
}

/// Records how a queued pull ended (one more attempt).
pub fn finish(
    store: &Store,
    id: i64,
    status: Status,
    error: Option<&str>,
) -> Result<(), StoreError> {
    store.db().execute(
        "UPDATE webhook_deliveries SET status = ?2, error = ?3, finished_at = ?4,
                attempts = attempts + 1
         WHERE id = ?1",
        params![id, status.as_str(), error, crate::store::now_text()],
    )?;
    Ok(())
}

/// Records a failed attempt at a pull that may succeed later. Under `max_attempts` it stays
/// queued (so a restart resumes it too); at `max_attempts` it is failed for good, keeping this
/// attempt's error. Returns the number of attempts made so far.
pub fn failed_attempt(
    store: &Store,
    id: i64,
    error: &str,
    max_attempts: u32,
) -> Result<u32, StoreError> {
    Ok(store.db().query_row(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, error = ?2,
                status = CASE WHEN attempts + 1 >= ?3 THEN ?4 ELSE status END,
                finished_at = CASE WHEN attempts + 1 >= ?3 THEN ?5 ELSE finished_at END
         WHERE id = ?1 RETURNING attempts",
        params![
            id,
            error,
            max_attempts,
            Status::Failed.as_str(),
            crate::store::now_text()
        ],
        |r| r.get(0),
    )?)
}

/// The number of attempts made so far at a delivery's pull.
pub fn attempts(store: &Store, id: i64) -> Result<u32, StoreError> {
    Ok(store.db().query_row(
        "SELECT attempts FROM webhook_deliveries WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?)
}

/// A queued pull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// The delivery.
    pub id: i64,
    /// The connection.
    pub connection_id: i64,
    /// The loan.
    pub loan: LoanRef,
}

/// The pulls still queued, oldest first.
pub fn queued(store: &Store) -> Result<Vec<Queued>, StoreError> {
    let mut stmt = store.db().prepare(
        "SELECT id, connection_id, loan_ref FROM webhook_deliveries
         WHERE status = 'queued' AND loan_ref IS NOT NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, connection_id, text) = row?;
        if let Some(loan) = parse_loan_ref(&text) {
            out.push(Queued {
                id,
                connection_id,
                loan,
            });
        }
    }
    Ok(out)
}

/// A delivery remembered for repeated-delivery detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recent {
    /// The connection.
    pub connection_id: i64,
    /// Its trace id.
    pub trace_id: Option<String>,
    /// SHA-256 of its body.
    pub body_sha256: String,
    /// How long ago it arrived, in seconds.
    pub age_secs: u64,
}

/// Recent deliveries, to reload the repeated-delivery memory on start.
pub fn recent(store: &Store, within_secs: u64) -> Result<Vec<Recent>, StoreError> {
    let since =
        chrono::Utc::now() - chrono::Duration::seconds(within_secs.min(i64::MAX as u64) as i64);
    let since_text = since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut stmt = store.db().prepare(
        "SELECT connection_id, trace_id, body_sha256, received_at FROM webhook_deliveries
         WHERE received_at >= ?1 AND status != 'repeat' ORDER BY id",
    )?;
    let now = chrono::Utc::now();
    let rows = stmt.query_map([since_text], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (c, t, b, at) = row?;
        let age = chrono::DateTime::parse_from_rfc3339(&at)
            .map(|at| (now - at.with_timezone(&chrono::Utc)).num_seconds().max(0) as u64)
            .unwrap_or(0);
        out.push(Recent {
            connection_id: c,
            trace_id: t,
            body_sha256: b,
            age_secs: age,
        });
    }
    Ok(out)
}

/// How many deliveries of a connection have this status (for tests and `serve` logs).
pub fn count(store: &Store, connection_id: i64, status: Status) -> Result<u64, StoreError> {
    Ok(store
        .db()
        .query_row(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE connection_id = ?1 AND status = ?2",
            params![connection_id, status.as_str()],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .unwrap_or(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loan_refs_round_trip() {
        for r in [LoanRef::Id(42), LoanRef::DisplayId("L-7:x".into())] {
            assert_eq!(parse_loan_ref(&loan_ref_text(&r)), Some(r));
        }
        assert_eq!(parse_loan_ref("id:x"), None);
        assert_eq!(parse_loan_ref("other"), None);
    }
}
