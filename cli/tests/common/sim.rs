//! The LoanPro simulator as the tests start it, and the ways they talk to it.

use chrono::NaiveDate;
use serde_json::Value;

use metro2::loanpro::generate::generate_loans;
use metro2::loanpro::sim::{Faults, SimConfig, SimHandle, Simulator};
use metro2::loanpro::{Client, ClientConfig, LoanPage, SearchFilter};

/// A simulator to start: a [`SimConfig`] with the simulator's defaults but for what a test
/// says (its loans, token, instance id, faults, or any other setting).
pub struct SimSetup(SimConfig);

impl SimSetup {
    /// `n` loans generated from `seed` as of `as_of`.
    pub fn generated(n: usize, seed: u64, as_of: NaiveDate) -> SimSetup {
        SimSetup::serving(generate_loans(n, seed, as_of))
    }

    /// These loan documents (a test that also reads the documents generates them itself).
    pub fn serving(loans: Vec<Value>) -> SimSetup {
        SimSetup(SimConfig {
            loans,
            ..SimConfig::default()
        })
    }

    /// The token clients must send.
    pub fn token(mut self, token: &str) -> SimSetup {
        self.0.token = token.into();
        self
    }

    /// The instance id clients must send.
    pub fn instance(mut self, instance_id: &str) -> SimSetup {
        self.0.instance_id = instance_id.into();
        self
    }

    /// The faults switched on from the start.
    pub fn faults(mut self, faults: Faults) -> SimSetup {
        self.0.faults = faults;
        self
    }

    /// Any other setting.
    pub fn tweak(mut self, tweak: impl FnOnce(&mut SimConfig)) -> SimSetup {
        tweak(&mut self.0);
        self
    }

    /// The settings as they stand.
    pub fn config(&self) -> &SimConfig {
        &self.0
    }

    /// Starts the simulator on the current runtime.
    pub async fn start(self) -> SimHandle {
        Simulator::start(self.0).await.unwrap()
    }

    /// Starts the simulator on `rt`, from code outside any runtime.
    pub fn start_on(self, rt: &tokio::runtime::Runtime) -> SimHandle {
        rt.block_on(self.start())
    }
}

/// A simulator of generated loans with its default token and instance id, and the ways a test
/// talks to it.
pub struct SimEnv {
    /// The running simulator.
    pub sim: SimHandle,
    /// The base URL of its admin endpoints (`/_sim`).
    pub admin: String,
    /// A plain HTTP client, for raw requests and the admin endpoints.
    pub http: reqwest::Client,
    /// The LoanPro client, configured for the simulator.
    pub client: Client,
}

/// Starts a simulator of `n` loans generated from `seed` as of `as_of`.
pub async fn sim_env(n: usize, seed: u64, as_of: NaiveDate) -> SimEnv {
    let sim = SimSetup::generated(n, seed, as_of).start().await;
    let admin = format!("http://{}/_sim", sim.addr);
    let client = Client::new(ClientConfig::new(
        sim.base_url.clone(),
        "5200000",
        "sim-token",
    ))
    .unwrap();
    SimEnv {
        sim,
        admin,
        http: reqwest::Client::new(),
        client,
    }
}

/// The ids of one page of a search, in order.
pub async fn search_ids(
    client: &Client,
    start: usize,
    top: usize,
    filter: &SearchFilter,
) -> Vec<i64> {
    let page = client.search_loans(start, top, filter).await.unwrap();
    page.loans.iter().map(|l| l.id).collect()
}

/// A search for the loans updated after the newest update of `page`: empty until one changes.
pub fn updated_after_newest(page: &LoanPage) -> SearchFilter {
    let newest = page
        .loans
        .iter()
        .filter_map(|l| l.last_updated)
        .max()
        .unwrap();
    SearchFilter {
        updated_since: Some(("lastUpdated".into(), newest + chrono::Duration::seconds(1))),
        ..SearchFilter::default()
    }
}
