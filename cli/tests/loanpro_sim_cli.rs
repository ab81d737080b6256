//! `metro2 loanpro-sim` as a process: the base URL on the first line, then LoanPro's API.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use metro2::loanpro::{Client, ClientConfig, SearchFilter};

/// Kills the simulator even when an assertion fails.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn prints_its_base_url_first_and_serves_generated_loans() {
    serves_generated_loans(&[]).await;
}

#[tokio::test]
async fn serves_the_same_loans_when_holding_them() {
    serves_generated_loans(&["--hold"]).await;
}

async fn serves_generated_loans(extra: &[&str]) {
    let child = Command::new(env!("CARGO_BIN_EXE_metro2"))
        .args([
            "loanpro-sim",
            "--loans",
            "7",
            "--seed",
            "3",
            "--as-of",
            "2026-10-31",
        ])
        .args(["--token", "t-123", "--instance-id", "77"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Child(child);
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line.trim();
    assert!(base.starts_with("http://127.0.0.1:"), "{base:?}");
    assert!(base.ends_with("/api/public/api/1/"), "{base:?}");

    let client = Client::new(ClientConfig::new(base, "77", "t-123")).unwrap();
    let page = client
        .search_loans(0, 50, &SearchFilter::default())
        .await
        .unwrap();
    assert_eq!(page.total, 7);
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    let doc = client.fetch_loan(page.loans[0].id, as_of).await.unwrap();
    let want = &metro2::loanpro::generate::generate_loans(1, 3, as_of)[0];
    assert_eq!(doc["Payments"], want["Payments"]);

    let wrong = Client::new(ClientConfig::new(base, "78", "t-123")).unwrap();
    assert!(wrong.verify().await.unwrap_err().is_fatal());
}
