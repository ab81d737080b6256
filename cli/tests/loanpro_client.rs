//! The LoanPro client against the in-process simulator, over real HTTP on loopback.

mod common;

use std::time::Duration;

use chrono::NaiveDate;
use metro2::loanpro::generate::{generate_loans, FIRST_ID};
use metro2::loanpro::sim::{load_dataset, Faults, SimConfig, SimHandle, Simulator};
use metro2::loanpro::{Client, ClientConfig, LoanProError, SearchFilter, WriteMethod};
use serde_json::{json, Value};

use common::as_of;
use common::sim::{search_ids, updated_after_newest, SimSetup};

async fn sim_with(n: usize, tweak: impl FnOnce(&mut SimConfig)) -> SimHandle {
    SimSetup::generated(n, 42, as_of())
        .tweak(tweak)
        .start()
        .await
}

fn config(sim: &SimHandle) -> ClientConfig {
    let mut cfg = ClientConfig::new(sim.base_url.clone(), "5200000", "sim-token");
    cfg.backoff_base = Duration::from_millis(5);
    cfg.backoff_cap = Duration::from_millis(50);
    cfg.timeout = Duration::from_secs(5);
    cfg
}

fn client(sim: &SimHandle) -> Client {
    Client::new(config(sim)).unwrap()
}

