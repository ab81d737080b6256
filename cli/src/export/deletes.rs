//! DA (delete account) records for loans reported before and deleted in LoanPro since.
//!
//! The mapping skips a deleted loan (derivations.md §4 rule 1): whether it needs a DA is a
//! question about what was reported, which only the store's history answers. A loan gets one
//! when its record of the period is skipped, the document it was skipped from says `deleted`,
//! and its last reported record (its newest earlier record, passing over records held back as
//! invalid or in error, which were never sent) was `ok` with a status other than DA or DF. The
//! history decides "only once" by itself: once a period holds the skipped record, the next
//! period's newest earlier record is that one, and a skipped record stops the search.
//!
//! The record is the last reported one (its identification: account number, consumer, J1/J2
//! and every other segment, as the bureaus match a delete to what they hold) with the fields
//! the reference sets for DA: status DA, payment rating blank (codes.md §1), date of account
//! information the period's as-of date and date closed zeros (rules.md §6, derivations.md §5),
//! scheduled monthly payment and original charge-off 0 (derivations.md §5). The DOFD, amount past
//! due, current balance and time stamp follow rules that read the loan (derivations.md §5, §6,
//! rule 2): they come from mapping the period's document as a DA, the way a servicer's DA
//! override maps. Every other field keeps its last reported value (DECISIONS.md).

use std::collections::HashMap;

use chrono::NaiveDate;
use metro2_engine::{DataRecord, FieldValue, Segment};
use serde_json::Value;

use crate::store::{Connection, RecordFilter, RecordStatus, Store, StoreError, StoredRecord};
use crate::sync::mapping::TemplateMapper;
use crate::sync::RecordMapper as _;

/// A loan that gets a DA record: who it is and what was last reported for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delete {
    /// LoanPro loan id.
    pub loan_id: i64,
    /// LoanPro display id.
    pub display_id: Option<String>,
    /// The account number (the last reported one, which the DA carries).
    pub account_number: String,
    /// The period of the last reported record, `YYYY-MM`.
    pub last_reported: String,
}

/// A DA record a period needs, or why it could not be built (then it is held back).
#[derive(Debug, Clone)]
pub struct PendingDelete {
    /// The loan.
    pub delete: Delete,
    /// The record.
    pub record: Result<DataRecord, String>,
}

/// The fields of the DA record taken from the period's document mapped as a DA.
const FROM_THE_LOAN: [&str; 4] = [
    "date_of_first_delinquency",
    "amount_past_due",
    "current_balance",
    "time_stamp",
];

/// The DA records `period` needs: one per loan skipped as deleted whose last reported record
/// is not itself a delete. Ordered by loan id.
pub fn deletes_for_period(
    store: &Store,
    connection: &Connection,
    period: &str,
) -> Result<Vec<PendingDelete>, StoreError> {
    let mut mappers = Mappers::default();
    Ok(decide(store, connection, period)?
        .into_iter()
        .map(|d| {
            let record = build(
                store,
                connection,
                &mut mappers,
                &d.skipped,
                &d.doc,
                d.reported,
            );
            PendingDelete {
                delete: d.delete,
                record,
            }
        })
        .collect())
}

/// The loans `period`'s file carries a DA for, with the account number it carries: the
/// decision of [`deletes_for_period`] without building the records (no template is compiled).
/// A DA that the export then holds back (it cannot be built, or fails validation) is listed
/// too. Ordered by loan id.
pub fn deletes_decided(
    store: &Store,
    connection: &Connection,
    period: &str,
) -> Result<Vec<Delete>, StoreError> {
    Ok(decide(store, connection, period)?
        .into_iter()
        .map(|d| d.delete)
        .collect())
}

/// A loan that gets a DA, with what building its record reads.
struct Decided {
    delete: Delete,
    /// Its skipped record of the period.
    skipped: StoredRecord,
    /// The document it was skipped from.
    doc: Value,
    /// Its last reported record, decoded.
    reported: DataRecord,
}

