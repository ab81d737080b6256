//! The HTTP side: `POST /webhooks/loanpro/{connection}` and `GET /healthz`.
//!
//! Order of checks, each with its answer: a body above 1 MiB gets `413` (before it is read in
//! full); a missing or wrong signature or token `401`; a body that is not a JSON object `400`;
//! a repeated delivery `202` without action; anything else `202` with the pull queued. An
//! unknown connection also gets `401`, so the endpoint does not tell strangers which connection
//! names exist.

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

fn unauthorized(e: AuthError) -> Response {
    answer(StatusCode::UNAUTHORIZED, json!({ "error": e.to_string() }))
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
    if let Some(sig) = header(SIGNATURE_HEADER) {
        return match secret {
            Some(Ok(secret)) => signature::verify_signature(secret.as_bytes(), body, sig),
            Some(Err(e)) => {
                tracing::error!(connection = %conn.name, error = %e, "cannot read the webhook secret");
                Err(AuthError::NotConfigured)
            }
            None => Err(AuthError::Mismatch),
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
            tracing::warn!(connection = %name, error = %e, "webhook for an unknown connection");
            return unauthorized(AuthError::Mismatch);
        }
    };
    if let Err(e) = authenticate(&conn, &headers, &body) {
        tracing::warn!(connection = %conn.name, error = %e, "webhook refused");
        return unauthorized(e);
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
