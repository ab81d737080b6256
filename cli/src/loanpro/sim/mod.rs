//! A local LoanPro: the API of `reference/loanpro/api.md` served over loopback from a dataset of
//! loan documents, with switches for the faults a real tenant shows (rate limits, `500`s,
//! latency, dropped connections, a malformed loan). It is the test double of the client, the
//! engine of `metro2 demo` and the target of the benchmarks.
//!
//! Served under `http://ADDR/api/public/api/1/` (the base URL):
//! - `POST Loans/Autopal.Search()` (also under `odata.svc/`): an Elasticsearch-style body with
//!   `match_all`, `bool` (`must`, `filter`, `should`, `must_not`), `range`, `term`, `terms`,
//!   `match`, `exists`; `$top` (default 10), `$start`/`$skip`, `$orderby`.
//! - `GET odata.svc/Loans(id)` (also `Loans(id=N)`), with `$expand` of nested paths
//!   (`Customers/PrimaryAddress`); nested objects not expanded are `__deferred`.
//! - `GET odata.svc/Loans(id)/Nav[/Nav]` and `GET odata.svc/Customers(id)[/Nav]`: nested
//!   objects and lists, with `$top`/`$skip` (default 50), `nopaging`, `$filter` (`field op
//!   datetime'…'|number|'text'` joined by `and`) and `$orderby`.
//! - `GET odata.svc/Loans`: `410`, as LoanPro answers.
//! - `PUT`/`PATCH odata.svc/Loans(id)`: notes and custom fields recorded, applied, readable back.
//! - Admin, without authentication: `POST /_sim/loans/{id}/touch`, `POST /_sim/loans/{id}/modify`
//!   (a JSON merge patch), `GET /_sim/writes`, `GET /_sim/stats`, `GET|POST /_sim/faults`.

mod odata;
mod routes;
mod search;
mod state;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use state::{LoggedRequest, RecordedWrite};

use state::Shared;

/// The path of the API root on the simulator, as on LoanPro.
pub const API_ROOT: &str = "/api/public/api/1/";

/// What the simulator serves and how it behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where to listen (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// The loan documents (derivations.md §0 shape, as `generate_loans` makes them).
    pub loans: Vec<Value>,
    /// The token clients must send as `Authorization: Bearer` (until
    /// [`SimHandle::set_token`] replaces it).
    pub token: String,
    /// The instance id clients must send as `Autopal-Instance-Id`.
    pub instance_id: String,
    /// The loan field bumped when a loan changes (default `lastUpdated`). `None`: the tenant
    /// lacks such a field: it is removed from every document, so incremental pulls must fall
    /// back to full sweeps.
    pub updated_field: Option<String>,
    /// Whether `$expand` follows nested paths (`Customers/PrimaryAddress`); when off, nested
    /// objects below the first level stay `__deferred`, as a server without nested expansion.
    pub nested_expand: bool,
    /// Expanded lists longer than this are cut with a `__next` link (and list endpoints page
    /// with `__next` links), as a server with server-driven paging; `None` = no cut.
    pub expand_page_limit: Option<usize>,
    /// The faults switched on from the start.
    pub faults: Faults,
    /// Generated loans served besides `loans`, generated again on each request instead of
    /// held in memory (see [`Generated`]).
    pub generated: Option<Generated>,
}

/// Loans `generate_loan(0..count, seed, as_of)`: the same documents as
/// `generate_loans(count, seed, as_of)` in a few bytes per loan.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// How many.
    pub count: usize,
    /// The generator's seed.
    pub seed: u64,
    /// The date the loans stand on.
    pub as_of: chrono::NaiveDate,
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            loans: Vec::new(),
            token: "sim-token".to_owned(),
            instance_id: "5200000".to_owned(),
            updated_field: Some("lastUpdated".to_owned()),
            nested_expand: true,
            expand_page_limit: None,
            faults: Faults::default(),
            generated: None,
        }
    }
}

