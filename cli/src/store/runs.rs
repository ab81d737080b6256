//! Sync runs and the loans that failed in them.

use rusqlite::{params, OptionalExtension, Row};

use super::{now_text, Result, Store, StoreError};

/// Whether a run pulls every loan or only those changed since the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    /// Every loan.
    Full,
    /// Loans whose updated field is at or after the cursor.
    Incremental,
    /// Named loans only (a webhook's loan); the cursor is left alone.
    Targeted,
}

impl RunMode {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RunMode::Full => "full",
            RunMode::Incremental => "incremental",
            RunMode::Targeted => "targeted",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Result<RunMode> {
        match s {
            "full" => Ok(RunMode::Full),
            "incremental" => Ok(RunMode::Incremental),
            "targeted" => Ok(RunMode::Targeted),
            _ => Err(StoreError::Corrupt(format!("unknown run mode {s:?}"))),
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Still going (or killed: a later run marks it interrupted).
    Running,
    /// Every page committed (single loans may have failed).
    Ok,
    /// Stopped by an error that concerns the whole run (a revoked token, ...).
    Failed,
    /// Killed mid-run; a later run resumed after its last committed page.
    Interrupted,
}

impl RunStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Ok => "ok",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Result<RunStatus> {
        match s {
            "running" => Ok(RunStatus::Running),
            "ok" => Ok(RunStatus::Ok),
            "failed" => Ok(RunStatus::Failed),
            "interrupted" => Ok(RunStatus::Interrupted),
            _ => Err(StoreError::Corrupt(format!("unknown run status {s:?}"))),
        }
    }
}

/// What a run did, loan by loan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunCounts {
    /// Loan documents fetched.
    pub fetched: u64,
    /// Documents mapped to a record (valid or not).
    pub mapped: u64,
    /// Documents the mapping skipped (deleted, paid off earlier, ...).
    pub skipped: u64,
    /// Records with a validation error, or documents the mapping could not map.
    pub invalid: u64,
    /// Loans that could not be fetched or stored.
    pub failed: u64,
    /// Documents identical to the one already stored for the loan (a subset of `fetched`).
    pub unchanged: u64,
    /// Documents the mapping could not map (records in error: a subset of `invalid`).
    pub unmapped: u64,
}

impl std::ops::AddAssign for RunCounts {
    fn add_assign(&mut self, o: RunCounts) {
        self.fetched += o.fetched;
        self.mapped += o.mapped;
        self.skipped += o.skipped;
        self.invalid += o.invalid;
        self.failed += o.failed;
        self.unchanged += o.unchanged;
        self.unmapped += o.unmapped;
    }
}

/// A stored run.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncRun {
    /// Row id.
    pub id: i64,
    /// The connection's row id.
    pub connection_id: i64,
    /// Full or incremental.
    pub mode: RunMode,
    /// The date the records describe (YYYY-MM-DD).
    pub as_of: String,
    /// The updated-since bound of an incremental run.
    pub since: Option<String>,
    /// The interrupted run this one finished.
    pub resumes_run_id: Option<i64>,
    /// How it ended.
    pub status: RunStatus,
    /// The template version it mapped with.
    pub template_version: Option<i64>,
    /// Its counts.
    pub counts: RunCounts,
    /// The error that stopped it.
    pub error: Option<String>,
    /// Start (RFC 3339).
    pub started_at: String,
    /// End (RFC 3339).
    pub finished_at: Option<String>,
}

/// A loan a run could not fetch or store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncFailure {
    /// The run.
    pub run_id: i64,
    /// The loan id.
    pub loan_id: i64,
    /// Why.
    pub error: String,
}

/// A loan whose latest sync attempt for a period failed: no run of the period has stored a
/// record for it since (what an export of the period is missing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodFailure {
    /// The loan id.
    pub loan_id: i64,
    /// Its display id, from its newest stored record of any period (none when never stored).
    pub display_id: Option<String>,
    /// The run of the latest failed attempt.
    pub run_id: i64,
    /// Why it failed.
    pub error: String,
    /// When (RFC 3339).
    pub at: String,
    /// The as-of date of the loan's record of the period, when it has one: that record predates
    /// the failure (it is stale).
    pub record_as_of: Option<String>,
    /// The run that wrote that record.
    pub record_run_id: Option<i64>,
}

