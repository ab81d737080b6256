//! `metro2 export` end to end: simulator → sync → export → `metro2 validate` → read back. The
//! held-back report lists exactly the records that are invalid, in error, or fail validation at
//! export time; a per-bureau file carries its bureau's identifier only; a missing header setting
//! names the setting and the command that sets it; `connection show` masks secrets.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use metro2::export::{self, ExportRequest};
use metro2::loanpro::sim::SimHandle;
use metro2::store::{ConnectionUpdate, RecordStatus, Store};
use metro2_engine::reader::read_file;
use metro2_engine::validate::validate_file;
use rusqlite::params;
use tempfile::TempDir;

use common::metro2;
use common::sim::SimSetup;
use common::store::{header_settings, EnvSetup};

const TOKEN: &str = "ex-token-42";
const INSTANCE: &str = "5200003";

/// Syncs 40 generated loans into a fresh store with the header settings and every bureau's
/// id; returns the temp dir, the db and the period.
async fn synced() -> (TempDir, PathBuf, String, SimHandle) {
    let as_of = chrono::Utc::now().date_naive();
    let sim = SimSetup::generated(40, 21, as_of)
        .token(TOKEN)
        .instance(INSTANCE);
    let mut env = EnvSetup::new(sim).start().await;
    env.set(ConnectionUpdate {
        experian_id: Some("EX123".into()),
        transunion_id: Some("TU98765".into()),
        innovis_id: Some("IN555".into()),
        ..header_settings()
    });
    env.sync(as_of, false).await;
    (env.dir, env.db, as_of.format("%Y-%m").to_string(), env.sim)
}

