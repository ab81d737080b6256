//! The worker: one thread that owns its own store handle and runs, one at a time, the targeted
//! pulls webhooks schedule and the syncs the scheduler starts.
//!
//! One at a time keeps the database's writers to one and LoanPro's load predictable. On stop
//! the worker finishes the job in flight and exits; pulls still queued stay `queued` in
//! `webhook_deliveries` and are resumed by the next start.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

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

/// Runs jobs until the channel closes or a stop is requested.
pub fn run(mut store: Store, rt: tokio::runtime::Handle, jobs: Receiver<Job>, shared: Arc<Shared>) {
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
                let (status, error) = match &result {
                    Ok(line) => {
                        tracing::info!(delivery = delivery_id, %loan, "{line}");
                        (Status::Pulled, None)
                    }
                    Err(e) => {
                        tracing::warn!(delivery = delivery_id, %loan, error = %e, "webhook pull failed");
                        (Status::Failed, Some(e.as_str()))
                    }
                };
                if let Err(e) = deliveries::finish(&store, delivery_id, status, error) {
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

/// Pulls one loan: resolves a display id to LoanPro's id (from the stored documents, else by a
/// search), then runs a targeted sync of that loan alone.
fn pull(
    store: &mut Store,
    rt: &tokio::runtime::Handle,
    connection_id: i64,
    loan: &LoanRef,
    stop: Arc<AtomicBool>,
) -> Result<String, String> {
    let conn = store
        .connection_by_id(connection_id)
        .map_err(|e| e.to_string())?;
    let id = match loan {
        LoanRef::Id(id) => *id,
        LoanRef::DisplayId(display) => {
            match store
                .loan_id_for_display_id(connection_id, display)
                .map_err(|e| e.to_string())?
            {
                Some(id) => id,
                None => {
                    let cfg = runner::client_config(&conn, 1).map_err(|e| e.to_string())?;
                    let client = Client::new(cfg).map_err(|e| e.to_string())?;
                    rt.block_on(client.find_loan_by_display_id(display))
                        .map_err(|e| e.to_string())?
                        .ok_or_else(|| format!("LoanPro has no loan with display id {display:?}"))?
                }
            }
        }
    };
    let as_of = runner::parse_as_of(None)?;
    let mut opts = SyncOptions::new(as_of);
    opts.only_loans = Some(vec![id]);
    opts.stop = Some(stop);
    let report = runner::sync_connection(rt, store, &conn, &opts, &Progress::hidden())
        .map_err(|e| e.to_string())?;
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
