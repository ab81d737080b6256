//! The simulator's data: loan documents, recorded writes, request counts, faults.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Instant;

use axum::body::Bytes;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Faults, Generated, SimConfig};

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
    /// The token clients must send (`cfg.token` until [`Shared::set_token`] replaces it, as a
    /// tenant revokes a token and issues another).
    token: Mutex<String>,
    stats: Mutex<Stats>,
    /// Recently generated documents: a loan's two requests of a sync arrive together.
    cache: Mutex<HashMap<i64, Arc<Value>>>,
    /// Answers made once and served again until the data changes. Emptied (for the loan, or
    /// all) under the data's write lock, and filled under its read lock, so an answer kept is
    /// always the one the data gives now.
    answers: Mutex<Answers>,
}

/// Generated documents kept in the cache at most.
const CACHE_LIMIT: usize = 256;

/// Searches whose hits are kept at most.
const SEARCH_CACHE_LIMIT: usize = 64;

/// Serialised answers and search hits, kept until a change.
#[derive(Default)]
struct Answers {
    /// The answers to `GET odata.svc/Loans(id)…` of held loans (never of generated ones, which
    /// are not held), by loan.
    loans: HashMap<i64, LoanAnswers>,
    /// The loan ids a search selects, in order, by body and `$orderby`.
    searches: HashMap<(Bytes, String), Arc<[i64]>>,
}

/// One held loan's answers. An answer is kept the second time it is asked for, so a single
/// pass over the loans (the demo, most tests) costs no memory, and repeated syncs (the
/// benchmark) serialise each answer at most twice.
#[derive(Default)]
struct LoanAnswers {
    /// Bodies by path and query.
    kept: HashMap<String, Bytes>,
    /// Hashes of the paths and queries asked for once.
    seen: Vec<u64>,
}

fn key_hash(key: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(key)
}

/// The dataset. Generated loans are not kept: each is generated again when asked for (it is
/// deterministic), so a simulator of 100,000 loans holds their search fields, not 7 GB of JSON
/// trees; a loan that changes (touch, modify, a write) is kept from then on.
pub(crate) struct Data {
    pub loans: BTreeMap<i64, Entry>,
    /// Customer id → loan id.
    pub customers: HashMap<i64, i64>,
    /// The latest updated-field value handed out, in seconds.
    pub clock: i64,
    pub writes: Vec<RecordedWrite>,
    pub next_note_id: i64,
    generator: Option<Generated>,
    updated_field: Option<String>,
}

/// One loan: its own fields (what search reads and lists) and its document.
pub(crate) struct Entry {
    pub summary: Value,
    doc: Doc,
}

