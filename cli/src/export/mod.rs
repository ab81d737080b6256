//! The monthly Metro 2 file: header from the connection's settings, every valid record of the
//! period, the trailer, and a side report of the records held back.
//!
//! [`export_period`] reads the period's records three times, streaming, so memory does not grow
//! with the portfolio: once for the activity date (the newest date of account information), once
//! to re-validate every record against that date and find the appended segments the file's
//! fixed-length records carry (every record carries each of them, a placeholder where it has
//! none), and once to write. A record that the store marks invalid or in
//! error, or that fails validation now, is held back and listed in the side report. The
//! activity date is that of the accounts the file carries: when the newest record is held
//! back, the second read is made again against the newest date of those kept (rare: a
//! record dated after the export day). The file is
//! written to a temporary name and renamed into place, so a failed export leaves no half file.
//!
//! A loan reported in an earlier month and deleted in LoanPro since gets a DA (delete account)
//! record ([`deletes`]), written after the period's records, listed in the summary and the side
//! report, held back like any record when it cannot be built or fails validation.
//!
//! Before any of that, the sync history is asked whether the store holds the whole period
//! ([`completeness`]): an export of a period whose latest run did not finish, or with loans
//! whose latest sync attempt failed, is refused unless the request allows it, and then what is
//! missing is listed in the side report.

pub mod bureau;
pub mod completeness;
pub mod decode;
pub mod deletes;
pub mod header;
pub mod report;

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use metro2_engine::validate::{validate_record, RecordContext};
use metro2_engine::writer::{Blocking, FileWriter, FixedShape, Newlines, WriteOptions};

use crate::store::{Connection, RecordFilter, RecordStatus, Store, StoreError};
pub use bureau::Bureau;
pub use completeness::Completeness;
pub use deletes::Delete;
pub use header::{HeaderError, HeaderErrors, HeaderSettings, Target};
pub use report::HeldBack;

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// The period, `YYYY-MM`.
    pub period: String,
    /// All bureaus in one file, or one bureau.
    pub target: Target,
    /// Record separator.
    pub newlines: Newlines,
    /// The file; `None` names it after the connection, period and bureau in `dir`.
    pub out: Option<PathBuf>,
    /// Where a default-named file goes.
    pub dir: PathBuf,
    /// The header's date created (today; a parameter so tests are reproducible).
    pub today: NaiveDate,
    /// Write the file even when the period's latest sync run did not finish or loans failed
    /// to sync; what is missing goes into the side report.
    pub allow_incomplete: bool,
    /// Write a file (header and trailer) for a period with no stored record at all.
    pub allow_empty: bool,
}

impl ExportRequest {
    /// A request for all bureaus, LF newlines, default name in the current folder, dated today.
    pub fn new(period: impl Into<String>) -> ExportRequest {
        ExportRequest {
            period: period.into(),
            target: Target::All,
            newlines: Newlines::Lf,
            out: None,
            dir: PathBuf::from("."),
            today: chrono::Local::now().date_naive(),
            allow_incomplete: false,
            allow_empty: false,
        }
    }
}

/// How many DA records the summary line names before it counts the rest (the report lists
/// them all).
const NAMED_IN_SUMMARY: usize = 5;

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct ExportOutcome {
    /// The Metro 2 file.
    pub file: PathBuf,
    /// The side report of held-back records (always written, so it is never stale).
    pub report: PathBuf,
    /// Data records written (the DA records included).
    pub written: u64,
    /// The loans a DA record was written for, by loan id.
    pub deletes: Vec<Delete>,
    /// Records held back, with their findings.
    pub held_back: Vec<HeldBack>,
    /// Records the mapping skipped (those of deleted loans that got a DA included).
    pub skipped: u64,
    /// The header's activity date.
    pub activity_date: NaiveDate,
    /// What the sync history says is missing (empty unless the request allowed it).
    pub completeness: Completeness,
}

