//! Loan documents (the raw JSON as fetched, by hash) and the Metro 2 records made from them,
//! one per connection, loan and period, written a page at a time.

use rusqlite::{params, OptionalExtension, Row};

use super::{now_text, Result, RunCounts, Store, StoreError};

/// The SQL expression of a stored record's Metro 2 consumer account number: bytes 43-72
/// (1-based) of its base segment, which the segments text starts with, blanks trimmed.
pub const ACCOUNT_NUMBER_SQL: &str = "rtrim(substr(segments, 43, 30))";

/// How a stored record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordStatus {
    /// Mapped, and the validator found no error (warnings allowed): goes to the bureau file.
    Ok,
    /// Mapped, but the validator found an error: held back.
    Invalid,
    /// The mapping could not map the document (a missing value, a table's error arm, ...).
    Error,
    /// The mapping skipped the loan (deleted, paid off before the period, ...): nothing to report.
    Skipped,
}

impl RecordStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordStatus::Ok => "ok",
            RecordStatus::Invalid => "invalid",
            RecordStatus::Error => "error",
            RecordStatus::Skipped => "skipped",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Result<RecordStatus> {
        match s {
            "ok" => Ok(RecordStatus::Ok),
            "invalid" => Ok(RecordStatus::Invalid),
            "error" => Ok(RecordStatus::Error),
            "skipped" => Ok(RecordStatus::Skipped),
            _ => Err(StoreError::Corrupt(format!("unknown record status {s:?}"))),
        }
    }
}

/// A loan document as fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanDocument {
    /// LoanPro's loan id.
    pub loan_id: i64,
    /// LoanPro's display id.
    pub display_id: Option<String>,
    /// Hex SHA-256 of `document`.
    pub hash: String,
    /// The JSON text.
    pub document: String,
}

impl LoanDocument {
    /// A document with its hash computed.
    pub fn new(loan_id: i64, display_id: Option<String>, document: String) -> LoanDocument {
        use sha2::Digest;
        let hash = hex::encode(sha2::Sha256::digest(document.as_bytes()));
        LoanDocument {
            loan_id,
            display_id,
            hash,
            document,
        }
    }
}

/// A record to upsert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    /// LoanPro's loan id.
    pub loan_id: i64,
    /// LoanPro's display id.
    pub display_id: Option<String>,
    /// The reporting period, YYYY-MM.
    pub period: String,
    /// The as-of date it was mapped for, YYYY-MM-DD.
    pub as_of: String,
    /// Its status.
    pub status: RecordStatus,
    /// Why it was skipped or could not be mapped.
    pub reason: Option<String>,
    /// The data record's segments as fixed-width text, base first.
    pub segments: Option<String>,
    /// The segments by field key, as JSON text.
    pub fields: Option<String>,
    /// The mapping's and the validator's findings, as a JSON array.
    pub findings: String,
    /// The template version that mapped it.
    pub template_version: i64,
    /// The hash of the document it was mapped from.
    pub document_hash: String,
}

/// One loan's outcome in a page.
#[derive(Debug, Clone, PartialEq, Eq)]
// A page holds a few hundred items at most and nearly all are loans: boxing would only add an
// allocation per loan.
#[allow(clippy::large_enum_variant)]
pub enum PageItem {
    /// Fetched and mapped (or skipped, or in error: the record says).
    Loan {
        /// The document fetched.
        document: LoanDocument,
        /// The record made from it.
        record: NewRecord,
    },
    /// Fetching or mapping failed for this loan alone.
    Failed {
        /// LoanPro's loan id.
        loan_id: i64,
        /// Why (never holds a secret).
        error: String,
    },
    /// A loan with an open failure that LoanPro's search no longer lists: no sweep would pull
    /// it again, so its failure is closed.
    Vanished {
        /// LoanPro's loan id.
        loan_id: i64,
    },
}

impl PageItem {
    /// LoanPro's id of the loan.
    pub fn loan_id(&self) -> i64 {
        match self {
            PageItem::Loan { record, .. } => record.loan_id,
            PageItem::Failed { loan_id, .. } | PageItem::Vanished { loan_id } => *loan_id,
        }
    }
}

/// Everything a page of the sync writes, in one transaction.
#[derive(Debug, Clone, Copy)]
pub struct PageCommit<'a> {
    /// The connection.
    pub connection_id: i64,
    /// The run.
    pub run_id: i64,
    /// The loans of the page.
    pub items: &'a [PageItem],
    /// The highest loan id of the page (the cursor's progress); `None` leaves the progress
    /// where it is (a page of earlier failures pulled again, which are not in the sweep's order).
    pub last_loan_id: Option<i64>,
    /// Whether any loan of the page carried the updated field.
    pub field_seen: bool,
    /// Whether the page moves the cursor's run in progress (false for targeted runs, which
    /// are not the cursor's).
    pub advance_cursor: bool,
}

