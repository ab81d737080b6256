//! Writeback against the simulator over loopback: refused while off, notes recorded once,
//! a second run writes nothing, PATCH and the custom field, a failure midway resumed without
//! duplicates (in process, and with the binary killed mid-run), and `--dry-run` printing the
//! exact requests.

mod common;

use std::process::Command;

use metro2::loanpro::sim::Faults;
use metro2::loanpro::{Client, ClientConfig};
use metro2::responses::{self, import, Format};
use metro2::store::{ConnectionUpdate, WritebackMethod};
use metro2::writeback::{self, WritebackError};
use metro2_engine::{FieldValue, Segment, SegmentKind};
use rusqlite::params;
use serde_json::Value;

use common::sim::SimSetup;
use common::store::{Env, EnvSetup};
use common::{as_of, metro2};

const TOKEN: &str = "wb-token-9f2c";
const INSTANCE: &str = "5200001";

fn base_text(account: &str) -> String {
    let mut s = Segment::blank(SegmentKind::Base);
    s.set_key("consumer_account_number", &FieldValue::Text(account))
        .unwrap();
    String::from_utf8(s.as_bytes().to_vec()).unwrap()
}

/// The generated loans, the simulator serving them, and a store whose records and documents
/// are those loans' (so responses can name their account numbers).
async fn env(n: usize) -> Env {
    let sim = SimSetup::generated(n, 11, as_of())
        .token(TOKEN)
        .instance(INSTANCE);
    let e = EnvSetup::new(sim).without_preset().start().await;
    let (store, conn) = (&e.store, &e.conn);
    for loan in &e.loans {
        let id = loan["id"].as_i64().unwrap();
        let display = loan["displayId"].as_str().unwrap();
        let doc = loan.to_string();
        store
            .db()
            .execute(
                "INSERT INTO loan_documents (connection_id, loan_id, display_id, hash, document, fetched_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, '2026-11-01T00:00:00Z')",
                params![conn.id, id, display, format!("h{id}"), doc],
            )
            .unwrap();
        store
            .db()
            .execute(
                "INSERT INTO metro2_records (connection_id, loan_id, display_id, period, as_of, status,
                    segments, fields, findings, template_version, document_hash, created_at, updated_at)
                 VALUES (?1, ?2, ?3, '2026-10', '2026-10-31', 'ok', ?4, '{}', '[]', 1, ?5,
                    '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')",
                params![conn.id, id, display, base_text(&format!("ACCT-{id}")), format!("h{id}")],
            )
            .unwrap();
    }
    e
}

impl Env {
    fn loan_id(&self, i: usize) -> i64 {
        self.ids[i]
    }

    /// Imports one `outcome` response per loan index given (response date `day`).
    fn import(&self, rows: &[(usize, &str)], day: u32) -> usize {
        let mut csv = String::from("bureau,account_number,period,outcome,code,message,date\n");
        for (i, outcome) in rows {
            csv.push_str(&format!(
                "equifax,ACCT-{},2026-10,{outcome},E{i},\"msg, {i}\",2026-11-{day:02}\n",
                self.loan_id(*i)
            ));
        }
        let parsed = responses::parse(Format::Csv, &csv).unwrap();
        let s = import::import(&self.store, &self.conn, parsed, "r.csv").unwrap();
        assert!(s.rejected.is_empty(), "{:?}", s.rejected);
        s.imported
    }

    fn client(&self) -> Client {
        Client::new(ClientConfig::new(
            self.sim.base_url.clone(),
            INSTANCE,
            TOKEN,
        ))
        .unwrap()
    }

    async fn run(&self) -> Result<writeback::WritebackReport, WritebackError> {
        let mut out = Vec::new();
        writeback::run(&self.store, &self.conn, &self.client(), &mut out).await
    }

