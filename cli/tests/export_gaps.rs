//! What `metro2 export` does about what the store does not hold: loans whose latest sync attempt
//! failed (absent, or present from an older record: stale), a period whose latest sync run did
//! not finish, a period with no records at all, header settings missing, and loans reported
//! before and deleted since (a DA record, once).

mod common;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use metro2::export::{self, ExportError, ExportRequest};
use metro2::loanpro::sim::Faults;
use metro2::store::{RecordStatus, RunMode, RunStatus};

use common::sim::SimSetup;
use common::store::{header_settings, Env, EnvSetup};
use common::{base_values, d, metro2};

const TOKEN: &str = "gap-token-7";
const INSTANCE: &str = "5200009";

/// A simulator of `n` loans generated as of `as_of`, and a store connected to it with every
/// header setting.
async fn env(n: usize, as_of: NaiveDate) -> Env {
    let sim = SimSetup::generated(n, 33, as_of)
        .token(TOKEN)
        .instance(INSTANCE);
    let mut env = EnvSetup::new(sim).start().await;
    env.set(header_settings());
    env
}

impl Env {
    fn request(&self, period: &str) -> ExportRequest {
        let mut req = ExportRequest::new(period);
        req.dir = self.dir.path().to_path_buf();
        req
    }

    fn export(&self, req: &ExportRequest) -> Result<export::ExportOutcome, ExportError> {
        let (store, conn) = self.open();
        export::export_period(&store, &conn, req)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loans_that_failed_to_sync_refuse_the_export_unless_allowed_and_are_listed() {
    let as_of = d(2026, 10, 31);
    let env = env(12, as_of).await;
    let broken = [env.ids[2], env.ids[7]];
    env.sim.set_faults(Faults {
        malformed_loans: broken.to_vec(),
        ..Faults::default()
    });
    let report = env.sync(as_of, false).await;
    assert_eq!(report.counts.failed, 2);

    // Refused, naming the loans, the run and both ways out; nothing written.
    let err = env.export(&env.request("2026-10")).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ExportError::Incomplete(_)), "{msg}");
    for id in broken {
        assert!(msg.contains(&format!("loan {id}")), "{msg}");
    }
    assert!(msg.contains(&format!("in run {}", report.run_id)), "{msg}");
    assert!(
        msg.contains("metro2 sync --connection acme --as-of 2026-10-31 --full"),
        "{msg}"
    );
    assert!(msg.contains("--allow-incomplete"), "{msg}");
    let file = env.dir.path().join("metro2-acme-2026-10.txt");
    assert!(!file.exists());

    // The command: non-zero, the same message.
    let out = metro2(&env.db, &["export", "--period", "2026-10"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--allow-incomplete"), "{stderr}");

    // Allowed: the file is written without them, and they are in the report and the summary.
    let mut req = env.request("2026-10");
    req.allow_incomplete = true;
    let outcome = env.export(&req).unwrap();
    let failed: Vec<i64> = outcome
        .completeness
        .failures
        .iter()
        .map(|f| f.loan_id)
        .collect();
    assert_eq!(failed, broken.to_vec());
    assert!(outcome.completeness.failures.iter().all(|f| !f.is_stale()));
    let accounts = base_values(&outcome.file, "consumer_account_number");
    for id in broken {
        assert!(!accounts.iter().any(|a| a.ends_with(&id.to_string())));
    }
    let report_text = std::fs::read_to_string(&outcome.report).unwrap();
    for id in broken {
        assert!(
            report_text.contains(&format!("not synced: loan {id}")),
            "{report_text}"
        );
    }
    assert!(report_text.contains("truncated") || report_text.contains("JSON"));
    let summary = outcome.summary_line();
    assert!(
        summary.contains("failed to sync 2 (not in the file 2, stale 0)"),
        "{summary}"
    );
    let out = metro2(
        &env.db,
        &[
            "export",
            "--period",
            "2026-10",
            "--allow-incomplete",
            "--out",
            env.dir.path().join("allowed.txt").to_str().unwrap(),
        ],
    );
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("not synced: loan {}", broken[0])),
        "{stderr}"
    );

