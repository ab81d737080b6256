//! One writeback run: every stored response of a connection that is not yet written back goes to
//! its loan as a note (and, when configured, a custom field value), in the order the responses
//! were imported.
//!
//! Once only: each write is recorded in the ledger before it is sent and after it is answered.
//! A write that may have been applied (the server failed after receiving it, the connection
//! broke, or the process died in flight) is never blindly repeated: the next run first reads the
//! loan's notes for the response's marker, `(metro2 response #ID)`, and only sends the note when
//! it is absent. A custom field write sets a value, so repeating it is harmless.

use std::io::Write;

use serde_json::Value;

use super::body::{self, Facts};
use super::ledger::{self, Kind, State};
use crate::loanpro::{Client, LoanProError, OutageStreak, WriteMethod};
use crate::responses::import::{responses, StoredResponse};
use crate::responses::Outcome;
use crate::store::{Connection, Store, StoreError, WritebackMethod};

/// Why writeback did not run or stopped.
#[derive(Debug, thiserror::Error)]
pub enum WritebackError {
    /// The connection has not opted in.
    #[error("{}", refusal(.0))]
    Off(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// LoanPro refused the credentials: every further write would fail the same way.
    #[error(transparent)]
    Fatal(LoanProError),
    /// Printing the dry run failed.
    #[error("cannot print the requests: {0}")]
    Output(#[from] std::io::Error),
    /// LoanPro did not answer for [`OUTAGE_STOP`] writes in a row: the run stopped; what it
    /// did not send stays pending, what failed is retried, by the next run.
    #[error(
        "writeback stopped: {OUTAGE_STOP} writes in a row failed because LoanPro did not answer \
         (the last: {last}); the writes not sent and the ones that failed are sent by the next \
         `metro2 writeback`"
    )]
    Outage {
        /// The last write's error.
        last: LoanProError,
    },
}

/// Writes failed in a row because LoanPro did not answer (a connection failure, 408, 429,
/// 5xx after the client's retries, [`LoanProError::is_outage`]) before a run stops.
pub const OUTAGE_STOP: usize = 5;

/// Why writeback is off and how to turn it on.
pub fn refusal(connection: &str) -> String {
    format!(
        "writeback is off for connection {connection:?}, so nothing was written to LoanPro.\n\
         It is off by default because writing into the servicing system changes the account's \
         own record: under the FCRA (15 U.S.C. §1681s-2) the furnisher answers for the accuracy \
         and integrity of what it reports and for how it handles disputes, and an automated \
         change to the loan in LoanPro (a note, a custom field a workflow reads) is part of that \
         record. The furnisher must choose it deliberately.\n\
         To turn it on: metro2 connection set {connection} --writeback on\n\
         (optionally --writeback-method PATCH, --writeback-custom-field ID). \
         Preview the requests first with: metro2 writeback --connection {connection} --dry-run"
    )
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WritebackReport {
    /// Writes sent and acknowledged.
    pub written: usize,
    /// Writes found already applied (a note with the marker was on the loan) and marked done.
    pub confirmed: usize,
    /// Writes done in an earlier run.
    pub already_done: usize,
    /// Writes that failed (LoanPro did not apply them); the next run retries them.
    pub failed: Vec<String>,
    /// Writes whose outcome is unknown; the next run checks the loan before sending.
    pub uncertain: Vec<String>,
    /// Requests printed by a dry run.
    pub printed: usize,
}

impl WritebackReport {
    /// One line for people.
    pub fn summary_line(&self) -> String {
        format!(
            "writeback: {} written, {} confirmed already on the loan, {} done before, {} failed, {} uncertain",
            self.written,
            self.confirmed,
            self.already_done,
            self.failed.len(),
            self.uncertain.len()
        )
    }

    /// Whether every write stands done.
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty() && self.uncertain.is_empty()
    }
}

/// One request a run would send.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedWrite {
    /// The response.
    pub response_id: i64,
    /// Note or custom field.
    pub kind: Kind,
    /// The loan.
    pub loan_id: i64,
    /// `PUT` or `PATCH`.
    pub method: WritebackMethod,
    /// The body.
    pub body: Value,
}

