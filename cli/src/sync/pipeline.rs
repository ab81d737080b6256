//! The run itself: page through the search, fetch and map with bounded concurrency, commit a
//! page at a time on a writer thread.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use serde_json::Value;

use super::mapper::{Mapped, RecordMapper};
use super::plan::{decide, CursorPolicy};
use super::progress::Progress;
use super::source::LoanSource;
use crate::loanpro::{LoanProError, LoanSummary, OutageStreak, SearchFilter};
use crate::store::{
    Connection, LoanDocument, NewRecord, PageCommit, PageItem, RunCounts, RunMode, RunProgress,
    RunStatus, Store, StoreError,
};

/// How to run a sync.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// The date the records describe; its month is the reporting period.
    pub as_of: NaiveDate,
    /// Pull every loan (`--full`).
    pub force_full: bool,
    /// Pull only these loans (a webhook's loan); the cursor is left alone.
    pub only_loans: Option<Vec<i64>>,
    /// Loans per search page, which is also the unit of commit.
    pub page_size: usize,
    /// Fetches in flight.
    pub concurrency: usize,
    /// How the cursor is used.
    pub policy: CursorPolicy,
    /// The time the run starts (injected so tests control the cursor).
    pub now: DateTime<Utc>,
    /// Once set (SIGTERM, Ctrl-C, a server stopping), no further loan is started: the loans in
    /// flight finish, the loans done so far are committed, and the next run resumes after them.
    pub stop: Option<Arc<AtomicBool>>,
    /// After this many loans in a row failed because LoanPro did not answer (transport errors,
    /// `408`, `429`, `5xx`), the run stops as if asked to, resumable, with
    /// [`SyncError::Outage`]: [`OUTAGE_BREAKER`] unless a test changes it.
    pub breaker_after: usize,
}

/// How many loans in a row may fail for want of an answer from LoanPro before a run stops
/// (DECISIONS.md, "A LoanPro outage stops a sync"): each one has already been tried 7 times
/// with backoff, so 20 in a row is no bad luck, and going on would record every remaining loan
/// as failed at about two seconds a loan.
pub const OUTAGE_BREAKER: usize = 20;

impl SyncOptions {
    /// Defaults: pages of 100, 4 fetches in flight, the default cursor policy, now.
    pub fn new(as_of: NaiveDate) -> SyncOptions {
        SyncOptions {
            as_of,
            force_full: false,
            only_loans: None,
            page_size: 100,
            concurrency: 4,
            policy: CursorPolicy::default(),
            now: Utc::now(),
            stop: None,
            breaker_after: OUTAGE_BREAKER,
        }
    }
}

/// What a completed run did.
#[derive(Debug, Clone)]
pub struct SyncReport {
    /// The run's id in `sync_runs`.
    pub run_id: i64,
    /// The connection's name.
    pub connection: String,
    /// Full, incremental or targeted.
    pub mode: RunMode,
    /// Why this mode.
    pub why: &'static str,
    /// The interrupted run it finished.
    pub resumed_run: Option<i64>,
    /// The as-of date.
    pub as_of: NaiveDate,
    /// The reporting period, YYYY-MM.
    pub period: String,
    /// Its counts.
    pub counts: RunCounts,
    /// Wall time.
    pub elapsed: Duration,
    /// The run was asked to stop before it had pulled every loan; the next run resumes it.
    pub stopped: bool,
    /// Loans that had failed in earlier runs and were pulled again first (their outcome is in
    /// `counts` with the others').
    pub retried: usize,
}

impl SyncReport {
    /// The one summary line a sync prints.
    pub fn summary_line(&self) -> String {
        let c = &self.counts;
        let mut resumed = self
            .resumed_run
            .map(|r| format!(", resuming run {r}"))
            .unwrap_or_default();
        if self.retried > 0 {
            let s = if self.retried == 1 { "" } else { "s" };
            resumed += &format!(", {} earlier failure{s} retried", self.retried);
        }
        let stopped = if self.stopped {
            "; stopped on request, the next sync resumes where this one stopped"
        } else {
            ""
        };
        // The run's `invalid` counts the documents that could not be mapped too; the line
        // keeps them apart, so that "invalid" never exceeds "mapped" and errors are named.
        let unmapped = if c.unmapped > 0 {
            format!(", could not be mapped {}", c.unmapped)
        } else {
            String::new()
        };
        format!(
            "sync {}: fetched {}, mapped {}, skipped {}, invalid {}{unmapped}, failed {} in {:.1}s ({}: {}, as of {}{}){}",
            self.connection,
            c.fetched,
            c.mapped,
            c.skipped,
            c.invalid - c.unmapped,
            c.failed,
            self.elapsed.as_secs_f64(),
            self.mode.as_str(),
            self.why,
            self.as_of,
            resumed,
            stopped
        )
    }

