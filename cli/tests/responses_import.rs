//! `metro2 responses import`: good rows kept, bad rows rejected with their line numbers, a
//! re-import adding nothing, CSV and JSON alike; a response about a DA record, which exists only
//! in the file, tied to its loan.

mod common;

use std::path::Path;

use metro2::export::{self, ExportRequest};
use metro2::store::{Cadence, NewConnection, RecordStatus, SecretSource, Store};
use metro2_engine::{FieldValue, Segment, SegmentKind};
use rusqlite::params;

use common::sim::SimSetup;
use common::store::{header_settings, EnvSetup};
use common::{d, metro2};

/// A store with one connection whose 2026-10 records are accounts ACCT-1..ACCT-3 (loans 101..103).
fn store(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("metro2.db");
    let store = Store::open(&db).unwrap();
    let conn = store
        .create_connection(&NewConnection {
            name: "acme".into(),
            base_url: "http://127.0.0.1:9/".into(),
            instance_id: "1".into(),
            token_source: SecretSource::Env("UNUSED".into()),
            cadence: Cadence::Webhook,
        })
        .unwrap();
    for i in 1..=3i64 {
        let mut s = Segment::blank(SegmentKind::Base);
        s.set_key(
            "consumer_account_number",
            &FieldValue::Text(&format!("ACCT-{i}")),
        )
        .unwrap();
        let text = String::from_utf8(s.as_bytes().to_vec()).unwrap();
        store
            .db()
            .execute(
                "INSERT INTO metro2_records (connection_id, loan_id, display_id, period, as_of, status,
                    segments, fields, findings, template_version, document_hash, created_at, updated_at)
                 VALUES (?1, ?2, ?3, '2026-10', '2026-10-31', 'ok', ?4, '{}', '[]', 1, 'h',
                    '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')",
                params![conn.id, 100 + i, format!("L{i}"), text],
            )
            .unwrap();
    }
    db
}

