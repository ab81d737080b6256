//! The simulator's admin endpoints (`/_sim/…`), as the demo and shell scripts use them.

mod common;

use metro2::loanpro::generate::FIRST_ID;
use metro2::loanpro::{Client, ClientConfig, SearchFilter};
use serde_json::{json, Value};

use common::as_of;
use common::sim::{search_ids, sim_env, updated_after_newest, SimEnv};

#[tokio::test]
async fn touch_modify_faults_and_stats_over_http() {
    let SimEnv {
        sim,
        admin,
        http,
        client,
    } = sim_env(4, 9, as_of()).await;

    let before = client
        .search_loans(0, 10, &SearchFilter::default())
        .await
        .unwrap();

    let r = http
        .post(format!("{admin}/loans/{}/touch", FIRST_ID + 2))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http
        .post(format!("{admin}/loans/999/touch"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = http
        .post(format!("{admin}/loans/{FIRST_ID}/modify"))
        .body(json!({ "title": "Renamed", "LoanSettings": { "closedDate": null } }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let loan: Value = http
        .get(format!("{admin}/loans/{FIRST_ID}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(loan["d"]["title"], "Renamed");
    assert!(loan["d"]["LoanSettings"].get("closedDate").is_none());

    let since = updated_after_newest(&before);
    let changed = search_ids(&client, 0, 10, &since).await;
    assert_eq!(changed, vec![FIRST_ID, FIRST_ID + 2]);

    let r = http
        .post(format!("{admin}/faults"))
        .body(json!({ "fail_next": 2, "latency_ms": 1 }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(sim.faults().fail_next, 2);
    // A misspelt switch is refused, and the switches set stay set.
    let r = http
        .post(format!("{admin}/faults"))
        .body(json!({ "fail_nxt": 5 }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("fail_nxt"));
    assert_eq!(sim.faults().fail_next, 2);
    let mut cfg = ClientConfig::new(sim.base_url.clone(), "5200000", "sim-token");
    cfg.backoff_base = std::time::Duration::from_millis(1);
    Client::new(cfg).unwrap().verify().await.unwrap();

    let stats: Value = http
        .get(format!("{admin}/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["d"]["counts"]["POST Loans/Autopal.Search()"], 5);
    assert_eq!(stats["d"]["total"], 5);
    let writes: Value = http
        .get(format!("{admin}/writes"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(writes["d"], json!([]));
}
