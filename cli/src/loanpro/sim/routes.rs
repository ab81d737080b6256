//! The simulator's one handler: authentication, faults, then the endpoint.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Map, Value};

use super::odata::{is_nav, Query, Render};
use super::state::{json_i64, lock_faults, scalars, RecordedWrite, Shared};
use super::{search, API_ROOT};
use crate::loanpro::client::INSTANCE_HEADER;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(dispatch).with_state(shared)
}

/// An answer and the endpoint it is counted under.
struct Answer {
    endpoint: String,
    response: Response,
    status: u16,
}

async fn dispatch(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    if let Some(admin) = path.strip_prefix("/_sim/") {
        return admin_route(&shared, &method, admin, &body);
    }
    let Some(rest) = path.strip_prefix(API_ROOT) else {
        return error(StatusCode::NOT_FOUND, "Endpoint not found");
    };
    let rest = rest.to_owned();
    let endpoint = endpoint_name(&method, &rest);
    let answer = serve(
        &shared,
        method,
        &rest,
        uri.query(),
        &headers,
        &body,
        endpoint,
    )
    .await;
    shared.record(answer.endpoint, answer.status);
    answer.response
}

async fn serve(
    shared: &Shared,
    method: Method,
    rest: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &Bytes,
    endpoint: String,
) -> Answer {
    let faults = shared.faults();
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    let done = |response: Response| {
        let status = response.status().as_u16();
        Answer {
            endpoint: endpoint.clone(),
            response,
            status,
        }
    };
    if !authorised(shared, headers) {
        return done(error(
            StatusCode::UNAUTHORIZED,
            "Authorization failed: bad token or instance id",
        ));
    }
    match fault(shared) {
        Some(Fault::RateLimited(after)) => {
            let value = if faults.retry_after_http_date {
                httpdate::fmt_http_date(SystemTime::now() + after)
            } else {
                after.as_secs().max(1).to_string()
            };
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
            if let Ok(v) = value.parse() {
                r.headers_mut().insert("retry-after", v);
            }
            return done(r);
        }
        Some(Fault::ServerError) => {
            return done(error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error (simulated)",
            ))
        }
        Some(Fault::Drop) => {
            let stream = futures_util::stream::iter([Err::<Bytes, std::io::Error>(
                std::io::Error::new(std::io::ErrorKind::ConnectionReset, "dropped (simulated)"),
            )]);
            let response = Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "application/json")
                .body(Body::from_stream(stream))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
            return Answer {
                endpoint,
                response,
                status: 0,
            };
        }
        None => {}
    }
    done(route(shared, &method, rest, query, body))
}