impl PeriodFailure {
    /// Whether the loan has a record of the period, older than the failed attempt.
    pub fn is_stale(&self) -> bool {
        self.record_as_of.is_some()
    }
}

/// A loan whose latest attempt failed and that no later run has stored: every full or
/// incremental run pulls it again first, until it succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenFailure {
    /// The loan id.
    pub loan_id: i64,
    /// Failed attempts since it last succeeded.
    pub attempts: u64,
    /// The latest attempt's error.
    pub error: String,
    /// The latest attempt's run.
    pub run_id: Option<i64>,
    /// The first failed attempt (RFC 3339).
    pub first_failed_at: String,
    /// The latest failed attempt (RFC 3339).
    pub last_failed_at: String,
}

const COLUMNS: &str =
    "id, connection_id, mode, as_of, since, resumes_run_id, status, template_version, \
    fetched, mapped, skipped, invalid, failed, unchanged, error, started_at, finished_at, unmapped";

type RawRun = (SyncRun, String, String);

fn from_row(r: &Row<'_>) -> rusqlite::Result<RawRun> {
    let count = |i: usize| -> rusqlite::Result<u64> { Ok(r.get::<_, i64>(i)? as u64) };
    Ok((
        SyncRun {
            id: r.get(0)?,
            connection_id: r.get(1)?,
            mode: RunMode::Full,
            as_of: r.get(3)?,
            since: r.get(4)?,
            resumes_run_id: r.get(5)?,
            status: RunStatus::Running,
            template_version: r.get(7)?,
            counts: RunCounts {
                fetched: count(8)?,
                mapped: count(9)?,
                skipped: count(10)?,
                invalid: count(11)?,
                failed: count(12)?,
                unchanged: count(13)?,
                unmapped: count(17)?,
            },
            error: r.get(14)?,
            started_at: r.get(15)?,
            finished_at: r.get(16)?,
        },
        r.get(2)?,
        r.get(6)?,
    ))
}

fn parse((mut run, mode, status): RawRun) -> Result<SyncRun> {
    run.mode = RunMode::parse(&mode)?;
    run.status = RunStatus::parse(&status)?;
    Ok(run)
}

