//! `metro2 records`.

use std::io::Write;
use std::process::ExitCode;

use metro2_engine::identity;
use miette::IntoDiagnostic;
use serde_json::{json, Value};

use super::Context;
use crate::store::{RecordFilter, RecordStatus, Store, StoreError, StoredRecord};

/// Arguments of `metro2 records`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The connection (every one when absent).
    #[arg(long)]
    pub connection: Option<String>,
    /// The reporting period, YYYY-MM.
    #[arg(long)]
    pub period: Option<String>,
    /// Only the records held back from the export: `invalid` (an error rule or the validator
    /// objected) and `error` (the loan could not be mapped).
    #[arg(long)]
    pub invalid: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Show social security numbers and dates of birth in full.
    #[arg(long)]
    pub reveal: bool,
}

/// Output formats of `metro2 records`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns.
    Table,
    /// JSON lines.
    Json,
}

/// Runs the command.
pub fn run(args: Args, ctx: &Context) -> miette::Result<ExitCode> {
    if let Some(p) = &args.period {
        if crate::responses::model::parse_period(p).is_none() {
            miette::bail!("--period {p:?} is not a month YYYY-MM");
        }
    }
    let store = ctx.store()?;
    let connections = store.connections().into_diagnostic()?;
    let connection_id = match &args.connection {
        Some(name) => Some(store.connection(name).into_diagnostic()?.id),
        None => None,
    };
    let name_of = |id: i64| {
        connections
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_string(), |c| c.name.clone())
    };
    let filter = RecordFilter {
        connection_id,
        period: args.period.clone(),
        statuses: if args.invalid {
            vec![RecordStatus::Invalid, RecordStatus::Error]
        } else {
            Vec::new()
        },
        loan_id: None,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut n = 0usize;
    let connection_width = connections
        .iter()
        .map(|c| c.name.chars().count())
        .chain(["CONNECTION".len()])
        .max()
        .unwrap_or(0);
    let result = write_records(
        &store,
        &filter,
        &args,
        &name_of,
        connection_width,
        &mut out,
        &mut n,
    );
    match result.and_then(|()| out.flush().map_err(io)) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // A reader that stopped early (`| head`) is not an error.
        Err(StoreError::Invalid(m)) if m == BROKEN_PIPE => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e).into_diagnostic(),
    }
}

const BROKEN_PIPE: &str = "broken pipe";

fn write_records(
    store: &Store,
    filter: &RecordFilter,
    args: &Args,
    name_of: &dyn Fn(i64) -> String,
    connection_width: usize,
    out: &mut impl Write,
    n: &mut usize,
) -> Result<(), StoreError> {
    match args.format {
        Format::Json => {
            store.for_each_record(filter, |r| {
                *n += 1;
                let line = json_line(&r, &name_of(r.connection_id), args.reveal);
                writeln!(out, "{line}").map_err(io)
            })?;
        }
        Format::Table => {
            // The rows stream, so the widths are known before the first: the connections' names
            // are, and the other columns have fixed widths.
            let width = connection_width;
            writeln!(
                out,
                "{:<width$} {:<8} {:>10} {:<14} {:<8} {:<6} {:>10} {:<11} {:>8}  WHY",
                "CONNECTION",
                "PERIOD",
                "LOAN",
                "ACCOUNT",
                "STATUS",
                "ACCT",
                "BALANCE",
                "SSN",
                "FINDINGS"
            )
            .map_err(io)?;
            store.for_each_record(filter, |r| {
                *n += 1;
                let fields = parse_fields(&r);
                let base = |k: &str| {
                    fields
                        .as_ref()
                        .and_then(|f| f["base"][k].as_str().map(str::to_owned))
                        .unwrap_or_default()
                };
                let ssn = base("social_security_number");
                let ssn = if args.reveal {
                    ssn
                } else {
                    identity::mask_ssn(&ssn)
                };
                let balance = base("current_balance");
                let balance = balance.trim_start_matches('0');
                let listed = serde_json::from_str::<Value>(&r.findings).ok();
                let listed = listed.as_ref().and_then(Value::as_array);
                let findings = listed.map_or(0, Vec::len);
                writeln!(
                    out,
                    "{:<width$} {:<8} {:>10} {:<14} {:<8} {:<6} {:>10} {:<11} {:>8}  {}",
                    name_of(r.connection_id),
                    r.period,
                    r.loan_id,
                    // The account number the bureaus know (and responses name); a record with
                    // no segments (skipped, error) has none: the LOAN column names it.
                    match base("consumer_account_number").trim() {
                        "" => "-".to_string(),
                        number => number.to_string(),
                    },
                    r.status.as_str(),
                    base("account_status"),
                    if balance.is_empty() && fields.is_some() {
                        "0"
                    } else {
                        balance
                    },
                    ssn,
                    findings,
                    why(&r, listed.map_or(&[], Vec::as_slice))
                )
                .map_err(io)
            })?;
            writeln!(out, "{n} records").map_err(io)?;
        }
    }
    Ok(())
}

