//! The pipeline against an in-memory loan source: paging, one bad loan failing alone, a fatal
//! error stopping the run, resuming without duplicates, and the cursor's incremental pulls.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::{json, Value};

use metro2::loanpro::{LoanPage, LoanProError, LoanSummary, SearchFilter};
use metro2::store::{
    Cadence, Connection, NewConnection, RecordFilter, RecordStatus, RunMode, RunStatus,
    SecretSource, Store,
};
use metro2::sync::{run_sync, FnMapper, LoanSource, Mapped, Progress, SyncError, SyncOptions};

/// Loans by id: (lastUpdated, balance). Fetching a loan in `broken` fails; once `fatal_after`
/// fetches have been made, every fetch is refused as a revoked token would be.
#[derive(Default)]
struct FakeSource {
    loans: Mutex<BTreeMap<i64, (DateTime<Utc>, i64)>>,
    broken: Vec<i64>,
    fatal_after: Option<usize>,
    fetches: AtomicUsize,
    fetched_ids: Mutex<Vec<i64>>,
    /// Raised once this many fetches have been made, as SIGTERM would raise it.
    stop_after: Option<(usize, Arc<AtomicBool>)>,
}

impl LoanSource for FakeSource {
    async fn search(
        &self,
        start: usize,
        top: usize,
        filter: &SearchFilter,
    ) -> Result<LoanPage, LoanProError> {
        let loans = self.loans.lock().unwrap();
        let matching: Vec<LoanSummary> = loans
            .iter()
            .filter(|(_, (u, _))| filter.updated_since.as_ref().is_none_or(|(_, s)| u >= s))
            .filter(|(id, _)| filter.loan_ids.as_ref().is_none_or(|ids| ids.contains(id)))
            .map(|(id, (u, _))| {
                let r = json!({"id": id, "displayId": format!("LN-{id}"), "lastUpdated": u.timestamp()});
                LoanSummary::from_result(&r, "lastUpdated").unwrap()
            })
            .collect();
        Ok(LoanPage {
            total: matching.len(),
            loans: matching.into_iter().skip(start).take(top).collect(),
        })
    }

    async fn fetch(&self, id: i64, _as_of: NaiveDate) -> Result<Value, LoanProError> {
        let n = self.fetches.fetch_add(1, Ordering::SeqCst);
        if let Some((after, stop)) = &self.stop_after {
            if n + 1 >= *after {
                stop.store(true, Ordering::SeqCst);
            }
        }
        if self.fatal_after.is_some_and(|f| n >= f) {
            return Err(LoanProError::Unauthorized {
                status: 401,
                endpoint: format!("GET odata.svc/Loans({id})"),
            });
        }
        if self.broken.contains(&id) {
            return Err(LoanProError::Malformed {
                endpoint: format!("GET odata.svc/Loans({id})"),
                message: "not JSON".into(),
            });
        }
        self.fetched_ids.lock().unwrap().push(id);
        let balance = self.loans.lock().unwrap()[&id].1;
        Ok(json!({"id": id, "displayId": format!("LN-{id}"), "balance": balance}))
    }
}

fn source(n: i64) -> FakeSource {
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    FakeSource {
        loans: Mutex::new((1..=n).map(|id| (id * 10, (t0, id * 100))).collect()),
        ..FakeSource::default()
    }
}

fn mapper() -> Arc<FnMapper<impl Fn(&Value) -> Mapped + Send + Sync + 'static>> {
    Arc::new(FnMapper(|doc: &Value| {
        let balance = doc["balance"].to_string();
        // Balances 300, 1300 and 2300 make invalid records.
        let status = if balance.ends_with("300") {
            RecordStatus::Invalid
        } else {
            RecordStatus::Ok
        };
        Mapped {
            status,
            reason: None,
            segments: Some(format!("BAL{balance:0>9}")),
            fields: Some(json!({"base": {"current_balance": balance}}).to_string()),
            findings: "[]".into(),
        }
    }))
}

struct Env {
    rt: tokio::runtime::Runtime,
    store: Store,
    conn: Connection,
}

