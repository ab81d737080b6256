//! The sync pipeline against the LoanPro simulator over real HTTP on loopback: a full sync, an
//! incremental one, a `429` storm, `500`s, a wrong token, a malformed loan, a tenant without
//! the updated field. Mapping is not the subject here (see `sync_equals_map.rs`): a small
//! mapper records the fields the assertions need.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{json, Value};

use metro2::loanpro::sim::{Faults, SimConfig};
use metro2::loanpro::{Client, ClientConfig, Secret};
use metro2::store::{RecordFilter, RecordStatus, RunMode, RunStatus};
use metro2::sync::{run_sync, FnMapper, Mapped, Progress, SyncError, SyncOptions, SyncReport};

use common::as_of;
use common::sim::SimSetup;
use common::store::SyncEnv as Env;

const TOKEN: &str = "test-token-5f1e";

fn env_with(n: usize, tweak: impl FnOnce(&mut SimConfig)) -> Env {
    Env::start(SimSetup::generated(n, 7, as_of()).token(TOKEN).tweak(tweak))
}

fn env(n: usize) -> Env {
    env_with(n, |_| {})
}

fn client(e: &Env, token: &str) -> Client {
    let mut cfg = ClientConfig::new(e.sim.base_url.clone(), "5200000", Secret::new(token));
    cfg.backoff_base = Duration::from_millis(5);
    cfg.backoff_cap = Duration::from_millis(100);
    Client::new(cfg).unwrap()
}

fn mapper() -> Arc<FnMapper<impl Fn(&Value) -> Mapped + Send + Sync + 'static>> {
    Arc::new(FnMapper(|doc: &Value| Mapped {
        status: RecordStatus::Ok,
        reason: None,
        segments: Some(doc["displayId"].as_str().unwrap_or("").to_string()),
        fields: Some(
            json!({"payments": doc["Payments"]["results"].as_array().map(Vec::len)}).to_string(),
        ),
        findings: "[]".into(),
    }))
}

fn sync_with(e: &mut Env, token: &str, force_full: bool) -> Result<SyncReport, SyncError> {
    let mut opts = SyncOptions::new(as_of());
    opts.force_full = force_full;
    opts.page_size = 25;
    opts.now = Utc::now();
    let client = Arc::new(client(e, token));
    run_sync(
        e.rt.handle(),
        &mut e.store,
        &e.conn,
        client,
        mapper(),
        1,
        &opts,
        &Progress::hidden(),
    )
}

fn sync(e: &mut Env) -> SyncReport {
    sync_with(e, TOKEN, false).unwrap()
}

fn loan_fetches(e: &Env) -> Vec<String> {
    e.sim
        .log()
        .into_iter()
        .filter(|r| r.endpoint == "GET odata.svc/Loans(id)")
        .map(|r| r.endpoint)
        .collect()
}

#[test]
fn a_full_sync_stores_every_loan_in_at_most_three_requests_per_loan() {
    let mut e = env(120);
    let r = sync(&mut e);
    assert_eq!(r.mode, RunMode::Full);
    assert_eq!((r.counts.fetched, r.counts.failed), (120, 0));
    let recs = e.store.records(&RecordFilter::default()).unwrap();
    assert_eq!(recs.len(), 120);
    assert!(recs
        .iter()
        .all(|r| r.period == "2026-10" && r.status == RecordStatus::Ok));
    // The stored document is what the mapping read: payments came along.
    let first = &recs[0];
    let fields: Value = serde_json::from_str(first.fields.as_deref().unwrap()).unwrap();
    assert!(fields["payments"].as_u64().unwrap() > 0, "{fields}");
    let doc = e
        .store
        .document(e.conn.id, first.loan_id, &first.document_hash)
        .unwrap()
        .unwrap();
    assert!(doc.document.contains("\"StatusArchive\""));
    let requests = e.sim.total_requests();
    assert!(requests <= 3 * 120, "{requests} requests for 120 loans");
    let cursor = e.store.cursor(e.conn.id).unwrap();
    assert_eq!(cursor.field_supported, Some(true));
    assert_eq!(cursor.in_progress, None);
}