/// A document without what only the transport adds: `__metadata` (its URI names the server)
/// and `__deferred` placeholders of nested objects the document does not carry.
fn strip_envelopes(v: &Value) -> Value {
    match v {
        Value::Object(obj) => Value::Object(
            obj.iter()
                .filter(|(k, v)| *k != "__metadata" && v.get("__deferred").is_none())
                .map(|(k, v)| (k.clone(), strip_envelopes(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_envelopes).collect()),
        other => other.clone(),
    }
}

/// The dataset document as the client should assemble it for `as_of`: the newest status row
/// on or before it.
fn expected(doc: &Value, as_of: NaiveDate) -> Value {
    let mut doc = doc.clone();
    let rows = doc["StatusArchive"]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let newest = metro2::loanpro::document::newest_on_or_before(&rows, as_of).cloned();
    doc["StatusArchive"] = json!({ "results": newest.into_iter().collect::<Vec<_>>() });
    strip_envelopes(&doc)
}

#[tokio::test]
async fn verifies_and_pages_through_every_loan() {
    let sim = sim_with(23, |_| {}).await;
    let client = client(&sim);
    client.verify().await.unwrap();
    let mut ids = Vec::new();
    let mut start = 0;
    loop {
        let page = client
            .search_loans(start, 5, &SearchFilter::default())
            .await
            .unwrap();
        assert_eq!(page.total, 23);
        if page.loans.is_empty() {
            break;
        }
        start += page.loans.len();
        for loan in page.loans {
            assert_eq!(loan.display_id, format!("LN-{:06}", loan.id));
            assert!(loan.last_updated.is_some());
            ids.push(loan.id);
        }
    }
    let want: Vec<i64> = (0..23).map(|i| FIRST_ID + i).collect();
    assert_eq!(ids, want);
}

#[tokio::test]
async fn wrong_token_or_instance_is_a_clear_fatal_error_without_the_token() {
    let sim = sim_with(2, |_| {}).await;
    let mut cfg = config(&sim);
    cfg.token = "wrong-secret-token".into();
    let err = Client::new(cfg).unwrap().verify().await.unwrap_err();
    assert!(
        matches!(err, LoanProError::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    assert!(err.is_fatal());
    let text = format!("{err} {err:?}");
    assert!(!text.contains("wrong-secret-token"), "{text}");
    assert!(text.contains("token"), "{text}");
    assert!(text.contains("POST Loans/Autopal.Search()"), "{text}");

    let mut cfg = config(&sim);
    cfg.instance_id = "999".into();
    let err = Client::new(cfg)
        .unwrap()
        .fetch_loan(FIRST_ID, as_of())
        .await
        .unwrap_err();
    assert!(err.is_fatal(), "{err:?}");
    // Fatal errors are not retried.
    assert_eq!(sim.total_requests(), 3, "{:?}", sim.request_counts());
}

#[tokio::test]
async fn gone_and_conflict_name_the_endpoint() {
    let sim = sim_with(1, |_| {}).await;
    let client = client(&sim);
    let err = client.get_path("odata.svc/Loans").await.unwrap_err();
    assert!(matches!(err, LoanProError::Gone { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "LoanPro no longer serves GET odata.svc/Loans (410 Gone)"
    );
    let err = client.fetch_loan(5, as_of()).await.unwrap_err();
    assert!(matches!(err, LoanProError::Conflict { .. }), "{err:?}");
    assert!(err.to_string().contains("odata.svc/Loans(5)"), "{err}");
}

#[tokio::test]
async fn assembled_documents_equal_the_dataset() {
    let sim = sim_with(12, |_| {}).await;
    let client = client(&sim);
    for doc in generate_loans(12, 42, as_of()) {
        let id = doc["id"].as_i64().unwrap();
        let got = client.fetch_loan(id, as_of()).await.unwrap();
        // Same text, not only equal values: the key order is the server's too.
        assert_eq!(
            strip_envelopes(&got).to_string(),
            expected(&doc, as_of()).to_string(),
            "loan {id}"
        );
        // An earlier as-of picks an earlier status row.
        let earlier = NaiveDate::from_ymd_opt(2026, 9, 30).unwrap();
        let got = client.fetch_loan(id, earlier).await.unwrap();
        assert_eq!(strip_envelopes(&got), expected(&doc, earlier), "loan {id}");
    }
    // Two requests per loan, sent together.
    let counts = sim.request_counts();
    assert_eq!(counts["GET odata.svc/Loans(id)"], 24);
    assert_eq!(counts["GET odata.svc/Loans(id)/StatusArchive"], 24);
    assert_eq!(sim.total_requests(), 48);
}

#[tokio::test]
async fn fixture_documents_survive_the_round_trip() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/loanpro");
    let docs = load_dataset(std::path::Path::new(dir)).unwrap();
    assert!(docs.len() >= 10, "{} fixtures", docs.len());
    let sim = SimSetup::serving(docs.clone()).start().await;
    let client = client(&sim);
    let far = NaiveDate::from_ymd_opt(2100, 1, 1).unwrap();
    for doc in &docs {
        let id = doc["id"].as_i64().unwrap();
        let got = client.fetch_loan(id, far).await.unwrap();
        assert_eq!(strip_envelopes(&got), expected(doc, far), "loan {id}");
    }
}

#[tokio::test]
async fn falls_back_when_nested_lists_are_deferred_or_paged() {
    let sim = sim_with(6, |cfg| {
        cfg.nested_expand = false;
        cfg.expand_page_limit = Some(7);
    })
    .await;
    let client = client(&sim);
    for doc in generate_loans(6, 42, as_of()) {
        let id = doc["id"].as_i64().unwrap();
        let got = client.fetch_loan(id, as_of()).await.unwrap();
        assert_eq!(strip_envelopes(&got), expected(&doc, as_of()), "loan {id}");
    }
    let counts = sim.request_counts();
    assert!(counts["GET odata.svc/Customers(id)"] >= 6, "{counts:?}");
    assert!(
        counts["GET odata.svc/Loans(id)/Payments"] >= 6 * 3,
        "{counts:?}"
    );
}

#[tokio::test]
async fn a_sync_needs_few_requests_per_loan() {
    let sim = sim_with(120, |_| {}).await;
    let client = client(&sim);
    let mut fetched = 0;
    let mut start = 0;
    loop {
        let page = client
            .search_loans(start, 50, &SearchFilter::default())
            .await
            .unwrap();
        if page.loans.is_empty() {
            break;
        }
        start += page.loans.len();
        let fetches = page.loans.iter().map(|l| client.fetch_loan(l.id, as_of()));
        for doc in futures_util::future::join_all(fetches).await {
            doc.unwrap();
            fetched += 1;
        }
    }
    assert_eq!(fetched, 120);
    let per_loan = sim.total_requests() as f64 / 120.0;
    assert!(per_loan <= 3.0, "{per_loan} requests per loan");
}

#[tokio::test]
async fn incremental_search_and_a_tenant_without_the_field() {
    let sim = sim_with(10, |_| {}).await;
    let client = client(&sim);
    let all = client
        .search_loans(0, 50, &SearchFilter::default())
        .await
        .unwrap();
    let since = updated_after_newest(&all);
    assert_eq!(client.search_loans(0, 50, &since).await.unwrap().total, 0);
    assert!(sim.touch(FIRST_ID + 3));
    assert!(sim.modify(
        FIRST_ID + 7,
        &json!({ "LoanSettings": { "creditStatus": "loan.creditstatus.97" } })
    ));
    let changed = client.search_loans(0, 50, &since).await.unwrap();
    let ids: Vec<i64> = changed.loans.iter().map(|l| l.id).collect();
    assert_eq!(ids, vec![FIRST_ID + 3, FIRST_ID + 7]);
    let doc = client.fetch_loan(FIRST_ID + 7, as_of()).await.unwrap();
    assert_eq!(doc["LoanSettings"]["creditStatus"], "loan.creditstatus.97");
    let only = SearchFilter {
        loan_ids: Some(vec![FIRST_ID + 1, FIRST_ID + 9, 5]),
        ..SearchFilter::default()
    };
    let ids = search_ids(&client, 0, 50, &only).await;
    assert_eq!(ids, vec![FIRST_ID + 1, FIRST_ID + 9]);
    assert_eq!(
        client.find_loan_by_display_id("LN-100005").await.unwrap(),
        Some(FIRST_ID + 4)
    );
    assert_eq!(
        client.find_loan_by_display_id("LN-999999").await.unwrap(),
        None
    );

    let bare = sim_with(3, |cfg| cfg.updated_field = None).await;
    let page = client_for(&bare)
        .search_loans(0, 50, &SearchFilter::default())
        .await
        .unwrap();
    assert_eq!(page.total, 3);
    assert!(page.loans.iter().all(|l| l.last_updated.is_none()));
}

fn client_for(sim: &SimHandle) -> Client {
    client(sim)
}

#[tokio::test]
async fn a_429_storm_is_survived_and_retry_after_honoured() {
    let sim = sim_with(8, |_| {}).await;
    sim.set_faults(Faults {
        rate_limited_next: 3,
        retry_after_secs: 1,
        ..Faults::default()
    });
    let client = client(&sim);
    let ids: Vec<i64> = (0..8).map(|i| FIRST_ID + i).collect();
    let docs =
        futures_util::future::join_all(ids.iter().map(|id| client.fetch_loan(*id, as_of()))).await;
    assert!(docs.iter().all(Result::is_ok));
    let log = sim.log();
    let first_429 = log.iter().find(|r| r.status == 429).unwrap().at_ms;
    assert_eq!(log.iter().filter(|r| r.status == 429).count(), 3);
    // Requests already in flight when the first 429 came may land; after that, nobody comes
    // back before Retry-After (1 s) has passed.
    let in_flight = 4;
    let early = log
        .iter()
        .filter(|r| r.status == 200 && r.at_ms > first_429 + 50 && r.at_ms < first_429 + 950)
        .count();
    assert_eq!(early, 0, "{log:?}");
    let after = log
        .iter()
        .filter(|r| r.status == 200 && r.at_ms >= first_429 + 950)
        .count();
    assert!(after >= 16 - in_flight - 3, "{log:?}");
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let sim = sim_with(2, |_| {}).await;
    sim.set_faults(Faults {
        rate_limited_next: 1,
        retry_after_secs: 2,
        retry_after_http_date: true,
        ..Faults::default()
    });
    let mut cfg = config(&sim);
    cfg.concurrency = 1;
    let started = std::time::Instant::now();
    Client::new(cfg).unwrap().verify().await.unwrap();
    // The date has whole seconds: two seconds from now, truncated, is more than one away.
    assert!(
        started.elapsed() >= Duration::from_millis(1_000),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn server_errors_and_dropped_connections_are_retried() {
    let sim = sim_with(20, |_| {}).await;
    let client = client(&sim);
    sim.set_faults(Faults {
        fail_next: 3,
        drop_next: 2,
        ..Faults::default()
    });
    client.fetch_loan(FIRST_ID, as_of()).await.unwrap();
    let log = sim.log();
    assert_eq!(log.iter().filter(|r| r.status == 500).count(), 3);
    assert_eq!(log.iter().filter(|r| r.status == 0).count(), 2);

    sim.set_faults(Faults {
        fail_rate: 0.3,
        drop_rate: 0.05,
        ..Faults::default()
    });
    let mut cfg = config(&sim);
    cfg.max_retries = 12;
    let sturdy = Client::new(cfg).unwrap();
    for i in 0..20 {
        sturdy.fetch_loan(FIRST_ID + i, as_of()).await.unwrap();
    }

    sim.set_faults(Faults {
        fail_next: 100,
        ..Faults::default()
    });
    let mut cfg = config(&sim);
    cfg.max_retries = 2;
    let err = Client::new(cfg).unwrap().verify().await.unwrap_err();
    match &err {
        LoanProError::RetriesExhausted {
            endpoint,
            attempts,
            last,
        } => {
            assert_eq!(endpoint, "POST Loans/Autopal.Search()");
            assert_eq!(*attempts, 3);
            assert_eq!(last.status(), Some(500));
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.is_fatal());
}

#[tokio::test]
async fn a_malformed_loan_fails_alone_without_retries() {
    let sim = sim_with(3, |cfg| cfg.faults.malformed_loans = vec![FIRST_ID + 1]).await;
    let client = client(&sim);
    let err = client.fetch_loan(FIRST_ID + 1, as_of()).await.unwrap_err();
    assert!(matches!(err, LoanProError::Malformed { .. }), "{err:?}");
    assert!(
        err.to_string().contains("GET odata.svc/Loans(100002)"),
        "{err}"
    );
    client.fetch_loan(FIRST_ID, as_of()).await.unwrap();
    client.fetch_loan(FIRST_ID + 2, as_of()).await.unwrap();
    assert_eq!(sim.request_counts()["GET odata.svc/Loans(id)"], 3);
}

#[tokio::test]
async fn writes_by_put_and_patch_are_recorded_and_read_back() {
    let sim = sim_with(2, |_| {}).await;
    let client = client(&sim);
    let id = FIRST_ID;
    let settings_id = sim.loan(id).unwrap()["LoanSettings"]["id"]
        .as_i64()
        .unwrap();
    let note = json!({ "Notes": { "results": [ { "subject": "Metro 2", "body": "Reported 11", "categoryId": 27, "type": "STANDARD" } ] } });
    client
        .update_loan(id, WriteMethod::Put, &note)
        .await
        .unwrap();
    let custom = json!({
        "LoanSettings": {
            "CustomFieldValues": { "results": [ { "customFieldId": 16, "customFieldValue": "XB" } ] },
            "__id": settings_id, "__update": true
        },
        "__id": id, "__update": true
    });
    client
        .update_loan(id, WriteMethod::Patch, &custom)
        .await
        .unwrap();
    let writes = sim.writes();
    assert_eq!(writes.len(), 2);
    assert_eq!(
        (writes[0].method.as_str(), writes[1].method.as_str()),
        ("PUT", "PATCH")
    );
    assert_eq!(writes[1].body, custom);
    let loan = client
        .get_path(&format!(
            "odata.svc/Loans({id})?$expand=Notes,LoanSettings,LoanSettings/CustomFieldValues"
        ))
        .await
        .unwrap();
    assert_eq!(loan["Notes"]["results"][0]["body"], "Reported 11");
    assert_eq!(
        loan["LoanSettings"]["CustomFieldValues"]["results"][0]["customFieldValue"],
        "XB"
    );

    let bad = json!({ "LoanSettings": { "CustomFieldValues": { "results": [] } }, "__id": id });
    let err = client
        .update_loan(id, WriteMethod::Put, &bad)
        .await
        .unwrap_err();
    assert!(matches!(err, LoanProError::Conflict { .. }), "{err:?}");
    assert!(
        err.to_string().contains("PUT odata.svc/Loans(100001)"),
        "{err}"
    );

    // A write whose outcome is unknown is not repeated (a note would be added twice).
    sim.set_faults(Faults {
        fail_next: 1,
        ..Faults::default()
    });
    let err = client
        .update_loan(id, WriteMethod::Put, &note)
        .await
        .unwrap_err();
    assert!(
        matches!(err, LoanProError::WriteUncertain { .. }),
        "{err:?}"
    );
    // One turned away by a 429 is.
    sim.set_faults(Faults {
        rate_limited_next: 1,
        retry_after_secs: 1,
        ..Faults::default()
    });
    client
        .update_loan(id, WriteMethod::Put, &note)
        .await
        .unwrap();
    assert_eq!(
        sim.loan(id).unwrap()["Notes"]["results"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn the_pace_limits_the_request_rate() {
    let sim = sim_with(5, |_| {}).await;
    let mut cfg = config(&sim);
    cfg.requests_per_second = Some(20.0);
    let client = Client::new(cfg).unwrap();
    let started = std::time::Instant::now();
    for _ in 0..15 {
        client.verify().await.unwrap();
    }
    // 15 requests at 20 per second from a fresh pacer: at least 14 intervals of 50 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(690),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn timeouts_and_refused_connections_are_retried_then_reported() {
    let sim = sim_with(1, |cfg| cfg.faults.latency_ms = 400).await;
    let mut cfg = config(&sim);
    cfg.timeout = Duration::from_millis(100);
    cfg.max_retries = 1;
    let err = Client::new(cfg).unwrap().verify().await.unwrap_err();
    match &err {
        LoanProError::RetriesExhausted { attempts, last, .. } => {
            assert_eq!(*attempts, 2);
            assert!(matches!(**last, LoanProError::Transport { .. }), "{last:?}");
            assert!(last.to_string().contains("timed out"), "{last}");
        }
        other => panic!("{other:?}"),
    }

    // Nothing listens on the port of a stopped simulator.
    let stopped = sim_with(1, |_| {}).await;
    let base = stopped.base_url.clone();
    stopped.shutdown().await;
    let mut cfg = ClientConfig::new(base, "5200000", "sim-token");
    cfg.max_retries = 1;
    cfg.backoff_base = Duration::from_millis(5);
    let err = Client::new(cfg).unwrap().verify().await.unwrap_err();
    assert!(
        err.to_string().starts_with("POST Loans/Autopal.Search() failed 2 times; last: no answer from LoanPro at POST Loans/Autopal.Search()"),
        "{err}"
    );
}

#[tokio::test]
async fn generated_loans_served_without_holding_them() {
    use metro2::loanpro::sim::Generated;
    let sim = Simulator::start(SimConfig {
        generated: Some(Generated {
            count: 9,
            seed: 42,
            as_of: as_of(),
        }),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let client = client(&sim);
    let page = client
        .search_loans(0, 50, &SearchFilter::default())
        .await
        .unwrap();
    assert_eq!(page.total, 9);
    for doc in generate_loans(9, 42, as_of()) {
        let id = doc["id"].as_i64().unwrap();
        let got = client.fetch_loan(id, as_of()).await.unwrap();
        assert_eq!(
            strip_envelopes(&got).to_string(),
            expected(&doc, as_of()).to_string()
        );
    }
    // A generated loan that changes is kept changed.
    assert!(sim.modify(FIRST_ID + 1, &json!({ "title": "Changed" })));
    let settings_id = sim.loan(FIRST_ID + 2).unwrap()["LoanSettings"]["id"].clone();
    let custom = json!({
        "LoanSettings": {
            "CustomFieldValues": { "results": [ { "customFieldId": 3, "customFieldValue": "A" } ] },
            "__id": settings_id, "__update": true
        }
    });
    client
        .update_loan(FIRST_ID + 2, WriteMethod::Patch, &custom)
        .await
        .unwrap();
    let changed = search_ids(&client, 0, 50, &updated_after_newest(&page)).await;
    assert_eq!(changed, vec![FIRST_ID + 1, FIRST_ID + 2]);
    assert_eq!(
        client.fetch_loan(FIRST_ID + 1, as_of()).await.unwrap()["title"],
        "Changed"
    );
    let doc = client.fetch_loan(FIRST_ID + 2, as_of()).await.unwrap();
    assert_eq!(
        doc["LoanSettings"]["CustomFieldValues"]["results"][0]["customFieldValue"],
        "A"
    );
}
