//! `metro2 serve` over real HTTP on loopback: good, wrong, missing and static-token signatures,
//! an oversized body, a non-JSON body, repeated deliveries, an accepted event that pulls exactly
//! that loan from the simulator into an updated record, the scheduler firing on a shortened
//! interval, and the binary stopping cleanly on SIGTERM.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use metro2::server::{self, signature, ServeConfig};
use metro2::store::{Cadence, ConnectionUpdate, NewConnection, SecretSource, Store};
use reqwest::StatusCode;
use serde_json::{json, Value};

use common::sim::SimSetup;
use common::store::{Env, EnvSetup};

const TOKEN: &str = "sv-token-71";
const INSTANCE: &str = "5200002";
const SECRET: &str = "whsec-3b1f0e";
const STATIC_TOKEN: &str = "static-tok-88";

fn as_of() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// A simulator with `n` generated loans and a store with a connection to it (webhook secret
/// and static token kept in files), not yet synced.
async fn env(n: usize, cadence: Cadence) -> Env {
    let sim = SimSetup::generated(n, 5, as_of())
        .token(TOKEN)
        .instance(INSTANCE);
    let mut e = EnvSetup::new(sim).cadence(cadence).start().await;
    let secret = e.secret_file("s/hook.secret", SECRET);
    let static_token = e.secret_file("s/hook.token", STATIC_TOKEN);
    e.set(ConnectionUpdate {
        webhook_secret_source: Some(secret),
        webhook_token_header: Some("X-Hook-Token".into()),
        webhook_token_source: Some(static_token),
        furnisher_id: Some("FURN000123".into()),
        ..ConnectionUpdate::default()
    });
    e
}

fn config(hourly: Duration) -> ServeConfig {
    ServeConfig {
        listen: "127.0.0.1:0".into(),
        hourly,
        daily: Duration::from_secs(24 * 3600),
        ..ServeConfig::default()
    }
}

fn url(server: &server::RunningServer, path: &str) -> String {
    format!("http://{}{path}", server.addr())
}

