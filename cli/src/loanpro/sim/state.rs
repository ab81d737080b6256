//! The simulator's data: loan documents, recorded writes, request counts, faults.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, RwLock};
use std::time::Instant;

use serde::Serialize;
use serde_json::{Map, Value};

use super::{Faults, SimConfig};

/// Requests kept in the log at most (counts go on).
const LOG_LIMIT: usize = 200_000;

/// One write a client sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedWrite {
    /// The loan written to.
    pub loan_id: i64,
    /// `PUT` or `PATCH`.
    pub method: String,
    /// The body as sent.
    pub body: Value,
    /// The status answered.
    pub status: u16,
}

/// One request as the simulator saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoggedRequest {
    /// Milliseconds since the simulator started.
    pub at_ms: u64,
    /// The endpoint, ids generalised (`GET odata.svc/Loans(id)`).
    pub endpoint: String,
    /// The status answered; 0 for a dropped connection.
    pub status: u16,
}

/// Everything behind the handlers.
pub(crate) struct Shared {
    pub cfg: SimConfig,
    pub base_url: String,
    pub started: Instant,
    pub data: RwLock<Data>,
    pub faults: Mutex<FaultState>,
    stats: Mutex<Stats>,
}

/// The dataset.
pub(crate) struct Data {
    pub loans: BTreeMap<i64, Value>,
    /// Customer id → loan id.
    pub customers: HashMap<i64, i64>,
    /// The latest updated-field value handed out, in seconds.
    pub clock: i64,
    pub writes: Vec<RecordedWrite>,
    pub next_note_id: i64,
}

/// Faults with their running state.
pub(crate) struct FaultState {
    pub faults: Faults,
    pub bucket: f64,
    pub bucket_at: Instant,
    pub served: u64,
}

#[derive(Default)]
struct Stats {
    counts: BTreeMap<String, u64>,
    log: Vec<LoggedRequest>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub fn new(mut cfg: SimConfig, base_url: String) -> Shared {
        let loans = std::mem::take(&mut cfg.loans);
        let mut data = Data {
            loans: BTreeMap::new(),
            customers: HashMap::new(),
            clock: 0,
            writes: Vec::new(),
            next_note_id: 1,
        };
        for loan in loans {
            data.insert(loan, cfg.updated_field.as_deref());
        }
        let faults = FaultState {
            bucket: cfg.faults.rate_limit.unwrap_or(0.0).max(1.0),
            faults: cfg.faults.clone(),
            bucket_at: Instant::now(),
            served: 0,
        };
        Shared {
            cfg,
            base_url,
            started: Instant::now(),
            data: RwLock::new(data),
            faults: Mutex::new(faults),
            stats: Mutex::new(Stats::default()),
        }
    }

    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, Data> {
        self.data.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn write(&self) -> std::sync::RwLockWriteGuard<'_, Data> {
        self.data.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn record(&self, endpoint: String, status: u16) {
        let at_ms = self.started.elapsed().as_millis() as u64;
        let mut stats = lock(&self.stats);
        *stats.counts.entry(endpoint.clone()).or_default() += 1;
        if stats.log.len() < LOG_LIMIT {
            stats.log.push(LoggedRequest {
                at_ms,
                endpoint,
                status,
            });
        }
    }

    pub fn counts(&self) -> BTreeMap<String, u64> {
        lock(&self.stats).counts.clone()
    }

    pub fn log(&self) -> Vec<LoggedRequest> {
        lock(&self.stats).log.clone()
    }

    pub fn reset_counters(&self) {
        *lock(&self.stats) = Stats::default();
    }

    pub fn faults(&self) -> Faults {
        lock(&self.faults).faults.clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        let mut state = lock(&self.faults);
        state.bucket = faults.rate_limit.unwrap_or(0.0).max(1.0);
        state.bucket_at = Instant::now();
        state.faults = faults;
    }

    pub fn touch(&self, id: i64) -> bool {
        let field = self.cfg.updated_field.clone();
        let mut data = self.write();
        data.touch(id, field.as_deref())
    }

    pub fn modify(&self, id: i64, patch: &Value) -> bool {
        let field = self.cfg.updated_field.clone();
        let mut data = self.write();
        let Some(loan) = data.loans.get_mut(&id) else {
            return false;
        };
        merge_patch(loan, patch);
        if let Some(l) = loan.as_object_mut() {
            l.insert("id".into(), Value::from(id));
        }
        data.index_customers(id);
        data.touch(id, field.as_deref())
    }

    pub fn insert(&self, loan: Value) {
        let field = self.cfg.updated_field.clone();
        self.write().insert(loan, field.as_deref());
    }

    pub fn loan(&self, id: i64) -> Option<Value> {
        self.read().loans.get(&id).cloned()
    }

    pub fn writes(&self) -> Vec<RecordedWrite> {
        self.read().writes.clone()
    }
}

impl Data {
    fn insert(&mut self, mut loan: Value, updated_field: Option<&str>) {
        if let Some(d) = loan.get_mut("d") {
            loan = d.take();
        }
        let Some(obj) = loan.as_object_mut() else {
            return;
        };
        let Some(id) = obj.get("id").and_then(json_i64) else {
            return;
        };
        match updated_field {
            Some(field) => {
                if let Some(secs) = obj
                    .get(field)
                    .and_then(Value::as_str)
                    .and_then(crate::loanpro::dates::odata_seconds)
                {
                    self.clock = self.clock.max(secs);
                }
            }
            None => {
                obj.remove("lastUpdated");
            }
        }
        self.loans.insert(id, loan);
        self.index_customers(id);
    }

    fn index_customers(&mut self, id: i64) {
        let ids: Vec<i64> = self.loans[&id]
            .pointer("/Customers/results")
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .filter_map(|c| c.get("id").and_then(json_i64))
                    .collect()
            })
            .unwrap_or_default();
        for cid in ids {
            self.customers.insert(cid, id);
        }
    }

    /// Sets the updated field to a second later than any handed out before (and not before
    /// the wall clock), so a touched loan is always newer than every cursor.
    pub fn touch(&mut self, id: i64, updated_field: Option<&str>) -> bool {
        if !self.loans.contains_key(&id) {
            return false;
        }
        let now = chrono::Utc::now().timestamp();
        self.clock = (self.clock + 1).max(now);
        let clock = self.clock;
        if let (Some(field), Some(Value::Object(loan))) = (updated_field, self.loans.get_mut(&id)) {
            loan.insert(field.to_owned(), Value::String(format!("/Date({clock})/")));
        }
        true
    }
}

/// An integer LoanPro may send as a number or a string.
pub(crate) fn json_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// RFC 7386 JSON merge patch.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(target) = target else {
        return;
    };
    for (k, v) in patch {
        if v.is_null() {
            target.remove(k);
        } else {
            merge_patch(target.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

/// The fault state, locked.
pub(crate) fn lock_faults(shared: &Shared) -> MutexGuard<'_, FaultState> {
    lock(&shared.faults)
}