fn count(db: &Path) -> i64 {
    Store::open(db)
        .unwrap()
        .db()
        .query_row("SELECT COUNT(*) FROM bureau_responses", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn csv_good_rows_kept_bad_rows_named_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path());
    let file = dir.path().join("responses.csv");
    std::fs::write(
        &file,
        "bureau,account_number,period,outcome,code,message,date\n\
         equifax,ACCT-1,2026-10,accepted,,,2026-11-04\n\
         equifx,ACCT-2,2026-10,rejected,E1,,2026-11-04\n\
         experian,acct-2,2026-10,rejected,E101,\"DOFD missing, status 71\",2026-11-05\n\
         transunion,ACCT-9,2026-10,disputed,,,2026-11-05\n\
         \n\
         innovis,ACCT-3,2026-10,corrected,C,\"two\nlines\",2026-11-06\n\
         innovis,ACCT-3,2026-09,accepted,,,2026-02-30\n",
    )
    .unwrap();
    let out = metro2(&db, &["responses", "import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    let f = file.display().to_string();
    assert_eq!(lines.len(), 3, "{stderr}");
    assert_eq!(
        lines[0],
        format!(
            "{f}:line 3: bureau \"equifx\" is not one of equifax, experian, transunion, innovis"
        )
    );
    assert_eq!(
        lines[1],
        format!("{f}:line 5: account_number \"ACCT-9\" has no record of connection \"acme\" for 2026-10")
    );
    assert_eq!(
        lines[2],
        format!("{f}:line 9: date \"2026-02-30\" is not a YYYY-MM-DD date")
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with("imported 3 response(s) (0 already imported), rejected 3 row(s)"),
        "{stdout}"
    );
    assert_eq!(count(&db), 3);

    let again = metro2(&db, &["responses", "import", file.to_str().unwrap()]);
    let stdout = String::from_utf8(again.stdout).unwrap();
    assert!(
        stdout.starts_with("imported 0 response(s) (3 already imported)"),
        "{stdout}"
    );
    assert_eq!(count(&db), 3);

    let store = Store::open(&db).unwrap();
    let (account, message, line): (String, String, i64) = store
        .db()
        .query_row(
            "SELECT account_number, message, source_line FROM bureau_responses WHERE bureau = 'experian'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (account.as_str(), message.as_str(), line),
        ("ACCT-2", "DOFD missing, status 71", 4)
    );
}

#[test]
fn json_rows_and_file_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = store(dir.path());
    let file = dir.path().join("responses.json");
    std::fs::write(
        &file,
        r#"[
  {"bureau": "equifax", "account_number": "ACCT-1", "period": "2026-10",
   "outcome": "rejected", "code": 17, "date": "2026-11-04"},
  {"bureau": "equifax", "account_number": "ACCT-2", "period": "2026-10",
   "outcome": "lost", "date": "2026-11-04"}
]"#,
    )
    .unwrap();
    let out = metro2(&db, &["responses", "import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains(":line 4: outcome \"lost\""), "{stderr}");
    assert_eq!(count(&db), 1);

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "bureau,acount_number,period,outcome,date\n").unwrap();
    let out = metro2(&db, &["responses", "import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("unknown column(s) \"acount_number\""),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert_eq!(count(&db), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_about_a_da_record_is_tied_to_its_loan() {
    let sim = SimSetup::generated(12, 33, d(2026, 11, 30))
        .token("resp-token-3")
        .instance("5200011");
    let mut env = EnvSetup::new(sim).start().await;
    env.set(header_settings());
    let (store, conn) = env.open();
    // Y is deleted before it was ever reported: skipped in October and November, never a DA.
    let never_reported = env.ids[5];
    assert!(env
        .sim
        .modify(never_reported, &serde_json::json!({"deleted": 1})));
    env.sync(d(2026, 10, 31), false).await;
    // X is reported in October, then deleted: November's file carries its DA.
    let (x, account) = env
        .ids
        .iter()
        .filter(|id| **id != never_reported)
        .find_map(|id| {
            let r = store.record(conn.id, *id, "2026-10").unwrap()?;
            let rec = metro2::export::decode::decode(r.segments.as_deref()?).ok()?;
            (r.status == RecordStatus::Ok).then(|| (*id, export::decode::account_number(&rec)))
        })
        .expect("a loan reported in October");
    assert!(env.sim.modify(x, &serde_json::json!({"deleted": 1})));
    env.sync(d(2026, 11, 30), false).await;
    for loan in [x, never_reported] {
        let r = store.record(conn.id, loan, "2026-11").unwrap().unwrap();
        assert_eq!((r.status, r.segments), (RecordStatus::Skipped, None));
    }
    let mut req = ExportRequest::new("2026-11");
    req.dir = env.dir.path().to_path_buf();
    req.today = d(2026, 12, 5);
    let outcome = export::export_period(&store, &conn, &req).unwrap();
    let file = std::fs::read(&outcome.file).unwrap();
    let read = metro2_engine::reader::read_file(&file);
    let da: Vec<_> = read
        .records
        .iter()
        .filter(|r| export::decode::account_number(&r.record) == account)
        .map(|r| {
            r.record
                .base
                .get("account_status")
                .unwrap()
                .trim()
                .to_string()
        })
        .collect();
    assert_eq!(da, vec!["DA".to_string()]);
    // December: X is skipped again, its DA went with November's file.
    env.sync(d(2026, 12, 31), true).await;
    assert_eq!(
        store.record(conn.id, x, "2026-12").unwrap().unwrap().status,
        RecordStatus::Skipped
    );

    // Y's account number, had it been reported: the preset's account_number(displayId).
    let display = store
        .record(conn.id, never_reported, "2026-11")
        .unwrap()
        .unwrap()
        .display_id
        .unwrap();
    let never_account = metro2_engine::clean::codes::account_number(&display);
    let responses = env.dir.path().join("responses.csv");
    std::fs::write(
        &responses,
        format!(
            "bureau,account_number,period,outcome,code,message,date\n\
             equifax,{account},2026-11,accepted,,,2026-12-08\n\
             equifax,{never_account},2026-11,accepted,,,2026-12-08\n\
             equifax,{account},2026-12,accepted,,,2027-01-08\n"
        ),
    )
    .unwrap();
    let out = metro2(
        &env.db,
        &["responses", "import", responses.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let f = responses.display().to_string();
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        vec![
            format!(
                "{f}:line 3: account_number {never_account:?} has no record of connection \"acme\" for 2026-11"
            ),
            format!(
                "{f}:line 4: account_number {account:?} has no record of connection \"acme\" for 2026-12"
            ),
        ]
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with("imported 1 response(s) (0 already imported), rejected 2 row(s)"),
        "{stdout}"
    );
    let stored = metro2::responses::import::responses(&store, conn.id).unwrap();
    let stored: Vec<_> = stored
        .iter()
        .map(|r| (r.account_number.as_str(), r.period.as_str(), r.loan_id))
        .collect();
    assert_eq!(stored, vec![(account.as_str(), "2026-11", x)]);
}