/// The table's last column: why a record is not plainly `ok` (the reason it was skipped or
/// could not be mapped, or the first error that makes it invalid), whole: the reason is what
/// an analyst reads the row for, and the last column can run long without misaligning the
/// others. The loan the reason starts by naming is the row's own, so that is left out.
fn why(r: &StoredRecord, findings: &[Value]) -> String {
    match (&r.reason, r.status) {
        (Some(reason), _) => {
            let own = format!("document {}, ", r.loan_id);
            reason.strip_prefix(&own).unwrap_or(reason).to_string()
        }
        (None, RecordStatus::Invalid) => findings
            .iter()
            .find(|f| f["severity"] == "error")
            .map(|f| {
                format!(
                    "{} {}",
                    f["rule"].as_str().unwrap_or_default(),
                    f["message"].as_str().unwrap_or_default()
                )
            })
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn io(e: std::io::Error) -> StoreError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return StoreError::Invalid(BROKEN_PIPE.into());
    }
    StoreError::Invalid(format!("cannot write the output: {e}"))
}

fn parse_fields(r: &StoredRecord) -> Option<Value> {
    r.fields
        .as_deref()
        .and_then(|f| serde_json::from_str(f).ok())
}

/// One JSON line: the record with its segments by field key, identities masked unless
/// `reveal`. The fixed-width segment text is included only with `reveal`, since it carries
/// them in full.
pub fn json_line(r: &StoredRecord, connection: &str, reveal: bool) -> Value {
    let mut fields = parse_fields(r);
    if !reveal {
        if let Some(f) = fields.as_mut() {
            mask_identities(f);
        }
    }
    let findings: Value = serde_json::from_str(&r.findings).unwrap_or(Value::Null);
    let mut line = json!({
        "connection": connection,
        "loan_id": r.loan_id,
        "display_id": r.display_id,
        "period": r.period,
        "as_of": r.as_of,
        "status": r.status.as_str(),
        "reason": r.reason,
        "segments": fields,
        "findings": findings,
        "template_version": r.template_version,
        "document_hash": r.document_hash,
        "updated_at": r.updated_at,
    });
    if reveal {
        line["text"] = json!(r.segments);
    }
    line
}

/// Masks every SSN to its last four digits and every date of birth entirely, in every segment.
pub fn mask_identities(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                match val {
                    Value::String(s) => *s = identity::mask_field(k, s, false),
                    _ => mask_identities(val),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_identities),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_are_masked_in_every_segment() {
        let mut v = json!({"base": {"social_security_number": "123456789", "date_of_birth": "01021980", "surname": "DOE"},
                           "j1": [{"social_security_number": "987654321"}]});
        mask_identities(&mut v);
        assert_eq!(v["base"]["social_security_number"], "*****6789");
        assert_eq!(v["base"]["date_of_birth"], "********");
        assert_eq!(v["base"]["surname"], "DOE");
        assert_eq!(v["j1"][0]["social_security_number"], "*****4321");
    }

    #[test]
    fn why_gives_the_whole_reason_without_naming_the_rows_own_loan() {
        let reason = "document 100001, base.current_balance (acme template v2:245): no balance \
                      for the reporting month: no StatusArchive row dated inside it on or before \
                      as_of";
        let r = StoredRecord {
            connection_id: 1,
            loan_id: 100001,
            display_id: Some("LN-100001".into()),
            period: "2026-10".into(),
            as_of: "2026-10-31".into(),
            status: RecordStatus::Error,
            reason: Some(reason.into()),
            segments: None,
            fields: None,
            findings: "[]".into(),
            template_version: 2,
            document_hash: String::new(),
            run_id: None,
            created_at: String::new(),
            updated_at: String::new(),
        };
        assert_eq!(why(&r, &[]), reason["document 100001, ".len()..]);
        // Another loan's document named in the reason stays.
        let other = StoredRecord { loan_id: 7, ..r };
        assert_eq!(why(&other, &[]), reason);
    }
}