/// Which loans get a DA in `period`: the one place that decides it.
fn decide(
    store: &Store,
    connection: &Connection,
    period: &str,
) -> Result<Vec<Decided>, StoreError> {
    let skipped = store.records(&RecordFilter {
        connection_id: Some(connection.id),
        period: Some(period.to_string()),
        statuses: vec![RecordStatus::Skipped],
        ..RecordFilter::default()
    })?;
    let mut out = Vec::new();
    for rec in skipped {
        // The history first: most skipped loans (paid off long ago) were skipped last month
        // too, and that answer costs no document parse.
        let Some(last) = last_reported(store, connection.id, rec.loan_id, period)? else {
            continue;
        };
        let Some(Ok(reported)) = last.segments.as_deref().map(super::decode::decode) else {
            continue;
        };
        let status = reported.base.get("account_status").unwrap_or_default();
        if matches!(status.trim(), "DA" | "DF") {
            continue;
        }
        let Some(doc) = store.document(connection.id, rec.loan_id, &rec.document_hash)? else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<Value>(&doc.document) else {
            continue;
        };
        // The flag, not the skip reason: a template's wording is its author's.
        if !is_deleted(&json) {
            continue;
        }
        let delete = Delete {
            loan_id: rec.loan_id,
            display_id: rec.display_id.clone().or(last.display_id.clone()),
            account_number: super::decode::account_number(&reported),
            last_reported: last.period.clone(),
        };
        out.push(Decided {
            delete,
            skipped: rec,
            doc: json,
            reported,
        });
    }
    Ok(out)
}

/// The loan's newest record before `period` that was sent or says nothing was to be sent (ok
/// or skipped), passing over the ones held back; `None` unless it is `ok`.
fn last_reported(
    store: &Store,
    connection_id: i64,
    loan_id: i64,
    period: &str,
) -> Result<Option<StoredRecord>, StoreError> {
    let mut before = period.to_string();
    while let Some(r) = store.previous_record(connection_id, loan_id, &before)? {
        match r.status {
            RecordStatus::Ok => return Ok(Some(r)),
            RecordStatus::Skipped => return Ok(None),
            RecordStatus::Invalid | RecordStatus::Error => before = r.period,
        }
    }
    Ok(None)
}