/// A stored record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// The connection's row id.
    pub connection_id: i64,
    /// LoanPro's loan id.
    pub loan_id: i64,
    /// LoanPro's display id.
    pub display_id: Option<String>,
    /// YYYY-MM.
    pub period: String,
    /// YYYY-MM-DD.
    pub as_of: String,
    /// Its status.
    pub status: RecordStatus,
    /// Why skipped or in error.
    pub reason: Option<String>,
    /// Segments' fixed-width text, base first (absent when skipped or in error).
    pub segments: Option<String>,
    /// Segments by field key, JSON text.
    pub fields: Option<String>,
    /// Findings, JSON array text.
    pub findings: String,
    /// The template version that mapped it.
    pub template_version: i64,
    /// The document it was mapped from.
    pub document_hash: String,
    /// The run that last wrote it.
    pub run_id: Option<i64>,
    /// First stored (RFC 3339).
    pub created_at: String,
    /// Last stored (RFC 3339).
    pub updated_at: String,
}

/// Which records to read.
#[derive(Debug, Clone, Default)]
pub struct RecordFilter {
    /// One connection, or every one.
    pub connection_id: Option<i64>,
    /// One period, or every one.
    pub period: Option<String>,
    /// Only these statuses (every status when empty).
    pub statuses: Vec<RecordStatus>,
    /// One loan.
    pub loan_id: Option<i64>,
}

const COLUMNS: &str =
    "connection_id, loan_id, display_id, period, as_of, status, reason, segments, \
    fields, findings, template_version, document_hash, run_id, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<(StoredRecord, String)> {
    Ok((
        StoredRecord {
            connection_id: r.get(0)?,
            loan_id: r.get(1)?,
            display_id: r.get(2)?,
            period: r.get(3)?,
            as_of: r.get(4)?,
            status: RecordStatus::Ok,
            reason: r.get(6)?,
            segments: r.get(7)?,
            fields: r.get(8)?,
            findings: r.get(9)?,
            template_version: r.get(10)?,
            document_hash: r.get(11)?,
            run_id: r.get(12)?,
            created_at: r.get(13)?,
            updated_at: r.get(14)?,
        },
        r.get(5)?,
    ))
}

fn parse((mut rec, status): (StoredRecord, String)) -> Result<StoredRecord> {
    rec.status = RecordStatus::parse(&status)?;
    Ok(rec)
}

