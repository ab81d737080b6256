//! How a [`crate::loanpro::Client`] reaches one tenant and how hard it may push.

use std::time::Duration;

use super::secret::Secret;

/// LoanPro's public API root (production and sandbox alike; private deployments differ).
pub const DEFAULT_BASE_URL: &str = "https://loanpro.simnang.com/api/public/api/1/";

/// Settings of a client. Build with [`ClientConfig::new`] and adjust the fields.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The API root, e.g. `https://loanpro.simnang.com/api/public/api/1/` (a missing trailing
    /// slash is added).
    pub base_url: String,
    /// The tenant id sent as `Autopal-Instance-Id`.
    pub instance_id: String,
    /// The bearer token.
    pub token: Secret,
    /// Requests in flight at most (default 4).
    pub concurrency: usize,
    /// Global pace across all requests; `None` = unpaced.
    pub requests_per_second: Option<f64>,
    /// Retries after the first attempt of one request (default 6).
    pub max_retries: u32,
    /// First backoff step (default 250 ms); doubles per attempt, fully jittered.
    pub backoff_base: Duration,
    /// Largest backoff step (default 30 s). A longer `Retry-After` is still honoured.
    pub backoff_cap: Duration,
    /// Time limit of one attempt, body included (default 30 s).
    pub timeout: Duration,
}

impl ClientConfig {
    /// Defaults for everything but where to go and who to be.
    pub fn new(
        base_url: impl Into<String>,
        instance_id: impl Into<String>,
        token: impl Into<Secret>,
    ) -> ClientConfig {
        ClientConfig {
            base_url: base_url.into(),
            instance_id: instance_id.into(),
            token: token.into(),
            concurrency: 4,
            requests_per_second: None,
            max_retries: 6,
            backoff_base: Duration::from_millis(250),
            backoff_cap: Duration::from_secs(30),
            timeout: Duration::from_secs(30),
        }
    }
}