    // Once LoanPro answers for them, a full sync closes the failures and the export goes through.
    env.sim.set_faults(Faults::default());
    env.sync(as_of, true).await;
    let outcome = env.export(&env.request("2026-10")).unwrap();
    assert!(outcome.completeness.is_complete());
    assert!(!outcome.summary_line().contains("failed to sync"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_older_than_a_failed_attempt_is_flagged_stale() {
    let as_of = d(2026, 10, 31);
    let env = env(8, as_of).await;
    env.sync(as_of, false).await;
    let loan = env.ids[3];
    let (store, conn) = env.open();
    let before = store.record(conn.id, loan, "2026-10").unwrap().unwrap();
    assert_eq!(before.status, RecordStatus::Ok);

    env.sim.set_faults(Faults {
        malformed_loans: vec![loan],
        ..Faults::default()
    });
    let second = env.sync(as_of, true).await;
    assert_eq!(second.counts.failed, 1);

    let err = env.export(&env.request("2026-10")).unwrap_err().to_string();
    assert!(err.contains(&format!("loan {loan}")), "{err}");
    assert!(err.contains("stale"), "{err}");

    let mut req = env.request("2026-10");
    req.allow_incomplete = true;
    let outcome = env.export(&req).unwrap();
    let stale: Vec<_> = outcome.completeness.stale().collect();
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0].loan_id, loan);
    assert_eq!(stale[0].run_id, second.run_id);
    assert_eq!(stale[0].record_run_id, before.run_id);
    let report_text = std::fs::read_to_string(&outcome.report).unwrap();
    assert!(
        report_text.contains(&format!("stale: loan {loan}")),
        "{report_text}"
    );
    assert!(outcome.summary_line().contains("stale 1"));
    // A later attempt for another period does not touch October's.
    env.sim.set_faults(Faults::default());
    env.sync(d(2026, 11, 30), false).await;
    assert_eq!(
        env.open()
            .0
            .period_failures(conn.id, "2026-10")
            .unwrap()
            .len(),
        1
    );
    assert!(env
        .open()
        .0
        .period_failures(conn.id, "2026-11")
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfinished_latest_run_of_the_period_refuses_the_export() {
    let as_of = d(2026, 10, 31);
    let env = env(6, as_of).await;
    env.sync(as_of, false).await;
    let (store, conn) = env.open();
    // A later run of October cut short (what a kill leaves once the next sync abandons it),
    // then a run of another period: October's latest run is still the interrupted one.
    let cut = store
        .start_run(conn.id, RunMode::Full, "2026-10-31", None, None, 1)
        .unwrap();
    store
        .finish_run(cut, RunStatus::Interrupted, Some("killed"))
        .unwrap();
    let later = store
        .start_run(conn.id, RunMode::Full, "2026-11-30", None, None, 1)
        .unwrap();
    store.finish_run(later, RunStatus::Ok, None).unwrap();
    // A webhook's targeted run says nothing about the portfolio.
    let targeted = store
        .start_run(conn.id, RunMode::Targeted, "2026-10-31", None, None, 1)
        .unwrap();
    store.finish_run(targeted, RunStatus::Ok, None).unwrap();

    let err = env.export(&env.request("2026-10")).unwrap_err().to_string();
    assert!(err.contains(&format!("run {cut}")), "{err}");
    assert!(err.contains("was interrupted"), "{err}");
    assert!(err.contains("--as-of 2026-10-31 --full"), "{err}");

    let mut req = env.request("2026-10");
    req.allow_incomplete = true;
    let outcome = env.export(&req).unwrap();
    assert!(outcome.written > 0);
    assert!(outcome
        .summary_line()
        .contains(&format!("INCOMPLETE: sync run {cut} interrupted")));
    let report_text = std::fs::read_to_string(&outcome.report).unwrap();
    assert!(report_text.contains("# INCOMPLETE: the latest sync run of 2026-10"));

    // A glob for the period's bureau files finds the bureau file and never its report.
    let globbed: Vec<PathBuf> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("metro2-acme-2026-10") && n.ends_with(".txt")
        })
        .collect();
    assert_eq!(globbed, vec![outcome.file.clone()]);
    assert!(outcome.report.exists());
    let out = metro2(&env.db, &["validate", outcome.file.to_str().unwrap()]);
    assert!(out.status.success());

    // Still running (or killed and not yet marked): refused too.
    store
        .db()
        .execute(
            "UPDATE sync_runs SET status = 'running' WHERE id = ?1",
            [cut],
        )
        .unwrap();
    let err = env.export(&env.request("2026-10")).unwrap_err().to_string();
    assert!(err.contains("is still running"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_period_without_records_is_refused_unless_allowed() {
    let as_of = d(2026, 10, 31);
    let env = env(4, as_of).await;
    let err = env.export(&env.request("2026-10")).unwrap_err().to_string();
    assert!(err.contains("no sync has stored a record yet"), "{err}");
    env.sync(as_of, false).await;
    for period in ["2026-05", "2027-01"] {
        let err = env.export(&env.request(period)).unwrap_err();
        assert!(matches!(err, ExportError::Empty { .. }), "{err}");
        let msg = err.to_string();
        assert!(msg.contains(&format!("no record for {period}")), "{msg}");
        assert!(
            msg.contains("the periods with records are 2026-10 (4 records)"),
            "{msg}"
        );
        assert!(msg.contains("--allow-empty"), "{msg}");
        assert!(!env
            .dir
            .path()
            .join(format!("metro2-acme-{period}.txt"))
            .exists());
    }
    let out = metro2(&env.db, &["export", "--period", "2026-05"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("2026-10 (4 records)"));

    let mut req = env.request("2026-05");
    req.allow_empty = true;
    let outcome = env.export(&req).unwrap();
    assert_eq!(outcome.written, 0);
    assert!(outcome.file.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_missing_header_setting_is_reported_at_once() {
    let as_of = d(2026, 10, 31);
    let env = env(3, as_of).await;
    env.sync(as_of, false).await;
    let (store, _) = env.open();
    store
        .db()
        .execute(
            "UPDATE connections SET reporter_name = NULL, reporter_address = '  ',
                 reporter_phone = '555-01'",
            [],
        )
        .unwrap();
    let out = metro2(&env.db, &["export", "--period", "2026-10"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("lacks 3 header settings"));
    // The command wraps long lines; the message itself, unwrapped:
    let stderr = env.export(&env.request("2026-10")).unwrap_err().to_string();
    for want in [
        "lacks 3 header settings",
        "metro2 connection set acme --reporter-name VALUE",
        "metro2 connection set acme --reporter-address VALUE",
        "10-digit",
        "metro2 connection set acme --reporter-phone VALUE",
    ] {
        assert!(stderr.contains(want), "{want}: {stderr}");
    }
    assert!(!env.dir.path().join("metro2-acme-2026-10.txt").exists());
}

/// The data records of a bureau file: (account number, status).
fn statuses_in(file: &Path) -> Vec<(String, String)> {
    base_values(file, "consumer_account_number")
        .into_iter()
        .zip(base_values(file, "account_status"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loan_reported_then_deleted_gets_one_da_record() {
    let env = env(12, d(2026, 11, 30)).await;
    let (store, conn) = env.open();
    // Y is deleted before it was ever reported: skipped in its first period, never a DA.
    let never_reported = env.ids[5];
    assert!(env
        .sim
        .modify(never_reported, &serde_json::json!({"deleted": 1})));
    env.sync(d(2026, 10, 31), false).await;
    let ok_in_october = |id: &i64| {
        store
            .record(conn.id, *id, "2026-10")
            .unwrap()
            .is_some_and(|r| r.status == RecordStatus::Ok)
    };
    // A late loan when there is one, so that the DA's DOFD and amount past due are not zeros.
    let late_in_october = |id: &i64| {
        store
            .record(conn.id, *id, "2026-10")
            .unwrap()
            .and_then(|r| metro2::export::decode::decode(r.segments.as_deref()?).ok())
            .is_some_and(|rec| rec.base.get("account_status").unwrap().trim() != "11")
    };
    let candidates: Vec<i64> = env
        .ids
        .iter()
        .copied()
        .filter(|id| *id != never_reported && ok_in_october(id))
        .collect();
    let x = *candidates
        .iter()
        .find(|id| late_in_october(id))
        .or(candidates.first())
        .expect("a loan reported in October");
    let october = store.record(conn.id, x, "2026-10").unwrap().unwrap();
    let october_base =
        metro2::export::decode::decode(october.segments.as_deref().unwrap()).unwrap();
    let account = metro2::export::decode::account_number(&october_base);
    assert_eq!(
        store
            .record(conn.id, never_reported, "2026-10")
            .unwrap()
            .unwrap()
            .status,
        RecordStatus::Skipped
    );

    assert!(env.sim.modify(x, &serde_json::json!({"deleted": 1})));
    env.sync(d(2026, 11, 30), false).await;
    let november = store.record(conn.id, x, "2026-11").unwrap().unwrap();
    assert_eq!(november.status, RecordStatus::Skipped);
    assert!(november.reason.unwrap().contains("deleted"));

    let mut req = env.request("2026-11");
    req.today = d(2026, 12, 5);
    let outcome = env.export(&req).unwrap();
    let records = statuses_in(&outcome.file);
    let of_x: Vec<_> = records.iter().filter(|(a, _)| *a == account).collect();
    assert_eq!(
        of_x,
        vec![&(account.clone(), "DA".to_string())],
        "{records:?}"
    );
    assert_eq!(records.iter().filter(|(_, s)| s == "DA").count(), 1);
    assert_eq!(outcome.deletes.len(), 1);
    assert_eq!(outcome.deletes[0].loan_id, x);
    assert_eq!(outcome.deletes[0].account_number, account);
    assert_eq!(outcome.deletes[0].last_reported, "2026-10");
    assert!(outcome.held_back.iter().all(|h| h.loan_id != x));

    // The DA carries October's identification, and what the reference sets for a delete.
    let bytes = std::fs::read(&outcome.file).unwrap();
    let read = metro2_engine::reader::read_file(&bytes);
    let da = &read
        .records
        .iter()
        .find(|r| metro2::export::decode::account_number(&r.record) == account)
        .unwrap()
        .record;
    let get = |k: &str| da.base.get(k).unwrap().trim().to_string();
    eprintln!(
        "DA of loan {x}: was {}, DOFD {}, past due {}, balance {}",
        october_base.base.get("account_status").unwrap(),
        get("date_of_first_delinquency"),
        get("amount_past_due"),
        get("current_balance")
    );
    let was = |k: &str| october_base.base.get(k).unwrap().trim().to_string();
    for kept in [
        "surname",
        "first_name",
        "social_security_number",
        "date_of_birth",
        "date_opened",
        "highest_credit",
        "payment_history_profile",
        "identification_number",
    ] {
        assert_eq!(get(kept), was(kept), "{kept}");
    }
    assert_eq!(da.j1, october_base.j1);
    assert_eq!(da.j2, october_base.j2);
    assert_eq!(get("payment_rating"), "");
    assert_eq!(get("date_of_account_information"), "11302026");
    assert_eq!(get("date_closed"), "00000000");
    assert_eq!(
        get("scheduled_monthly_payment_amount").trim_start_matches('0'),
        ""
    );
    assert_eq!(
        get("original_charge_off_amount").trim_start_matches('0'),
        ""
    );
    assert!(
        get("time_stamp").starts_with("11302026"),
        "{}",
        get("time_stamp")
    );
    // DOFD and amount past due are the loan's as of November 30 (derivations.md §5): both set
    // exactly when it is 30 or more days late.
    assert_eq!(
        get("date_of_first_delinquency") == "00000000",
        get("amount_past_due").trim_start_matches('0').is_empty(),
        "{} {}",
        get("date_of_first_delinquency"),
        get("amount_past_due")
    );

    // Valid as a file (the trailer counts the DA), in process and by the command.
    let errors: Vec<_> = metro2_engine::validate::validate_file(&bytes)
        .into_iter()
        .filter(|f| f.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let trailer = read.trailer.unwrap();
    assert_eq!(
        trailer
            .get("total_status_da")
            .unwrap()
            .trim()
            .parse::<u64>(),
        Ok(1)
    );
    let out = metro2(&env.db, &["validate", outcome.file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Named in the summary, the report and on standard error; the one never reported is not.
    let summary = outcome.summary_line();
    assert!(
        summary.contains("1 of them DA (delete account)"),
        "{summary}"
    );
    assert!(summary.contains(&format!("loan {x} ")), "{summary}");
    assert!(summary.contains(&format!("account {account}")), "{summary}");
    assert!(
        !summary.contains(&format!("loan {never_reported} ")),
        "{summary}"
    );
    let report_text = std::fs::read_to_string(&outcome.report).unwrap();
    assert!(
        report_text.contains(&format!("delete: loan {x} ")),
        "{report_text}"
    );
    assert!(!report_text.contains(&format!("loan {never_reported} ")));
    let out = metro2(
        &env.db,
        &[
            "export",
            "--period",
            "2026-11",
            "--out",
            env.dir.path().join("cli.txt").to_str().unwrap(),
        ],
    );
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("delete: loan {x} ")), "{stderr}");

    // Exporting November again sends it again (the file is the month's); December does not.
    assert_eq!(env.export(&req).unwrap().deletes.len(), 1);
    env.sync(d(2026, 12, 31), true).await;
    assert_eq!(
        store.record(conn.id, x, "2026-12").unwrap().unwrap().status,
        RecordStatus::Skipped
    );
    let mut req = env.request("2026-12");
    req.today = d(2027, 1, 5);
    let outcome = env.export(&req).unwrap();
    assert!(outcome.deletes.is_empty(), "{:?}", outcome.deletes);
    assert!(statuses_in(&outcome.file).iter().all(|(_, s)| s != "DA"));
    assert!(!outcome.summary_line().contains("DA (delete account)"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_activity_date_is_the_newest_of_the_records_the_file_carries() {
    let as_of = d(2026, 10, 31);
    let env = env(6, as_of).await;
    env.sync(as_of, false).await;
    // One stored record dated in the future (a clock gone wrong upstream): it fails the
    // export's validation and is held back, so its date is not the file's.
    let db = rusqlite::Connection::open(&env.db).unwrap();
    let (loan, text): (i64, String) = db
        .query_row(
            "SELECT loan_id, segments FROM metro2_records WHERE status = 'ok' LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let mut record = export::decode::decode(&text).unwrap();
    record
        .base
        .set_key(
            "date_of_account_information",
            &metro2_engine::FieldValue::Date(d(2099, 1, 31)),
        )
        .unwrap();
    let changed = metro2::sync::mapping::segments_text(&record);
    db.execute(
        "UPDATE metro2_records SET segments = ?1 WHERE loan_id = ?2",
        rusqlite::params![changed, loan],
    )
    .unwrap();

    let mut req = env.request("2026-10");
    req.today = d(2026, 11, 5);
    let out = env.export(&req).unwrap();
    assert!(
        out.held_back
            .iter()
            .any(|h| h.loan_id == loan && h.status == "export"),
        "{:?}",
        out.held_back
            .iter()
            .map(|h| (h.loan_id, &h.status))
            .collect::<Vec<_>>()
    );
    // Not today (the future date capped), but the newest date of the records written.
    assert_eq!(out.activity_date, as_of);
    let file = std::fs::read_to_string(&out.file).unwrap();
    assert_eq!(&file[47..55], "10312026", "{}", &file[..60]);
    let checked = metro2(&env.db, &["validate", out.file.to_str().unwrap()]);
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stdout)
    );
}