impl ExportOutcome {
    /// One line for people.
    pub fn summary_line(&self) -> String {
        let mut line = format!(
            "wrote {} record(s) to {}",
            self.written,
            self.file.display()
        );
        if !self.deletes.is_empty() {
            let named: Vec<String> = self
                .deletes
                .iter()
                .take(NAMED_IN_SUMMARY)
                .map(report::delete_line)
                .collect();
            line.push_str(&format!(
                ", {} of them DA (delete account) for loans deleted in LoanPro: {}",
                self.deletes.len(),
                named.join(", ")
            ));
            if self.deletes.len() > NAMED_IN_SUMMARY {
                line.push_str(&format!(
                    " and {} more",
                    self.deletes.len() - NAMED_IN_SUMMARY
                ));
            }
        }
        line.push_str(&format!(
            "; held back {} (listed in {}); skipped {}",
            self.held_back.len(),
            self.report.display(),
            self.skipped
        ));
        let c = &self.completeness;
        if !c.failures.is_empty() {
            line.push_str(&format!(
                "; failed to sync {} (not in the file {}, stale {})",
                c.failures.len(),
                c.not_synced().count(),
                c.stale().count()
            ));
        }
        if let Some(r) = c.unfinished_run() {
            line.push_str(&format!(
                "; INCOMPLETE: sync run {} {}",
                r.id,
                r.status.as_str()
            ));
        }
        line
    }
}

/// Why an export failed (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Header settings are missing or unusable (every one of them).
    #[error(transparent)]
    Header(#[from] HeaderErrors),
    /// The period is not `YYYY-MM`.
    #[error("period {0:?} is not YYYY-MM")]
    Period(String),
    /// The store does not hold the whole period (the message says what is missing and how to
    /// get past it).
    #[error("{0}")]
    Incomplete(String),
    /// The period has no stored record at all: mistyped, or not synced yet.
    #[error(
        "connection {connection:?} has no record for {period}; {}; sync it first \
         (`metro2 sync --connection {connection} --as-of DATE`, DATE in {period}), or pass \
         --allow-empty to write a file with no records",
        describe_periods(.periods)
    )]
    Empty {
        /// The connection.
        connection: String,
        /// The period asked for.
        period: String,
        /// The periods that have records, with how many.
        periods: Vec<(String, u64)>,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

fn describe_periods(periods: &[(String, u64)]) -> String {
    if periods.is_empty() {
        return "no sync has stored a record yet".to_string();
    }
    let list: Vec<String> = periods
        .iter()
        .map(|(p, n)| format!("{p} ({n} records)"))
        .collect();
    format!("the periods with records are {}", list.join(", "))
}

/// The default file name: `metro2-CONNECTION-PERIOD.txt`, or `...-BUREAU.txt` for one bureau.
pub fn default_file_name(connection: &str, period: &str, target: Target) -> String {
    let safe: String = connection
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    match target {
        Target::All => format!("metro2-{safe}-{period}.txt"),
        Target::One(b) => format!("metro2-{safe}-{period}-{}.txt", b.name()),
    }
}

/// The header settings of a stored connection.
pub fn header_settings(c: &Connection) -> HeaderSettings<'_> {
    HeaderSettings {
        connection: &c.name,
        equifax_id: c.equifax_id.as_deref(),
        experian_id: c.experian_id.as_deref(),
        transunion_id: c.transunion_id.as_deref(),
        innovis_id: c.innovis_id.as_deref(),
        reporter_name: c.reporter_name.as_deref(),
        reporter_address: c.reporter_address.as_deref(),
        reporter_phone: c.reporter_phone.as_deref(),
    }
}