    /// Whether some loans failed or could not be mapped: the run completed, but its records
    /// are not all there (`metro2 sync` exits [`DEGRADED_EXIT`]).
    pub fn degraded(&self) -> bool {
        self.counts.failed > 0 || self.counts.unmapped > 0
    }

    /// What a degraded run left undone and where to look, for standard error.
    pub fn degraded_line(&self) -> String {
        let loans = |n: u64| format!("{n} loan{}", if n == 1 { "" } else { "s" });
        format!(
            "sync {}: {} failed and {} could not be mapped; `metro2 runs --failures` says why; \
             the next sync retries the failed ones",
            self.connection,
            loans(self.counts.failed),
            loans(self.counts.unmapped)
        )
    }
}

/// The exit code of a sync that completed with loans failed or not mapped: distinct from 0, so
/// cron and monitoring see a degraded run, and from 1 (the run itself stopped).
pub const DEGRADED_EXIT: u8 = 3;

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// LoanPro refused the run (the token or its role) or could not be searched.
    #[error("sync of {connection} stopped (run {run_id}): {source}")]
    Source {
        /// The connection.
        connection: String,
        /// The run.
        run_id: i64,
        /// The error.
        source: LoanProError,
    },
    /// Too many loans in a row failed for want of an answer from LoanPro: the run stopped,
    /// resumable, rather than record every remaining loan as failed.
    #[error(
        "sync of {connection} stopped (run {run_id}): {consecutive} loans in a row failed because \
         LoanPro did not answer; last: {last}. The loans done are kept; the next sync resumes \
         here and retries the loans that failed"
    )]
    Outage {
        /// The connection.
        connection: String,
        /// The run.
        run_id: i64,
        /// Loans that failed in a row.
        consecutive: usize,
        /// The last loan's error (it names the endpoint).
        last: String,
    },
    /// The database failed.
    #[error("sync of {connection} stopped (run {run_id}): {source}")]
    Store {
        /// The connection.
        connection: String,
        /// The run.
        run_id: i64,
        /// The error.
        source: StoreError,
    },
    /// The run could not start.
    #[error(transparent)]
    Start(#[from] StoreError),
}

/// What the search pager and the fetchers hand the collector, in loan order.
// Nearly every step is an item; boxing would add an allocation per loan.
#[allow(clippy::large_enum_variant)]
enum Step {
    /// A loan's outcome. `retry`: an earlier run's failure pulled again, outside the sweep's
    /// id order, so it must never move the cursor. `outage`: it failed because LoanPro did not
    /// answer, which the circuit breaker counts.
    Item {
        item: PageItem,
        retry: bool,
        outage: bool,
    },
    PageEnd {
        last_loan_id: Option<i64>,
        field_seen: bool,
    },
    Fatal(LoanProError),
}

/// What the collector hands the writer thread.
struct Page {
    items: Vec<PageItem>,
    last_loan_id: Option<i64>,
    field_seen: bool,
}

/// Work for one position of the ordered stream.
enum Work {
    Loan {
        loan: LoanSummary,
        retry: bool,
    },
    Vanished(i64),
    PageEnd {
        last_loan_id: Option<i64>,
        field_seen: bool,
    },
    Fatal(LoanProError),
}

