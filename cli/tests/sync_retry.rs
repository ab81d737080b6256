//! Loans that fail are not lost: against the LoanPro simulator over loopback, a run resumed
//! after an interruption pulls the loans that failed before it stopped, every later run pulls
//! the open failures again until they succeed (incremental runs too), and a LoanPro that stops
//! answering opens the circuit breaker instead of failing every remaining loan.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde_json::{json, Value};

use metro2::loanpro::generate::FIRST_ID;
use metro2::loanpro::sim::Faults;
use metro2::loanpro::{Client, ClientConfig, Secret};
use metro2::store::{RecordFilter, RecordStatus, RunMode, RunStatus};
use metro2::sync::{
    run_sync, FnMapper, Mapped, Progress, SyncError, SyncOptions, SyncReport, OUTAGE_BREAKER,
};

use common::as_of;
use common::sim::SimSetup;
use common::store::SyncEnv as Env;

const TOKEN: &str = "retry-token-3c9a";

fn env(n: usize) -> Env {
    Env::start(SimSetup::generated(n, 21, as_of()).token(TOKEN))
}

fn mapper() -> Arc<FnMapper<impl Fn(&Value) -> Mapped + Send + Sync + 'static>> {
    Arc::new(FnMapper(|doc: &Value| Mapped {
        status: RecordStatus::Ok,
        reason: None,
        segments: Some(doc["displayId"].as_str().unwrap_or("").to_string()),
        fields: Some(json!({}).to_string()),
        findings: "[]".into(),
    }))
}

fn sync(e: &mut Env) -> Result<SyncReport, SyncError> {
    let mut cfg = ClientConfig::new(e.sim.base_url.clone(), "5200000", Secret::new(TOKEN));
    // Each failing loan is still tried 7 times, but in milliseconds, not seconds.
    cfg.backoff_base = Duration::from_millis(2);
    cfg.backoff_cap = Duration::from_millis(20);
    let mut opts = SyncOptions::new(as_of());
    opts.page_size = 10;
    opts.now = Utc::now();
    run_sync(
        e.rt.handle(),
        &mut e.store,
        &e.conn,
        Arc::new(Client::new(cfg).unwrap()),
        mapper(),
        1,
        &opts,
        &Progress::hidden(),
    )
}

fn fail_loans(e: &Env, ids: impl IntoIterator<Item = i64>) {
    e.sim.set_faults(Faults {
        failing_loans: ids.into_iter().collect(),
        ..Faults::default()
    });
}

fn stored_ids(e: &Env) -> Vec<i64> {
    e.store
        .records(&RecordFilter::default())
        .unwrap()
        .iter()
        .map(|r| r.loan_id)
        .collect()
}

fn open_ids(e: &Env) -> Vec<i64> {
    e.store
        .open_failures(e.conn.id)
        .unwrap()
        .iter()
        .map(|f| f.loan_id)
        .collect()
}

#[test]
fn an_outage_opens_the_breaker_and_the_resumed_run_pulls_every_loan_that_failed() {
    const LOANS: i64 = 60;
    let mut e = env(LOANS as usize);
    // Two loans of the first page fail alone; from the third page on, LoanPro's loan endpoint
    // is down while its search still answers.
    let early = [FIRST_ID + 2, FIRST_ID + 3];
    let down = FIRST_ID + 20..FIRST_ID + LOANS;
    fail_loans(&e, early.into_iter().chain(down.clone()));
    let err = sync(&mut e).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, SyncError::Outage { .. }), "{msg}");
    assert!(
        msg.contains(&format!("{OUTAGE_BREAKER} loans in a row")),
        "{msg}"
    );
    assert!(
        msg.contains("GET odata.svc/Loans("),
        "names the endpoint: {msg}"
    );
    assert!(msg.contains("500"), "the last error: {msg}");
    let run1 = e.store.runs(e.conn.id, 1).unwrap().remove(0);
    assert_eq!(run1.status, RunStatus::Interrupted);
    assert_eq!(run1.error.as_deref(), Some(msg.as_str()));
    // The breaker stopped the run: the loans after it were never tried.
    let tried = OUTAGE_BREAKER as u64 + 2;
    assert!(
        (tried..=tried + 4).contains(&run1.counts.failed),
        "{:?}",
        run1.counts
    );
    let progress = e.store.cursor(e.conn.id).unwrap().in_progress.unwrap();
    let resume_after = progress.last_loan_id.unwrap();
    assert!(
        resume_after > early[1],
        "the resume point passed failed loans"
    );
    assert_eq!(open_ids(&e).len() as u64, run1.counts.failed);

    // LoanPro is back: the run resumes, and the loans that failed before the breaker opened,
    // which lie before its resume point, are pulled first.
    e.sim.set_faults(Faults::default());
    e.sim.reset_counters();
    let r2 = sync(&mut e).unwrap();
    assert_eq!(r2.resumed_run, Some(run1.id));
    assert_eq!(r2.retried as u64, run1.counts.failed);
    assert_eq!(r2.counts.failed, 0);
    assert!(!r2.degraded());
    assert!(r2.summary_line().contains("earlier failures retried"));
    let mut ids = stored_ids(&e);
    ids.sort_unstable();
    assert_eq!(ids, (FIRST_ID..FIRST_ID + LOANS).collect::<Vec<_>>());
    // Each loan was stored once: what the first run stored was not fetched again.
    assert_eq!(run1.counts.fetched + r2.counts.fetched, LOANS as u64);
    let fetches = e
        .sim
        .log()
        .iter()
        .filter(|r| r.endpoint == "GET odata.svc/Loans(id)")
        .count() as u64;
    assert_eq!(fetches, r2.counts.fetched, "one loan request per loan");
    assert!(open_ids(&e).is_empty());
    let cursor = e.store.cursor(e.conn.id).unwrap();
    assert_eq!(cursor.in_progress, None);
    assert_eq!(cursor.last_full_as_of.as_deref(), Some("2026-10-31"));
    e.rt.block_on(e.sim.shutdown());
}

