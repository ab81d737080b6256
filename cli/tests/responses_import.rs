//! `metro2 responses import`: good rows kept, bad rows rejected with their line numbers, a
//! re-import adding nothing, CSV and JSON alike.

mod common;

use std::path::Path;

use metro2::store::{Cadence, NewConnection, SecretSource, Store};
use metro2_engine::{FieldValue, Segment, SegmentKind};
use rusqlite::params;

use common::metro2;

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
