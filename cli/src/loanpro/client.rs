//! The LoanPro HTTP client: authentication headers, bounded concurrency under a global pace,
//! retries with backoff, and the calls the sync pipeline makes.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::NaiveDate;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde_json::{json, Value};
use tokio::sync::Semaphore;

use super::config::ClientConfig;
use super::error::LoanProError;
use super::pace::Pace;
use super::retry;
use super::search::{LoanPage, LoanSummary, SearchFilter};

/// The header LoanPro reads the tenant from.
pub const INSTANCE_HEADER: &str = "Autopal-Instance-Id";

/// The search endpoint, under the API root (not under `odata.svc`).
pub const SEARCH_PATH: &str = "Loans/Autopal.Search()";

/// How a write reaches LoanPro: the docs show `PUT`, the product page `PATCH`; a connection
/// picks one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMethod {
    /// `PUT odata.svc/Loans(id)`.
    Put,
    /// `PATCH odata.svc/Loans(id)`.
    Patch,
}

/// A LoanPro API client for one tenant. Cloning is cheap and clones share the concurrency
/// limit, the pace and the connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    cfg: ClientConfig,
    permits: Semaphore,
    pace: Pace,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("instance_id", &self.inner.cfg.instance_id)
            .finish_non_exhaustive()
    }
}

/// The outcome of one attempt that did not succeed.
struct Failure {
    error: LoanProError,
    /// Whether trying again can help.
    retryable: bool,
    /// Whether the server may have acted on the request (matters for writes).
    maybe_applied: bool,
    /// The server's `Retry-After`.
    retry_after: Option<Duration>,
}