/// Exports one period of one connection: the file, and the side report beside it.
pub fn export_period(
    store: &Store,
    connection: &Connection,
    req: &ExportRequest,
) -> Result<ExportOutcome, ExportError> {
    let period = crate::responses::model::parse_period(&req.period)
        .ok_or_else(|| ExportError::Period(req.period.clone()))?;
    let settings = header_settings(connection);
    // Fail on a missing setting before reading any record.
    header::build(&settings, req.target, req.today, req.today)?;
    let completeness = Completeness::of_period(store, connection.id, &period)?;
    if !completeness.is_complete() && !req.allow_incomplete {
        return Err(ExportError::Incomplete(
            completeness.refusal(&connection.name, &period),
        ));
    }
    // A file of a header and a trailer is valid and would go to the bureaus unnoticed: a
    // mistyped or unsynced period must be asked for.
    if !req.allow_empty {
        let periods = store.record_periods(connection.id)?;
        if !periods.iter().any(|(p, _)| *p == period) {
            return Err(ExportError::Empty {
                connection: connection.name.clone(),
                period,
                periods,
            });
        }
    }

    let pending = deletes::deletes_for_period(store, connection, &period)?;

    let filter = |statuses: Vec<RecordStatus>| RecordFilter {
        connection_id: Some(connection.id),
        period: Some(period.clone()),
        statuses,
        ..RecordFilter::default()
    };

    // Pass 1: the activity date, the newest date of account information among the records.
    let mut activity: Option<NaiveDate> = None;
    store.for_each_record(&filter(vec![RecordStatus::Ok]), |r| {
        if let Some(rec) = r.segments.as_deref().and_then(|t| decode::decode(t).ok()) {
            activity = newest(activity, &rec);
        }
        Ok(())
    })?;
    for rec in pending.iter().filter_map(|p| p.record.as_ref().ok()) {
        activity = newest(activity, rec);
    }
    let mut activity_date = activity.unwrap_or(req.today).min(req.today);

    // Pass 2: held-back records and the segments the file's fixed-length records carry. The
    // header's activity date is the newest date of the accounts in the file (header.tsv): a
    // record held back is not in it, so when the newest was held back the date is that of
    // the records kept, and they are checked again against it (each time fewer or the same
    // records are kept and the date only goes down, so this ends; nearly always at once).
    let mut sorted = sort_period(store, &filter, &pending, activity_date)?;
    while let Some(newer) = sorted.kept_newest.filter(|d| *d < activity_date) {
        activity_date = newer;
        sorted = sort_period(store, &filter, &pending, activity_date)?;
    }
    let Sorted {
        held_back,
        held_ids,
        skipped,
        shape,
        to_delete,
        ..
    } = sorted;

    // Pass 3: the file.
    let file = match &req.out {
        Some(p) => p.clone(),
        None => req
            .dir
            .join(default_file_name(&connection.name, &period, req.target)),
    };
    let io = |source| ExportError::Io {
        path: file.clone(),
        source,
    };
    let header = header::build(&settings, req.target, activity_date, req.today)?;
    let tmp = tmp_path(&file);
    let opts = WriteOptions {
        newlines: req.newlines,
        blocking: Blocking::Fixed,
    };
    let written = (|| -> Result<u64, ExportError> {
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let out = std::io::BufWriter::new(crate::private::create(&tmp).map_err(io)?);
        let mut w = FileWriter::with_shape(out, &header, &opts, shape).map_err(io)?;
        let mut written = 0u64;
        let mut failure: Option<std::io::Error> = None;
        store.for_each_record(&filter(vec![RecordStatus::Ok]), |r| {
            if held_ids.contains(&r.loan_id) || failure.is_some() {
                return Ok(());
            }
            let Some(Ok(rec)) = r.segments.as_deref().map(decode::decode) else {
                return Ok(());
            };
            match w.write_record(&rec) {
                Ok(()) => written += 1,
                Err(e) => failure = Some(e),
            }
            Ok(())
        })?;
        if let Some(e) = failure {
            return Err(io(e));
        }
        for (_, rec) in &to_delete {
            w.write_record(rec).map_err(io)?;
            written += 1;
        }
        let (out, _totals) = w.finish().map_err(io)?;
        let file_handle = out.into_inner().map_err(|e| io(e.into_error()))?;
        file_handle.sync_all().map_err(io)?;
        Ok(written)
    })();
    let written = match written {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    std::fs::rename(&tmp, &file).map_err(io)?;

    let report_file = report::report_path(&file);
    let deletes: Vec<Delete> = to_delete.into_iter().map(|(d, _)| d).collect();
    let text = report::render(
        &connection.name,
        &period,
        &file,
        &held_back,
        &deletes,
        &completeness,
    );
    crate::private::create(&report_file)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|source| ExportError::Io {
            path: report_file.clone(),
            source,
        })?;
    tracing::info!(
        connection = %connection.name,
        period = %period,
        written,
        held_back = held_back.len(),
        deletes = deletes.len(),
        failed_to_sync = completeness.failures.len(),
        complete = completeness.is_complete(),
        file = %file.display(),
        "exported"
    );
    Ok(ExportOutcome {
        file,
        report: report_file,
        written,
        deletes,
        held_back,
        skipped,
        activity_date,
        completeness,
    })
}

/// A period's records sorted for its file against an activity date (`export_period`'s
/// pass 2).
struct Sorted {
    held_back: Vec<HeldBack>,
    held_ids: HashSet<i64>,
    skipped: u64,
    shape: FixedShape,
    to_delete: Vec<(Delete, metro2_engine::DataRecord)>,
    /// The newest date of account information among the records kept.
    kept_newest: Option<NaiveDate>,
}

