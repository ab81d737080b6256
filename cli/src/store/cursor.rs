//! The incremental cursor: per connection, where the next pull starts and how far a run in
//! progress has got. The progress is written in the transaction of each page
//! ([`Store::commit_page`]), so it never claims a page that was not stored.

use rusqlite::{params, OptionalExtension};

use super::{now_text, Result, RunMode, RunStatus, Store};

/// A run in progress, as far as its committed pages go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunProgress {
    /// The run.
    pub run_id: i64,
    /// Full or incremental.
    pub mode: RunMode,
    /// Its as-of date (YYYY-MM-DD).
    pub as_of: String,
    /// Its updated-since bound (incremental runs).
    pub since: Option<String>,
    /// What `since` becomes when it completes (RFC 3339): its start minus the overlap.
    pub watermark: String,
    /// The highest loan id committed so far (loans are enumerated by ascending id).
    pub last_loan_id: Option<i64>,
    /// Whether any loan enumerated so far carried the updated field.
    pub field_seen: bool,
}

/// A connection's cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    /// Lower bound of the next incremental pull (RFC 3339), from the last completed run.
    pub since: Option<String>,
    /// Whether the tenant's loans carry the updated field: unknown until a full sweep saw loans.
    pub field_supported: Option<bool>,
    /// The as-of date of the last completed full sweep.
    pub last_full_as_of: Option<String>,
    /// When the last full sweep completed (RFC 3339).
    pub last_full_at: Option<String>,
    /// A run that started and has not completed (it crashed, or it is running now).
    pub in_progress: Option<RunProgress>,
}

impl Store {
    /// The connection's cursor (empty before its first run).
    pub fn cursor(&self, connection_id: i64) -> Result<Cursor> {
        let row = self
            .db
            .query_row(
                "SELECT since, field_supported, last_full_as_of, last_full_at, run_id, run_mode,
                        run_as_of, run_since, run_watermark, run_last_loan_id, run_field_seen
                 FROM cursors WHERE connection_id = ?1",
                [connection_id],
                |r| {
                    Ok((
                        Cursor {
                            since: r.get(0)?,
                            field_supported: r.get(1)?,
                            last_full_as_of: r.get(2)?,
                            last_full_at: r.get(3)?,
                            in_progress: None,
                        },
                        r.get::<_, Option<i64>>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        (r.get::<_, Option<String>>(6)?, r.get(7)?, r.get(8)?),
                        r.get::<_, Option<i64>>(9)?,
                        r.get::<_, bool>(10)?,
                    ))
                },
            )
            .optional()?;
        let Some((mut cursor, run_id, mode, (as_of, since, watermark), last, seen)) = row else {
            return Ok(Cursor::default());
        };
        if let (Some(run_id), Some(mode), Some(as_of), Some(watermark)) =
            (run_id, mode, as_of, watermark)
        {
            cursor.in_progress = Some(RunProgress {
                run_id,
                mode: RunMode::parse(&mode)?,
                as_of,
                since,
                watermark,
                last_loan_id: last,
                field_seen: seen,
            });
        }
        Ok(cursor)
    }