fn env() -> Env {
    let store = Store::open_in_memory().unwrap();
    let conn = store
        .create_connection(&NewConnection {
            name: "t".into(),
            base_url: "http://127.0.0.1:9/".into(),
            instance_id: "1".into(),
            token_source: SecretSource::Env("T".into()),
            cadence: Cadence::Hourly,
        })
        .unwrap();
    let rt = common::runtime();
    Env { rt, store, conn }
}

fn opts(now: DateTime<Utc>) -> SyncOptions {
    let mut o = SyncOptions::new(common::as_of());
    o.page_size = 7;
    o.now = now;
    o
}

fn sync(
    e: &mut Env,
    src: &Arc<FakeSource>,
    o: &SyncOptions,
) -> Result<metro2::sync::SyncReport, SyncError> {
    run_sync(
        e.rt.handle(),
        &mut e.store,
        &e.conn,
        src.clone(),
        mapper(),
        1,
        o,
        &Progress::hidden(),
    )
}

fn stored(e: &Env) -> Vec<(i64, String)> {
    e.store
        .records(&RecordFilter::default())
        .unwrap()
        .into_iter()
        .map(|r| (r.loan_id, r.segments.unwrap_or_default()))
        .collect()
}

#[test]
fn a_full_sync_stores_every_loan_and_a_bad_one_fails_alone() {
    let mut e = env();
    let mut s = source(30);
    s.broken = vec![70];
    let s = Arc::new(s);
    let now = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    let r = sync(&mut e, &s, &opts(now)).unwrap();
    assert_eq!(r.mode, RunMode::Full);
    assert_eq!(
        (
            r.counts.fetched,
            r.counts.mapped,
            r.counts.invalid,
            r.counts.failed
        ),
        (29, 29, 3, 1)
    );
    let recs = stored(&e);
    assert_eq!(recs.len(), 29);
    assert_eq!(recs[0], (10, "BAL000000100".to_string()));
    assert!(!recs.iter().any(|(id, _)| *id == 70));
    let failures = e.store.failures(r.run_id).unwrap();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].loan_id, 70);
    assert!(
        failures[0].error.contains("Loans(70)"),
        "{}",
        failures[0].error
    );
    let cursor = e.store.cursor(e.conn.id).unwrap();
    assert_eq!(cursor.in_progress, None);
    assert_eq!(cursor.field_supported, Some(true));
    assert_eq!(cursor.since.as_deref(), Some("2026-11-01T11:50:00Z"));
    assert_eq!(e.store.run(r.run_id).unwrap().status, RunStatus::Ok);
}

#[test]
fn an_incremental_sync_fetches_only_the_loans_changed_since() {
    let mut e = env();
    let s = Arc::new(source(20));
    let now = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    sync(&mut e, &s, &opts(now)).unwrap();
    s.fetched_ids.lock().unwrap().clear();
    {
        let mut loans = s.loans.lock().unwrap();
        let changed = Utc.with_ymd_and_hms(2026, 11, 1, 12, 30, 0).unwrap();
        loans.insert(50, (changed, 777));
        loans.insert(210, (changed, 210));
    }
    let later = Utc.with_ymd_and_hms(2026, 11, 1, 13, 0, 0).unwrap();
    let r = sync(&mut e, &s, &opts(later)).unwrap();
    assert_eq!(r.mode, RunMode::Incremental, "{}", r.why);
    // Loans are fetched concurrently, so the order of the fetches is not the order of the ids.
    let mut fetched = s.fetched_ids.lock().unwrap().clone();
    fetched.sort_unstable();
    assert_eq!(fetched, [50, 210]);
    assert_eq!(r.counts.fetched, 2);
    let recs = stored(&e);
    assert_eq!(recs.len(), 21);
    assert!(recs.contains(&(50, "BAL000000777".to_string())));
    // --full pulls everything again, and re-stores nothing twice.
    let mut full = opts(later);
    full.force_full = true;
    let r = sync(&mut e, &s, &full).unwrap();
    assert_eq!(
        (r.mode, r.counts.fetched, r.counts.unchanged),
        (RunMode::Full, 21, 21)
    );
    assert_eq!(stored(&e).len(), 21);
}