fn authorised(shared: &Shared, headers: &HeaderMap) -> bool {
    // Header names are case-insensitive in HTTP; `HeaderMap` already folds them.
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let instance = headers
        .get(INSTANCE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    token.is_some_and(|t| shared.accepts_token(t))
        && instance == Some(shared.cfg.instance_id.as_str())
}

enum Fault {
    RateLimited(Duration),
    ServerError,
    Drop,
}

/// Decides the fault for this request, if any.
fn fault(shared: &Shared) -> Option<Fault> {
    let mut state = lock_faults(shared);
    state.served += 1;
    let n = state.served;
    let f = &mut state.faults;
    if f.rate_limited_next > 0 {
        f.rate_limited_next -= 1;
        return Some(Fault::RateLimited(Duration::from_secs(
            f.retry_after_secs.max(1),
        )));
    }
    if f.fail_next > 0 {
        f.fail_next -= 1;
        return Some(Fault::ServerError);
    }
    if f.drop_next > 0 {
        f.drop_next -= 1;
        return Some(Fault::Drop);
    }
    let roll = |salt: u64| (splitmix(n ^ salt) % 1_000_000) as f64 / 1_000_000.0;
    if f.fail_rate > 0.0 && roll(0xFA11) < f.fail_rate {
        return Some(Fault::ServerError);
    }
    if f.drop_rate > 0.0 && roll(0xD80F) < f.drop_rate {
        return Some(Fault::Drop);
    }
    if let Some(rate) = f.rate_limit.filter(|r| *r > 0.0) {
        let now = Instant::now();
        let capacity = rate.max(1.0);
        let refill = now.duration_since(state.bucket_at).as_secs_f64() * rate;
        state.bucket = (state.bucket + refill).min(capacity);
        state.bucket_at = now;
        if state.bucket >= 1.0 {
            state.bucket -= 1.0;
        } else {
            let wait = (1.0 - state.bucket) / rate;
            return Some(Fault::RateLimited(Duration::from_secs_f64(
                wait.ceil().max(1.0),
            )));
        }
    }
    None
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The endpoint with ids generalised, for counts.
fn endpoint_name(method: &Method, rest: &str) -> String {
    let mut out = String::with_capacity(rest.len());
    let mut in_key = false;
    for c in rest.chars() {
        match c {
            '(' if !in_key => {
                in_key = true;
                out.push('(');
            }
            ')' if in_key => {
                in_key = false;
                out.push_str("id)");
            }
            _ if in_key => {}
            _ => out.push(c),
        }
    }
    // Keep the search's own empty parentheses.
    let out = out.replace("Autopal.Search(id)", "Autopal.Search()");
    format!("{method} {out}")
}

/// An entity-set segment: `Loans`, `Loans()`, `Loans(5)`, `Loans(id=5)`.
fn entity_key(segment: &str) -> (&str, Option<Option<i64>>) {
    match segment.split_once('(') {
        Some((name, rest)) => {
            let inner = rest.trim_end_matches(')');
            let inner = inner.strip_prefix("id=").unwrap_or(inner);
            if inner.is_empty() {
                (name, None)
            } else {
                (name, Some(inner.trim().parse().ok()))
            }
        }
        None => (segment, None),
    }
}

fn route(
    shared: &Shared,
    method: &Method,
    rest: &str,
    raw_query: Option<&str>,
    body: &Bytes,
) -> Response {
    let rest = rest.trim_end_matches('/');
    let query = || Query::parse(raw_query);
    if rest == "Loans/Autopal.Search()" || rest == "odata.svc/Loans/Autopal.Search()" {
        return if method == Method::POST {
            search_loans(shared, &query(), body)
        } else {
            error(StatusCode::METHOD_NOT_ALLOWED, "Search takes POST")
        };
    }
    let Some(odata) = rest.strip_prefix("odata.svc/") else {
        return error(StatusCode::NOT_FOUND, "Endpoint not found");
    };
    let mut segments = odata.split('/');
    let (set, key) = entity_key(segments.next().unwrap_or(""));
    let nav: Vec<&str> = segments.collect();
    let render = Render {
        base_url: &shared.base_url,
        nested_expand: shared.cfg.nested_expand,
        page_limit: shared.cfg.expand_page_limit,
    };
    match (set, key) {
        ("Loans", None) if method == Method::GET && nav.is_empty() => error_code(
            StatusCode::GONE,
            "Access to retrieve all entities has been deprecated.",
        ),
        ("Loans", Some(Some(id))) => match *method {
            Method::GET => {
                if lock_faults(shared).faults.failing_loans.contains(&id) {
                    return error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Internal error (simulated)",
                    );
                }
                if lock_faults(shared).faults.malformed_loans.contains(&id) && nav.is_empty() {
                    let text = format!("{{\"d\":{{\"id\":{id},\"LoanSetup\":{{\"loanAmount\":\"12");
                    return ([("content-type", "application/json")], text).into_response();
                }
                // What the answer depends on besides the document: the path and the query.
                let key = format!("{rest}?{}", raw_query.unwrap_or(""));
                let answer = shared.loan_answer(id, &key, |loan| {
                    get_entity(&render, loan, &format!("Loans(id={id})"), &nav, &query())
                });
                match answer {
                    Some(Ok(body)) => json_body(body),
                    Some(Err((status, message))) => error_code(status, &message),
                    None => not_found_id("Loans", id),
                }
            }
            Method::PUT | Method::PATCH if nav.is_empty() => write_loan(shared, method, id, body),
            _ => error(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed"),
        },
        ("Customers", Some(Some(id))) if method == Method::GET => {
            let loan_id = shared.read().customers.get(&id).copied();
            let doc = loan_id.and_then(|l| shared.doc(l));
            let customer = doc.as_deref().and_then(|d| {
                d.pointer("/Customers/results")
                    .and_then(Value::as_array)
                    .and_then(|cs| {
                        cs.iter()
                            .find(|c| c.get("id").and_then(json_i64) == Some(id))
                    })
            });
            match customer {
                Some(c) => {
                    match get_entity(&render, c, &format!("Customers(id={id})"), &nav, &query()) {
                        Ok(body) => json_body(body.into()),
                        Err((status, message)) => error_code(status, &message),
                    }
                }
                None => not_found_id("Customers", id),
            }
        }
        _ => error(StatusCode::NOT_FOUND, "Endpoint not found"),
    }
}

/// An error answer: its status and message (see [`error_code`]).
type Refusal = (StatusCode, String);

/// `GET Entity(id)[/Nav…]`: the body of the `200` answer, or the error answer.
fn get_entity(
    render: &Render,
    entity: &Value,
    path: &str,
    nav: &[&str],
    query: &Query,
) -> Result<Vec<u8>, Refusal> {
    let mut value = entity;
    let mut here = path.to_owned();
    for name in nav {
        match value.get(*name).filter(|v| is_nav(name, v)) {
            Some(v) => {
                value = v;
                here = format!("{here}/{name}");
            }
            None => {
                return match value.get(*name) {
                    None if nav.len() == 1 => {
                        Ok(envelope(&json!({ "results": [] }).pipe_list(query)))
                    }
                    _ => Err((StatusCode::CONFLICT, format!("Unknown property {name}"))),
                }
            }
        }
    }
    if nav.is_empty() {
        return view_body(&render.view(value, here, &query.expand(), 0));
    }
    let name = nav[nav.len() - 1];
    match value.get("results").and_then(Value::as_array) {
        Some(items) => match render.list(name, items, &here, query) {
            Ok(page) => Ok(envelope(&page)),
            Err(message) => Err((StatusCode::BAD_REQUEST, message)),
        },
        None => Ok(envelope(&render.entity(value, &here, &query.expand(), 1))),
    }
}

trait PipeList {
    fn pipe_list(self, query: &Query) -> Value;
}

impl PipeList for Value {
    /// An empty list page for a nested list the document does not have.
    fn pipe_list(self, query: &Query) -> Value {
        let start = query.usize("$skip").unwrap_or(0);
        json!({ "results": [], "summary": { "start": start, "pageSize": query.usize("$top").unwrap_or(50), "total": 0 } })
    }
}

fn search_loans(shared: &Shared, query: &Query, body: &Bytes) -> Response {
    let parsed: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => return error_code(StatusCode::BAD_REQUEST, &format!("bad search body: {e}")),
        }
    };
    let clause = parsed
        .get("query")
        .cloned()
        .unwrap_or(json!({ "match_all": {} }));
    let order = query
        .get("$orderby")
        .filter(|o| !is_id_ascending(o))
        .unwrap_or("");
    let data = shared.read();
    // Clauses name the loan's own fields, kept apart for search. The hits are kept for the
    // next page of the same search (until a loan changes); only the page's summaries are
    // serialised.
    let hits = shared.search_hits(&data, (body.clone(), order.to_owned()), |data| {
        let mut hits: Vec<(i64, &Value)> = Vec::new();
        for (id, entry) in &data.loans {
            if search::matches(&clause, &entry.summary)? {
                hits.push((*id, &entry.summary));
            }
        }
        // The dataset is kept in id order already.
        if !order.is_empty() {
            super::odata::sort_by_key(&mut hits, |h| h.1, order);
        }
        Ok::<_, String>(hits.into_iter().map(|h| h.0).collect())
    });
    let hits = match hits {
        Ok(hits) => hits,
        Err(message) => return error_code(StatusCode::BAD_REQUEST, &message),
    };
    let total = hits.len();
    let start = query
        .usize("$start")
        .or_else(|| query.usize("$skip"))
        .unwrap_or(0);
    let top = query.usize("$top").unwrap_or(10);
    let results: Vec<&Value> = hits
        .iter()
        .skip(start)
        .take(top)
        .filter_map(|id| data.loans.get(id).map(|e| &e.summary))
        .collect();
    #[derive(serde::Serialize)]
    struct Summary {
        start: usize,
        #[serde(rename = "pageSize")]
        page_size: usize,
        #[serde(rename = "totalHits")]
        total_hits: usize,
        #[serde(rename = "totalTime")]
        total_time: u32,
        aggregations: Map<String, Value>,
    }
    #[derive(serde::Serialize)]
    struct Page<'v> {
        results: Vec<&'v Value>,
        summary: Summary,
    }
    let page = Page {
        results,
        summary: Summary {
            start,
            page_size: top,
            total_hits: total,
            total_time: 1,
            aggregations: Map::new(),
        },
    };
    json_body(envelope(&page).into())
}

