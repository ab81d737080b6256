//! The simulator keeps the answers it serialised for held loans, and the hits of a search, so
//! that serving them again is cheap: every change (admin touch or modify, a write, a loan
//! inserted) must show in the next answer, as on LoanPro.

mod common;

use metro2::loanpro::generate::{generate_loans, FIRST_ID};
use metro2::loanpro::{SearchFilter, WriteMethod};
use serde_json::{json, Value};

use common::as_of;
use common::sim::{search_ids, sim_env, updated_after_newest, SimEnv};

async fn get_text(http: &reqwest::Client, url: &str) -> String {
    http.get(url)
        .bearer_auth("sim-token")
        .header("Autopal-Instance-Id", "5200000")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn kept_answers_follow_every_change() {
    let SimEnv {
        sim,
        admin,
        http,
        client,
    } = sim_env(5, 3, as_of()).await;

    // The same request again and again (made, made and kept, served): the same bytes.
    let url = format!(
        "{}odata.svc/Loans({FIRST_ID})?$expand=LoanSetup,Customers",
        sim.base_url
    );
    let first = get_text(&http, &url).await;
    for _ in 0..3 {
        assert_eq!(get_text(&http, &url).await, first);
    }
    let doc = client.fetch_loan(FIRST_ID, as_of()).await.unwrap();
    for _ in 0..3 {
        assert_eq!(
            client.fetch_loan(FIRST_ID, as_of()).await.unwrap(),
            doc,
            "a kept answer is the answer"
        );
    }

    // Admin modify: the kept answers of that loan go.
    let r = http
        .post(format!("{admin}/loans/{FIRST_ID}/modify"))
        .body(json!({ "title": "Renamed" }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let after: Value = serde_json::from_str(&get_text(&http, &url).await).unwrap();
    assert_eq!(after["d"]["title"], "Renamed");
    let doc2 = client.fetch_loan(FIRST_ID, as_of()).await.unwrap();
    assert_eq!(doc2["title"], "Renamed");
    assert_ne!(doc2["lastUpdated"], doc["lastUpdated"]);

    // A write (a custom field through LoanSettings): readable back at once.
    let settings_id = doc2["LoanSettings"]["id"].clone();
    client
        .update_loan(
            FIRST_ID,
            WriteMethod::Put,
            &json!({ "LoanSettings": { "__id": settings_id, "__update": true,
                "CustomFieldValues": { "results": [
                    { "customFieldId": 77, "customFieldValue": "written" } ] } } }),
        )
        .await
        .unwrap();
    let settings = client
        .get_path(&format!(
            "odata.svc/Loans({FIRST_ID})?$expand=LoanSettings/CustomFieldValues"
        ))
        .await
        .unwrap();
    let values = settings["LoanSettings"]["CustomFieldValues"]["results"]
        .as_array()
        .unwrap();
    assert!(values
        .iter()
        .any(|v| v["customFieldId"] == 77 && v["customFieldValue"] == "written"));

    // Search: the same search before and after a touch sees the touched loan.
    let all = client
        .search_loans(0, 10, &SearchFilter::default())
        .await
        .unwrap();
    let since = updated_after_newest(&all);
    assert!(search_ids(&client, 0, 10, &since).await.is_empty());
    let r = http
        .post(format!("{admin}/loans/{}/touch", FIRST_ID + 3))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let changed = search_ids(&client, 0, 10, &since).await;
    assert_eq!(changed, vec![FIRST_ID + 3]);

    // Paging a kept search.
    let page2 = client
        .search_loans(2, 2, &SearchFilter::default())
        .await
        .unwrap();
    let ids: Vec<i64> = page2.loans.iter().map(|l| l.id).collect();
    assert_eq!(ids, vec![FIRST_ID + 2, FIRST_ID + 3]);
    assert_eq!(page2.total, 5);

    // A loan inserted (replacing one): its answers and every search follow.
    for _ in 0..3 {
        client.fetch_loan(FIRST_ID + 1, as_of()).await.unwrap();
    }
    let mut replaced = generate_loans(5, 3, as_of()).remove(1);
    replaced["title"] = json!("Replaced");
    sim.insert_loan(replaced);
    let doc = client.fetch_loan(FIRST_ID + 1, as_of()).await.unwrap();
    assert_eq!(doc["title"], "Replaced");
    let mut extra = generate_loans(6, 3, as_of()).remove(5);
    extra["id"] = json!(FIRST_ID + 100);
    sim.insert_loan(extra);
    let all = client
        .search_loans(0, 10, &SearchFilter::default())
        .await
        .unwrap();
    assert_eq!(all.total, 6);
    assert_eq!(all.loans.last().map(|l| l.id), Some(FIRST_ID + 100));
}
