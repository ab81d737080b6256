//! The worker: one thread that owns its own store handle and runs, one at a time, the targeted
//! pulls webhooks schedule and the syncs the scheduler starts.
//!
//! One at a time keeps the database's writers to one and LoanPro's load predictable. On stop
//! the worker finishes the job in flight and exits; pulls still queued stay `queued` in
//! `webhook_deliveries` and are resumed by the next start. A pull that fails for a reason that
//! may pass stays queued and is sent again after a wait (`pull_retry`), so a LoanPro outage
//! does not lose the change a webhook announced.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

use super::config::PullRetry;
use super::deliveries::{self, Status};
use super::event::LoanRef;
use crate::loanpro::Client;
use crate::store::Store;
use crate::sync::{runner, Progress, SyncOptions};

/// Work for the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// Pull one loan a webhook named.
    Pull {
        /// The delivery that asked for it.
        delivery_id: i64,
        /// The connection.
        connection_id: i64,
        /// The loan.
        loan: LoanRef,
    },
    /// A scheduled sync of a connection.
    Sync {
        /// The connection.
        connection_id: i64,
    },
}

/// What the HTTP side, the scheduler and the worker share.
#[derive(Debug, Default)]
pub struct Shared {
    /// Set on shutdown: no new job starts, and a sync in flight stops after its loans in flight
    /// (the next start resumes it).
    pub stopping: Arc<AtomicBool>,
    /// Connections with a scheduled sync queued or running (never two at once).
    pub pending_syncs: Mutex<HashSet<i64>>,
    /// Targeted pulls completed.
    pub pulls_done: AtomicU64,
    /// Scheduled syncs completed (successfully or not).
    pub syncs_done: AtomicU64,
}

/// Where the worker takes its jobs and puts back the pulls to try again.
pub struct Queue {
    /// Jobs to run.
    pub jobs: Receiver<Job>,
    /// The same queue's sending side, for retries.
    pub again: Sender<Job>,
    /// When failed pulls are tried again.
    pub retry: PullRetry,
}

/// Why a pull failed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PullFailure {
    message: String,
    /// Whether trying again later may succeed (not for a loan LoanPro does not know).
    may_pass: bool,
}

impl PullFailure {
    fn may_pass(message: impl ToString) -> PullFailure {
        PullFailure {
            message: message.to_string(),
            may_pass: true,
        }
    }
}

