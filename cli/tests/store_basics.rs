//! The store: connections, templates, page commits (upsert, documents, counts, cursor) and
//! resuming after a crash.

use metro2::store::{
    Cadence, ConnectionUpdate, LoanDocument, NewConnection, NewRecord, PageCommit, PageItem,
    RecordFilter, RecordStatus, RunMode, RunProgress, SecretSource, Store, StoreError,
};

fn store_with_connection() -> (Store, i64) {
    let store = Store::open_in_memory().unwrap();
    let c = store
        .create_connection(&NewConnection {
            name: "acme".into(),
            base_url: "http://127.0.0.1:1/api/".into(),
            instance_id: "5200000".into(),
            token_source: SecretSource::Env("ACME_TOKEN".into()),
            cadence: Cadence::Hourly,
        })
        .unwrap();
    (store, c.id)
}

fn record(loan: i64, period: &str, status: RecordStatus, hash: &str) -> NewRecord {
    NewRecord {
        loan_id: loan,
        display_id: Some(format!("LN-{loan}")),
        period: period.into(),
        as_of: format!("{period}-28"),
        status,
        reason: None,
        segments: Some("0426".into()),
        fields: Some("{}".into()),
        findings: "[]".into(),
        template_version: 1,
        document_hash: hash.into(),
    }
}

fn loan(id: i64, body: &str, status: RecordStatus) -> PageItem {
    let document = LoanDocument::new(id, Some(format!("LN-{id}")), body.into());
    let record = record(id, "2026-10", status, &document.hash);
    PageItem::Loan { document, record }
}

fn begin(store: &mut Store, conn: i64, mode: RunMode) -> i64 {
    let run = store
        .start_run(conn, mode, "2026-10-31", None, None, 1)
        .unwrap();
    store
        .begin_run(
            conn,
            &RunProgress {
                run_id: run,
                mode,
                as_of: "2026-10-31".into(),
                since: None,
                watermark: "2026-11-01T00:00:00Z".into(),
                last_loan_id: None,
                field_seen: false,
            },
        )
        .unwrap();
    run
}