#[test]
fn a_refused_token_stops_the_run_and_the_next_run_resumes_without_duplicates() {
    let mut e = env();
    let mut s = source(40);
    s.fatal_after = Some(17);
    let s = Arc::new(s);
    let now = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    let err = sync(&mut e, &s, &opts(now)).unwrap_err();
    assert!(matches!(err, SyncError::Source { .. }), "{err}");
    assert!(err.to_string().contains("credentials"), "{err}");
    let cursor = e.store.cursor(e.conn.id).unwrap();
    let progress = cursor.in_progress.expect("the run stays resumable");
    let committed = progress.last_loan_id.expect("some pages were committed");
    assert!((70..400).contains(&committed), "{committed}");
    let first_run = progress.run_id;
    assert_eq!(e.store.run(first_run).unwrap().status, RunStatus::Failed);

    // The token is fixed; the run resumes after the last committed page.
    let s2 = Arc::new(source(40));
    let r = sync(&mut e, &s2, &opts(now)).unwrap();
    assert_eq!(r.resumed_run, Some(first_run));
    let refetched = s2.fetched_ids.lock().unwrap().clone();
    assert!(refetched.iter().all(|&id| id > committed), "{refetched:?}");
    let recs = stored(&e);
    assert_eq!(recs.len(), 40);
    let cursor = e.store.cursor(e.conn.id).unwrap();
    assert_eq!(cursor.in_progress, None);
    assert_eq!(cursor.since.as_deref(), Some("2026-11-01T11:50:00Z"));
    assert_eq!(cursor.last_full_as_of.as_deref(), Some("2026-10-31"));
}

#[test]
fn a_loan_that_failed_before_the_run_stopped_is_pulled_when_it_resumes() {
    let mut e = env();
    let mut s = source(40);
    // Loan 30 fails alone in the first page; later the token is refused and the run stops.
    s.broken = vec![30];
    s.fatal_after = Some(17);
    let s = Arc::new(s);
    let now = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    sync(&mut e, &s, &opts(now)).unwrap_err();
    let progress = e.store.cursor(e.conn.id).unwrap().in_progress.unwrap();
    let committed = progress.last_loan_id.unwrap();
    assert!(committed > 30, "the resume point is past the failed loan");
    let open: Vec<i64> = e
        .store
        .open_failures(e.conn.id)
        .unwrap()
        .iter()
        .map(|f| f.loan_id)
        .collect();
    assert_eq!(open, [30]);

    // The resumed run pulls the failed loan first, then the loans after its resume point, and
    // no other loan twice.
    let s2 = Arc::new(source(40));
    let r = sync(&mut e, &s2, &opts(now)).unwrap();
    assert_eq!(r.resumed_run, Some(progress.run_id));
    assert_eq!((r.retried, r.counts.failed), (1, 0));
    let mut refetched = s2.fetched_ids.lock().unwrap().clone();
    refetched.sort_unstable();
    let mut expected: Vec<i64> = (1..=40)
        .map(|i| i * 10)
        .filter(|&id| id == 30 || id > committed)
        .collect();
    expected.sort_unstable();
    assert_eq!(refetched, expected);
    assert_eq!(stored(&e).len(), 40);
    assert!(e.store.open_failures(e.conn.id).unwrap().is_empty());
}

#[test]
fn a_targeted_sync_pulls_the_named_loans_and_leaves_the_cursor() {
    let mut e = env();
    let s = Arc::new(source(10));
    let now = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    let mut o = opts(now);
    o.only_loans = Some(vec![30]);
    let s2 = Arc::new(FakeSource {
        loans: Mutex::new([(30, (now, 5))].into_iter().collect()),
        ..FakeSource::default()
    });
    let r = sync(&mut e, &s2, &o).unwrap();
    assert_eq!((r.mode, r.counts.fetched), (RunMode::Targeted, 1));
    assert_eq!(e.store.cursor(e.conn.id).unwrap(), Default::default());
    drop(s);
}

