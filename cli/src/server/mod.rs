//! The webhook server and the sync scheduler behind `metro2 serve`.
//!
//! `POST /webhooks/loanpro/{connection}` authenticates a LoanPro notification (signature or
//! static token), drops repeated deliveries and queues a targeted pull of the loan the event
//! names; `GET /healthz` answers when the server is up. The scheduler syncs each `hourly` and
//! `daily` connection on its interval. One worker thread runs the pulls and syncs one at a time;
//! on stop (SIGTERM, Ctrl-C or [`RunningServer::shutdown`]) the server stops accepting, the
//! worker finishes the job in flight, and what is still queued is resumed by the next start.

pub mod config;
pub mod dedup;
pub mod deliveries;
pub mod event;
pub mod http;
pub mod scheduler;
pub mod signature;
pub mod worker;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use config::ServeConfig;

use crate::store::{Store, StoreError};
use dedup::Dedup;
use worker::{Job, Shared};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The listen address.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
}

/// A started server.
pub struct RunningServer {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    http: tokio::task::JoinHandle<()>,
    scheduler: tokio::task::JoinHandle<()>,
    worker: std::thread::JoinHandle<()>,
    jobs: std::sync::mpsc::Sender<Job>,
    shared: Arc<Shared>,
    grace: Duration,
}

impl RunningServer {
    /// The address it listens on (the real port when `:0` was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What the worker and the scheduler share (counters for tests and health).
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Stops: no new request or job; waits for the requests in flight and for the job in flight,
    /// which stops after its loans in flight (at most the configured grace). Returns false when the job in flight was abandoned: the
    /// caller should then end the process at once, as a crash would, rather than let the job
    /// see its runtime shut down under it (a sync resumes after its last committed page).
    pub async fn shutdown(self) -> bool {
        let _ = self.stop.send(());
        let _ = self.http.await;
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.scheduler.abort();
        let _ = self.scheduler.await;
        // Wakes the worker if it waits for a job; it exits at once because `stopping` is set.
        let _ = self.jobs.send(Job::Sync { connection_id: 0 });
        drop(self.jobs);
        let worker = self.worker;
        let joined = tokio::time::timeout(
            self.grace,
            tokio::task::spawn_blocking(move || worker.join()),
        )
        .await;
        let clean = joined.is_ok();
        if !clean {
            tracing::warn!(
                grace = ?self.grace,
                "the job in flight did not finish in time and is abandoned; a sync resumes after its last committed page"
            );
        }
        tracing::info!("server stopped");
        clean
    }
}

/// Starts the server on the current runtime, which must be multi-threaded (`rt` is its handle,
/// used by the worker thread to drive HTTP calls to LoanPro).
pub async fn start(
    cfg: ServeConfig,
    db: &Path,
    rt: tokio::runtime::Handle,
) -> Result<RunningServer, ServeError> {
    // `serve` works on a database `connect` started; it creates none.
    let http_store = Store::open_existing(db)?;
    let worker_store = Store::open_existing(db)?;
    let listener = tokio::net::TcpListener::bind(&cfg.listen)
        .await
        .map_err(|source| ServeError::Listen {
            addr: cfg.listen.clone(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Listen {
        addr: cfg.listen.clone(),
        source,
    })?;

    let mut dedup = Dedup::new(cfg.dedup);
    let now = Instant::now();
    let names: std::collections::HashMap<i64, String> = http_store
        .connections()?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    for r in deliveries::recent(&http_store, cfg.dedup.trace.as_secs())? {
        if let Some(name) = names.get(&r.connection_id) {
            let at = now
                .checked_sub(Duration::from_secs(r.age_secs))
                .unwrap_or(now);
            dedup.remember(name, r.trace_id.as_deref(), &r.body_sha256, at);
        }
    }

    let (jobs, queue) = std::sync::mpsc::channel();
    let resumed = worker::resume_queued(&http_store, &jobs)?;
    if resumed > 0 {
        tracing::info!(resumed, "resuming queued webhook pulls");
    }
    let shared = Arc::new(Shared::default());
    let queue = worker::Queue {
        jobs: queue,
        again: jobs.clone(),
        retry: cfg.pull_retry,
    };
    let worker = {
        let shared = shared.clone();
        let rt = rt.clone();
        std::thread::Builder::new()
            .name("metro2-worker".into())
            .spawn(move || worker::run(worker_store, rt, queue, shared))
            .map_err(|source| ServeError::Listen {
                addr: cfg.listen.clone(),
                source,
            })?
    };
    let state = Arc::new(http::AppState {
        store: Mutex::new(http_store),
        dedup: Mutex::new(dedup),
        jobs: jobs.clone(),
        shared: shared.clone(),
    });
    let scheduler = tokio::spawn(run_scheduler(cfg.clone(), state.clone()));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = http::router(state);
    let http = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "the HTTP server failed");
        }
    });
    tracing::info!(%addr, "listening");
    Ok(RunningServer {
        addr,
        stop,
        http,
        scheduler,
        worker,
        jobs,
        shared,
        grace: cfg.shutdown_grace,
    })
}

async fn run_scheduler(cfg: ServeConfig, state: Arc<http::AppState>) {
    let mut clock = scheduler::Clock::default();
    let mut ticker = tokio::time::interval(scheduler::tick(&cfg));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if state.shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let conns = {
            let store = state
                .store
                .lock()
                .expect("no panics while holding the lock");
            scheduler::connections(&store, &cfg)
        };
        let conns = match conns {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "scheduler cannot read the connections");
                continue;
            }
        };
        for id in clock.due(Instant::now(), &conns) {
            let mut pending = state
                .shared
                .pending_syncs
                .lock()
                .expect("no panics while holding the lock");
            // A sync still queued or running is not queued twice; the clock moves on.
            if pending.insert(id) {
                let _ = state.jobs.send(Job::Sync { connection_id: id });
            }
        }
    }
}

/// Waits for SIGTERM or Ctrl-C.
pub async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