fn facts(r: &StoredResponse) -> Facts<'_> {
    Facts {
        response_id: r.id,
        bureau: &r.bureau,
        account_number: &r.account_number,
        period: &r.period,
        outcome: Outcome::parse(&r.outcome).unwrap_or(Outcome::Accepted),
        code: r.code.as_deref(),
        message: r.message.as_deref(),
        date: &r.date,
    }
}

/// The writes of a connection.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Writes not done yet, in order, with their ledger state.
    pub writes: Vec<(PlannedWrite, State)>,
    /// Writes done in earlier runs.
    pub done: usize,
    /// Writes that cannot be made (a custom field write whose loan has no stored
    /// `LoanSettings.id`).
    pub problems: Vec<String>,
}

/// The writes of a connection that are not done yet, in the order the responses were imported.
pub fn plan(store: &Store, conn: &Connection) -> Result<Plan, StoreError> {
    let mut planned = Vec::new();
    let mut done = 0;
    let mut problems = Vec::new();
    for r in responses(store, conn.id)? {
        let f = facts(&r);
        let mut writes = vec![(Kind::Note, Some(body::note_body(&f)))];
        if let Some(field) = conn.writeback_custom_field {
            let b = ledger::settings_id(store, conn.id, r.loan_id)?.map(|settings| {
                body::custom_field_body(r.loan_id, settings, field, &body::custom_field_value(&f))
            });
            writes.push((Kind::CustomField, b));
        }
        for (kind, b) in writes {
            let state = ledger::state(store, r.id, kind)?;
            if state == State::Done {
                done += 1;
                continue;
            }
            let Some(body) = b else {
                problems.push(format!(
                    "response #{} ({} {} {}): loan {} has no stored LoanSettings id for the custom field; run `metro2 sync` first",
                    r.id, r.bureau, r.account_number, r.period, r.loan_id
                ));
                continue;
            };
            planned.push((
                PlannedWrite {
                    response_id: r.id,
                    kind,
                    loan_id: r.loan_id,
                    method: conn.writeback_method,
                    body,
                },
                state,
            ));
        }
    }
    Ok(Plan {
        writes: planned,
        done,
        problems,
    })
}

/// Prints a request exactly as it would be sent (the token masked).
pub fn print_request(
    out: &mut dyn Write,
    base_url: &str,
    instance_id: &str,
    w: &PlannedWrite,
) -> std::io::Result<()> {
    let mut base = base_url.trim().to_string();
    if !base.ends_with('/') {
        base.push('/');
    }
    writeln!(
        out,
        "{} {base}odata.svc/Loans({})",
        w.method.as_str(),
        w.loan_id
    )?;
    writeln!(out, "Authorization: Bearer ***")?;
    writeln!(out, "Autopal-Instance-Id: {instance_id}")?;
    writeln!(out, "Content-Type: application/json")?;
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        serde_json::to_string(&w.body).expect("JSON values serialise")
    )?;
    writeln!(out)
}

/// Prints every pending request without sending anything (allowed with writeback off: it
/// changes nothing).
pub fn dry_run(
    store: &Store,
    conn: &Connection,
    out: &mut dyn Write,
) -> Result<WritebackReport, WritebackError> {
    let Plan {
        writes: planned,
        done,
        problems,
    } = plan(store, conn)?;
    if !conn.writeback {
        writeln!(
            out,
            "# writeback is off for connection {}: these requests would be sent once it is on",
            conn.name
        )?;
    }
    for (w, _) in &planned {
        print_request(out, &conn.base_url, &conn.instance_id, w)?;
    }
    Ok(WritebackReport {
        already_done: done,
        printed: planned.len(),
        failed: problems,
        ..WritebackReport::default()
    })
}