enum Doc {
    Stored(Arc<Value>),
    /// Loan number N of the generator.
    Generated(usize),
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
            generator: cfg.generated.clone(),
            updated_field: cfg.updated_field.clone(),
        };
        for loan in loans {
            data.insert(loan);
        }
        if let Some(g) = cfg.generated.clone() {
            for index in 0..g.count {
                let doc = data.generate(index);
                data.add(doc, Doc::Generated(index));
            }
        }
        let faults = FaultState {
            bucket: cfg.faults.rate_limit.unwrap_or(0.0).max(1.0),
            faults: cfg.faults.clone(),
            bucket_at: Instant::now(),
            served: 0,
        };
        Shared {
            token: Mutex::new(cfg.token.clone()),
            cfg,
            base_url,
            started: Instant::now(),
            data: RwLock::new(data),
            faults: Mutex::new(faults),
            stats: Mutex::new(Stats::default()),
            cache: Mutex::new(HashMap::new()),
            answers: Mutex::new(Answers::default()),
        }
    }

    /// The body of a `GET` under `Loans(id)` (`key`: its path and query), made by `make` from
    /// the loan's document. A held loan's answer is kept the second time it is made and served
    /// from then on until the loan changes; a generated loan's is made each time (it is not
    /// held either). `None`: no such loan.
    pub fn loan_answer<E>(
        &self,
        id: i64,
        key: &str,
        make: impl FnOnce(&Value) -> Result<Vec<u8>, E>,
    ) -> Option<Result<Bytes, E>> {
        let data = self.read();
        let Doc::Stored(doc) = &data.loans.get(&id)?.doc else {
            drop(data);
            let doc = self.doc(id)?;
            return Some(make(&doc).map(Bytes::from));
        };
        let hash = key_hash(key);
        let keep = {
            let mut answers = lock(&self.answers);
            let loan = answers.loans.entry(id).or_default();
            if let Some(body) = loan.kept.get(key) {
                return Some(Ok(body.clone()));
            }
            match loan.seen.iter().position(|h| *h == hash) {
                Some(i) => {
                    loan.seen.swap_remove(i);
                    true
                }
                None => {
                    loan.seen.push(hash);
                    false
                }
            }
        };
        // Made under the read lock: no change can come between the document and keeping it.
        let body = match make(doc) {
            Ok(body) => Bytes::from(body),
            Err(e) => return Some(Err(e)),
        };
        if keep {
            lock(&self.answers)
                .loans
                .entry(id)
                .or_default()
                .kept
                .insert(key.to_owned(), body.clone());
        }
        Some(Ok(body))
    }

    /// The loan ids a search selects, in order (`select` computes them from the data), kept
    /// per body and order until any loan changes: a sync's pages ask the same search again
    /// and again. `data` is the read lock the caller holds.
    pub fn search_hits<E>(
        &self,
        data: &Data,
        key: (Bytes, String),
        select: impl FnOnce(&Data) -> Result<Vec<i64>, E>,
    ) -> Result<Arc<[i64]>, E> {
        if let Some(hits) = lock(&self.answers).searches.get(&key) {
            return Ok(hits.clone());
        }
        let hits: Arc<[i64]> = select(data)?.into();
        let mut answers = lock(&self.answers);
        if answers.searches.len() >= SEARCH_CACHE_LIMIT {
            answers.searches.clear();
        }
        answers.searches.insert(key, hits.clone());
        Ok(hits)
    }

    /// Forgets everything kept from the data for loan `id` (all loans when `None`): its
    /// generated document, its kept answers, and every search's hits. Called under the data's
    /// write lock, by every change.
    fn forget(&self, id: Option<i64>) {
        let mut answers = lock(&self.answers);
        match id {
            Some(id) => {
                lock(&self.cache).remove(&id);
                answers.loans.remove(&id);
            }
            None => {
                lock(&self.cache).clear();
                answers.loans.clear();
            }
        }
        answers.searches.clear();
    }

    /// A loan's document as served now.
    pub fn doc(&self, id: i64) -> Option<Arc<Value>> {
        let index = {
            let data = self.read();
            match &data.loans.get(&id)?.doc {
                Doc::Stored(doc) => return Some(doc.clone()),
                Doc::Generated(index) => *index,
            }
        };
        if let Some(doc) = lock(&self.cache).get(&id) {
            return Some(doc.clone());
        }
        let doc = Arc::new(self.read().generate(index));
        let mut cache = lock(&self.cache);
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(id, doc.clone());
        Some(doc)
    }

    /// Changes a loan's document under the write lock, then refreshes what search reads.
    pub fn change<T>(&self, id: i64, f: impl FnOnce(&mut Data, &mut Value) -> T) -> Option<T> {
        let mut data = self.write();
        let mut doc = data.take_doc(id)?;
        let out = f(&mut data, &mut doc);
        data.put_doc(id, doc);
        self.forget(Some(id));
        drop(data);
        Some(out)
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

    /// Whether `token` is the one clients must send now.
    pub fn accepts_token(&self, token: &str) -> bool {
        *lock(&self.token) == token
    }

    /// Accepts `token` only from now on.
    pub fn set_token(&self, token: &str) {
        *lock(&self.token) = token.to_owned();
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
        self.change(id, |data, doc| data.touch(doc)).is_some()
    }

    pub fn modify(&self, id: i64, patch: &Value) -> bool {
        self.change(id, |data, doc| {
            merge_patch(doc, patch);
            if let Some(l) = doc.as_object_mut() {
                l.insert("id".into(), Value::from(id));
            }
            data.touch(doc);
        })
        .is_some()
    }

    pub fn insert(&self, loan: Value) {
        let mut data = self.write();
        data.insert(loan);
        self.forget(None);
        drop(data);
    }

    pub fn loan(&self, id: i64) -> Option<Value> {
        self.doc(id).map(|d| (*d).clone())
    }

    pub fn writes(&self) -> Vec<RecordedWrite> {
        self.read().writes.clone()
    }
}