#[test]
fn a_stop_request_commits_the_loans_done_and_the_next_run_resumes_after_them() {
    let mut e = env();
    let stop = Arc::new(AtomicBool::new(false));
    let mut s = source(40);
    // Mid-page: pages hold 7 loans, so 17 fetches end inside the third page.
    s.stop_after = Some((17, stop.clone()));
    let s = Arc::new(s);
    let now = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    let mut o = opts(now);
    o.stop = Some(stop);
    let r = sync(&mut e, &s, &o).unwrap();
    assert!(r.stopped);
    assert!(
        r.summary_line().contains("stopped on request"),
        "{}",
        r.summary_line()
    );
    let fetched = s.fetched_ids.lock().unwrap().clone();
    // The loans in flight when the stop came finish: at most `concurrency` (4) more.
    assert!((17..=17 + 4).contains(&fetched.len()), "{fetched:?}");
    // Every loan fetched is committed, the partial page included, and nothing else.
    let recs = stored(&e);
    let mut ids: Vec<i64> = recs.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    let mut expected = fetched.clone();
    expected.sort_unstable();
    assert_eq!(ids, expected);
    assert_eq!(r.counts.fetched as usize, fetched.len());
    let cursor = e.store.cursor(e.conn.id).unwrap();
    let progress = cursor.in_progress.expect("the run stays resumable");
    assert_eq!(progress.last_loan_id, ids.last().copied());
    assert_eq!(
        e.store.run(r.run_id).unwrap().status,
        RunStatus::Interrupted
    );
    assert_eq!(
        cursor.last_full_as_of, None,
        "a stopped sweep is not a full sweep"
    );

    // The next run takes up after the last committed loan and fetches each other loan once.
    let s2 = Arc::new(source(40));
    let r2 = sync(&mut e, &s2, &opts(now)).unwrap();
    assert!(!r2.stopped);
    assert_eq!(r2.resumed_run, Some(r.run_id));
    let refetched = s2.fetched_ids.lock().unwrap().clone();
    assert_eq!(refetched.len() + fetched.len(), 40, "{refetched:?}");
    assert!(refetched.iter().all(|id| !fetched.contains(id)));
    assert_eq!(stored(&e).len(), 40);
    let cursor = e.store.cursor(e.conn.id).unwrap();
    assert_eq!(cursor.in_progress, None);
    assert_eq!(cursor.last_full_as_of.as_deref(), Some("2026-10-31"));
}

#[test]
fn a_new_updated_field_makes_the_next_run_a_full_sweep() {
    use metro2::store::ConnectionUpdate;
    let mut e = env();
    let s = Arc::new(source(5));
    let now = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    sync(&mut e, &s, &opts(now)).unwrap();
    let later = Utc.with_ymd_and_hms(2026, 11, 1, 13, 0, 0).unwrap();
    let same = ConnectionUpdate {
        updated_field: Some("lastUpdated".into()),
        ..ConnectionUpdate::default()
    };
    e.conn = e.store.update_connection(&e.conn.name, &same).unwrap();
    assert_eq!(
        e.store.cursor(e.conn.id).unwrap().field_supported,
        Some(true)
    );
    assert_eq!(
        sync(&mut e, &s, &opts(later)).unwrap().mode,
        RunMode::Incremental
    );
    let other = ConnectionUpdate {
        updated_field: Some("modifiedDate".into()),
        ..ConnectionUpdate::default()
    };
    e.conn = e.store.update_connection(&e.conn.name, &other).unwrap();
    assert_eq!(e.conn.updated_field, "modifiedDate");
    assert_eq!(e.store.cursor(e.conn.id).unwrap().field_supported, None);
    let r = sync(&mut e, &s, &opts(later)).unwrap();
    assert_eq!(r.mode, RunMode::Full, "{}", r.why);
    // The fake loans carry `lastUpdated` only: the new field is found missing.
    assert_eq!(
        e.store.cursor(e.conn.id).unwrap().field_supported,
        Some(false)
    );
}