/// Runs one sync of `conn` to completion: decides the kind of run from the cursor, pulls,
/// maps, validates and commits page by page. `rt` drives the HTTP work (a multi-thread runtime,
/// so fetching and mapping use every core); this thread must not be inside it.
#[allow(clippy::too_many_arguments)]
pub fn run_sync<S: LoanSource, M: RecordMapper>(
    rt: &tokio::runtime::Handle,
    store: &mut Store,
    conn: &Connection,
    source: Arc<S>,
    mapper: Arc<M>,
    template_version: i64,
    opts: &SyncOptions,
    progress: &Progress,
) -> Result<SyncReport, SyncError> {
    let started = Instant::now();
    let as_of_text = opts.as_of.format("%Y-%m-%d").to_string();
    let period = opts.as_of.format("%Y-%m").to_string();
    let field = conn.updated_field.clone();

    let (mode, why, filter, skip_upto, resumed_run, watermark, since) = match &opts.only_loans {
        Some(ids) => (
            RunMode::Targeted,
            "named loans",
            SearchFilter {
                updated_since: None,
                loan_ids: Some(ids.clone()),
            },
            None,
            None,
            None,
            None,
        ),
        None => {
            let cursor = store.cursor(conn.id)?;
            let template_changed = store
                .last_full_template_version(conn.id)?
                .is_some_and(|v| v != template_version);
            let d = decide(
                &cursor,
                &as_of_text,
                opts.force_full,
                template_changed,
                opts.now,
                &opts.policy,
            );
            let filter = SearchFilter {
                updated_since: d.since.map(|s| (field.clone(), s)),
                loan_ids: None,
            };
            let skip = d.resume.as_ref().and_then(|p| p.last_loan_id);
            (
                d.mode,
                d.why,
                filter,
                skip,
                d.resume.clone(),
                Some(d.watermark),
                d.since,
            )
        }
    };
    let since_text = since.map(crate::store::time_text);
    // Earlier runs' failures are pulled first by id: a resumed run starts after its last
    // committed page and an incremental one sees only recent changes, so neither would come
    // back to them before the next full sweep. A targeted pull (a webhook's) does only its loans.
    let retry: Vec<i64> = if mode == RunMode::Targeted {
        Vec::new()
    } else {
        store
            .open_failures(conn.id)?
            .into_iter()
            .map(|f| f.loan_id)
            .collect()
    };
    let retried = retry.len();
    let run_id = store.start_run(
        conn.id,
        mode,
        &as_of_text,
        since_text.as_deref(),
        resumed_run.as_ref().map(|p| p.run_id),
        template_version,
    )?;
    let advance_cursor = mode != RunMode::Targeted;
    if let Some(watermark) = watermark {
        store.begin_run(
            conn.id,
            &RunProgress {
                run_id,
                mode,
                as_of: as_of_text.clone(),
                since: since_text.clone(),
                watermark: crate::store::time_text(watermark),
                last_loan_id: skip_upto,
                field_seen: resumed_run.as_ref().is_some_and(|p| p.field_seen),
            },
        )?;
    }
    tracing::info!(connection = %conn.name, run_id, mode = mode.as_str(), why, "sync starts");
    progress.set_message(format!("{} {}", conn.name, mode.as_str()));

    let record_base = RecordBase {
        as_of: as_of_text.clone(),
        period: period.clone(),
        template_version,
    };
    let (tx, rx) = mpsc::sync_channel::<Page>(2);
    let conn_id = conn.id;
    let writer_store = &mut *store;
    let outcome = std::thread::scope(|scope| {
        let writer = scope.spawn(move || -> Result<RunCounts, StoreError> {
            let mut counts = RunCounts::default();
            for page in rx {
                counts += writer_store.commit_page(&PageCommit {
                    connection_id: conn_id,
                    run_id,
                    items: &page.items,
                    last_loan_id: page.last_loan_id,
                    field_seen: page.field_seen,
                    advance_cursor,
                })?;
            }
            Ok(counts)
        });
        let pulled = rt.block_on(pull(
            source,
            mapper,
            filter,
            retry,
            field,
            skip_upto,
            opts,
            record_base,
            tx,
            progress.clone(),
        ));
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(StoreError::Invalid("the writer thread panicked".into())));
        (pulled, written)
    });
    progress.finish();
    let (pulled, written) = outcome;
    let fail = |store: &Store, msg: String| {
        if let Err(e) = store.finish_run(run_id, RunStatus::Failed, Some(&msg)) {
            tracing::error!("cannot record the failure of run {run_id}: {e}");
        }
    };
    let counts = match written {
        Ok(c) => c,
        Err(e) => {
            fail(store, e.to_string());
            return Err(SyncError::Store {
                connection: conn.name.clone(),
                run_id,
                source: e,
            });
        }
    };
    let Pulled {
        saw_loans,
        stopped,
        outage,
    } = match pulled {
        Ok(p) => p,
        Err(e) => {
            fail(store, e.to_string());
            return Err(SyncError::Source {
                connection: conn.name.clone(),
                run_id,
                source: e,
            });
        }
    };
    if let Some((consecutive, last)) = outage {
        // Stopped like a stop request, so the cursor keeps the run in progress; the loans that
        // failed before the breaker opened are open failures, which the next run pulls first.
        let err = SyncError::Outage {
            connection: conn.name.clone(),
            run_id,
            consecutive,
            last,
        };
        tracing::error!(connection = %conn.name, run_id, "{err}");
        store
            .finish_run(run_id, RunStatus::Interrupted, Some(&err.to_string()))
            .map_err(|e| SyncError::Store {
                connection: conn.name.clone(),
                run_id,
                source: e,
            })?;
        return Err(err);
    }
    let finish = if stopped && advance_cursor {
        // The cursor keeps the run in progress, at the last committed page, for the next run.
        tracing::info!(connection = %conn.name, run_id, "sync stopped on request");
        store.finish_run(
            run_id,
            RunStatus::Interrupted,
            Some("stopped on request; the next run resumes after the last committed loan"),
        )
    } else if advance_cursor {
        store.complete_run(conn.id, saw_loans || skip_upto.is_some())
    } else {
        store.finish_run(run_id, RunStatus::Ok, None)
    };
    finish.map_err(|e| SyncError::Store {
        connection: conn.name.clone(),
        run_id,
        source: e,
    })?;
    Ok(SyncReport {
        run_id,
        connection: conn.name.clone(),
        mode,
        why,
        resumed_run: resumed_run.map(|p| p.run_id),
        as_of: opts.as_of,
        period,
        counts,
        elapsed: started.elapsed(),
        stopped,
        retried,
    })
}