impl Store {
    /// Writes one page of the sync in one transaction: each document (kept once per distinct
    /// hash), each record (upserted on connection, loan and period), each failure, the loans'
    /// open failures (a record closes one, a failure opens or counts one), the run's counts and
    /// the cursor's progress. Returns the page's counts.
    pub fn commit_page(&mut self, page: &PageCommit<'_>) -> Result<RunCounts> {
        let now = now_text();
        let tx = self.db.transaction()?;
        let mut counts = RunCounts::default();
        {
            let mut doc = tx.prepare_cached(
                "INSERT INTO loan_documents (connection_id, loan_id, display_id, hash, document, fetched_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (connection_id, loan_id, hash) DO NOTHING",
            )?;
            let mut rec = tx.prepare_cached(
                "INSERT INTO metro2_records (connection_id, loan_id, display_id, period, as_of, status,
                     reason, segments, fields, findings, template_version, document_hash, run_id,
                     created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)
                 ON CONFLICT (connection_id, loan_id, period) DO UPDATE SET
                     display_id = excluded.display_id, as_of = excluded.as_of,
                     status = excluded.status, reason = excluded.reason,
                     segments = excluded.segments, fields = excluded.fields,
                     findings = excluded.findings, template_version = excluded.template_version,
                     document_hash = excluded.document_hash, run_id = excluded.run_id,
                     updated_at = excluded.updated_at",
            )?;
            let mut fail = tx.prepare_cached(
                "INSERT INTO sync_failures (run_id, connection_id, loan_id, error, at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut open = tx.prepare_cached(
                "INSERT INTO open_failures (connection_id, loan_id, attempts, error, run_id,
                     first_failed_at, last_failed_at)
                 VALUES (?1, ?2, 1, ?3, ?4, ?5, ?5)
                 ON CONFLICT (connection_id, loan_id) DO UPDATE SET
                     attempts = attempts + 1, error = excluded.error, run_id = excluded.run_id,
                     last_failed_at = excluded.last_failed_at",
            )?;
            let mut close = tx.prepare_cached(
                "DELETE FROM open_failures WHERE connection_id = ?1 AND loan_id = ?2",
            )?;
            for item in page.items {
                match item {
                    PageItem::Loan {
                        document: d,
                        record: r,
                    } => {
                        counts.fetched += 1;
                        let inserted = doc.execute(params![
                            page.connection_id,
                            d.loan_id,
                            d.display_id,
                            d.hash,
                            d.document,
                            now
                        ])?;
                        if inserted == 0 {
                            counts.unchanged += 1;
                        }
                        rec.execute(params![
                            page.connection_id,
                            r.loan_id,
                            r.display_id,
                            r.period,
                            r.as_of,
                            r.status.as_str(),
                            r.reason,
                            r.segments,
                            r.fields,
                            r.findings,
                            r.template_version,
                            r.document_hash,
                            page.run_id,
                            now
                        ])?;
                        close.execute(params![page.connection_id, r.loan_id])?;
                        match r.status {
                            RecordStatus::Ok => counts.mapped += 1,
                            RecordStatus::Invalid => {
                                counts.mapped += 1;
                                counts.invalid += 1;
                            }
                            RecordStatus::Error => {
                                counts.invalid += 1;
                                counts.unmapped += 1;
                            }
                            RecordStatus::Skipped => counts.skipped += 1,
                        }
                    }
                    PageItem::Failed { loan_id, error } => {
                        counts.failed += 1;
                        fail.execute(params![
                            page.run_id,
                            page.connection_id,
                            loan_id,
                            error,
                            now
                        ])?;
                        open.execute(params![
                            page.connection_id,
                            loan_id,
                            error,
                            page.run_id,
                            now
                        ])?;
                    }
                    PageItem::Vanished { loan_id } => {
                        close.execute(params![page.connection_id, loan_id])?;
                    }
                }
            }
        }
        tx.execute(
            "UPDATE sync_runs SET fetched = fetched + ?2, mapped = mapped + ?3, skipped = skipped + ?4,
                    invalid = invalid + ?5, failed = failed + ?6, unchanged = unchanged + ?7,
                    unmapped = unmapped + ?8
             WHERE id = ?1",
            params![
                page.run_id,
                counts.fetched as i64,
                counts.mapped as i64,
                counts.skipped as i64,
                counts.invalid as i64,
                counts.failed as i64,
                counts.unchanged as i64,
                counts.unmapped as i64
            ],
        )?;
        let moved = if !page.advance_cursor {
            1
        } else {
            tx.execute(
                "UPDATE cursors SET
                    run_last_loan_id = COALESCE(MAX(COALESCE(run_last_loan_id, ?3), ?3), run_last_loan_id),
                    run_field_seen = run_field_seen OR ?4, updated_at = ?5
             WHERE connection_id = ?1 AND run_id = ?2",
                params![
                    page.connection_id,
                    page.run_id,
                    page.last_loan_id,
                    page.field_seen,
                    now
                ],
            )?
        };
        if moved != 1 {
            return Err(StoreError::Invalid(format!(
                "run {} is not the connection's run in progress (another sync took over?)",
                page.run_id
            )));
        }
        tx.commit()?;
        Ok(counts)
    }

    /// Calls `f` with each record the filter selects, ordered by connection, period and loan
    /// id, without holding them all in memory.
    pub fn for_each_record(
        &self,
        filter: &RecordFilter,
        mut f: impl FnMut(StoredRecord) -> Result<()>,
    ) -> Result<()> {
        let mut sql = format!("SELECT {COLUMNS} FROM metro2_records WHERE 1 = 1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(c) = filter.connection_id {
            args.push(c.into());
            sql += &format!(" AND connection_id = ?{}", args.len());
        }
        if let Some(p) = &filter.period {
            args.push(p.clone().into());
            sql += &format!(" AND period = ?{}", args.len());
        }
        if let Some(l) = filter.loan_id {
            args.push(l.into());
            sql += &format!(" AND loan_id = ?{}", args.len());
        }
        if !filter.statuses.is_empty() {
            let list: Vec<String> = filter
                .statuses
                .iter()
                .map(|s| format!("'{}'", s.as_str()))
                .collect();
            sql += &format!(" AND status IN ({})", list.join(", "));
        }
        sql += " ORDER BY connection_id, period, loan_id";
        let mut stmt = self.db.prepare(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        while let Some(row) = rows.next()? {
            f(parse(from_row(row)?)?)?;
        }
        Ok(())
    }

    /// The records the filter selects, in memory (for small sets; see [`Store::for_each_record`]).
    pub fn records(&self, filter: &RecordFilter) -> Result<Vec<StoredRecord>> {
        let mut out = Vec::new();
        self.for_each_record(filter, |r| {
            out.push(r);
            Ok(())
        })?;
        Ok(out)
    }

    /// A connection's records of one period.
    pub fn records_for_period(
        &self,
        connection_id: i64,
        period: &str,
    ) -> Result<Vec<StoredRecord>> {
        self.records(&RecordFilter {
            connection_id: Some(connection_id),
            period: Some(period.to_string()),
            ..RecordFilter::default()
        })
    }

    /// One loan's record of one period.
    pub fn record(
        &self,
        connection_id: i64,
        loan_id: i64,
        period: &str,
    ) -> Result<Option<StoredRecord>> {
        self.one_record("period = ?3", connection_id, loan_id, period)
    }

    /// One loan's record of the newest period before `period`, whatever its status.
    pub fn previous_record(
        &self,
        connection_id: i64,
        loan_id: i64,
        period: &str,
    ) -> Result<Option<StoredRecord>> {
        self.one_record(
            "period < ?3 ORDER BY period DESC LIMIT 1",
            connection_id,
            loan_id,
            period,
        )
    }

    /// The first of a loan's records that `condition` (over `period`, as `?3`) selects.
    fn one_record(
        &self,
        condition: &str,
        connection_id: i64,
        loan_id: i64,
        period: &str,
    ) -> Result<Option<StoredRecord>> {
        let raw = self
            .db
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM metro2_records
                     WHERE connection_id = ?1 AND loan_id = ?2 AND {condition}"
                ),
                params![connection_id, loan_id, period],
                from_row,
            )
            .optional()?;
        raw.map(parse).transpose()
    }

    /// The document with this hash (the one a record was mapped from).
    pub fn document(
        &self,
        connection_id: i64,
        loan_id: i64,
        hash: &str,
    ) -> Result<Option<LoanDocument>> {
        Ok(self
            .db
            .query_row(
                "SELECT loan_id, display_id, hash, document FROM loan_documents
                 WHERE connection_id = ?1 AND loan_id = ?2 AND hash = ?3",
                params![connection_id, loan_id, hash],
                |r| {
                    Ok(LoanDocument {
                        loan_id: r.get(0)?,
                        display_id: r.get(1)?,
                        hash: r.get(2)?,
                        document: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// The loan id whose newest record carries the Metro 2 account number `account` (the
    /// number a bureau file, `records` and bureau responses name).
    pub fn loan_id_for_account_number(
        &self,
        connection_id: i64,
        account: &str,
    ) -> Result<Option<i64>> {
        Ok(self
            .db
            .query_row(
                &format!(
                    "SELECT loan_id FROM metro2_records WHERE connection_id = ?1
                     AND segments IS NOT NULL AND {ACCOUNT_NUMBER_SQL} = ?2
                     ORDER BY period DESC LIMIT 1"
                ),
                params![connection_id, account],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The loan id whose display id is `display_id` in the connection's stored documents.
    pub fn loan_id_for_display_id(
        &self,
        connection_id: i64,
        display_id: &str,
    ) -> Result<Option<i64>> {
        Ok(self
            .db
            .query_row(
                "SELECT loan_id FROM loan_documents WHERE connection_id = ?1 AND display_id = ?2
                 ORDER BY id DESC LIMIT 1",
                params![connection_id, display_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The periods the connection has records for, oldest first, with how many each.
    pub fn record_periods(&self, connection_id: i64) -> Result<Vec<(String, u64)>> {
        let mut stmt = self.db.prepare(
            "SELECT period, COUNT(*) FROM metro2_records WHERE connection_id = ?1
             GROUP BY period ORDER BY period",
        )?;
        let rows = stmt.query_map([connection_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many of a connection's records of a period have each status.
    pub fn record_counts(
        &self,
        connection_id: i64,
        period: &str,
    ) -> Result<Vec<(RecordStatus, u64)>> {
        let mut stmt = self.db.prepare(
            "SELECT status, COUNT(*) FROM metro2_records WHERE connection_id = ?1 AND period = ?2
             GROUP BY status ORDER BY status",
        )?;
        let rows = stmt.query_map(params![connection_id, period], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        rows.map(|r| {
            let (s, n) = r?;
            Ok((RecordStatus::parse(&s)?, n as u64))
        })
        .collect()
    }
}
