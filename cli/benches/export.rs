//! Exporting a period from the store: records per second (criterion throughput) for
//! `export::export_period`, which reads the period three times (activity date, re-validation,
//! writing) and writes the file and its side report.
//!
//! The records are real: 200 generated loans synced from an in-process simulator, then copied
//! under new loan ids and account numbers up to `METRO2_BENCH_RECORDS` (default 10,000).
//!
//! `cargo bench -p metro2 --bench export -- --warm-up-time 1 --measurement-time 3`

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rusqlite::params;

use metro2::export::{export_period, ExportRequest};
use metro2::loanpro::sim::{SimConfig, Simulator};
use metro2::store::{Cadence, ConnectionUpdate, NewConnection, SecretSource, Store};
use metro2::sync::{runner, Progress, SyncOptions};

const TOKEN: &str = "bench-export-token";

fn records() -> usize {
    std::env::var("METRO2_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

/// A store holding `n` valid records of 2026-10 for connection `bench`.
fn fill(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let as_of = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    let rt = runner::runtime().unwrap();
    let sim = rt
        .block_on(Simulator::start(SimConfig {
            loans: metro2::loanpro::generate::generate_loans(200, 5, as_of),
            token: TOKEN.into(),
            ..SimConfig::default()
        }))
        .unwrap();
    let db = dir.join("metro2.db");
    let mut store = Store::open(&db).unwrap();
    let token = SecretSource::write_file(&dir.join("s/t.token"), TOKEN).unwrap();
    metro2::commands::connect::connect(
        &mut store,
        &NewConnection {
            name: "bench".into(),
            base_url: sim.base_url.clone(),
            instance_id: "5200000".into(),
            token_source: token,
            cadence: Cadence::Webhook,
        },
    )
    .unwrap();
    let conn = store
        .update_connection(
            "bench",
            &ConnectionUpdate {
                furnisher_id: Some("BENCH00001".into()),
                equifax_id: Some("EQBENCH001".into()),
                experian_id: Some("EXB01".into()),
                transunion_id: Some("TUBENCH001".into()),
                reporter_name: Some("BENCH LENDING".into()),
                reporter_address: Some("1 MAIN ST, AUSTIN TX 78701".into()),
                reporter_phone: Some("5125550100".into()),
                ..ConnectionUpdate::default()
            },
        )
        .unwrap();
    runner::sync_connection(
        rt.handle(),
        &mut store,
        &conn,
        &SyncOptions::new(as_of),
        &Progress::hidden(),
    )
    .unwrap();
    let valid: Vec<(String, String)> = {
        let mut stmt = store
            .db()
            .prepare("SELECT segments, fields FROM metro2_records WHERE status = 'ok'")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let have = valid.len();
    let tx = store.db().unchecked_transaction().unwrap();
    for i in have..n {
        let (segments, fields) = &valid[i % have];
        let account = format!("{:<30}", format!("BENCH{i:08}"));
        let segments = format!("{}{account}{}", &segments[..42], &segments[72..]);
        tx.execute(
            "INSERT INTO metro2_records (connection_id, loan_id, display_id, period, as_of, status,
                segments, fields, findings, template_version, document_hash, created_at, updated_at)
             VALUES (?1, ?2, ?3, '2026-10', '2026-10-31', 'ok', ?4, ?5, '[]', 1, 'bench',
                '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')",
            params![
                conn.id,
                10_000_000 + i as i64,
                format!("B{i}"),
                segments,
                fields
            ],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    db
}

fn bench(c: &mut Criterion) {
    let n = records();
    let dir = tempfile::tempdir().unwrap();
    let db = fill(dir.path(), n);
    let store = Store::open(&db).unwrap();
    let conn = store.connection("bench").unwrap();
    let mut req = ExportRequest::new("2026-10");
    req.dir = dir.path().to_path_buf();
    let outcome = export_period(&store, &conn, &req).unwrap();
    assert_eq!(outcome.written as usize, n);
    assert!(outcome.held_back.is_empty());
    let bytes = std::fs::metadata(&outcome.file).unwrap().len();
    eprintln!(
        "export: {n} records, {bytes} bytes, {} bytes per record",
        bytes / n as u64
    );
    let mut g = c.benchmark_group("export");
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(10);
    g.bench_function(format!("{n} records"), |b| {
        b.iter(|| export_period(&store, &conn, &req).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