impl Data {
    /// Adds a document from a dataset (a `{"d": …}` envelope is taken off).
    fn insert(&mut self, mut loan: Value) {
        if let Some(d) = loan.get_mut("d") {
            loan = d.take();
        }
        if self.updated_field.is_none() {
            if let Some(obj) = loan.as_object_mut() {
                obj.remove("lastUpdated");
            }
        }
        self.add(loan, Doc::Stored(Arc::new(Value::Null)));
    }

    /// Indexes a document and keeps it (`doc` is `Doc::Stored`, its content replaced by `loan`)
    /// or only its number (`Doc::Generated`).
    fn add(&mut self, loan: Value, doc: Doc) {
        let Some(id) = loan.get("id").and_then(json_i64) else {
            return;
        };
        self.loans.insert(
            id,
            Entry {
                summary: Value::Null,
                doc,
            },
        );
        self.put_doc_keeping(id, loan);
    }

    /// Loan number `index` of the generator, without the updated field when the tenant has none.
    fn generate(&self, index: usize) -> Value {
        let Some(g) = &self.generator else {
            return Value::Null;
        };
        let mut doc = crate::loanpro::generate::generate_loan(index, g.seed, g.as_of);
        if self.updated_field.is_none() {
            if let Some(obj) = doc.as_object_mut() {
                obj.remove("lastUpdated");
            }
        }
        doc
    }

    /// The document of a loan, owned (a generated one is generated).
    fn take_doc(&mut self, id: i64) -> Option<Value> {
        match &self.loans.get(&id)?.doc {
            Doc::Stored(doc) => Some((**doc).clone()),
            Doc::Generated(index) => Some(self.generate(*index)),
        }
    }

    /// Stores a changed document (a generated loan is kept from now on).
    fn put_doc(&mut self, id: i64, doc: Value) {
        if let Some(entry) = self.loans.get_mut(&id) {
            entry.doc = Doc::Stored(Arc::new(Value::Null));
        }
        self.put_doc_keeping(id, doc);
    }

    /// Refreshes the summary and the customer index from `doc`, and stores `doc` unless the
    /// entry is generated.
    fn put_doc_keeping(&mut self, id: i64, doc: Value) {
        let summary = scalars(&doc);
        if let Some(field) = &self.updated_field {
            if let Some(secs) = summary
                .get(field)
                .and_then(Value::as_str)
                .and_then(crate::loanpro::dates::odata_seconds)
            {
                self.clock = self.clock.max(secs);
            }
        }
        let customers: Vec<i64> = doc
            .pointer("/Customers/results")
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .filter_map(|c| c.get("id").and_then(json_i64))
                    .collect()
            })
            .unwrap_or_default();
        for cid in customers {
            self.customers.insert(cid, id);
        }
        if let Some(entry) = self.loans.get_mut(&id) {
            entry.summary = summary;
            if let Doc::Stored(_) = entry.doc {
                entry.doc = Doc::Stored(Arc::new(doc));
            }
        }
    }

    /// Sets the updated field to a second later than any handed out before (and not before
    /// the wall clock), so a touched loan is always newer than every cursor.
    pub fn touch(&mut self, doc: &mut Value) {
        let now = chrono::Utc::now().timestamp();
        self.clock = (self.clock + 1).max(now);
        let clock = self.clock;
        if let (Some(field), Value::Object(loan)) = (&self.updated_field, doc) {
            loan.insert(field.clone(), Value::String(format!("/Date({clock})/")));
        }
    }
}

/// A loan's own fields, as a search lists it.
pub(crate) fn scalars(loan: &Value) -> Value {
    let mut out = Map::new();
    if let Value::Object(obj) = loan {
        for (k, v) in obj {
            if !v.is_object() && !v.is_array() {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
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
