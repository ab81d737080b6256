//! The HTTP side: `POST /webhooks/loanpro/{connection}` and `GET /healthz`.
//!
//! Order of checks, each with its answer: a body above 1 MiB gets `413` (before it is read in
//! full); a missing or wrong signature or token `401`; a body that is not a JSON object `400`;
//! a repeated delivery `202` without action; anything else `202` with the pull queued. An
//! unknown connection also gets `401`, and every `401` has the same body (the reason is in the
//! server's log), so the endpoint does not tell strangers which connection names exist.

use std::sync::atomic::Ordering;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use super::config::MAX_BODY_BYTES;
use super::dedup::{body_digest, Dedup, Seen};
use super::deliveries::{self, NewDelivery, Status};
use super::event::{self, TRACE_HEADER};
use super::signature::{self, AuthError, SIGNATURE_HEADER};
use super::worker::{Job, Shared};
use crate::store::{Connection, Store};

/// What the handlers share.
pub struct AppState {
    /// The HTTP side's store handle (the worker has its own).
    pub store: Mutex<Store>,
    /// Recent deliveries.
    pub dedup: Mutex<Dedup>,
    /// The worker's queue.
    pub jobs: Sender<Job>,
    /// Shared with the worker and the scheduler.
    pub shared: Arc<Shared>,
}

/// The routes.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/webhooks/loanpro/{connection}", post(webhook))
        .route("/healthz", get(healthz))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn healthz(State(st): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(json!({
        "status": "ok",
        "pulls_done": st.shared.pulls_done.load(Ordering::SeqCst),
        "syncs_done": st.shared.syncs_done.load(Ordering::SeqCst),
    }))
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, Json(body)).into_response()
}

/// The one answer to every refused delivery, whatever the reason (logged on the server): a
/// sender learns neither which connection names exist nor which have a secret configured.
fn unauthorized() -> Response {
    answer(
        StatusCode::UNAUTHORIZED,
        json!({ "error": "the delivery's signature or token was not accepted" }),
    )
}

/// Checks the signature (or, when the sender sent none, the static token) of a delivery.
/// Secrets are read from where the connection keeps them, on every delivery, so a rotated
/// secret takes effect without a restart.
pub fn authenticate(conn: &Connection, headers: &HeaderMap, body: &[u8]) -> Result<(), AuthError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let secret = conn.webhook_secret_source.as_ref().map(|s| s.read());
    let token = match (&conn.webhook_token_header, &conn.webhook_token_source) {
        (Some(h), Some(s)) => Some((h.as_str(), s.read())),
        _ => None,
    };
    if secret.is_none() && token.is_none() {
        return Err(AuthError::NotConfigured);
    }
    // A signature is checked when the connection has a secret; a connection configured with a
    // static token only ignores the header and checks its token.
    if let (Some(sig), Some(secret)) = (header(SIGNATURE_HEADER), secret) {
        return match secret {
            Ok(secret) => signature::verify_signature(secret.as_bytes(), body, sig),
            Err(e) => {
                tracing::error!(connection = %conn.name, error = %e, "cannot read the webhook secret");
                Err(AuthError::NotConfigured)
            }
        };
    }
    if let Some((name, expected)) = token {
        if let Some(presented) = header(name) {
            return match expected {
                Ok(expected) => signature::verify_token(expected.as_bytes(), presented.as_bytes()),
                Err(e) => {
                    tracing::error!(connection = %conn.name, error = %e, "cannot read the webhook token");
                    Err(AuthError::NotConfigured)
                }
            };
        }
    }
    Err(AuthError::Missing("X-LoanPro-Signature"))
}