    /// Notes on a loan in the simulator, by body.
    fn notes(&self, loan_id: i64) -> Vec<String> {
        self.sim.loan(loan_id).unwrap()["Notes"]["results"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|n| n["body"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn on() -> ConnectionUpdate {
    ConnectionUpdate {
        writeback: Some(true),
        ..ConnectionUpdate::default()
    }
}

#[tokio::test]
async fn refused_while_off_and_the_reason_is_given() {
    let e = env(2).await;
    e.import(&[(0, "rejected")], 5);
    assert!(!e.conn.writeback, "writeback is off by default");
    let err = e.run().await.unwrap_err();
    assert!(matches!(err, WritebackError::Off(_)));
    let msg = err.to_string();
    assert!(msg.contains("FCRA"), "{msg}");
    assert!(
        msg.contains("metro2 connection set acme --writeback on"),
        "{msg}"
    );
    assert!(e.sim.writes().is_empty());

    let out = Command::new(env!("CARGO_BIN_EXE_metro2"))
        .args(["--db", e.db.to_str().unwrap(), "writeback"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("writeback is off for connection \"acme\""),
        "{stderr}"
    );
    assert!(stderr.contains("--writeback on"), "{stderr}");
    assert!(e.sim.writes().is_empty());
}

#[tokio::test]
async fn notes_are_written_once() {
    let mut e = env(3).await;
    assert_eq!(
        e.import(&[(0, "rejected"), (1, "accepted"), (2, "disputed")], 5),
        3
    );
    e.set(on());
    let r = e.run().await.unwrap();
    assert_eq!((r.written, r.already_done), (3, 0));
    let writes = e.sim.writes();
    assert_eq!(writes.len(), 3);
    for (i, w) in writes.iter().enumerate() {
        assert_eq!(w.method, "PUT");
        assert_eq!(w.status, 200);
        assert_eq!(w.loan_id, e.loan_id(i));
        let note = &w.body["Notes"]["results"][0];
        assert_eq!(note["type"], "STANDARD");
        assert_eq!(note["categoryId"], 27);
        assert!(note["subject"]
            .as_str()
            .unwrap()
            .starts_with("Metro 2: Equifax"));
    }
    assert!(e.notes(e.loan_id(0))[0].contains("as rejected on 2026-11-05. Code E0: msg, 0"));

    let again = e.run().await.unwrap();
    assert_eq!((again.written, again.already_done), (0, 3));
    assert_eq!(e.sim.writes().len(), 3, "a second run writes nothing");

    // A re-import of the same rows adds nothing to write.
    assert_eq!(e.import(&[(0, "rejected")], 5), 0);
    assert_eq!(e.run().await.unwrap().written, 0);
}

#[tokio::test]
async fn patch_and_custom_field() {
    let mut e = env(2).await;
    e.import(&[(1, "corrected")], 7);
    e.set(ConnectionUpdate {
        writeback: Some(true),
        writeback_method: Some(WritebackMethod::Patch),
        writeback_custom_field: Some(16),
        ..ConnectionUpdate::default()
    });
    let r = e.run().await.unwrap();
    assert_eq!(r.written, 2);
    let writes = e.sim.writes();
    assert!(writes
        .iter()
        .all(|w| w.method == "PATCH" && w.status == 200));
    let cf = &writes[1].body;
    let loan = e.loan_id(1);
    let settings_id = e.loans[1]["LoanSettings"]["id"].clone();
    assert_eq!(cf["__id"].as_i64(), Some(loan));
    assert_eq!(cf["LoanSettings"]["__id"], settings_id);
    let stored = e.sim.loan(loan).unwrap();
    let values = stored["LoanSettings"]["CustomFieldValues"]["results"]
        .as_array()
        .unwrap();
    let v = values
        .iter()
        .find(|v| v["customFieldId"].as_i64() == Some(16))
        .unwrap();
    assert_eq!(
        v["customFieldValue"],
        "2026-10 equifax corrected 2026-11-07 E1 msg, 1"
    );
}

#[tokio::test]
async fn a_failure_midway_resumes_without_duplicates() {
    let mut e = env(4).await;
    e.import(
        &[
            (0, "rejected"),
            (1, "rejected"),
            (2, "accepted"),
            (3, "accepted"),
        ],
        5,
    );
    e.set(on());
    // The first write gets a 500: the simulator did not apply it, but the client cannot know.
    e.sim.set_faults(Faults {
        fail_next: 1,
        ..Faults::default()
    });
    let r = e.run().await.unwrap();
    assert_eq!(r.written, 3);
    assert_eq!(r.uncertain.len(), 1, "{:?}", r.uncertain);
    assert!(!r.is_complete());
    assert!(e.notes(e.loan_id(0)).is_empty());

    // The next run reads loan 0's notes, finds no marker, and sends it; the others stay done.
    let r = e.run().await.unwrap();
    assert_eq!((r.written, r.confirmed, r.already_done), (1, 0, 3));
    assert!(r.is_complete());
    for i in 0..4 {
        assert_eq!(e.notes(e.loan_id(i)).len(), 1, "loan index {i}");
    }

    // A write that reached LoanPro but whose answer was lost is confirmed, not repeated.
    e.import(&[(2, "disputed")], 9);
    e.sim.set_faults(Faults {
        drop_next: 1,
        ..Faults::default()
    });
    let r = e.run().await.unwrap();
    e.sim.set_faults(Faults::default());
    let r2 = e.run().await.unwrap();
    assert_eq!(r.written + r2.written + r2.confirmed, 1, "{r:?} {r2:?}");
    assert_eq!(e.notes(e.loan_id(2)).len(), 2);
    assert_eq!(e.run().await.unwrap().written, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_killed_midway_resumes_without_duplicates() {
    let mut e = env(6).await;
    e.import(
        &[
            (0, "rejected"),
            (1, "rejected"),
            (2, "rejected"),
            (3, "accepted"),
            (4, "accepted"),
            (5, "accepted"),
        ],
        5,
    );
    e.set(on());
    e.sim.set_faults(Faults {
        latency_ms: 150,
        ..Faults::default()
    });
    let mut child = Command::new(env!("CARGO_BIN_EXE_metro2"))
        .arg("--db")
        .arg(&e.db)
        .arg("writeback")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while e.sim.writes().len() < 2 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = e.sim.writes().len();
    assert!((2..6).contains(&before), "killed midway: {before} writes");
    e.sim.set_faults(Faults::default());

    let out = metro2(&e.db, &["writeback"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for i in 0..6 {
        assert_eq!(e.notes(e.loan_id(i)).len(), 1, "loan index {i}");
    }
    let out = metro2(&e.db, &["writeback"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 written"));
    assert_eq!(e.sim.writes().len(), 6);
}

#[tokio::test]
async fn dry_run_prints_the_exact_requests_and_sends_nothing() {
    let mut e = env(1).await;
    e.import(&[(0, "rejected")], 5);
    let out = metro2(&e.db, &["writeback", "--dry-run"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let loan = e.loan_id(0);
    let (head, rest) = text.split_once("\n\n").unwrap();
    assert!(head.contains("writeback is off"), "{head}");
    assert!(head.ends_with(&format!(
        "PUT {}odata.svc/Loans({loan})\nAuthorization: Bearer ***\nAutopal-Instance-Id: {INSTANCE}\nContent-Type: application/json",
        e.sim.base_url
    )), "{head}");
    let body: Value = serde_json::from_str(rest.lines().next().unwrap()).unwrap();
    assert_eq!(body["Notes"]["results"][0]["type"], "STANDARD");
    assert!(!text.contains(TOKEN));
    assert!(e.sim.writes().is_empty());

    e.set(on());
    e.run().await.unwrap();
    assert_eq!(
        e.sim.writes()[0].body,
        body,
        "the dry run printed what is sent"
    );
}

#[tokio::test]
async fn a_loanpro_outage_stops_the_run_after_a_few_writes_and_the_next_run_sends_them() {
    let mut e = env(8).await;
    e.import(&(0..8).map(|i| (i, "rejected")).collect::<Vec<_>>(), 5);
    e.set(on());
    let mut cfg = ClientConfig::new(e.sim.base_url.clone(), INSTANCE, TOKEN);
    cfg.backoff_base = std::time::Duration::from_millis(1);
    cfg.backoff_cap = std::time::Duration::from_millis(5);
    let client = Client::new(cfg).unwrap();
    e.sim.set_faults(Faults {
        fail_rate: 1.0,
        ..Faults::default()
    });
    let mut out = Vec::new();
    let stopped = writeback::run(&e.store, &e.conn, &client, &mut out).await;
    let Err(WritebackError::Outage { .. }) = stopped else {
        panic!("expected the outage stop, got {stopped:?}");
    };
    let tried = String::from_utf8_lossy(&out).lines().count();
    assert_eq!(
        tried,
        writeback::OUTAGE_STOP,
        "{}",
        String::from_utf8_lossy(&out)
    );

    // LoanPro answers again: the next run sends every note, each once.
    e.sim.set_faults(Faults::default());
    let r = e.run().await.unwrap();
    assert!(r.is_complete(), "{r:?}");
    for i in 0..8 {
        assert_eq!(e.notes(e.loan_id(i)).len(), 1, "loan index {i}");
    }
}