/// Loan ids of the period's records with this status.
fn loans_with(store: &Store, conn: i64, period: &str, status: RecordStatus) -> BTreeSet<i64> {
    store
        .records_for_period(conn, period)
        .unwrap()
        .into_iter()
        .filter(|r| r.status == status)
        .map(|r| r.loan_id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_validates_reads_back_and_holds_back_exactly_the_bad_records() {
    let (dir, db, period, _sim) = synced().await;
    let store = Store::open(&db).unwrap();
    let conn = store.connection("acme").unwrap();
    let ok = loans_with(&store, conn.id, &period, RecordStatus::Ok);
    assert!(ok.len() >= 10, "the generated loans map: {ok:?}");

    // Make three records bad in the three ways the export knows: stored invalid with findings,
    // stored in error, and stored ok but failing validation now (an account status that does
    // not exist).
    let mut bad = ok.iter().copied();
    let (invalid, errored, corrupt) = (
        bad.next().unwrap(),
        bad.next().unwrap(),
        bad.next().unwrap(),
    );
    let findings = r#"[{"rule":"M2-TEST","severity":"error","segment":"base","field":"current_balance","message":"planted for the test"}]"#;
    store.db().execute(
        "UPDATE metro2_records SET status = 'invalid', findings = ?3 WHERE connection_id = ?1 AND loan_id = ?2",
        params![conn.id, invalid, findings],
    ).unwrap();
    store.db().execute(
        "UPDATE metro2_records SET status = 'error', reason = 'planted mapping error', segments = NULL WHERE connection_id = ?1 AND loan_id = ?2",
        params![conn.id, errored],
    ).unwrap();
    store.db().execute(
        "UPDATE metro2_records SET segments = substr(segments, 1, 123) || 'ZZ' || substr(segments, 126)
         WHERE connection_id = ?1 AND loan_id = ?2",
        params![conn.id, corrupt],
    ).unwrap();
    let before_held: BTreeSet<i64> = store
        .records_for_period(conn.id, &period)
        .unwrap()
        .into_iter()
        .filter(|r| matches!(r.status, RecordStatus::Invalid | RecordStatus::Error))
        .map(|r| r.loan_id)
        .collect();

    let mut req = ExportRequest::new(period.clone());
    req.dir = dir.path().to_path_buf();
    let outcome = export::export_period(&store, &conn, &req).unwrap();
    assert_eq!(
        outcome.file,
        dir.path().join(format!("metro2-acme-{period}.txt"))
    );
    let held: BTreeSet<i64> = outcome.held_back.iter().map(|h| h.loan_id).collect();
    let mut want_held = before_held.clone();
    want_held.insert(corrupt);
    assert_eq!(held, want_held, "held back exactly the bad records");
    let exported: BTreeSet<i64> = ok.difference(&want_held).copied().collect();
    assert_eq!(outcome.written as usize, exported.len());

    // The file passes validation with no error, in the library and in `metro2 validate`.
    let bytes = std::fs::read(&outcome.file).unwrap();
    let errors: Vec<_> = validate_file(&bytes)
        .into_iter()
        .filter(|f| f.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let out = metro2(&db, &["validate", outcome.file.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains(" 0 errors"), "{stdout}");

    // Read back: the header from the settings, every exported record, the trailer's count.
    let read = read_file(&bytes);
    assert!(read.findings.is_empty(), "{:?}", read.findings);
    let header = read.header.as_ref().unwrap();
    assert_eq!(
        header.get("equifax_program_identifier").unwrap().trim(),
        "EQ00012345"
    );
    assert_eq!(header.get("experian_program_identifier").unwrap(), "EX123");
    assert_eq!(
        header.get("reporter_name").unwrap().trim(),
        "ACME LENDING LLC"
    );
    assert_eq!(
        header.get("reporter_telephone_number").unwrap(),
        "5125550100"
    );
    assert_eq!(read.records.len(), exported.len());
    let by_account: BTreeSet<String> = common::base_values_of(&read, "consumer_account_number")
        .into_iter()
        .collect();
    let want_accounts: BTreeSet<String> = store
        .records_for_period(conn.id, &period)
        .unwrap()
        .into_iter()
        .filter(|r| exported.contains(&r.loan_id))
        .map(|r| r.segments.unwrap()[42..72].trim().to_string())
        .collect();
    assert_eq!(by_account, want_accounts);
    let trailer = read.trailer.unwrap();
    assert_eq!(
        trailer
            .get("total_base_records")
            .unwrap()
            .parse::<usize>()
            .unwrap(),
        exported.len()
    );

    // The side report, beside the file, lists exactly the held-back loans with their findings.
    let report = std::fs::read_to_string(&outcome.report).unwrap();
    assert_eq!(
        outcome.report,
        dir.path()
            .join(format!("metro2-acme-{period}.held-back.report"))
    );
    let listed: BTreeSet<i64> = report
        .lines()
        .filter_map(|l| l.strip_prefix("loan "))
        .map(|l| {
            l.split(' ')
                .next()
                .unwrap()
                .trim_end_matches(':')
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(listed, want_held);
    assert!(
        report.contains("error M2-TEST base.current_balance: planted for the test"),
        "{report}"
    );
    assert!(report.contains("planted mapping error"), "{report}");
    assert!(report.contains(&format!("loan {corrupt}")));
    assert!(
        report.lines().any(|l| l.contains("account_status")),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_bureau_files_missing_settings_and_masked_show() {
    let (dir, db, period, _sim) = synced().await;
    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let file = out_dir.join("tu.txt");
    let out = metro2(
        &db,
        &[
            "export",
            "--period",
            &period,
            "--bureau",
            "transunion",
            "--newlines",
            "crlf",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.windows(2).any(|w| w == b"\r\n"));
    // A bureau file, its held-back report and the database list consumers: owner-only.
    #[cfg(unix)]
    for private in [
        file.clone(),
        file.with_extension("held-back.report"),
        db.clone(),
    ] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&private).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", private.display());
    }
    let header = read_file(&bytes).header.unwrap();
    assert_eq!(
        header.get("transunion_program_identifier").unwrap().trim(),
        "TU98765"
    );
    for other in [
        "equifax_program_identifier",
        "experian_program_identifier",
        "innovis_program_identifier",
    ] {
        assert_eq!(header.get(other).unwrap().trim(), "", "{other}");
    }
    assert!(validate_file(&bytes).iter().all(|f| !f.is_error()));
    let out = metro2(&db, &["validate", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Without --out the file is named for its bureau, in the current folder.
    let out = Command::new(env!("CARGO_BIN_EXE_metro2"))
        .current_dir(&out_dir)
        .arg("--db")
        .arg(&db)
        .args(["export", "--period", &period, "--bureau", "experian"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out_dir
        .join(format!("metro2-acme-{period}-experian.txt"))
        .exists());

    // A missing setting: the error names it and the command that sets it; no file is left.
    let store = Store::open(&db).unwrap();
    store
        .db()
        .execute("UPDATE connections SET reporter_phone = NULL", [])
        .unwrap();
    let missing = out_dir.join("missing.txt");
    let out = metro2(
        &db,
        &[
            "export",
            "--period",
            &period,
            "--out",
            missing.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("reporter telephone"), "{stderr}");
    assert!(
        stderr.contains("metro2 connection set acme --reporter-phone"),
        "{stderr}"
    );
    assert!(!missing.exists());

    // `connection set` then `show`: secrets masked.
    std::env::set_var("METRO2_TEST_HOOK_SECRET_EXPORT", "very-secret-hook-value");
    let out = metro2(
        &db,
        &[
            "connection",
            "set",
            "acme",
            "--reporter-phone",
            "512-555-0199",
            "--webhook-secret-env",
            "METRO2_TEST_HOOK_SECRET_EXPORT",
            "--writeback",
            "on",
            "--writeback-method",
            // Any case, as every other choice of the command line.
            "patch",
            "--updated-field",
            "modifiedDate",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = metro2(&db, &["connection", "show", "acme"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("very-secret-hook-value"), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
    assert!(text.contains("webhook secret          *** (from the environment variable METRO2_TEST_HOOK_SECRET_EXPORT)"), "{text}");
    assert!(text.contains("writeback               on"), "{text}");
    assert!(text.contains("writeback method        PATCH"), "{text}");
    assert!(
        text.contains("updated field           modifiedDate"),
        "{text}"
    );
    assert!(
        text.contains("reporter phone          512-555-0199"),
        "{text}"
    );
    // A webhook secret from standard input goes to a 0600 file beside the database.
    let mut child = Command::new(env!("CARGO_BIN_EXE_metro2"))
        .arg("--db")
        .arg(&db)
        .args([
            "connection",
            "set",
            "acme",
            "--webhook-secret-stdin",
            "--webhook-token-header",
            "X-Hook-Token",
            "--webhook-token-env",
            "METRO2_TEST_UNSET_TOKEN_VAR",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"stdin-hook-secret\n")
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("stdin-hook-secret"), "{text}");
    let secret_file = dir
        .path()
        .join(".metro2-secrets/metro2.db/acme.webhook-secret");
    assert!(
        text.contains(&format!(
            "webhook secret          *** (from the file {})",
            secret_file.display()
        )),
        "{text}"
    );
    assert!(text.contains("webhook token           header X-Hook-Token: (the environment variable METRO2_TEST_UNSET_TOKEN_VAR is missing or empty)"), "{text}");
    assert_eq!(
        std::fs::read_to_string(&secret_file).unwrap().trim(),
        "stdin-hook-secret"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let out = metro2(
        &db,
        &["connection", "set", "acme", "--experian-id", "TOOLONG"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--experian-id"));
    let out = metro2(
        &db,
        &[
            "connection",
            "set",
            "acme",
            "--updated-field",
            "last updated",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--updated-field"));
}