async fn post(
    server: &server::RunningServer,
    connection: &str,
    body: &[u8],
    headers: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .post(url(server, &format!("/webhooks/loanpro/{connection}")))
        .body(body.to_vec());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A delivery to `acme` signed with its secret.
async fn post_signed(server: &server::RunningServer, body: &str) -> (StatusCode, Value) {
    let signature = signed(body.as_bytes());
    post(
        server,
        "acme",
        body.as_bytes(),
        &[("X-LoanPro-Signature", &signature)],
    )
    .await
}

fn signed(body: &[u8]) -> String {
    signature::sign(SECRET.as_bytes(), body)
}

/// Waits until `f` holds (polling), or fails after `secs`.
async fn until(secs: u64, what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn delivery_status(db: &Path, id: i64) -> String {
    Store::open(db)
        .unwrap()
        .db()
        .query_row(
            "SELECT status FROM webhook_deliveries WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signatures_sizes_bodies_and_repeats() {
    let e = env(2, Cadence::Webhook).await;
    let server = server::start(
        config(Duration::from_secs(3600)),
        &e.db,
        tokio::runtime::Handle::current(),
    )
    .await
    .unwrap();
    let health = reqwest::get(url(&server, "/healthz")).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);

    let display = e.loans[0]["displayId"].as_str().unwrap();
    let body =
        json!({"eventName": "Payment Posted", "context": {"loan-display-id": display}}).to_string();
    let body = body.as_bytes();

    // Missing, wrong, wrong key, tampered body: 401, every time with the same body, so a
    // stranger cannot tell an unknown connection (below) from a bad signature.
    let (s, refused) = post(&server, "acme", body, &[]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let wrong = signature::sign(b"not-the-secret", body);
    let (s, v) = post(&server, "acme", body, &[("X-LoanPro-Signature", &wrong)]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v, refused);
    assert!(!v.to_string().contains(SECRET));
    let (s, _) = post(
        &server,
        "acme",
        b"{\"eventName\":\"x\"}",
        &[("X-LoanPro-Signature", &signed(body))],
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "a signature of another body");
    let (s, v) = post(
        &server,
        "acme",
        body,
        &[("X-LoanPro-Signature", "sha256=zz")],
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v, refused, "a malformed signature");
    // Wrong static token.
    let (s, _) = post(&server, "acme", body, &[("X-Hook-Token", "nope")]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // An unknown connection looks like a bad signature.
    let (s, v) = post(
        &server,
        "other",
        body,
        &[("X-LoanPro-Signature", &signed(body))],
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v, refused, "an unknown connection");

    // Good signature, with the sha256= prefix and a trace id: accepted and queued.
    let prefixed = format!("sha256={}", signed(body));
    let (s, v) = post(
        &server,
        "acme",
        body,
        &[
            ("X-LoanPro-Signature", &prefixed),
            ("X-LoanPro-Trace-Id", "tr-1"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    assert_eq!(v["status"], "queued");
    // The same trace id again (LoanPro's retry), even with another body: acknowledged, no action.
    let body2 =
        json!({"eventName": "Payment Posted", "context": {"loan-display-id": display, "n": 2}})
            .to_string();
    let (s, v) = post(
        &server,
        "acme",
        body2.as_bytes(),
        &[
            ("X-LoanPro-Signature", &signed(body2.as_bytes())),
            ("X-LoanPro-Trace-Id", "tr-1"),
        ],
    )
    .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::ACCEPTED, Some("repeat"))
    );
    // The same body without trace id within the window: a repeat too.
    let (s, v) = post(
        &server,
        "acme",
        body,
        &[("X-LoanPro-Signature", &signed(body))],
    )
    .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::ACCEPTED, Some("repeat"))
    );

    // The static token alternative.
    let body3 =
        json!({"eventName": "Loan Settings Updated", "context": {"loan-id": e.loans[1]["id"]}})
            .to_string();
    let (s, v) = post(
        &server,
        "acme",
        body3.as_bytes(),
        &[("X-Hook-Token", STATIC_TOKEN)],
    )
    .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::ACCEPTED, Some("queued")),
        "{v}"
    );

    // Not JSON (signed): 400.
    let (s, _) = post(
        &server,
        "acme",
        b"eventName=x",
        &[("X-LoanPro-Signature", &signed(b"eventName=x"))],
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Above 1 MiB: 413, whatever the signature.
    let big = vec![b' '; (1 << 20) + 1];
    let (s, _) = post(
        &server,
        "acme",
        &big,
        &[("X-LoanPro-Signature", &signed(&big))],
    )
    .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    // Exactly 1 MiB is read (and then refused as not JSON).
    let mut max = b"{}".to_vec();
    max.resize(1 << 20, b' ');
    let (s, v) = post(
        &server,
        "acme",
        &max,
        &[("X-LoanPro-Signature", &signed(&max))],
    )
    .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::ACCEPTED, Some("ignored"))
    );

    let store = Store::open(&e.db).unwrap();
    let statuses: Vec<String> = {
        let mut stmt = store
            .db()
            .prepare("SELECT status FROM webhook_deliveries ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        statuses.len(),
        5,
        "only authenticated JSON deliveries are recorded: {statuses:?}"
    );
    assert_eq!(&statuses[1..3], ["repeat", "repeat"]);
    assert_eq!(statuses[4], "no_loan");
    drop(store);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_event_pulls_exactly_that_loan() {
    let e = env(4, Cadence::Webhook).await;
    e.sync(as_of(), false).await;
    let store = Store::open(&e.db).unwrap();
    let period = as_of().format("%Y-%m").to_string();
    let before = store.records_for_period(e.conn.id, &period).unwrap();
    assert_eq!(before.len(), 4);

    let target = &e.loans[2];
    let id = target["id"].as_i64().unwrap();
    let display = target["displayId"].as_str().unwrap();
    assert!(e
        .sim
        .modify(id, &json!({"LoanSetup": {"loanAmount": "77777.00"}})));
    e.sim.reset_counters();

    let server = server::start(
        config(Duration::from_secs(3600)),
        &e.db,
        tokio::runtime::Handle::current(),
    )
    .await
    .unwrap();
    let body = json!({"eventName": "Account Modified", "context": {"loan-display-id": display}})
        .to_string();
    let (s, v) = post_signed(&server, &body).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let delivery = v["delivery"].as_i64().unwrap();
    until(20, "the pull", || {
        delivery_status(&e.db, delivery) != "queued"
    })
    .await;
    assert_eq!(delivery_status(&e.db, delivery), "pulled");

    let counts = e.sim.request_counts();
    assert_eq!(
        counts.get("GET odata.svc/Loans(id)"),
        Some(&1),
        "{counts:?}"
    );
    let after = store.records_for_period(e.conn.id, &period).unwrap();
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.loan_id, a.loan_id);
        if a.loan_id == id {
            assert_ne!(
                b.document_hash, a.document_hash,
                "the named loan was pulled again"
            );
            assert!(
                a.fields.as_deref().unwrap_or("").contains("77777"),
                "the record shows the change"
            );
        } else {
            assert_eq!(b, a, "other loans untouched");
        }
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_fires_on_the_configured_interval() {
    let e = env(2, Cadence::Hourly).await;
    {
        let store = Store::open(&e.db).unwrap();
        let other = store
            .create_connection(&NewConnection {
                name: "hooks-only".into(),
                base_url: e.sim.base_url.clone(),
                instance_id: INSTANCE.into(),
                token_source: SecretSource::Env("UNUSED_TOKEN_VAR".into()),
                cadence: Cadence::Webhook,
            })
            .unwrap();
        assert_eq!(other.cadence, Cadence::Webhook);
    }
    let server = server::start(
        config(Duration::from_millis(300)),
        &e.db,
        tokio::runtime::Handle::current(),
    )
    .await
    .unwrap();
    let runs = |name: &str| -> i64 {
        Store::open(&e.db)
            .unwrap()
            .db()
            .query_row(
                "SELECT COUNT(*) FROM sync_runs r JOIN connections c ON c.id = r.connection_id
                 WHERE c.name = ?1 AND r.status = 'ok'",
                [name],
                |r| r.get(0),
            )
            .unwrap()
    };
    until(20, "three scheduled syncs", || runs("acme") >= 3).await;
    assert_eq!(runs("hooks-only"), 0, "webhook connections never poll");
    server.shutdown().await;
    let _ = &e.dir;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_turns_a_signed_webhook_into_an_updated_record_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let e = env(3, Cadence::Webhook).await;
    e.sync(as_of(), false).await;
    let target = &e.loans[1];
    let id = target["id"].as_i64().unwrap();
    assert!(e
        .sim
        .modify(id, &json!({"LoanSetup": {"loanAmount": "55555.00"}})));

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_metro2"))
        .arg("--db")
        .arg(&e.db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");

    let body = json!({"eventName": "Payment Posted", "context": {"loan-id": id}}).to_string();
    let resp = reqwest::Client::new()
        .post(format!("{base}/webhooks/loanpro/acme"))
        .header("X-LoanPro-Signature", signed(body.as_bytes()))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let delivery = resp.json::<Value>().await.unwrap()["delivery"]
        .as_i64()
        .unwrap();
    until(20, "the pull", || {
        delivery_status(&e.db, delivery) == "pulled"
    })
    .await;
    let store = Store::open(&e.db).unwrap();
    let period = as_of().format("%Y-%m").to_string();
    let rec = store.record(e.conn.id, id, &period).unwrap().unwrap();
    assert!(rec.fields.unwrap_or_default().contains("55555"));

    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(exit.success(), "{exit:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_pulls_resume_on_start_and_unknown_loans_fail_alone() {
    let e = env(2, Cadence::Webhook).await;
    e.sync(as_of(), false).await;
    let id = e.loans[0]["id"].as_i64().unwrap();
    // A pull left queued by a server that stopped before running it.
    let queued = {
        let store = Store::open(&e.db).unwrap();
        metro2::server::deliveries::insert(
            &store,
            &metro2::server::deliveries::NewDelivery {
                connection_id: e.conn.id,
                trace_id: Some("left-over"),
                body_sha256: "00",
                event_name: Some("Payment Posted"),
                loan: Some(&metro2::server::event::LoanRef::Id(id)),
                status: metro2::server::deliveries::Status::Queued,
            },
        )
        .unwrap()
    };
    e.sim.reset_counters();
    let server = server::start(
        config(Duration::from_secs(3600)),
        &e.db,
        tokio::runtime::Handle::current(),
    )
    .await
    .unwrap();
    until(20, "the resumed pull", || {
        delivery_status(&e.db, queued) == "pulled"
    })
    .await;
    assert_eq!(
        e.sim.request_counts().get("GET odata.svc/Loans(id)"),
        Some(&1)
    );

    // LoanPro's retry of that delivery (same trace id) is a repeat, even after the restart.
    let body = json!({"context": {"loan-id": id}}).to_string();
    let (s, v) = post(
        &server,
        "acme",
        body.as_bytes(),
        &[
            ("X-LoanPro-Signature", &signed(body.as_bytes())),
            ("X-LoanPro-Trace-Id", "left-over"),
        ],
    )
    .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::ACCEPTED, Some("repeat"))
    );

    let body = json!({"context": {"loan-display-id": "NO-SUCH-LOAN"}}).to_string();
    let (s, v) = post_signed(&server, &body).await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let delivery = v["delivery"].as_i64().unwrap();
    until(20, "the failed pull", || {
        delivery_status(&e.db, delivery) != "queued"
    })
    .await;
    assert_eq!(delivery_status(&e.db, delivery), "failed");
    let error: String = Store::open(&e.db)
        .unwrap()
        .db()
        .query_row(
            "SELECT error FROM webhook_deliveries WHERE id = ?1",
            [delivery],
            |r| r.get(0),
        )
        .unwrap();
    assert!(error.contains("NO-SUCH-LOAN"), "{error}");
    assert!(!error.contains(TOKEN));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_leaves_a_stuck_sync_after_the_grace() {
    use std::io::{BufRead, BufReader};
    let e = env(2, Cadence::Hourly).await;
    // Every LoanPro answer takes 3 s: the first scheduled sync is still in flight at SIGTERM.
    e.sim.set_faults(metro2::loanpro::sim::Faults {
        latency_ms: 3000,
        ..Default::default()
    });
    let cfg = e.dir.path().join("serve.yaml");
    std::fs::write(&cfg, "schedule:\n  hourly: 1h\nshutdown_grace: 300ms\n").unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_metro2"))
        .arg("--db")
        .arg(&e.db)
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&cfg)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("listening on "), "{line}");
    until(10, "the sync to start", || e.sim.total_requests() > 0).await;
    let sent = Instant::now();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            sent.elapsed() < Duration::from_millis(2500),
            "serve waited for the stuck sync"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(exit.success(), "{exit:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_pull_is_tried_again_until_it_succeeds_or_its_attempts_run_out() {
    use metro2::server::config::PullRetry;
    use metro2::server::deliveries;

    let e = env(3, Cadence::Webhook).await;
    e.sync(as_of(), false).await;
    let healed = e.loans[0]["id"].as_i64().unwrap();
    let broken = e.loans[1]["id"].as_i64().unwrap();
    // Both loans answer a truncated body: LoanPro failing for them, for now.
    e.sim.set_faults(metro2::loanpro::sim::Faults {
        malformed_loans: vec![healed, broken],
        ..Default::default()
    });
    let mut cfg = config(Duration::from_secs(3600));
    cfg.pull_retry = PullRetry {
        first: Duration::from_millis(300),
        attempts: 3,
    };
    let server = server::start(cfg, &e.db, tokio::runtime::Handle::current())
        .await
        .unwrap();
    let mut deliveries_of = Vec::new();
    for id in [healed, broken] {
        let body = json!({"eventName": "Payment Posted", "context": {"loan-id": id}}).to_string();
        let (s, v) = post_signed(&server, &body).await;
        assert_eq!(s, StatusCode::ACCEPTED, "{v}");
        deliveries_of.push(v["delivery"].as_i64().unwrap());
    }
    let (healed_delivery, broken_delivery) = (deliveries_of[0], deliveries_of[1]);
    let attempts = |d: i64| deliveries::attempts(&Store::open(&e.db).unwrap(), d).unwrap();
    until(20, "the first failed attempt", || {
        attempts(healed_delivery) >= 1
    })
    .await;
    // Failed once and waiting: still queued, with the reason kept.
    assert_eq!(delivery_status(&e.db, healed_delivery), "queued");
    // LoanPro recovers for one loan only.
    e.sim.set_faults(metro2::loanpro::sim::Faults {
        malformed_loans: vec![broken],
        ..Default::default()
    });
    until(20, "the retried pull", || {
        delivery_status(&e.db, healed_delivery) == "pulled"
    })
    .await;
    assert!(attempts(healed_delivery) >= 2);
    until(20, "the attempts to run out", || {
        delivery_status(&e.db, broken_delivery) == "failed"
    })
    .await;
    assert_eq!(attempts(broken_delivery), 3);
    let error: String = Store::open(&e.db)
        .unwrap()
        .db()
        .query_row(
            "SELECT error FROM webhook_deliveries WHERE id = ?1",
            [broken_delivery],
            |r| r.get(0),
        )
        .unwrap();
    assert!(error.contains(&format!("loan {broken}")), "{error}");
    assert!(!error.contains(TOKEN));
    server.shutdown().await;
}

/// `serve` works on a database `connect` started: given a path where there is none, it stops
/// before listening and creates nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_a_missing_database_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("typo.db");
    let e = server::start(
        config(Duration::from_secs(3600)),
        &db,
        tokio::runtime::Handle::current(),
    )
    .await
    .err()
    .expect("no server on a missing database");
    assert!(
        e.to_string()
            .starts_with(&format!("no database at {}", db.display())),
        "{e}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