/// Sorts the period's records (and its pending deletes) into those the file carries and
/// those held back, validating each against `activity_date`.
fn sort_period(
    store: &Store,
    filter: &dyn Fn(Vec<RecordStatus>) -> RecordFilter,
    pending: &[deletes::PendingDelete],
    activity_date: NaiveDate,
) -> Result<Sorted, ExportError> {
    let mut held_back = Vec::new();
    let mut held_ids = HashSet::new();
    let mut skipped = 0u64;
    let mut shape = FixedShape::base_only();
    let mut kept_newest: Option<NaiveDate> = None;
    let mut keep = |rec: &metro2_engine::DataRecord, shape: &mut FixedShape| {
        shape.add(rec);
        kept_newest = newest(kept_newest, rec);
    };
    store.for_each_record(&filter(Vec::new()), |r| {
        let decoded = r.segments.as_deref().map(decode::decode);
        let account_number = match &decoded {
            Some(Ok(rec)) => Some(decode::account_number(rec)).filter(|a| !a.is_empty()),
            _ => None,
        };
        let hold = |status: &str, findings: Vec<String>| HeldBack {
            loan_id: r.loan_id,
            display_id: r.display_id.clone(),
            account_number: account_number.clone(),
            status: status.to_string(),
            findings,
        };
        let held = match (r.status, decoded) {
            (RecordStatus::Skipped, _) => {
                skipped += 1;
                None
            }
            (RecordStatus::Invalid, _) => Some(hold("invalid", report::finding_lines(&r.findings))),
            (RecordStatus::Error, _) => {
                let mut lines = report::finding_lines(&r.findings);
                if let Some(reason) = &r.reason {
                    lines.insert(0, reason.clone());
                }
                Some(hold("error", lines))
            }
            (RecordStatus::Ok, None) => Some(hold(
                "error",
                vec!["the record has no segments".to_string()],
            )),
            (RecordStatus::Ok, Some(Err(e))) => Some(hold("error", vec![e.to_string()])),
            (RecordStatus::Ok, Some(Ok(rec))) => {
                let errors = validation_errors(&rec, activity_date);
                if errors.is_empty() {
                    keep(&rec, &mut shape);
                    None
                } else {
                    Some(hold("export", errors))
                }
            }
        };
        if let Some(h) = held {
            held_ids.insert(r.loan_id);
            held_back.push(h);
        }
        Ok(())
    })?;
    let mut to_delete = Vec::new();
    for p in pending {
        let errors = match &p.record {
            Ok(rec) => validation_errors(rec, activity_date),
            Err(why) => vec![why.clone()],
        };
        match &p.record {
            Ok(rec) if errors.is_empty() => {
                keep(rec, &mut shape);
                to_delete.push((p.delete.clone(), rec.clone()));
            }
            _ => held_back.push(HeldBack {
                loan_id: p.delete.loan_id,
                display_id: p.delete.display_id.clone(),
                account_number: Some(p.delete.account_number.clone()).filter(|a| !a.is_empty()),
                status: "delete".to_string(),
                findings: errors,
            }),
        }
    }
    Ok(Sorted {
        held_back,
        held_ids,
        skipped,
        shape,
        to_delete,
        kept_newest,
    })
}

/// The newer of `so_far` and `rec`'s date of account information.
fn newest(so_far: Option<NaiveDate>, rec: &metro2_engine::DataRecord) -> Option<NaiveDate> {
    match decode::date_of_account_information(rec) {
        Some(d) => Some(so_far.map_or(d, |a| a.max(d))),
        None => so_far,
    }
}

/// The validator's errors on `rec` against the file's activity date, one line each.
fn validation_errors(rec: &metro2_engine::DataRecord, activity_date: NaiveDate) -> Vec<String> {
    let ctx = RecordContext {
        activity_date: Some(activity_date),
        ..RecordContext::default()
    };
    validate_record(rec, &ctx)
        .into_iter()
        .filter(|f| f.is_error())
        .map(|f| {
            let v = serde_json::to_value(&f).unwrap_or_default();
            report::finding_line(&v)
        })
        .collect()
}

fn tmp_path(file: &Path) -> PathBuf {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    file.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}