#[test]
fn loans_that_fail_for_their_own_data_never_open_the_breaker() {
    let mut e = env(30);
    // Malformed answers are the loans' own: LoanPro is answering.
    e.sim.set_faults(Faults {
        malformed_loans: (FIRST_ID..FIRST_ID + 25).collect(),
        ..Faults::default()
    });
    let r = sync(&mut e).unwrap();
    assert_eq!((r.counts.fetched, r.counts.failed), (5, 25));
    assert!(r.degraded());
    assert_eq!(e.store.run(r.run_id).unwrap().status, RunStatus::Ok);
    e.rt.block_on(e.sim.shutdown());
}

#[test]
fn every_run_retries_the_open_failures_until_they_succeed() {
    let mut e = env(20);
    let bad = FIRST_ID + 7;
    fail_loans(&e, [bad]);
    let r1 = sync(&mut e).unwrap();
    assert_eq!((r1.mode, r1.counts.failed), (RunMode::Full, 1));
    assert!(r1.degraded());
    assert_eq!(e.store.run(r1.run_id).unwrap().status, RunStatus::Ok);
    let open = e.store.open_failures(e.conn.id).unwrap();
    assert_eq!((open.len(), open[0].loan_id, open[0].attempts), (1, bad, 1));

    // An incremental run: the loan has not changed, yet it is pulled again. It fails again and
    // stays open once, with its attempts counted and its latest error.
    let r2 = sync(&mut e).unwrap();
    assert_eq!(r2.mode, RunMode::Incremental, "{}", r2.why);
    assert_eq!((r2.retried, r2.counts.failed), (1, 1));
    let open = e.store.open_failures(e.conn.id).unwrap();
    assert_eq!((open.len(), open[0].attempts), (1, 2));
    assert_eq!(open[0].run_id, Some(r2.run_id));
    assert!(open[0].error.contains(&format!("Loans({bad})")), "{open:?}");
    assert_eq!(e.store.failures(r2.run_id).unwrap().len(), 1);

    // A loan LoanPro no longer lists is closed rather than retried forever.
    e.store
        .db()
        .execute(
            "INSERT INTO open_failures (connection_id, loan_id, attempts, error, first_failed_at, last_failed_at)
             VALUES (?1, 999999, 1, 'x', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')",
            [e.conn.id],
        )
        .unwrap();

    // LoanPro serves it again: the next incremental run stores it and closes the failure.
    e.sim.set_faults(Faults::default());
    let r3 = sync(&mut e).unwrap();
    assert_eq!(r3.mode, RunMode::Incremental);
    assert_eq!((r3.retried, r3.counts.failed), (2, 0));
    assert!(!r3.degraded());
    assert!(open_ids(&e).is_empty());
    let rec = e
        .store
        .records(&RecordFilter {
            loan_id: Some(bad),
            ..RecordFilter::default()
        })
        .unwrap();
    assert_eq!(rec.len(), 1);
    assert_eq!(rec[0].run_id, Some(r3.run_id));
    assert_eq!(stored_ids(&e).len(), 20);

    // Closed means closed: the run after that does not pull it.
    let r4 = sync(&mut e).unwrap();
    assert_eq!(r4.retried, 0);
    e.rt.block_on(e.sim.shutdown());
}
