//! `metro2 explain`: how each value of a stored record was derived, re-mapped from the document
//! and the template version that produced it, and whether re-mapping gives the stored bytes.

use std::process::ExitCode;

use miette::{miette, IntoDiagnostic};

use super::Context;
use crate::store::{RecordFilter, Store, StoredRecord};
use crate::sync::mapping::{segments_text, TemplateMapper};
use metro2_engine::plan::Outcome;

/// Arguments of `metro2 explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The loan: LoanPro's id, its display id, or its Metro 2 account number.
    pub loan: String,
    /// The connection (the only one when absent).
    #[arg(long)]
    pub connection: Option<String>,
    /// The reporting period, YYYY-MM (the loan's newest when absent).
    #[arg(long)]
    pub period: Option<String>,
    /// Show social security numbers and dates of birth in full.
    #[arg(long)]
    pub reveal: bool,
}

/// Runs the command: exit 0 when re-mapping gives the stored record, 1 when it does not (the
/// engine or the connection's settings changed since), 2 when there is nothing to explain.
pub fn run(args: Args, ctx: &Context) -> miette::Result<ExitCode> {
    let (store, conn) = ctx.connection(args.connection.as_deref())?;
    let loan_id = match args.loan.parse::<i64>() {
        Ok(id) => id,
        Err(_) => match store
            .loan_id_for_display_id(conn.id, &args.loan)
            .into_diagnostic()?
        {
            Some(id) => id,
            // The account number `records`, the bureau file and responses show.
            None => store
                .loan_id_for_account_number(conn.id, &args.loan)
                .into_diagnostic()?
                .ok_or_else(|| {
                    miette!(
                        "{}: no stored loan has display id or account number {:?}",
                        conn.name,
                        args.loan
                    )
                })?,
        },
    };
    if let Some(p) = &args.period {
        if crate::responses::model::parse_period(p).is_none() {
            miette::bail!("--period {p:?} is not a month YYYY-MM");
        }
    }
    let record = find_record(&store, conn.id, loan_id, args.period.as_deref())?.ok_or_else(
        || match &args.period {
            Some(p) => miette!("{}: loan {loan_id} has no record for {p}", conn.name),
            None => miette!("{}: loan {loan_id} has no stored record", conn.name),
        },
    )?;
    let document = store
        .document(conn.id, loan_id, &record.document_hash)
        .into_diagnostic()?
        .ok_or_else(|| {
            miette!(
                "loan {loan_id} {}: the document it was mapped from ({}) is no longer stored",
                record.period,
                record.document_hash
            )
        })?;
    let template = store
        .template(conn.id, Some(record.template_version))
        .into_diagnostic()?;
    let as_of = chrono::NaiveDate::parse_from_str(&record.as_of, "%Y-%m-%d")
        .map_err(|e| miette!("the record's as-of date {:?}: {e}", record.as_of))?;
    let mapper = TemplateMapper::compile(
        &template.source,
        &conn.name,
        template.version,
        as_of,
        conn.furnisher_id.as_deref(),
    )
    .map_err(|e| miette!("{e}"))?;
    let explained = mapper
        .explain(&document.document)
        .map_err(|e| miette!("{e}"))?;
    let id = serde_json::Value::from(loan_id);
    print!(
        "{}",
        super::map::explain_doc(&id, &explained, as_of, args.reveal)
    );
    let remapped = match &explained.outcome {
        Outcome::Mapped { record, .. } => Some(segments_text(record)),
        _ => None,
    };
    println!(
        "stored: period {}, as of {}, template v{}, document {}, status {}",
        record.period,
        record.as_of,
        record.template_version,
        short(&record.document_hash),
        record.status.as_str()
    );
    if remapped == record.segments {
        println!("re-mapped from the stored document: identical to the stored record");
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "re-mapped from the stored document: DIFFERENT from the stored record (the engine, \
             the template's source or the connection's furnisher id changed since it was stored)"
        );
        Ok(ExitCode::from(1))
    }
}

/// The loan's record of `period`, or of its newest period.
fn find_record(
    store: &Store,
    connection_id: i64,
    loan_id: i64,
    period: Option<&str>,
) -> miette::Result<Option<StoredRecord>> {
    // One record a month: the loan's records are few, and they come in period order.
    let records = store
        .records(&RecordFilter {
            connection_id: Some(connection_id),
            loan_id: Some(loan_id),
            period: period.map(str::to_string),
            ..RecordFilter::default()
        })
        .into_diagnostic()?;
    Ok(records.into_iter().last())
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}
