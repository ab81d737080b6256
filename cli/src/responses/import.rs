//! Storing parsed responses: each row is tied to the loan whose record of that period carries the
//! account number, then inserted once (a re-import of the same file adds nothing).

use std::collections::HashMap;

use rusqlite::params;

use super::model::{Rejection, Response};
use super::Parsed;
use crate::store::{Connection, Store, StoreError};

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Rows stored now.
    pub imported: usize,
    /// Good rows that were already stored (same connection, bureau, account, period, outcome,
    /// code and date).
    pub duplicates: usize,
    /// Rows not stored, by line: the parser's rejections and rows naming an unknown account.
    pub rejected: Vec<Rejection>,
}

/// The Metro 2 consumer account number of a stored record: bytes 43..72 (1-based) of its base
/// segment, which the segments text starts with.
const ACCOUNT_NUMBER_SQL: &str = "rtrim(substr(segments, 43, 30))";

/// Account number → loan id for one period of a connection (records with segments only).
fn accounts_of_period(
    store: &Store,
    connection_id: i64,
    period: &str,
) -> Result<HashMap<String, i64>, StoreError> {
    let mut stmt = store.db().prepare(&format!(
        "SELECT {ACCOUNT_NUMBER_SQL}, loan_id FROM metro2_records
         WHERE connection_id = ?1 AND period = ?2 AND segments IS NOT NULL"
    ))?;
    let rows = stmt.query_map(params![connection_id, period], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    let mut map = HashMap::new();
    for row in rows {
        let (account, loan) = row?;
        map.insert(account, loan);
    }
    Ok(map)
}

/// Stores the good rows of `parsed` for `connection`, in one transaction.
pub fn import(
    store: &Store,
    connection: &Connection,
    parsed: Parsed,
    source_file: &str,
) -> Result<ImportSummary, StoreError> {
    let mut summary = ImportSummary {
        rejected: parsed.rejected,
        ..ImportSummary::default()
    };
    let mut periods: HashMap<String, HashMap<String, i64>> = HashMap::new();
    let now = crate::store::now_text();
    let tx = store.db().unchecked_transaction()?;
    {
        let mut insert = tx.prepare(
            "INSERT OR IGNORE INTO bureau_responses
                (connection_id, bureau, account_number, period, outcome, code, message,
                 response_date, loan_id, source_file, source_line, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for r in parsed.accepted {
            if !periods.contains_key(&r.period) {
                let map = accounts_of_period(store, connection.id, &r.period)?;
                periods.insert(r.period.clone(), map);
            }
            // Alphanumeric fields are written upper case, so the file's account number is.
            let account = r.account_number.to_ascii_uppercase();
            let Some(&loan_id) = periods[&r.period].get(&account) else {
                summary.rejected.push(unknown_account(&r, &connection.name));
                continue;
            };
            let changed = insert.execute(params![
                connection.id,
                r.bureau.name(),
                account,
                r.period,
                r.outcome.name(),
                r.code.clone().unwrap_or_default(),
                r.message,
                r.date.format("%Y-%m-%d").to_string(),
                loan_id,
                source_file,
                r.line as i64,
                now,
            ])?;
            if changed == 0 {
                summary.duplicates += 1;
            } else {
                summary.imported += 1;
            }
        }
    }
    tx.commit()?;
    summary.rejected.sort_by_key(|r| r.line);
    Ok(summary)
}

fn unknown_account(r: &Response, connection: &str) -> Rejection {
    Rejection {
        line: r.line,
        problems: vec![format!(
            "account_number {:?} has no record of connection {connection:?} for {}",
            r.account_number, r.period
        )],
    }
}

/// A stored response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// Row id.
    pub id: i64,
    /// Bureau name.
    pub bureau: String,
    /// Consumer account number (upper case, as in the file).
    pub account_number: String,
    /// Period `YYYY-MM`.
    pub period: String,
    /// Outcome name.
    pub outcome: String,
    /// Code (`None` when the bureau gave none).
    pub code: Option<String>,
    /// Message.
    pub message: Option<String>,
    /// Response date `YYYY-MM-DD`.
    pub date: String,
    /// The loan.
    pub loan_id: i64,
}

/// A connection's stored responses, oldest first.
pub fn responses(store: &Store, connection_id: i64) -> Result<Vec<StoredResponse>, StoreError> {
    let mut stmt = store.db().prepare(
        "SELECT id, bureau, account_number, period, outcome, code, message, response_date, loan_id
         FROM bureau_responses WHERE connection_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([connection_id], |r| {
        Ok(StoredResponse {
            id: r.get(0)?,
            bureau: r.get(1)?,
            account_number: r.get(2)?,
            period: r.get(3)?,
            outcome: r.get(4)?,
            code: Some(r.get::<_, String>(5)?).filter(|c| !c.is_empty()),
            message: r.get(6)?,
            date: r.get(7)?,
            loan_id: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