async fn webhook(
    State(st): State<Arc<AppState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let conn = {
        let store = st.store.lock().expect("no panics while holding the lock");
        store.connection(&name)
    };
    let conn = match conn {
        Ok(c) => c,
        Err(e) => {
            // Debug-quoted: the name comes from the URL, and a raw one could forge log lines.
            tracing::warn!(connection = ?name, error = %e, "webhook for an unknown connection");
            return unauthorized();
        }
    };
    if let Err(e) = authenticate(&conn, &headers, &body) {
        tracing::warn!(connection = %conn.name, error = %e, "webhook refused");
        return unauthorized();
    }
    let ev = match event::parse(&body) {
        Ok(ev) => ev,
        Err(e) => {
            tracing::warn!(connection = %conn.name, error = %e, "webhook body refused");
            return answer(StatusCode::BAD_REQUEST, json!({ "error": e.to_string() }));
        }
    };
    let trace = headers
        .get(TRACE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .or(ev.trace_id.clone());
    let digest = body_digest(&body);
    let seen = st
        .dedup
        .lock()
        .expect("no panics while holding the lock")
        .check(&conn.name, trace.as_deref(), &digest, Instant::now());
    let status = match (&seen, &ev.loan) {
        (Seen::New, Some(_)) => Status::Queued,
        (Seen::New, None) => Status::NoLoan,
        _ => Status::Repeat,
    };
    let recorded = {
        let store = st.store.lock().expect("no panics while holding the lock");
        deliveries::insert(
            &store,
            &NewDelivery {
                connection_id: conn.id,
                trace_id: trace.as_deref(),
                body_sha256: &digest,
                event_name: ev.name.as_deref(),
                loan: ev.loan.as_ref(),
                status,
            },
        )
    };
    let delivery_id = match recorded {
        Ok(id) => id,
        Err(e) => {
            tracing::error!(connection = %conn.name, error = %e, "cannot record a webhook delivery");
            if seen == Seen::New {
                st.dedup
                    .lock()
                    .expect("no panics while holding the lock")
                    .forget(&conn.name, trace.as_deref(), &digest);
            }
            return answer(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({ "error": "the delivery could not be recorded; send it again" }),
            );
        }
    };
    match (status, ev.loan) {
        (Status::Queued, Some(loan)) => {
            tracing::info!(connection = %conn.name, delivery = delivery_id, %loan, event = ?ev.name, "webhook accepted; pull queued");
            let text = loan.to_string();
            let _ = st.jobs.send(Job::Pull {
                delivery_id,
                connection_id: conn.id,
                loan,
            });
            answer(
                StatusCode::ACCEPTED,
                json!({ "status": "queued", "delivery": delivery_id, "loan": text }),
            )
        }
        (Status::Repeat, _) => {
            tracing::info!(connection = %conn.name, delivery = delivery_id, ?seen, "repeated webhook delivery acknowledged");
            answer(
                StatusCode::ACCEPTED,
                json!({ "status": "repeat", "delivery": delivery_id }),
            )
        }
        _ => answer(
            StatusCode::ACCEPTED,
            json!({ "status": "ignored", "delivery": delivery_id, "reason": "the event names no loan" }),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Cadence, ConnectionUpdate, NewConnection, SecretSource};

    fn conn(secret: bool, token: bool) -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_memory().unwrap();
        store
            .create_connection(&NewConnection {
                name: "c".into(),
                base_url: "http://127.0.0.1:9/".into(),
                instance_id: "1".into(),
                token_source: SecretSource::Env("UNUSED".into()),
                cadence: Cadence::Webhook,
            })
            .unwrap();
        let file = |name: &str, value: &str| {
            SecretSource::write_file(&dir.path().join(name), value).unwrap()
        };
        let c = store
            .update_connection(
                "c",
                &ConnectionUpdate {
                    webhook_secret_source: secret.then(|| file("s", "sekrit")),
                    webhook_token_header: token.then(|| "X-Token".to_string()),
                    webhook_token_source: token.then(|| file("t", "tok")),
                    ..ConnectionUpdate::default()
                },
            )
            .unwrap();
        (dir, c)
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn signature_or_token() {
        let body = b"{}";
        let good = signature::sign(b"sekrit", body);
        let (_d, both) = conn(true, true);
        assert_eq!(
            authenticate(&both, &headers(&[("x-loanpro-signature", &good)]), body),
            Ok(())
        );
        assert_eq!(
            authenticate(&both, &headers(&[("x-token", "tok")]), body),
            Ok(())
        );
        assert_eq!(
            authenticate(
                &both,
                &headers(&[("x-loanpro-signature", "00"), ("x-token", "tok")]),
                body
            ),
            Err(AuthError::Malformed),
            "a wrong signature is not rescued by a token"
        );
        assert_eq!(
            authenticate(&both, &headers(&[]), body),
            Err(AuthError::Missing("X-LoanPro-Signature"))
        );
        let (_d, token_only) = conn(false, true);
        assert_eq!(
            authenticate(
                &token_only,
                &headers(&[("x-loanpro-signature", &good), ("x-token", "tok")]),
                body
            ),
            Ok(())
        );
        assert_eq!(
            authenticate(&token_only, &headers(&[("x-token", "tok2")]), body),
            Err(AuthError::Mismatch)
        );
        let (_d, none) = conn(false, false);
        assert_eq!(
            authenticate(&none, &headers(&[("x-loanpro-signature", &good)]), body),
            Err(AuthError::NotConfigured)
        );
    }
}