/// How the pull ended.
#[derive(Debug, Clone)]
struct Pulled {
    /// Whether any loan was enumerated.
    saw_loans: bool,
    /// Whether a stop request (or the circuit breaker) ended it before the last loan.
    stopped: bool,
    /// The circuit breaker opened: how many loans in a row failed, and the last one's error.
    outage: Option<(usize, String)>,
}

fn stop_requested(stop: &Option<Arc<AtomicBool>>) -> bool {
    stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst))
}

/// What every record of the run shares.
#[derive(Debug, Clone)]
struct RecordBase {
    as_of: String,
    period: String,
    template_version: i64,
}

/// Pulls the loans of `retry` (earlier runs' open failures) by id, then pages through the
/// search; fetches and maps every loan and hands finished pages to the writer. Stops at the
/// first fatal error, when the writer has stopped (its error is the one reported), on a stop
/// request, or when the circuit breaker opens: no loan starts after it, and the loans sent so
/// far end their page early, so they are committed and the cursor resumes after them.
#[allow(clippy::too_many_arguments)]
async fn pull<S: LoanSource, M: RecordMapper>(
    source: Arc<S>,
    mapper: Arc<M>,
    filter: SearchFilter,
    retry: Vec<i64>,
    field: String,
    skip_upto: Option<i64>,
    opts: &SyncOptions,
    base: RecordBase,
    tx: mpsc::SyncSender<Page>,
    progress: Progress,
) -> Result<Pulled, LoanProError> {
    let page_size = opts.page_size.max(1);
    let concurrency = opts.concurrency.max(1);
    // The pager runs ahead of the fetchers by up to two pages, so fetching never waits for a
    // search at a page boundary.
    let (work_tx, work_rx) = tokio::sync::mpsc::channel::<Work>(page_size * 2 + 2);
    let pager = {
        let source = source.clone();
        let progress = progress.clone();
        tokio::spawn(async move {
            let send = |w: Work| work_tx.send(w);
            let retried: HashSet<i64> = retry.iter().copied().collect();
            for chunk in retry.chunks(page_size) {
                // The targeted pull a webhook makes: a search by id, so a loan LoanPro no longer
                // lists is seen as gone rather than failing again forever.
                let by_id = SearchFilter {
                    updated_since: None,
                    loan_ids: Some(chunk.to_vec()),
                };
                let mut listed = HashSet::new();
                let mut start = 0usize;
                loop {
                    let page = match source.search(start, page_size, &by_id).await {
                        Ok(p) => p,
                        Err(e) => {
                            let _ = send(Work::Fatal(e)).await;
                            return false;
                        }
                    };
                    if page.loans.is_empty() {
                        break;
                    }
                    let short = page.loans.len() < page_size;
                    start += page.loans.len();
                    for loan in page.loans {
                        listed.insert(loan.id);
                        if send(Work::Loan { loan, retry: true }).await.is_err() {
                            return false;
                        }
                    }
                    let end = Work::PageEnd {
                        last_loan_id: None,
                        field_seen: false,
                    };
                    if send(end).await.is_err() || (short && start >= page.total) {
                        break;
                    }
                }
                let gone: Vec<i64> = chunk
                    .iter()
                    .copied()
                    .filter(|id| !listed.contains(id))
                    .collect();
                if !gone.is_empty() {
                    for id in gone {
                        if send(Work::Vanished(id)).await.is_err() {
                            return false;
                        }
                    }
                    let end = Work::PageEnd {
                        last_loan_id: None,
                        field_seen: false,
                    };
                    if send(end).await.is_err() {
                        return false;
                    }
                }
            }
            let mut start = 0usize;
            let mut saw = false;
            loop {
                let page = match source.search(start, page_size, &filter).await {
                    Ok(p) => p,
                    Err(e) => {
                        let _ = send(Work::Fatal(e)).await;
                        return saw;
                    }
                };
                if start == 0 {
                    progress.set_total((page.total + retried.len()) as u64);
                }
                let Some(last) = page.loans.last().map(|l| l.id) else {
                    return saw;
                };
                saw = true;
                let short = page.loans.len() < page_size;
                start += page.loans.len();
                let field_seen = page.loans.iter().any(|l| l.updated(&field).is_some());
                for loan in page.loans {
                    if skip_upto.is_some_and(|s| loan.id <= s) {
                        progress.inc();
                        continue;
                    }
                    // Pulled already in this run, first.
                    if retried.contains(&loan.id) {
                        continue;
                    }
                    if send(Work::Loan { loan, retry: false }).await.is_err() {
                        return saw;
                    }
                }
                let end = Work::PageEnd {
                    last_loan_id: Some(last),
                    field_seen,
                };
                // The end is an empty page, or a short one once `total` is reached: a server
                // may cap the page size below `$top`, or cap `totalHits` (Elasticsearch counts
                // to 10,000 by default), so neither alone proves the end.
                if send(end).await.is_err() || (short && start >= page.total) {
                    return saw;
                }
            }
        })
    };
    // A stop request or the open breaker ends the stream of work here, not in the pager, which
    // runs up to two pages ahead: only the loans already taken (at most `concurrency`) are
    // still fetched.
    let breaker = Arc::new(AtomicBool::new(false));
    let cut = Arc::new(AtomicBool::new(false));
    let works = futures_util::stream::unfold(
        (work_rx, opts.stop.clone(), breaker.clone(), cut.clone()),
        |(mut rx, stop, breaker, cut)| async move {
            if stop_requested(&stop) || breaker.load(Ordering::SeqCst) {
                cut.store(true, Ordering::SeqCst);
                return None;
            }
            rx.recv().await.map(|w| (w, (rx, stop, breaker, cut)))
        },
    );
    // Boxed so that dropping it closes the pager's channel.
    let mut steps = Box::pin(
        works
            .map(|w| {
                let source = source.clone();
                let mapper = mapper.clone();
                let base = base.clone();
                let as_of = opts.as_of;
                tokio::spawn(async move {
                    match w {
                        Work::Loan { loan, retry } => {
                            step_for_loan(&*source, &*mapper, loan, as_of, &base, retry).await
                        }
                        Work::Vanished(loan_id) => Step::Item {
                            item: PageItem::Vanished { loan_id },
                            retry: true,
                            outage: false,
                        },
                        Work::PageEnd {
                            last_loan_id,
                            field_seen,
                        } => Step::PageEnd {
                            last_loan_id,
                            field_seen,
                        },
                        Work::Fatal(e) => Step::Fatal(e),
                    }
                })
            })
            .buffered(concurrency),
    );
    let mut streak = OutageStreak::new(opts.breaker_after);
    let mut items = Vec::with_capacity(page_size);
    // The last loan of `items` in the sweep's id order: where a cut-short page leaves the cursor.
    let mut last_swept = None;
    let mut tripped: Option<(usize, String)> = None;
    while let Some(step) = steps.next().await {
        // A task panics only if the runtime is shutting down: `step_for_loan` catches panics.
        let Ok(step) = step else { break };
        match step {
            Step::Item {
                item,
                retry,
                outage,
            } => {
                progress.inc();
                if streak.record(outage) && tripped.is_none() {
                    if let PageItem::Failed { error, .. } = &item {
                        tripped = Some((streak.in_a_row(), error.clone()));
                    }
                    breaker.store(true, Ordering::SeqCst);
                }
                if !retry {
                    last_swept = Some(item.loan_id());
                }
                items.push(item);
            }
            Step::PageEnd {
                last_loan_id,
                field_seen,
            } => {
                let page = Page {
                    items: std::mem::replace(&mut items, Vec::with_capacity(page_size)),
                    last_loan_id,
                    field_seen,
                };
                last_swept = None;
                if tx.send(page).is_err() {
                    break;
                }
            }
            Step::Fatal(e) => {
                drop(steps);
                pager.abort();
                return Err(e);
            }
        }
    }
    drop(steps);
    if cut.load(Ordering::SeqCst) {
        pager.abort();
        // The loans done since the last page end make a short page of their own, so they are
        // committed and the cursor resumes after the last of them (loans come in id order).
        if !items.is_empty() {
            let page = Page {
                items,
                last_loan_id: last_swept,
                field_seen: false,
            };
            let _ = tx.send(page);
        }
        return Ok(Pulled {
            saw_loans: true,
            stopped: true,
            outage: tripped,
        });
    }
    let saw_loans = pager.await.unwrap_or(true);
    Ok(Pulled {
        saw_loans,
        stopped: false,
        outage: None,
    })
}