fn is_id_ascending(order: &str) -> bool {
    let words: Vec<&str> = order.split_whitespace().collect();
    matches!(words.as_slice(), ["id"] | ["id", "asc"])
}

/// `PUT`/`PATCH odata.svc/Loans(id)`: applies notes, custom fields and plain fields.
fn write_loan(shared: &Shared, method: &Method, id: i64, body: &Bytes) -> Response {
    let parsed: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return error_code(StatusCode::CONFLICT, &format!("bad payload: {e}")),
    };
    let outcome = shared.change(id, |data, doc| {
        let mut note_id = data.next_note_id;
        let outcome = apply_write(doc, id, &parsed, &mut note_id);
        if outcome.is_ok() {
            data.next_note_id = note_id;
            data.touch(doc);
        }
        data.writes.push(RecordedWrite {
            loan_id: id,
            method: method.to_string(),
            body: parsed.clone(),
            status: if outcome.is_ok() { 200 } else { 409 },
        });
        outcome.map(|()| scalars(doc))
    });
    match outcome {
        None => not_found_id("Loans", id),
        Some(Ok(loan)) => ok(loan),
        Some(Err(message)) => error_code(StatusCode::CONFLICT, &message),
    }
}

fn apply_write(doc: &mut Value, id: i64, body: &Value, note_id: &mut i64) -> Result<(), String> {
    let Value::Object(body) = body else {
        return Err("the payload must be a JSON object".into());
    };
    if let Some(given) = body.get("__id") {
        if json_i64(given) != Some(id) {
            return Err(format!("__id {given} does not match Loans({id})"));
        }
    }
    let loan = doc.as_object_mut().ok_or("the loan is not an object")?;
    // Validate everything before changing anything.
    if let Some(settings) = body.get("LoanSettings") {
        let have = loan
            .get("LoanSettings")
            .and_then(|s| s.get("id"))
            .and_then(json_i64);
        let given = settings.get("__id").and_then(json_i64);
        if given.is_none() || given != have || settings.get("__update") != Some(&json!(true)) {
            return Err("LoanSettings needs the settings' __id and \"__update\": true".into());
        }
        for cf in custom_fields(settings) {
            if cf.get("customFieldId").and_then(json_i64).is_none() {
                return Err("a custom field value needs customFieldId".into());
            }
            let text = cf
                .get("customFieldValue")
                .and_then(Value::as_str)
                .unwrap_or("");
            if text.chars().count() > 255 {
                return Err("a text custom field holds at most 255 characters".into());
            }
        }
    }
    let notes: Vec<Value> = body
        .get("Notes")
        .and_then(|n| n.get("results"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for note in &notes {
        if note.get("subject").is_none() || note.get("body").is_none() {
            return Err("a note needs a subject and a body".into());
        }
    }
    for (k, v) in body {
        if !k.starts_with("__") && !is_nav(k, v) {
            loan.insert(k.clone(), v.clone());
        }
    }
    if !notes.is_empty() {
        let list = loan
            .entry("Notes")
            .or_insert_with(|| json!({ "results": [] }));
        if let Some(Value::Array(rows)) = list.get_mut("results") {
            for mut note in notes {
                if let Value::Object(n) = &mut note {
                    n.insert("id".into(), json!(*note_id));
                    n.insert("parentId".into(), json!(id));
                }
                *note_id += 1;
                rows.push(note);
            }
        }
    }
    if let Some(Value::Object(update)) = body.get("LoanSettings") {
        let settings = loan.entry("LoanSettings").or_insert_with(|| json!({}));
        if let Value::Object(s) = settings {
            for (k, v) in update {
                if !k.starts_with("__") && !is_nav(k, v) {
                    s.insert(k.clone(), v.clone());
                }
            }
            let list = s
                .entry("CustomFieldValues")
                .or_insert_with(|| json!({ "results": [] }));
            if let Some(Value::Array(rows)) = list.get_mut("results") {
                for cf in custom_fields(&Value::Object(update.clone())) {
                    let cid = cf.get("customFieldId").and_then(json_i64);
                    let value = cf.get("customFieldValue").cloned().unwrap_or(Value::Null);
                    match rows
                        .iter_mut()
                        .find(|r| r.get("customFieldId").and_then(json_i64) == cid)
                    {
                        Some(row) => row["customFieldValue"] = value,
                        None => {
                            rows.push(json!({ "customFieldId": cid, "customFieldValue": value }))
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

fn custom_fields(settings: &Value) -> Vec<Value> {
    settings
        .get("CustomFieldValues")
        .and_then(|c| c.get("results"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Admin endpoints (`/_sim/…`), for tests and the demo; not authenticated.
fn admin_route(shared: &Shared, method: &Method, path: &str, body: &Bytes) -> Response {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match (method.as_str(), parts.as_slice()) {
        ("POST", ["loans", id, "touch"]) => match id.parse() {
            Ok(id) if shared.touch(id) => ok(json!({ "touched": id })),
            _ => error(StatusCode::NOT_FOUND, "no such loan"),
        },
        ("POST", ["loans", id, "modify"]) => {
            let patch: Value = match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(e) => return error(StatusCode::BAD_REQUEST, &format!("bad patch: {e}")),
            };
            match id.parse() {
                Ok(id) if shared.modify(id, &patch) => ok(json!({ "modified": id })),
                _ => error(StatusCode::NOT_FOUND, "no such loan"),
            }
        }
        ("GET", ["loans", id]) => match id.parse().ok().and_then(|id| shared.loan(id)) {
            Some(loan) => ok(loan),
            None => error(StatusCode::NOT_FOUND, "no such loan"),
        },
        ("GET", ["writes"]) => ok(json!(shared.writes())),
        ("GET", ["stats"]) => {
            ok(json!({ "counts": shared.counts(), "total": shared.counts().values().sum::<u64>() }))
        }
        ("GET", ["faults"]) => ok(json!(shared.faults())),
        ("POST", ["faults"]) => match serde_json::from_slice(body) {
            Ok(faults) => {
                shared.set_faults(faults);
                ok(json!(shared.faults()))
            }
            Err(e) => error(StatusCode::BAD_REQUEST, &format!("bad faults: {e}")),
        },
        _ => error(StatusCode::NOT_FOUND, "unknown simulator endpoint"),
    }
}

fn ok(d: Value) -> Response {
    json_body(envelope(&d).into())
}

/// `{"d": d}`, serialised.
fn envelope<T: serde::Serialize + ?Sized>(d: &T) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Envelope<'e, T: ?Sized> {
        d: &'e T,
    }
    serde_json::to_vec(&Envelope { d }).unwrap_or_default()
}

/// A `200` answer with a JSON body.
fn json_body(body: Bytes) -> Response {
    ([("content-type", "application/json")], body).into_response()
}

/// `{"d": view}`, serialised straight from the stored document.
fn view_body(view: &super::odata::View<'_, '_>) -> Result<Vec<u8>, Refusal> {
    #[derive(serde::Serialize)]
    struct Envelope<'e, 'v, 'a> {
        d: &'e super::odata::View<'v, 'a>,
    }
    serde_json::to_vec(&Envelope { d: view })
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

fn not_found_id(set: &str, id: i64) -> Response {
    // LoanPro answers 409 where 404 would be (api.md).
    error_code(
        StatusCode::CONFLICT,
        &format!("Resource not found: {set}({id})"),
    )
}

/// LoanPro's error body with its code.
fn error_code(status: StatusCode, message: &str) -> Response {
    let body = json!({ "error": { "message": message, "type": "ODataException", "code": status.as_u16() } });
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn error(status: StatusCode, message: &str) -> Response {
    error_code(status, message)
}