/// Runs jobs until the channel closes or a stop is requested.
pub fn run(mut store: Store, rt: tokio::runtime::Handle, queue: Queue, shared: Arc<Shared>) {
    let Queue { jobs, again, retry } = queue;
    while let Ok(job) = jobs.recv() {
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        match job {
            Job::Pull {
                delivery_id,
                connection_id,
                loan,
            } => {
                let stop = shared.stopping.clone();
                let result = pull(&mut store, &rt, connection_id, &loan, stop);
                let recorded = match &result {
                    Ok(line) => {
                        tracing::info!(delivery = delivery_id, %loan, "{line}");
                        deliveries::finish(&store, delivery_id, Status::Pulled, None)
                    }
                    Err(f) if f.may_pass => deliveries::failed_attempt(
                        &store,
                        delivery_id,
                        &f.message,
                        retry.attempts,
                    )
                    .map(|failed| match retry.wait_after(failed) {
                        Some(wait) => {
                            tracing::warn!(delivery = delivery_id, %loan, error = %f.message, attempt = failed, ?wait, "webhook pull failed; it is tried again");
                            let job = Job::Pull {
                                delivery_id,
                                connection_id,
                                loan: loan.clone(),
                            };
                            send_later(&rt, &again, job, wait);
                        }
                        None => {
                            tracing::warn!(delivery = delivery_id, %loan, error = %f.message, attempts = failed, "webhook pull failed; no attempts left")
                        }
                    }),
                    Err(f) => {
                        tracing::warn!(delivery = delivery_id, %loan, error = %f.message, "webhook pull failed");
                        deliveries::finish(&store, delivery_id, Status::Failed, Some(&f.message))
                    }
                };
                if let Err(e) = recorded {
                    tracing::error!(delivery = delivery_id, error = %e, "cannot record the pull");
                }
                shared.pulls_done.fetch_add(1, Ordering::SeqCst);
            }
            Job::Sync { connection_id } => {
                match sync(&mut store, &rt, connection_id, shared.stopping.clone()) {
                    Ok(line) => tracing::info!("{line}"),
                    Err(e) => {
                        tracing::warn!(connection = connection_id, error = %e, "scheduled sync failed")
                    }
                }
                shared
                    .pending_syncs
                    .lock()
                    .expect("no panics while holding the lock")
                    .remove(&connection_id);
                shared.syncs_done.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
    tracing::info!("worker stopped");
}

/// Puts `job` back on the queue after `wait`, without holding the worker.
fn send_later(
    rt: &tokio::runtime::Handle,
    queue: &Sender<Job>,
    job: Job,
    wait: std::time::Duration,
) {
    let queue = queue.clone();
    rt.spawn(async move {
        tokio::time::sleep(wait).await;
        let _ = queue.send(job);
    });
}

/// Pulls one loan: resolves a display id to LoanPro's id (from the stored documents, else by a
/// search), then runs a targeted sync of that loan alone.
fn pull(
    store: &mut Store,
    rt: &tokio::runtime::Handle,
    connection_id: i64,
    loan: &LoanRef,
    stop: Arc<AtomicBool>,
) -> Result<String, PullFailure> {
    let conn = store
        .connection_by_id(connection_id)
        .map_err(PullFailure::may_pass)?;
    let id = match loan {
        LoanRef::Id(id) => *id,
        LoanRef::DisplayId(display) => {
            match store
                .loan_id_for_display_id(connection_id, display)
                .map_err(PullFailure::may_pass)?
            {
                Some(id) => id,
                None => {
                    let cfg = runner::client_config(&conn, 1).map_err(PullFailure::may_pass)?;
                    let client = Client::new(cfg).map_err(PullFailure::may_pass)?;
                    rt.block_on(client.find_loan_by_display_id(display))
                        .map_err(PullFailure::may_pass)?
                        .ok_or_else(|| PullFailure {
                            message: format!("LoanPro has no loan with display id {display:?}"),
                            may_pass: false,
                        })?
                }
            }
        }
    };
    let as_of = runner::parse_as_of(None).map_err(PullFailure::may_pass)?;
    let mut opts = SyncOptions::new(as_of);
    opts.only_loans = Some(vec![id]);
    opts.stop = Some(stop);
    let report = runner::sync_connection(rt, store, &conn, &opts, &Progress::hidden())
        .map_err(PullFailure::may_pass)?;
    if report.counts.failed > 0 {
        // The run went through but the loan did not: its own error says why.
        let why = store
            .failures(report.run_id)
            .ok()
            .and_then(|f| f.into_iter().next())
            .map_or_else(|| "the loan failed".to_string(), |f| f.error);
        return Err(PullFailure::may_pass(format!(
            "webhook pull of loan {id}: {why}"
        )));
    }
    Ok(format!(
        "webhook pull of loan {id}: {}",
        report.summary_line()
    ))
}

fn sync(
    store: &mut Store,
    rt: &tokio::runtime::Handle,
    connection_id: i64,
    stop: Arc<AtomicBool>,
) -> Result<String, String> {
    let conn = store
        .connection_by_id(connection_id)
        .map_err(|e| e.to_string())?;
    let mut opts = SyncOptions::new(runner::parse_as_of(None)?);
    opts.stop = Some(stop);
    let report = runner::sync_connection(rt, store, &conn, &opts, &Progress::hidden())
        .map_err(|e| e.to_string())?;
    // A warning, not an error: the run completed and the next one retries the failed loans,
    // but whoever watches the log must see that this one was not clean.
    if report.degraded() {
        tracing::warn!(connection = connection_id, "{}", report.degraded_line());
    }
    Ok(format!("scheduled {}", report.summary_line()))
}

/// Queues the pulls a previous run left queued.
pub fn resume_queued(store: &Store, jobs: &Sender<Job>) -> Result<usize, crate::store::StoreError> {
    let queued = deliveries::queued(store)?;
    let n = queued.len();
    for q in queued {
        let _ = jobs.send(Job::Pull {
            delivery_id: q.id,
            connection_id: q.connection_id,
            loan: q.loan,
        });
    }
    Ok(n)
}
