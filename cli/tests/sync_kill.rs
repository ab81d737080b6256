//! The `metro2` binary killed with SIGKILL in the middle of a sync and run again ends with the
//! same records as an uninterrupted run: no duplicates, no loan missing, the cursor complete.
//! SIGTERM stops it cleanly instead: the loans in flight are committed, exit code 130.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use metro2::loanpro::sim::{Faults, SimHandle};
use metro2::store::{RecordFilter, RunStatus, Store};

use common::sim::SimSetup;
use common::{as_of, connect_args};

const LOANS: usize = 200;
const TOKEN: &str = "kill-test-token";

fn metro2(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_metro2"));
    c.arg("--db")
        .arg(db)
        .env("SIMTOK", TOKEN)
        .env_remove("METRO2_DB");
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

fn connect(db: &Path, base_url: &str) {
    let more = ["--name", "sim", "--no-sync", "--furnisher-id", "FURN1"];
    let out = metro2(db)
        .args(connect_args(base_url, "SIMTOK", &more))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn sync(db: &Path) -> String {
    let out = metro2(db)
        .args(["sync", "--as-of", "2026-10-31"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Loan id, status, segments' text, fields, document hash.
type Row = (i64, String, Option<String>, Option<String>, String);

fn records(db: &Path) -> Vec<Row> {
    let store = Store::open(db).unwrap();
    store
        .records(&RecordFilter::default())
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.loan_id,
                r.status.as_str().to_string(),
                r.segments,
                r.fields,
                r.document_hash,
            )
        })
        .collect()
}

fn count(db: &Path) -> i64 {
    let Ok(store) = Store::open(db) else { return 0 };
    store
        .db()
        .query_row("SELECT COUNT(*) FROM metro2_records", [], |r| r.get(0))
        .unwrap_or(0)
}

/// A simulator of `LOANS` generated loans answering each request after `latency_ms`.
fn simulator(seed: u64, latency_ms: u64) -> (tokio::runtime::Runtime, SimHandle) {
    let rt = common::runtime();
    let sim = SimSetup::generated(LOANS, seed, as_of())
        .token(TOKEN)
        .faults(Faults {
            latency_ms,
            ..Faults::default()
        })
        .start_on(&rt);
    (rt, sim)
}

/// Starts `metro2 sync` on `db` and returns it, still running, once it has committed at least
/// `records` records.
fn sync_until(db: &Path, records: i64) -> std::process::Child {
    let mut child = metro2(db)
        .args(["sync", "--as-of", "2026-10-31"])
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(db) < records {
        assert!(Instant::now() < deadline, "the sync never committed a page");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sync ended before it was stopped"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child
}

#[test]
fn a_sync_killed_mid_run_resumes_to_the_same_records() {
    // Latency stretches the run to a few seconds, so the kill lands in the middle.
    let (rt, sim) = simulator(11, 15);
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.db");
    let killed = dir.path().join("killed.db");
    connect(&clean, &sim.base_url);
    connect(&killed, &sim.base_url);

    let summary = sync(&clean);
    assert!(summary.contains(&format!("fetched {LOANS}")), "{summary}");

    let mut child = sync_until(&killed, 60);
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let at_kill = count(&killed);
    assert!(at_kill < LOANS as i64, "killed mid-run: {at_kill} records");

    let summary = sync(&killed);
    assert!(summary.contains("resuming run"), "{summary}");

    let (a, b) = (records(&clean), records(&killed));
    assert_eq!(a.len(), LOANS);
    assert_eq!(a, b, "same records as the uninterrupted run");

    let store = Store::open(&killed).unwrap();
    let distinct: i64 = store
        .db()
        .query_row(
            "SELECT COUNT(DISTINCT connection_id || '/' || loan_id || '/' || period) FROM metro2_records",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(distinct, LOANS as i64);
    let conn = store.connection("sim").unwrap();
    let cursor = store.cursor(conn.id).unwrap();
    assert_eq!(cursor.in_progress, None);
    assert_eq!(cursor.last_full_as_of.as_deref(), Some("2026-10-31"));
    assert_eq!(cursor.field_supported, Some(true));
    assert!(cursor.since.is_some());
    let runs = store.runs(conn.id, 10).unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1].status, RunStatus::Interrupted);
    assert_eq!(runs[0].status, RunStatus::Ok);
    assert_eq!(runs[0].resumes_run_id, Some(runs[1].id));
    assert_eq!(
        runs[0].counts.fetched + runs[1].counts.fetched,
        LOANS as u64,
        "every loan stored exactly once across both runs"
    );
    // Another sync after the resumed one starts fresh and completes as usual.
    drop(store);
    let summary = sync(&killed);
    assert!(!summary.contains("resuming"), "{summary}");
    rt.block_on(sim.shutdown());
}

#[cfg(unix)]
#[test]
fn sigterm_stops_a_sync_after_the_loans_in_flight_and_the_next_run_resumes() {
    let (rt, sim) = simulator(12, 40);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("term.db");
    connect(&db, &sim.base_url);
    // After the first page (100 loans) is committed, about 100 loans at 40 ms each, four at a
    // time, are still to come: a second at the least.
    let child = sync_until(&db, 100);
    // SAFETY: `kill` with a child's pid and a valid signal number has no other effect.
    let sent = unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    assert_eq!(sent, 0);
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(stdout.contains("stopped on request"), "{stdout}");
    let at_stop = count(&db);
    assert!(
        (100..LOANS as i64).contains(&at_stop),
        "stopped mid-run: {at_stop} records"
    );

    let store = Store::open(&db).unwrap();
    let conn = store.connection("sim").unwrap();
    let runs = store.runs(conn.id, 10).unwrap();
    assert_eq!(runs[0].status, RunStatus::Interrupted);
    assert_eq!(
        runs[0].counts.fetched as i64, at_stop,
        "what was fetched was committed"
    );
    drop(store);

    let summary = sync(&db);
    assert!(summary.contains("resuming run"), "{summary}");
    assert!(
        summary.contains(&format!("fetched {}", LOANS as i64 - at_stop)),
        "{summary}"
    );
    assert_eq!(records(&db).len(), LOANS);
    rt.block_on(sim.shutdown());
}