impl Store {
    /// Records the start of a run.
    pub fn start_run(
        &self,
        connection_id: i64,
        mode: RunMode,
        as_of: &str,
        since: Option<&str>,
        resumes_run_id: Option<i64>,
        template_version: i64,
    ) -> Result<i64> {
        self.db.execute(
            "INSERT INTO sync_runs (connection_id, mode, as_of, since, resumes_run_id, template_version, started_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                connection_id,
                mode.as_str(),
                as_of,
                since,
                resumes_run_id,
                template_version,
                now_text()
            ],
        )?;
        Ok(self.db.last_insert_rowid())
    }

    /// Records how a run ended. Its counts were added page by page.
    pub fn finish_run(&self, run_id: i64, status: RunStatus, error: Option<&str>) -> Result<()> {
        self.db.execute(
            "UPDATE sync_runs SET status = ?2, error = ?3, finished_at = ?4 WHERE id = ?1",
            params![run_id, status.as_str(), error, now_text()],
        )?;
        Ok(())
    }

    /// One run.
    pub fn run(&self, run_id: i64) -> Result<SyncRun> {
        let raw = self
            .db
            .query_row(
                &format!("SELECT {COLUMNS} FROM sync_runs WHERE id = ?1"),
                [run_id],
                from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no sync run {run_id}")))?;
        parse(raw)
    }

    /// The connection's runs, newest first, at most `limit`.
    pub fn runs(&self, connection_id: i64, limit: usize) -> Result<Vec<SyncRun>> {
        let mut stmt = self.db.prepare(&format!(
            "SELECT {COLUMNS} FROM sync_runs WHERE connection_id = ?1 ORDER BY id DESC LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![connection_id, limit as i64], from_row)?;
        rows.map(|r| parse(r?)).collect()
    }

    /// The connection's newest full or incremental run whose as-of date falls in `period`
    /// (`YYYY-MM`). Targeted runs (a webhook's loans) are left out: they say nothing about
    /// whether the whole portfolio was pulled.
    pub fn latest_run_for_period(
        &self,
        connection_id: i64,
        period: &str,
    ) -> Result<Option<SyncRun>> {
        let raw = self
            .db
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM sync_runs WHERE connection_id = ?1
                     AND substr(as_of, 1, 7) = ?2 AND mode <> 'targeted'
                     ORDER BY id DESC LIMIT 1"
                ),
                params![connection_id, period],
                from_row,
            )
            .optional()?;
        raw.map(parse).transpose()
    }

    /// The loans whose latest sync attempt for `period` failed, by loan id: a failure in a run
    /// of the period (its as-of date in it) with no record of the period stored by a later run.
    /// A failure's period is its run's, so no column of its own is needed.
    pub fn period_failures(&self, connection_id: i64, period: &str) -> Result<Vec<PeriodFailure>> {
        // Run ids order attempts: a record written by a later run than the failure closes it.
        let mut stmt = self.db.prepare(
            "WITH latest AS (
                 SELECT f.loan_id, MAX(f.id) AS id FROM sync_failures f
                 JOIN sync_runs s ON s.id = f.run_id
                 WHERE f.connection_id = ?1 AND substr(s.as_of, 1, 7) = ?2
                 GROUP BY f.loan_id
             )
             SELECT f.loan_id,
                    (SELECT d.display_id FROM metro2_records d
                     WHERE d.connection_id = ?1 AND d.loan_id = f.loan_id AND d.display_id IS NOT NULL
                     ORDER BY d.period DESC LIMIT 1),
                    f.run_id, f.error, f.at, r.as_of, r.run_id
             FROM latest JOIN sync_failures f ON f.id = latest.id
             LEFT JOIN metro2_records r
                 ON r.connection_id = ?1 AND r.loan_id = f.loan_id AND r.period = ?2
             WHERE r.id IS NULL OR r.run_id IS NULL OR r.run_id < f.run_id
             ORDER BY f.loan_id",
        )?;
        let rows = stmt.query_map(params![connection_id, period], |r| {
            Ok(PeriodFailure {
                loan_id: r.get(0)?,
                display_id: r.get(1)?,
                run_id: r.get(2)?,
                error: r.get(3)?,
                at: r.get(4)?,
                record_as_of: r.get(5)?,
                record_run_id: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The template version of the connection's last completed full sweep (`None` before one).
    pub fn last_full_template_version(&self, connection_id: i64) -> Result<Option<i64>> {
        Ok(self
            .db
            .query_row(
                "SELECT template_version FROM sync_runs
                 WHERE connection_id = ?1 AND mode = 'full' AND status = 'ok'
                 ORDER BY id DESC LIMIT 1",
                [connection_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The loans a run fetched but could not map, with why: their records of the run in error
    /// (a later run that stores the loan again takes the record over, and with it the entry).
    pub fn unmapped(&self, run_id: i64) -> Result<Vec<SyncFailure>> {
        self.run_failures(
            "SELECT run_id, loan_id, COALESCE(reason, '') FROM metro2_records
             WHERE run_id = ?1 AND status = 'error' ORDER BY loan_id",
            run_id,
        )
    }

    /// The loans that failed in a run.
    pub fn failures(&self, run_id: i64) -> Result<Vec<SyncFailure>> {
        self.run_failures(
            "SELECT run_id, loan_id, error FROM sync_failures WHERE run_id = ?1 ORDER BY id",
            run_id,
        )
    }

    /// The rows `sql` selects for `run_id` (as `?1`), read as `(run_id, loan_id, error)`.
    fn run_failures(&self, sql: &str, run_id: i64) -> Result<Vec<SyncFailure>> {
        let mut stmt = self.db.prepare(sql)?;
        let rows = stmt.query_map([run_id], |r| {
            Ok(SyncFailure {
                run_id: r.get(0)?,
                loan_id: r.get(1)?,
                error: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The connection's open failures, by loan id.
    pub fn open_failures(&self, connection_id: i64) -> Result<Vec<OpenFailure>> {
        let mut stmt = self.db.prepare(
            "SELECT loan_id, attempts, error, run_id, first_failed_at, last_failed_at
             FROM open_failures WHERE connection_id = ?1 ORDER BY loan_id",
        )?;
        let rows = stmt.query_map([connection_id], |r| {
            Ok(OpenFailure {
                loan_id: r.get(0)?,
                attempts: r.get::<_, i64>(1)? as u64,
                error: r.get(2)?,
                run_id: r.get(3)?,
                first_failed_at: r.get(4)?,
                last_failed_at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