    /// Marks a run as in progress in the cursor (before its first page). When it takes over an
    /// interrupted run, that run is marked interrupted in the same transaction.
    pub fn begin_run(&mut self, connection_id: i64, progress: &RunProgress) -> Result<()> {
        let tx = self.db.transaction()?;
        if let Some(old) = tx
            .query_row(
                "SELECT run_id FROM cursors WHERE connection_id = ?1",
                [connection_id],
                |r| r.get::<_, Option<i64>>(0),
            )
            .optional()?
            .flatten()
            .filter(|&old| old != progress.run_id)
        {
            tx.execute(
                "UPDATE sync_runs SET status = ?2, finished_at = COALESCE(finished_at, ?3)
                 WHERE id = ?1 AND status = 'running'",
                params![old, RunStatus::Interrupted.as_str(), now_text()],
            )?;
        }
        tx.execute(
            "INSERT INTO cursors (connection_id, run_id, run_mode, run_as_of, run_since, run_watermark,
                                  run_last_loan_id, run_field_seen, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (connection_id) DO UPDATE SET
                run_id = excluded.run_id, run_mode = excluded.run_mode, run_as_of = excluded.run_as_of,
                run_since = excluded.run_since, run_watermark = excluded.run_watermark,
                run_last_loan_id = excluded.run_last_loan_id, run_field_seen = excluded.run_field_seen,
                updated_at = excluded.updated_at",
            params![
                connection_id,
                progress.run_id,
                progress.mode.as_str(),
                progress.as_of,
                progress.since,
                progress.watermark,
                progress.last_loan_id,
                progress.field_seen,
                now_text()
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Completes the run the cursor holds: `since` moves to its watermark, a full sweep records
    /// its as-of date and whether the loans carried the updated field, and the run is marked ok.
    /// `saw_loans` is whether the run enumerated any loan (an empty tenant proves nothing about
    /// the field).
    pub fn complete_run(&mut self, connection_id: i64, saw_loans: bool) -> Result<()> {
        let tx = self.db.transaction()?;
        let (run_id, mode, as_of, watermark, seen): (i64, String, String, String, bool) = tx
            .query_row(
                "SELECT run_id, run_mode, run_as_of, run_watermark, run_field_seen
                 FROM cursors WHERE connection_id = ?1 AND run_id IS NOT NULL",
                [connection_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )?;
        let now = now_text();
        if RunMode::parse(&mode)? == RunMode::Full {
            tx.execute(
                "UPDATE cursors SET last_full_as_of = ?2, last_full_at = ?3,
                        field_supported = CASE WHEN ?4 THEN ?5 ELSE field_supported END
                 WHERE connection_id = ?1",
                params![connection_id, as_of, now, saw_loans, seen],
            )?;
        }
        tx.execute(
            "UPDATE cursors SET since = ?2, run_id = NULL, run_mode = NULL, run_as_of = NULL,
                    run_since = NULL, run_watermark = NULL, run_last_loan_id = NULL,
                    run_field_seen = 0, updated_at = ?3
             WHERE connection_id = ?1",
            params![connection_id, watermark, now],
        )?;
        tx.execute(
            "UPDATE sync_runs SET status = 'ok', finished_at = ?2 WHERE id = ?1",
            params![run_id, now],
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// Forgets what the cursor knows of the connection's tenant, when the connection is pointed at
/// another base URL or instance id: `since`, whether the loans carry the updated field, the last
/// full sweep, and a run in progress, which is marked `interrupted` rather than resumed (its
/// resume point is a loan id of the old tenant). The next run is then a full sweep.
pub(super) fn reset_cursor(db: &rusqlite::Connection, connection_id: i64) -> Result<()> {
    let run = db
        .query_row(
            "SELECT run_id FROM cursors WHERE connection_id = ?1",
            [connection_id],
            |r| r.get::<_, Option<i64>>(0),
        )
        .optional()?
        .flatten();
    if let Some(run) = run {
        db.execute(
            "UPDATE sync_runs SET status = ?2, finished_at = COALESCE(finished_at, ?3),
                    error = COALESCE(error, 'the connection was pointed at another base URL or instance id')
             WHERE id = ?1 AND status = 'running'",
            params![run, RunStatus::Interrupted.as_str(), now_text()],
        )?;
    }
    db.execute(
        "UPDATE cursors SET since = NULL, field_supported = NULL, last_full_as_of = NULL,
                last_full_at = NULL, run_id = NULL, run_mode = NULL, run_as_of = NULL,
                run_since = NULL, run_watermark = NULL, run_last_loan_id = NULL,
                run_field_seen = 0, updated_at = ?2
         WHERE connection_id = ?1",
        params![connection_id, now_text()],
    )?;
    Ok(())
}