#[test]
fn an_incremental_sync_fetches_only_the_loans_changed_since() {
    let mut e = env(60);
    sync(&mut e);
    let ids: Vec<i64> = e
        .store
        .records(&RecordFilter::default())
        .unwrap()
        .iter()
        .map(|r| r.loan_id)
        .collect();
    let (a, b) = (ids[3], ids[41]);
    assert!(e.sim.touch(a));
    assert!(e.sim.modify(b, &json!({"title": "changed"})));
    e.sim.reset_counters();
    let r = sync(&mut e);
    assert_eq!(r.mode, RunMode::Incremental, "{}", r.why);
    assert_eq!(r.counts.fetched, 2);
    assert_eq!(loan_fetches(&e).len(), 2, "two loan documents requested");
    let rewritten: Vec<i64> = e
        .store
        .records(&RecordFilter::default())
        .unwrap()
        .iter()
        .filter(|rec| rec.run_id == Some(r.run_id))
        .map(|rec| rec.loan_id)
        .collect();
    assert_eq!(rewritten, [a, b]);
    assert_eq!(e.store.records(&RecordFilter::default()).unwrap().len(), 60);
    // Nothing changed since: only the loans inside the cursor's overlap (10 minutes before the
    // last run's start) come again, and their documents are unchanged.
    let r = sync(&mut e);
    assert_eq!(r.mode, RunMode::Incremental);
    assert_eq!((r.counts.fetched, r.counts.unchanged), (2, 2));
}

#[test]
fn a_429_storm_is_survived_and_retry_after_is_honoured() {
    let mut e = env(30);
    e.sim.set_faults(Faults {
        rate_limited_next: 6,
        retry_after_secs: 1,
        ..Faults::default()
    });
    let started = Instant::now();
    let r = sync(&mut e);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 waited for"
    );
    assert_eq!((r.counts.fetched, r.counts.failed), (30, 0));
    let throttled = e.sim.log().iter().filter(|r| r.status == 429).count();
    assert_eq!(throttled, 6);
}

#[test]
fn server_errors_are_retried() {
    let mut e = env(40);
    e.sim.set_faults(Faults {
        fail_rate: 0.2,
        ..Faults::default()
    });
    let r = sync(&mut e);
    assert_eq!((r.counts.fetched, r.counts.failed), (40, 0));
    let failed = e.sim.log().iter().filter(|r| r.status == 500).count();
    assert!(failed > 0, "the fault was on");
}

#[test]
fn a_wrong_token_stops_the_run_with_a_clear_error_that_does_not_show_it() {
    let mut e = env(10);
    let err = sync_with(&mut e, "wrong-token-value", false).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, SyncError::Source { .. }), "{msg}");
    assert!(msg.contains("token"), "{msg}");
    assert!(!msg.contains("wrong-token-value"), "{msg}");
    assert!(e
        .store
        .records(&RecordFilter::default())
        .unwrap()
        .is_empty());
    let run = &e.store.runs(e.conn.id, 1).unwrap()[0];
    assert_eq!(run.status, RunStatus::Failed);
    assert!(!run.error.as_deref().unwrap().contains("wrong-token-value"));
}

#[test]
fn a_malformed_loan_fails_alone() {
    let mut e = env(20);
    let bad = 100_005;
    e.sim.set_faults(Faults {
        malformed_loans: vec![bad],
        ..Faults::default()
    });
    let r = sync(&mut e);
    assert_eq!((r.counts.fetched, r.counts.failed), (19, 1));
    let failures = e.store.failures(r.run_id).unwrap();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].loan_id, bad);
    assert!(
        failures[0].error.contains(&format!("Loans({bad})")),
        "{}",
        failures[0].error
    );
    assert_eq!(e.store.records(&RecordFilter::default()).unwrap().len(), 19);
    assert_eq!(e.store.run(r.run_id).unwrap().status, RunStatus::Ok);
}

#[test]
fn a_tenant_without_the_updated_field_gets_full_sweeps() {
    let mut e = env_with(15, |cfg| cfg.updated_field = None);
    sync(&mut e);
    assert_eq!(
        e.store.cursor(e.conn.id).unwrap().field_supported,
        Some(false)
    );
    let r = sync(&mut e);
    assert_eq!((r.mode, r.counts.fetched), (RunMode::Full, 15), "{}", r.why);
}