#[test]
fn a_connection_keeps_defaults_and_refuses_a_duplicate_name() {
    let (store, id) = store_with_connection();
    let c = store.connection("acme").unwrap();
    assert_eq!(c.id, id);
    assert!(!c.writeback, "writeback is off by default");
    assert_eq!(c.cadence, Cadence::Hourly);
    assert_eq!(c.updated_field, "lastUpdated");
    assert_eq!(c.token_source, SecretSource::Env("ACME_TOKEN".into()));
    let dup = store
        .create_connection(&NewConnection {
            name: "acme".into(),
            base_url: "x".into(),
            instance_id: "1".into(),
            token_source: SecretSource::Env("X".into()),
            cadence: Cadence::Daily,
        })
        .unwrap_err();
    assert!(matches!(dup, StoreError::Invalid(_)), "{dup}");
    let c = store
        .update_connection(
            "acme",
            &ConnectionUpdate {
                furnisher_id: Some("FURN1".into()),
                writeback: Some(true),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(c.furnisher_id.as_deref(), Some("FURN1"));
    assert!(c.writeback);
    assert_eq!(c.cadence, Cadence::Hourly, "untouched settings stay");
    assert_eq!(store.resolve_connection(None).unwrap().name, "acme");
    assert!(store.connection("nope").is_err());
}

#[test]
fn templates_are_versioned() {
    let (mut store, id) = store_with_connection();
    assert!(store.template(id, None).is_err());
    assert_eq!(
        store.add_template(id, "a", Some("preset")).unwrap().version,
        1
    );
    assert_eq!(store.add_template(id, "b", None).unwrap().version, 2);
    assert_eq!(store.template(id, None).unwrap().source, "b");
    assert_eq!(store.template(id, Some(1)).unwrap().source, "a");
    assert_eq!(store.templates(id).unwrap().len(), 2);
}

#[test]
fn pages_upsert_records_keep_documents_once_and_move_the_cursor() {
    let (mut store, conn) = store_with_connection();
    let run = begin(&mut store, conn, RunMode::Full);
    let page1 = [
        loan(1, r#"{"id":1}"#, RecordStatus::Ok),
        loan(2, r#"{"id":2}"#, RecordStatus::Invalid),
        PageItem::Failed {
            loan_id: 3,
            error: "HTTP 500".into(),
        },
    ];
    let counts = store
        .commit_page(&PageCommit {
            connection_id: conn,
            run_id: run,
            items: &page1,
            last_loan_id: Some(3),
            field_seen: true,
            advance_cursor: true,
        })
        .unwrap();
    assert_eq!(
        (counts.fetched, counts.mapped, counts.invalid, counts.failed),
        (2, 2, 1, 1)
    );
    let cursor = store.cursor(conn).unwrap();
    assert_eq!(cursor.in_progress.as_ref().unwrap().last_loan_id, Some(3));

    // The same loan again (a resumed run re-fetching it): one record, one document.
    let page2 = [
        loan(1, r#"{"id":1}"#, RecordStatus::Ok),
        loan(4, r#"{"id":4}"#, RecordStatus::Skipped),
    ];
    let counts = store
        .commit_page(&PageCommit {
            connection_id: conn,
            run_id: run,
            items: &page2,
            last_loan_id: Some(4),
            field_seen: false,
            advance_cursor: true,
        })
        .unwrap();
    assert_eq!(counts.unchanged, 1);
    let all = store.records(&RecordFilter::default()).unwrap();
    assert_eq!(all.iter().map(|r| r.loan_id).collect::<Vec<_>>(), [1, 2, 4]);
    let n: i64 = store
        .db()
        .query_row("SELECT COUNT(*) FROM loan_documents", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 3);
    let invalid = store
        .records(&RecordFilter {
            statuses: vec![RecordStatus::Invalid, RecordStatus::Error],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(invalid.len(), 1);
    let r = store.record(conn, 2, "2026-10").unwrap().unwrap();
    assert!(store.document(conn, 2, &r.document_hash).unwrap().is_some());

    store.complete_run(conn, true).unwrap();
    let cursor = store.cursor(conn).unwrap();
    assert_eq!(cursor.in_progress, None);
    assert_eq!(cursor.since.as_deref(), Some("2026-11-01T00:00:00Z"));
    assert_eq!(cursor.field_supported, Some(true));
    assert_eq!(cursor.last_full_as_of.as_deref(), Some("2026-10-31"));
    let run = store.run(run).unwrap();
    assert_eq!(run.counts.fetched, 4);
    assert_eq!(run.counts.failed, 1);
    assert_eq!(store.failures(run.id).unwrap()[0].loan_id, 3);
}

#[test]
fn a_page_of_a_run_that_was_taken_over_is_refused_whole() {
    let (mut store, conn) = store_with_connection();
    let old = begin(&mut store, conn, RunMode::Full);
    let new = begin(&mut store, conn, RunMode::Full);
    let err = store
        .commit_page(&PageCommit {
            connection_id: conn,
            run_id: old,
            items: &[loan(1, "{}", RecordStatus::Ok)],
            last_loan_id: Some(1),
            field_seen: false,
            advance_cursor: true,
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)));
    assert!(
        store.records(&RecordFilter::default()).unwrap().is_empty(),
        "rolled back"
    );
    assert_eq!(
        store.run(old).unwrap().status,
        metro2::store::RunStatus::Interrupted
    );
    assert_eq!(store.cursor(conn).unwrap().in_progress.unwrap().run_id, new);
}

#[test]
fn a_file_database_is_in_wal_mode_with_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let store = Store::open(&path).unwrap();
    let mode: String = store
        .db()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = store
        .db()
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
    drop(store);
    Store::open(&path).unwrap();
}