/// LoanPro's `deleted` flag (1; `true` and `"1"` from servers that spell it so).
fn is_deleted(doc: &Value) -> bool {
    match doc.get("deleted") {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        Some(Value::String(s)) => s.trim() == "1" || s.trim().eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// The templates compiled so far, by version and as-of date: compiling the preset costs more
/// than mapping a loan, and a period's deletes nearly always share both.
type Mappers = HashMap<(i64, NaiveDate), Result<TemplateMapper, String>>;

fn build(
    store: &Store,
    connection: &Connection,
    mappers: &mut Mappers,
    skipped: &StoredRecord,
    doc: &Value,
    mut record: DataRecord,
) -> Result<DataRecord, String> {
    let as_of = NaiveDate::parse_from_str(&skipped.as_of, "%Y-%m-%d")
        .map_err(|e| format!("the record's as-of date {:?}: {e}", skipped.as_of))?;
    let mapper = mappers
        .entry((skipped.template_version, as_of))
        .or_insert_with(|| compile(store, connection, skipped.template_version, as_of));
    let mapper = mapper.as_ref().map_err(Clone::clone)?;
    let from_loan = map_as_delete(mapper, doc)?;
    let base = &mut record.base;
    let set = |base: &mut Segment, key: &str, v: FieldValue<'_>| {
        base.set_key(key, &v)
            .map_err(|e| format!("cannot write {key} of the DA record: {e}"))
    };
    set(base, "account_status", FieldValue::Text("DA"))?;
    set(base, "payment_rating", FieldValue::Empty)?;
    set(base, "date_of_account_information", FieldValue::Date(as_of))?;
    set(base, "date_closed", FieldValue::Empty)?;
    set(base, "scheduled_monthly_payment_amount", FieldValue::Int(0))?;
    set(base, "original_charge_off_amount", FieldValue::Int(0))?;
    for key in FROM_THE_LOAN {
        let field = base
            .layout()
            .field(key)
            .ok_or_else(|| format!("the base layout has no field {key}"))?;
        let bytes = from_loan.raw(field).to_vec();
        base.set_raw(field, &bytes);
    }
    Ok(record)
}

/// The template version that skipped the loan, bound to its as-of date.
fn compile(
    store: &Store,
    connection: &Connection,
    version: i64,
    as_of: NaiveDate,
) -> Result<TemplateMapper, String> {
    let template = store
        .template(connection.id, Some(version))
        .map_err(|e| e.to_string())?;
    TemplateMapper::compile(
        &template.source,
        &connection.name,
        template.version,
        as_of,
        connection.furnisher_id.as_deref(),
    )
}

/// The base segment of the period's document mapped as a servicer's DA override maps
/// (derivations.md §4 rule 2): the deleted flag cleared, the credit status DA.
fn map_as_delete(mapper: &TemplateMapper, doc: &Value) -> Result<Segment, String> {
    let mut doc = doc.clone();
    let obj = doc
        .as_object_mut()
        .ok_or("the loan document is not an object")?;
    obj.insert("deleted".into(), Value::from(0));
    let settings = obj
        .entry("LoanSettings")
        .or_insert_with(|| Value::Object(Default::default()));
    let settings = settings
        .as_object_mut()
        .ok_or("the loan document's LoanSettings is not an object")?;
    settings.insert("creditStatus".into(), Value::from("loan.creditstatus.DA"));
    // serde_json keeps numbers' text and keys' order here (arbitrary_precision,
    // preserve_order), so the text mapped is the stored document but for the two changes.
    let text = doc.to_string();
    let mapped = mapper.map(&doc, &text);
    let segments = mapped.segments.ok_or_else(|| {
        format!(
            "the loan's document does not map as a DA ({}): {}",
            mapped.status.as_str(),
            mapped.reason.unwrap_or_default()
        )
    })?;
    let rec = super::decode::decode(&segments).map_err(|e| e.to_string())?;
    let status = rec.base.get("account_status").unwrap_or_default();
    if status.trim() != "DA" {
        return Err(format!(
            "the mapping template does not report a DA override as DA (it gave {:?})",
            status.trim()
        ));
    }
    Ok(rec.base)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewConnection;
    use serde_json::json;

    #[test]
    fn the_last_reported_record_passes_over_held_back_ones_and_stops_at_a_skipped_one() {
        let store = Store::open_in_memory().unwrap();
        let c = store
            .create_connection(&NewConnection::for_tests("acme"))
            .unwrap();
        let history = [
            (1, "2026-08", "ok"),
            (1, "2026-09", "invalid"),
            (1, "2026-10", "error"),
            (2, "2026-09", "ok"),
            (2, "2026-10", "skipped"),
            (3, "2026-10", "invalid"),
        ];
        for (loan, period, status) in history {
            store
                .db()
                .execute(
                    "INSERT INTO metro2_records (connection_id, loan_id, period, as_of, status,
                         template_version, document_hash, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?3 || '-28', ?4, 1, 'h', 't', 't')",
                    rusqlite::params![c.id, loan, period, status],
                )
                .unwrap();
        }
        let last = |loan, period| {
            last_reported(&store, c.id, loan, period)
                .unwrap()
                .map(|r| r.period)
        };
        // Sent in August, held back since: the bureaus still hold August's.
        assert_eq!(last(1, "2026-11"), Some("2026-08".to_string()));
        // Skipped last month: a DA, if one was due, went with that month's file.
        assert_eq!(last(2, "2026-11"), None);
        assert_eq!(last(2, "2026-10"), Some("2026-09".to_string()));
        // Never sent.
        assert_eq!(last(3, "2026-11"), None);
        assert_eq!(last(4, "2026-11"), None);
    }

    #[test]
    fn the_deleted_flag_however_spelled() {
        for yes in [
            json!({"deleted": 1}),
            json!({"deleted": true}),
            json!({"deleted": "1"}),
        ] {
            assert!(is_deleted(&yes), "{yes}");
        }
        for no in [
            json!({"deleted": 0}),
            json!({"deleted": null}),
            json!({"deleted": "0"}),
            json!({}),
            json!([]),
        ] {
            assert!(!is_deleted(&no), "{no}");
        }
    }
}