/// Whether the loan already carries the note of `response_id` (read back page by page).
async fn note_present(
    client: &Client,
    loan_id: i64,
    response_id: i64,
) -> Result<bool, LoanProError> {
    let marker = format!("(metro2 response #{response_id})");
    let page = 100usize;
    let mut skip = 0usize;
    loop {
        let d = client
            .get_path(&format!(
                "odata.svc/Loans({loan_id})/Notes?$top={page}&$skip={skip}"
            ))
            .await?;
        let results = d
            .get("results")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if results.iter().any(|n| {
            n.get("body")
                .and_then(Value::as_str)
                .is_some_and(|b| b.contains(&marker))
        }) {
            return Ok(true);
        }
        if results.len() < page {
            return Ok(false);
        }
        skip += page;
    }
}

/// Sends every pending write. Refuses when the connection has not opted in.
pub async fn run(
    store: &Store,
    conn: &Connection,
    client: &Client,
    out: &mut dyn Write,
) -> Result<WritebackReport, WritebackError> {
    if !conn.writeback {
        return Err(WritebackError::Off(conn.name.clone()));
    }
    let Plan {
        writes: planned,
        done,
        problems,
    } = plan(store, conn)?;
    let mut report = WritebackReport {
        already_done: done,
        failed: problems,
        ..WritebackReport::default()
    };
    let mut outages = OutageStreak::new(OUTAGE_STOP);
    for (w, state) in planned {
        let what = format!(
            "{} Loans({}) {} for response #{}",
            w.method.as_str(),
            w.loan_id,
            w.kind.as_str(),
            w.response_id
        );
        if state == State::Uncertain && w.kind == Kind::Note {
            match note_present(client, w.loan_id, w.response_id).await {
                Ok(true) => {
                    ledger::finish(store, w.response_id, w.kind, State::Done, None)?;
                    tracing::info!(connection = %conn.name, response = w.response_id, loan = w.loan_id, "writeback note found on the loan; marked done");
                    writeln!(out, "{what}: already on the loan, marked done")?;
                    report.confirmed += 1;
                    continue;
                }
                Ok(false) => {}
                Err(e) if e.is_fatal() => return Err(WritebackError::Fatal(e)),
                Err(e) => {
                    let msg = format!("{what}: may have been written earlier and the loan's notes cannot be read to check ({e}); not sent");
                    writeln!(out, "{msg}")?;
                    report.uncertain.push(msg);
                    if outages.record(e.is_outage()) {
                        return Err(WritebackError::Outage { last: e });
                    }
                    continue;
                }
            }
        }
        ledger::begin(store, w.response_id, w.kind, w.loan_id, w.method.as_str())?;
        let method = match w.method {
            WritebackMethod::Put => WriteMethod::Put,
            WritebackMethod::Patch => WriteMethod::Patch,
        };
        let result = client.update_loan(w.loan_id, method, &w.body).await;
        match result {
            Ok(()) => {
                outages.record(false);
                ledger::finish(store, w.response_id, w.kind, State::Done, None)?;
                tracing::info!(connection = %conn.name, response = w.response_id, loan = w.loan_id, kind = w.kind.as_str(), method = w.method.as_str(), "written back");
                writeln!(out, "{what}: written")?;
                report.written += 1;
            }
            Err(e) => {
                let uncertain = matches!(e, LoanProError::WriteUncertain { .. });
                let state = if uncertain {
                    State::Uncertain
                } else {
                    State::Failed
                };
                ledger::finish(store, w.response_id, w.kind, state, Some(&e.to_string()))?;
                tracing::warn!(connection = %conn.name, response = w.response_id, loan = w.loan_id, kind = w.kind.as_str(), method = w.method.as_str(), error = %e, "writeback failed");
                let msg = format!("{what}: {e}");
                writeln!(out, "{msg}")?;
                if e.is_fatal() {
                    return Err(WritebackError::Fatal(e));
                }
                if uncertain {
                    report.uncertain.push(msg);
                } else {
                    report.failed.push(msg);
                }
                if outages.record(e.is_outage()) {
                    return Err(WritebackError::Outage { last: e });
                }
            }
        }
    }
    Ok(report)
}