/// Fetches and maps one loan. Every failure but a fatal one becomes the loan's own outcome.
async fn step_for_loan<S: LoanSource, M: RecordMapper>(
    source: &S,
    mapper: &M,
    loan: LoanSummary,
    as_of: NaiveDate,
    base: &RecordBase,
    retry: bool,
) -> Step {
    let id = loan.id;
    let item = |item| Step::Item {
        item,
        retry,
        outage: false,
    };
    let doc = match source.fetch(id, as_of).await {
        Ok(doc) => doc,
        Err(e) if e.is_fatal() => return Step::Fatal(e),
        Err(e) => {
            tracing::warn!(loan_id = id, "loan failed: {e}");
            return Step::Item {
                item: PageItem::Failed {
                    loan_id: id,
                    error: e.to_string(),
                },
                retry,
                outage: e.is_outage(),
            };
        }
    };
    let mapped = std::panic::catch_unwind(AssertUnwindSafe(|| build(mapper, loan, doc, base)));
    match mapped {
        Ok(built) => item(built),
        Err(_) => {
            tracing::error!(loan_id = id, "mapping panicked");
            item(PageItem::Failed {
                loan_id: id,
                error: "internal error: mapping this loan panicked".into(),
            })
        }
    }
}

fn build<M: RecordMapper>(
    mapper: &M,
    loan: LoanSummary,
    doc: Value,
    base: &RecordBase,
) -> PageItem {
    let display_id = Some(loan.display_id).filter(|d| !d.is_empty()).or_else(|| {
        doc.get("displayId")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let text = match serde_json::to_string(&doc) {
        Ok(t) => t,
        Err(e) => {
            return PageItem::Failed {
                loan_id: loan.id,
                error: format!("cannot serialize the document: {e}"),
            }
        }
    };
    let Mapped {
        status,
        reason,
        segments,
        fields,
        findings,
    } = mapper.map(&doc, &text);
    let document = LoanDocument::new(loan.id, display_id.clone(), text);
    let record = NewRecord {
        loan_id: loan.id,
        display_id,
        period: base.period.clone(),
        as_of: base.as_of.clone(),
        status,
        reason,
        segments,
        fields,
        findings,
        template_version: base.template_version,
        document_hash: document.hash.clone(),
    };
    PageItem::Loan { document, record }
}
