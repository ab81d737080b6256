//! Storing parsed responses: each row is tied to the loan whose record of that period carries the
//! account number, or whose DA (delete account) record the period's file carries, then inserted
//! once (a re-import of the same file adds nothing).

use std::collections::HashMap;

use rusqlite::params;

use super::model::{Rejection, Response};
use super::Parsed;
use crate::export::deletes;
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

/// Account number → loan id for one period of a connection: its stored records with segments,
/// and the DA records its file carries.
fn accounts_of_period(
    store: &Store,
    connection: &Connection,
    period: &str,
) -> Result<HashMap<String, i64>, StoreError> {
    let mut stmt = store.db().prepare(&format!(
        "SELECT {}, loan_id FROM metro2_records
         WHERE connection_id = ?1 AND period = ?2 AND segments IS NOT NULL",
        crate::store::ACCOUNT_NUMBER_SQL
    ))?;
    let rows = stmt.query_map(params![connection.id, period], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    let mut map = HashMap::new();
    for row in rows {
        let (account, loan) = row?;
        map.insert(account, loan);
    }
    // A DA exists only in the file: the loan's stored record of the period is skipped, without
    // segments. The export's own decision says which loans get one and with what account number.
    for delete in deletes::deletes_decided(store, connection, period)? {
        if delete.account_number.is_empty() {
            continue;
        }
        // A stored record wins over a DA with the same account number (two loans sharing an
        // account number, which should not happen): the stored record is the period's own
        // record of its loan, what every import before DAs were matched tied the account to,
        // while the DA repeats an account number of an earlier period.
        map.entry(delete.account_number).or_insert(delete.loan_id);
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
                let map = accounts_of_period(store, connection, &r.period)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewConnection;
    use metro2_engine::{FieldValue, Segment, SegmentKind};

    /// A record of `loan` for `period`: `ok` with a base segment of `account` (status 11) when
    /// given one, else `skipped` from a document whose `deleted` flag is `deleted`.
    fn record(store: &Store, c: i64, loan: i64, period: &str, ok: Option<&str>, deleted: bool) {
        let hash = format!("h{loan}-{period}");
        let segments = ok.map(|account| {
            let mut s = Segment::blank(SegmentKind::Base);
            s.set_key("consumer_account_number", &FieldValue::Text(account))
                .unwrap();
            s.set_key("account_status", &FieldValue::Text("11"))
                .unwrap();
            String::from_utf8(s.as_bytes().to_vec()).unwrap()
        });
        let status = if ok.is_some() { "ok" } else { "skipped" };
        store
            .db()
            .execute(
                "INSERT INTO metro2_records (connection_id, loan_id, period, as_of, status, segments,
                     template_version, document_hash, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?3 || '-28', ?4, ?5, 1, ?6, 't', 't')",
                params![c, loan, period, status, segments, hash],
            )
            .unwrap();
        let doc = serde_json::json!({"id": loan, "deleted": i64::from(deleted)}).to_string();
        store
            .db()
            .execute(
                "INSERT INTO loan_documents (connection_id, loan_id, hash, document, fetched_at)
                 VALUES (?1, ?2, ?3, ?4, 't')",
                params![c, loan, hash, doc],
            )
            .unwrap();
    }

    #[test]
    fn da_records_are_matched_and_a_stored_record_wins_over_one() {
        let store = Store::open_in_memory().unwrap();
        let c = store
            .create_connection(&NewConnection::for_tests("acme"))
            .unwrap();
        // 1: reported in October, deleted since: November's file carries its DA.
        record(&store, c.id, 1, "2026-10", Some("LN-1"), false);
        record(&store, c.id, 1, "2026-11", None, true);
        // 2: deleted before it was ever reported: skipped twice, no DA.
        record(&store, c.id, 2, "2026-10", None, true);
        record(&store, c.id, 2, "2026-11", None, true);
        // 3 and 4: 3 reported as LN-3 in October and deleted since (a DA as LN-3 in November),
        // 4 reported as LN-3 in November (what should not happen).
        record(&store, c.id, 3, "2026-10", Some("LN-3"), false);
        record(&store, c.id, 3, "2026-11", None, true);
        record(&store, c.id, 4, "2026-11", Some("LN-3"), false);
        // 5: reported in October, skipped in November while not deleted (paid off): no DA.
        record(&store, c.id, 5, "2026-10", Some("LN-5"), false);
        record(&store, c.id, 5, "2026-11", None, false);

        let decided: Vec<_> = deletes::deletes_decided(&store, &c, "2026-11")
            .unwrap()
            .into_iter()
            .map(|d| (d.loan_id, d.account_number))
            .collect();
        assert_eq!(decided, vec![(1, "LN-1".into()), (3, "LN-3".into())]);

        let parsed = crate::responses::csv::parse(
            "bureau,account_number,period,outcome,date\n\
             equifax,ln-1,2026-11,accepted,2026-12-04\n\
             equifax,LN-2,2026-11,accepted,2026-12-04\n\
             equifax,LN-3,2026-11,accepted,2026-12-04\n\
             equifax,LN-5,2026-11,accepted,2026-12-04\n\
             equifax,LN-1,2026-12,accepted,2027-01-04\n",
        )
        .unwrap();
        let summary = import(&store, &c, parsed, "r.csv").unwrap();
        assert_eq!(summary.imported, 2);
        let rejected: Vec<String> = summary.rejected.iter().map(|r| r.to_string()).collect();
        assert_eq!(
            rejected,
            vec![
                "line 3: account_number \"LN-2\" has no record of connection \"acme\" for 2026-11",
                "line 5: account_number \"LN-5\" has no record of connection \"acme\" for 2026-11",
                "line 6: account_number \"LN-1\" has no record of connection \"acme\" for 2026-12",
            ]
        );
        let stored: Vec<_> = responses(&store, c.id)
            .unwrap()
            .into_iter()
            .map(|r| (r.account_number, r.period, r.loan_id))
            .collect();
        assert_eq!(
            stored,
            vec![
                ("LN-1".to_string(), "2026-11".to_string(), 1),
                ("LN-3".to_string(), "2026-11".to_string(), 4),
            ]
        );
    }
}
