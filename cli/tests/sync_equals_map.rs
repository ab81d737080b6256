//! A full sync over HTTP stores exactly what `metro2 map` gives offline for the same loans with
//! the same preset: the same status, the same segments field by field, the same rule findings.
//! The sync maps them with the shipped preset in Rust (`metro2::native`), `map` with the plan.

mod common;

use std::io::Write;
use std::process::Command;

use serde_json::Value;

use metro2::loanpro::generate::generate_loans;
use metro2::store::{
    Cadence, ConnectionUpdate, NewConnection, RecordFilter, RecordStatus, SecretSource, Store,
};
use metro2::sync::{preset, runner, Progress, SyncOptions};

use common::as_of;
use common::sim::SimSetup;

const LOANS: usize = 80;

#[test]
fn a_full_sync_stores_what_map_gives_offline() {
    let as_of = as_of();
    let loans = generate_loans(LOANS, 23, as_of);
    let dir = tempfile::tempdir().unwrap();

    // Offline: the generated documents through `metro2 map` and the shipped preset.
    let input = dir.path().join("loans.ndjson");
    let mut f = std::fs::File::create(&input).unwrap();
    for l in &loans {
        writeln!(f, "{l}").unwrap();
    }
    drop(f);
    let preset_path = dir.path().join("loanpro.m2map");
    std::fs::write(&preset_path, preset::LOANPRO_PRESET).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_metro2"))
        .args([
            "map",
            "--as-of",
            "2026-10-31",
            "--param",
            "furnisher_id=FURN12345",
        ])
        .arg("--map")
        .arg(&preset_path)
        .arg(&input)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let offline: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(offline.len(), LOANS);

    // Online: the same loans served by the simulator, pulled by a sync.
    let rt = runner::runtime().unwrap();
    let sim = SimSetup::serving(loans).token("eq-token").start_on(&rt);
    let mut store = Store::open(&dir.path().join("m.db")).unwrap();
    let token = SecretSource::write_file(&dir.path().join("t/sim.token"), "eq-token").unwrap();
    let conn = store
        .create_connection(&NewConnection {
            name: "sim".into(),
            base_url: sim.base_url.clone(),
            instance_id: "5200000".into(),
            token_source: token,
            cadence: Cadence::Hourly,
        })
        .unwrap();
    store
        .add_template(conn.id, preset::LOANPRO_PRESET, None)
        .unwrap();
    // The template the sync reads back is the preset byte for byte: mapped natively.
    let template = store.template(conn.id, None).unwrap();
    assert!(metro2::native::is_shipped_preset(&template.source));
    let conn = store
        .update_connection(
            "sim",
            &ConnectionUpdate {
                furnisher_id: Some("FURN12345".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let report = runner::sync_connection(
        rt.handle(),
        &mut store,
        &conn,
        &SyncOptions::new(as_of),
        &Progress::hidden(),
    )
    .unwrap();
    assert_eq!(
        (report.counts.fetched, report.counts.failed),
        (LOANS as u64, 0)
    );

    let stored = store.records(&RecordFilter::default()).unwrap();
    assert_eq!(stored.len(), LOANS);
    let mut mapped = 0;
    for (rec, line) in stored.iter().zip(&offline) {
        let who = format!("loan {} ({})", rec.loan_id, line["display_id"]);
        assert_eq!(line["id"].as_i64(), Some(rec.loan_id), "{who}: same order");
        let status = match rec.status {
            RecordStatus::Ok => "ok",
            RecordStatus::Invalid => "invalid",
            RecordStatus::Skipped => "skipped",
            RecordStatus::Error => "error",
        };
        assert_eq!(line["status"], status, "{who}: {:?}", rec.reason);
        if status != "ok" && status != "invalid" {
            continue;
        }
        mapped += 1;
        let fields: Value = serde_json::from_str(rec.fields.as_deref().unwrap()).unwrap();
        assert_eq!(fields, line["segments"], "{who}: segments");
        // The same findings, the mapping's rules and the validator's, in the same order.
        let stored: Vec<Value> = serde_json::from_str(&rec.findings).unwrap();
        assert_eq!(&Value::Array(stored), &line["findings"], "{who}: findings");
        // The stored text is the segments' fields, in order, base first.
        assert_eq!(
            rec.segments.as_deref().unwrap(),
            concat(&fields),
            "{who}: text"
        );
    }
    assert!(mapped > LOANS / 2, "most loans are reported: {mapped}");
    rt.block_on(sim.shutdown());
}

/// Every field text of a record's JSON, in order (segments and fields keep their order).
fn concat(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(m) => m.values().map(concat).collect(),
        Value::Array(a) => a.iter().map(concat).collect(),
        _ => String::new(),
    }
}