/// Fault switches; all off by default. Counters (`*_next`) are used up one request at a time.
///
/// `POST /_sim/faults` replaces the whole set (a key left out is off), and refuses a key it
/// does not know rather than reset every switch for a misspelt one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Answer `429` above this many requests per second (a token bucket holding one second).
    pub rate_limit: Option<f64>,
    /// Answer the next N requests with `429`.
    pub rate_limited_next: u32,
    /// The `Retry-After` of those `429`s, in seconds (the rate limit computes its own).
    pub retry_after_secs: u64,
    /// Send `Retry-After` as an HTTP date instead of seconds.
    pub retry_after_http_date: bool,
    /// Share of requests answered with `500` (0 to 1), chosen deterministically.
    pub fail_rate: f64,
    /// Answer the next N requests with `500`.
    pub fail_next: u32,
    /// Drop the connection of the next N requests (headers sent, body cut).
    pub drop_next: u32,
    /// Share of requests whose connection is dropped (0 to 1).
    pub drop_rate: f64,
    /// Added latency per request, in milliseconds.
    pub latency_ms: u64,
    /// Loans whose `GET odata.svc/Loans(id)` answers a truncated JSON body.
    pub malformed_loans: Vec<i64>,
    /// Loans whose `GET odata.svc/Loans(id)` (and anything under it) answers `500`, as if the
    /// part of LoanPro that serves them were down while the search still answers.
    pub failing_loans: Vec<i64>,
}

/// Reads the loan documents of a folder: every `*.json` file holding a loan document (an object
/// with a numeric `id`, optionally inside `{"d": …}`) or a list of them, in file-name order.
/// Other JSON files (expected figures, notes) are skipped.
pub fn load_dataset(dir: &std::path::Path) -> std::io::Result<Vec<Value>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut loans = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)?;
        let value: Value = serde_json::from_str(&text).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}:{}:{}: {e}", file.display(), e.line(), e.column()),
            )
        })?;
        let items = match value {
            Value::Array(items) => items,
            other => vec![other],
        };
        for item in items {
            let doc = item.get("d").cloned().unwrap_or(item);
            if doc.get("id").and_then(state::json_i64).is_some() {
                loans.push(doc);
            }
        }
    }
    Ok(loans)
}

/// Starts simulators.
pub struct Simulator;

impl Simulator {
    /// Binds, starts serving on the current tokio runtime, and returns at once.
    pub async fn start(cfg: SimConfig) -> std::io::Result<SimHandle> {
        let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}{API_ROOT}");
        let shared = Arc::new(Shared::new(cfg, base_url.clone()));
        let app = routes::router(shared.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::error!("LoanPro simulator stopped: {e}");
            }
        });
        Ok(SimHandle {
            base_url,
            addr,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// A running simulator. Dropping it stops the server.
pub struct SimHandle {
    /// The API root clients use (`http://127.0.0.1:PORT/api/public/api/1/`).
    pub base_url: String,
    /// The bound address.
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl SimHandle {
    /// Marks a loan changed now (its updated field moves past every other loan's). False when
    /// there is no such loan.
    pub fn touch(&self, id: i64) -> bool {
        self.shared.touch(id)
    }

    /// Applies a JSON merge patch (RFC 7386) to a loan document and touches it.
    pub fn modify(&self, id: i64, patch: &Value) -> bool {
        self.shared.modify(id, patch)
    }

    /// Adds (or replaces) a loan document.
    pub fn insert_loan(&self, loan: Value) {
        self.shared.insert(loan)
    }

    /// A loan document as stored now (writes applied).
    pub fn loan(&self, id: i64) -> Option<Value> {
        self.shared.loan(id)
    }

    /// The writes received, oldest first.
    pub fn writes(&self) -> Vec<RecordedWrite> {
        self.shared.writes()
    }

    /// Requests per endpoint (`GET odata.svc/Loans(id)`, `POST Loans/Autopal.Search()`, …),
    /// every answer counted, faults included.
    pub fn request_counts(&self) -> BTreeMap<String, u64> {
        self.shared.counts()
    }

    /// All requests so far.
    pub fn total_requests(&self) -> u64 {
        self.shared.counts().values().sum()
    }

    /// The requests so far (the first 200,000), with arrival times and answers.
    pub fn log(&self) -> Vec<LoggedRequest> {
        self.shared.log()
    }

    /// Forgets the counts and the log.
    pub fn reset_counters(&self) {
        self.shared.reset_counters()
    }

    /// The fault switches now.
    pub fn faults(&self) -> Faults {
        self.shared.faults()
    }

    /// Replaces the fault switches.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.set_faults(faults)
    }

    /// Accepts `token` only from now on: the token clients sent so far is refused (`401`), as
    /// when a tenant revokes a token and issues another.
    pub fn set_token(&self, token: &str) {
        self.shared.set_token(token)
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