impl Client {
    /// A client for the tenant of `cfg`. Fails only on unusable settings (a base URL that does
    /// not parse, a token or instance id that cannot be a header value).
    pub fn new(cfg: ClientConfig) -> Result<Client, LoanProError> {
        let mut base_text = cfg.base_url.trim().to_owned();
        if !base_text.ends_with('/') {
            base_text.push('/');
        }
        let base = Url::parse(&base_text)
            .map_err(|e| LoanProError::Config(format!("base URL {base_text:?}: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(LoanProError::Config(format!(
                "base URL {base_text:?} is not http(s)"
            )));
        }
        let mut headers = HeaderMap::new();
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", cfg.token.expose())).map_err(|_| {
                LoanProError::Config("the token has characters a header cannot carry".into())
            })?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        let instance = HeaderValue::from_str(cfg.instance_id.trim()).map_err(|_| {
            LoanProError::Config(format!(
                "instance id {:?} cannot be a header value",
                cfg.instance_id
            ))
        })?;
        headers.insert(INSTANCE_HEADER, instance);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let concurrency = cfg.concurrency.max(1);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(concurrency)
            .user_agent(concat!("metro2/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LoanProError::Config(format!("HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                permits: Semaphore::new(concurrency),
                pace: Pace::new(cfg.requests_per_second),
                cfg,
            }),
        })
    }

    /// The API root every path is resolved against (always ends with `/`).
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// Checks the token and instance id with one authenticated call (a one-loan search).
    pub async fn verify(&self) -> Result<(), LoanProError> {
        self.search_loans(0, 1, &SearchFilter::default())
            .await
            .map(|_| ())
    }

    /// One page of `POST Loans/Autopal.Search()?$top=&$start=&$orderby=id asc`.
    pub async fn search_loans(
        &self,
        start: usize,
        top: usize,
        filter: &SearchFilter,
    ) -> Result<LoanPage, LoanProError> {
        let url = self.url(
            SEARCH_PATH,
            &[
                ("$top", top.to_string()),
                ("$start", start.to_string()),
                ("$orderby", "id asc".to_owned()),
            ],
        )?;
        let endpoint = self.endpoint(&Method::POST, &url);
        let body = self
            .call(Method::POST, url, Some(&filter.to_body()), true)
            .await?;
        let d = envelope(&endpoint, body)?;
        let results = d
            .get("results")
            .and_then(Value::as_array)
            .ok_or_else(|| malformed(&endpoint, "no d.results list"))?;
        let field = filter.updated_field();
        let loans = results
            .iter()
            .enumerate()
            .map(|(i, r)| {
                LoanSummary::from_result(r, field)
                    .ok_or_else(|| malformed(&endpoint, &format!("result {i} has no numeric id")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let summary = d.get("summary");
        let total = ["totalHits", "total"]
            .iter()
            .find_map(|k| summary.and_then(|s| s.get(*k)).and_then(as_usize))
            .unwrap_or(start + loans.len());
        Ok(LoanPage { loans, total })
    }

    /// The loan document of `derivations.md` §0: the loan with `LoanSetup`, `LoanSettings`
    /// (with `CustomFieldValues`), `Customers` (each with `PrimaryAddress`, `MailAddress`,
    /// `Phones`), every `Payments` row, and `StatusArchive` holding the newest row dated on or
    /// before `as_of` (`{"results":[row]}`, or an empty list when there is none).
    pub async fn fetch_loan(&self, id: i64, as_of: NaiveDate) -> Result<Value, LoanProError> {
        super::document::assemble(self, id, as_of).await
    }

    /// The internal id of the loan whose `displayId` is exactly `display_id`.
    pub async fn find_loan_by_display_id(
        &self,
        display_id: &str,
    ) -> Result<Option<i64>, LoanProError> {
        let url = self.url(
            SEARCH_PATH,
            &[
                ("$top", "25".to_owned()),
                ("$start", "0".to_owned()),
                ("$orderby", "id asc".to_owned()),
            ],
        )?;
        let endpoint = self.endpoint(&Method::POST, &url);
        let query = json!({ "query": { "bool": { "must": [ { "match": { "displayId": display_id } } ] } } });
        let d = envelope(
            &endpoint,
            self.call(Method::POST, url, Some(&query), true).await?,
        )?;
        let results = d
            .get("results")
            .and_then(Value::as_array)
            .ok_or_else(|| malformed(&endpoint, "no d.results list"))?;
        Ok(results
            .iter()
            .filter_map(|r| LoanSummary::from_result(r, ""))
            .find(|s| s.display_id == display_id)
            .map(|s| s.id))
    }

    /// Writes to a loan (`PUT`/`PATCH odata.svc/Loans(id)`): notes, custom fields (see
    /// `api.md`, "Writing to a loan"). Retried only when LoanPro cannot have applied it (`429`,
    /// `503`, no connection); otherwise a failure after sending is
    /// [`LoanProError::WriteUncertain`], as a repeated note would be added twice.
    pub async fn update_loan(
        &self,
        id: i64,
        method: WriteMethod,
        body: &Value,
    ) -> Result<(), LoanProError> {
        let url = self.url(&format!("odata.svc/Loans({id})"), &[])?;
        let method = match method {
            WriteMethod::Put => Method::PUT,
            WriteMethod::Patch => Method::PATCH,
        };
        self.call(method, url, Some(body), false).await.map(|_| ())
    }

    /// `GET` of any path under the API root (`odata.svc/Loans(5)?$expand=Notes`), unwrapped from
    /// its `d` envelope, with the same retries as every call: for reads the other methods do
    /// not cover.
    pub async fn get_path(&self, path_and_query: &str) -> Result<Value, LoanProError> {
        let url = self
            .inner
            .base
            .join(path_and_query)
            .map_err(|e| LoanProError::Config(format!("path {path_and_query:?}: {e}")))?;
        self.get_d(url).await
    }

    /// `path` (relative to the API root) with a query.
    pub(crate) fn url(&self, path: &str, query: &[(&str, String)]) -> Result<Url, LoanProError> {
        let mut url = self
            .inner
            .base
            .join(path)
            .map_err(|e| LoanProError::Config(format!("path {path:?}: {e}")))?;
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// Resolves a link the server gave (`__next`, `__deferred.uri`): absolute links must stay
    /// under the API root, so the token is never sent elsewhere; relative ones are taken under
    /// `odata.svc/`.
    pub(crate) fn link(&self, link: &str, endpoint: &str) -> Result<Url, LoanProError> {
        let base = &self.inner.base;
        let joined = if link.starts_with("http://") || link.starts_with("https://") {
            Url::parse(link)
        } else if link.starts_with('/') || link.starts_with("odata.svc/") {
            base.join(link)
        } else {
            base.join(&format!("odata.svc/{link}"))
        };
        let url = joined.map_err(|e| malformed(endpoint, &format!("link {link:?}: {e}")))?;
        if url.origin() != base.origin() || !url.path().starts_with(base.path()) {
            return Err(malformed(
                endpoint,
                &format!("link {link:?} leaves the API root {}", base.as_str()),
            ));
        }
        Ok(url)
    }

    /// `GET url`, unwrapped from its `d` envelope.
    pub(crate) async fn get_d(&self, url: Url) -> Result<Value, LoanProError> {
        let endpoint = self.endpoint(&Method::GET, &url);
        envelope(&endpoint, self.call(Method::GET, url, None, true).await?)
    }

    /// `METHOD path` under the API root, without the query: how errors name the endpoint.
    pub(crate) fn endpoint(&self, method: &Method, url: &Url) -> String {
        let path = url
            .path()
            .strip_prefix(self.inner.base.path())
            .unwrap_or(url.path());
        format!("{method} {path}")
    }

    /// One call with retries. `idempotent` calls are retried on any transient failure; the
    /// others only when the server cannot have acted on them.
    async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        idempotent: bool,
    ) -> Result<Value, LoanProError> {
        let endpoint = self.endpoint(&method, &url);
        let cfg = &self.inner.cfg;
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let failure = match self.attempt(&method, &url, body, &endpoint).await {
                Ok(value) => return Ok(value),
                Err(f) => f,
            };
            if !failure.retryable {
                return Err(failure.error);
            }
            if !idempotent && failure.maybe_applied {
                return Err(LoanProError::WriteUncertain {
                    endpoint,
                    last: Box::new(failure.error),
                });
            }
            if attempts > cfg.max_retries {
                return Err(LoanProError::RetriesExhausted {
                    endpoint,
                    attempts,
                    last: Box::new(failure.error),
                });
            }
            let mut wait = retry::backoff(attempts, cfg.backoff_base, cfg.backoff_cap);
            if let Some(after) = failure.retry_after {
                // Every request of the client waits it out: the server is out of breath, not
                // just out of patience with this one request.
                self.inner.pace.pause_for(after);
                wait = wait.max(after);
            }
            tracing::debug!(%endpoint, attempts, ?wait, error = %failure.error, "LoanPro call failed; retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt: a concurrency permit, the pace, the request, the answer classified.
    async fn attempt(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&Value>,
        endpoint: &str,
    ) -> Result<Value, Failure> {
        let _permit = self
            .inner
            .permits
            .acquire()
            .await
            .map_err(|_| Failure::fatal(transport(endpoint, "client shut down")))?;
        self.inner.pace.wait().await;
        let mut request = self.inner.http.request(method.clone(), url.clone());
        if let Some(body) = body {
            let bytes = serde_json::to_vec(body)
                .map_err(|e| Failure::fatal(malformed(endpoint, &e.to_string())))?;
            request = request.body(bytes);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                return Err(Failure {
                    error: transport(endpoint, &describe(&e)),
                    retryable: true,
                    maybe_applied: !e.is_connect(),
                    retry_after: None,
                })
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry::parse_retry_after(v, SystemTime::now()));
        let bytes = match response.bytes().await {
            Ok(b) => b,
            Err(e) => {
                return Err(Failure {
                    error: transport(endpoint, &describe(&e)),
                    retryable: true,
                    maybe_applied: true,
                    retry_after: None,
                })
            }
        };
        if status.is_success() {
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(Value::Null);
            }
            return serde_json::from_slice(&bytes).map_err(|e| {
                Failure::fatal(malformed(
                    endpoint,
                    &format!("{e}; {}", describe_body(&bytes)),
                ))
            });
        }
        Err(classify(status, endpoint, &bytes, retry_after))
    }
}

impl Failure {
    fn fatal(error: LoanProError) -> Failure {
        Failure {
            error,
            retryable: false,
            maybe_applied: false,
            retry_after: None,
        }
    }
}

/// Maps a non-success status to a failure.
fn classify(
    status: StatusCode,
    endpoint: &str,
    body: &[u8],
    retry_after: Option<Duration>,
) -> Failure {
    let endpoint = endpoint.to_owned();
    let code = status.as_u16();
    match code {
        401 | 403 => Failure::fatal(LoanProError::Unauthorized {
            status: code,
            endpoint,
        }),
        404 => Failure::fatal(LoanProError::NotFound { endpoint }),
        409 => Failure::fatal(LoanProError::Conflict {
            endpoint,
            message: error_message(body),
        }),
        410 => Failure::fatal(LoanProError::Gone { endpoint }),
        408 | 429 | 500..=599 => Failure {
            error: LoanProError::Http {
                status: code,
                endpoint,
            },
            retryable: true,
            // A 429 or 503 was turned away before any work; a 500 may have done part of it.
            maybe_applied: !matches!(code, 429 | 503),
            retry_after,
        },
        _ => Failure::fatal(LoanProError::Http {
            status: code,
            endpoint,
        }),
    }
}

/// LoanPro's `error.message` (a text, or `{"value": text}`), else the start of the body.
fn error_message(body: &[u8]) -> String {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let message = parsed.as_ref().and_then(|v| {
        let m = v.get("error")?.get("message")?;
        m.as_str()
            .map(str::to_owned)
            .or_else(|| m.get("value").and_then(Value::as_str).map(str::to_owned))
    });
    message.unwrap_or_else(|| snippet(body))
}

/// What a successful answer that is not JSON held, for a message: the start of a body that is
/// plainly not JSON (a proxy's HTML page, a text), which tells the operator what answered; never
/// any of a body that starts as JSON, which may be a customer's record cut short (SSN, date of
/// birth) and would reach the log and the run's stored failures.
fn describe_body(body: &[u8]) -> String {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        Some(b'{' | b'[') => format!(
            "the body ({} bytes) is JSON cut short or damaged",
            body.len()
        ),
        _ => format!("the body starts {:?}", snippet(body)),
    }
}

/// The first 120 characters of a body, for messages.
fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(120).collect()
}

/// A transport error with its causes (reqwest's own text stops at "error sending request").
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out".to_owned()
    } else {
        without_url(e)
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// reqwest's text without the URL (the endpoint is named separately).
fn without_url(e: &reqwest::Error) -> String {
    let text = e.to_string();
    match e.url() {
        Some(url) => text.replace(&format!(" for url ({url})"), ""),
        None => text,
    }
}

/// Unwraps `{"d": …}`.
pub(crate) fn envelope(endpoint: &str, body: Value) -> Result<Value, LoanProError> {
    match body {
        Value::Object(mut map) => map
            .remove("d")
            .ok_or_else(|| malformed(endpoint, "no \"d\" envelope")),
        _ => Err(malformed(endpoint, "the answer is not a JSON object")),
    }
}

pub(crate) fn malformed(endpoint: &str, message: &str) -> LoanProError {
    LoanProError::Malformed {
        endpoint: endpoint.to_owned(),
        message: message.to_owned(),
    }
}

fn transport(endpoint: &str, message: &str) -> LoanProError {
    LoanProError::Transport {
        endpoint: endpoint.to_owned(),
        message: message.to_owned(),
    }
}

/// A count that LoanPro may send as a number or a string.
pub(crate) fn as_usize(v: &Value) -> Option<usize> {
    match v {
        Value::Number(n) => n.as_u64().map(|n| n as usize),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_damaged_json_body_is_never_quoted() {
        let cut = br#"{"d":{"results":[{"id":7,"ssn":"123456789","birthDate":"/Da"#;
        let m = describe_body(cut);
        assert!(!m.contains("123456789"), "{m}");
        assert!(m.contains(&format!("{} bytes", cut.len())), "{m}");
        let html = describe_body(b"<html><body>502 Bad Gateway</body></html>");
        assert!(html.contains("502 Bad Gateway"), "{html}");
    }

    #[test]
    fn links_stay_under_the_api_root() {
        let client = Client::new(ClientConfig::new(
            "https://t.simnang.com/api/public/api/1",
            "5200000",
            "tok",
        ))
        .unwrap();
        let root = "https://t.simnang.com/api/public/api/1/";
        assert_eq!(client.base_url().as_str(), root);
        let ok = |link: &str| client.link(link, "GET x").unwrap().to_string();
        assert_eq!(
            ok("Loans(id=5)/Payments"),
            format!("{root}odata.svc/Loans(id=5)/Payments")
        );
        assert_eq!(
            ok("/api/public/api/1/odata.svc/Loans(5)/Payments?$skip=50"),
            format!("{root}odata.svc/Loans(5)/Payments?$skip=50")
        );
        assert_eq!(
            ok(&format!("{root}odata.svc/Customers(7)")),
            format!("{root}odata.svc/Customers(7)")
        );
        for bad in [
            "https://evil.example/api/public/api/1/odata.svc/Loans(5)",
            "http://t.simnang.com/api/public/api/1/odata.svc/Loans(5)",
            "/other/odata.svc/Loans(5)",
        ] {
            let err = client.link(bad, "GET x").unwrap_err();
            assert!(
                matches!(err, LoanProError::Malformed { .. }),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn statuses_are_classified() {
        let f = classify(
            StatusCode::TOO_MANY_REQUESTS,
            "GET x",
            b"",
            Some(Duration::from_secs(3)),
        );
        assert!(f.retryable && !f.maybe_applied);
        assert_eq!(f.retry_after, Some(Duration::from_secs(3)));
        let f = classify(StatusCode::BAD_GATEWAY, "GET x", b"", None);
        assert!(f.retryable && f.maybe_applied);
        let f = classify(StatusCode::FORBIDDEN, "GET x", b"", None);
        assert!(!f.retryable && f.error.is_fatal());
        let body = br#"{"error":{"message":{"lang":"en-US","value":"Bad __id"},"code":409}}"#;
        let f = classify(StatusCode::CONFLICT, "PUT odata.svc/Loans(5)", body, None);
        assert_eq!(
            f.error.to_string(),
            "LoanPro rejected PUT odata.svc/Loans(5) (409 Conflict): Bad __id"
        );
        let f = classify(StatusCode::BAD_REQUEST, "GET x", b"", None);
        assert!(!f.retryable);
    }
}
