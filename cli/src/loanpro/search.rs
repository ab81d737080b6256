//! Enumerating loans: the Elasticsearch-style body of `POST Loans/Autopal.Search()` and the
//! page it answers with.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use super::dates;

/// The field the seed keys incremental pulls on. LoanPro does not document it; tenants that
/// lack it get a full sweep (see [`LoanSummary::updated`]).
pub const DEFAULT_UPDATED_FIELD: &str = "lastUpdated";

/// Which loans a search returns. The default matches every loan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchFilter {
    /// Loans whose `field` is **on or after** the instant (`range` with `gte`: a loan updated in
    /// the same second as the cursor is fetched again rather than missed; pass the cursor plus
    /// one second to exclude it). The field is usually [`DEFAULT_UPDATED_FIELD`]. Loans without
    /// the field never match, as in Elasticsearch.
    pub updated_since: Option<(String, DateTime<Utc>)>,
    /// Only these loan ids (`terms` on `id`).
    pub loan_ids: Option<Vec<i64>>,
}

impl SearchFilter {
    /// The Elasticsearch-style body. Dates go as UTC date-times
    /// (`2026-11-23T19:00:00Z`), which Elasticsearch's default date format reads.
    pub fn to_body(&self) -> Value {
        let mut must = Vec::new();
        if let Some((field, since)) = &self.updated_since {
            let since = since.to_rfc3339_opts(SecondsFormat::Secs, true);
            must.push(json!({ "range": { field.as_str(): { "gte": since } } }));
        }
        if let Some(ids) = &self.loan_ids {
            must.push(json!({ "terms": { "id": ids } }));
        }
        if must.is_empty() {
            json!({ "query": { "match_all": {} } })
        } else {
            json!({ "query": { "bool": { "must": must } } })
        }
    }

    /// The field whose value [`LoanSummary::last_updated`] carries.
    pub fn updated_field(&self) -> &str {
        self.updated_since
            .as_ref()
            .map(|(f, _)| f.as_str())
            .unwrap_or(DEFAULT_UPDATED_FIELD)
    }
}

/// One loan as a search lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoanSummary {
    /// LoanPro's internal id (what `Loans(id)` takes).
    pub id: i64,
    /// The human id (`LN-000123`); empty when the result has none.
    pub display_id: String,
    /// The updated field of the search's filter (or `lastUpdated`); `None` when the result does
    /// not carry it: a tenant whose search results never carry it lacks the field, and a full
    /// sweep is the only way to see its changes.
    pub last_updated: Option<DateTime<Utc>>,
    /// Every scalar field of the search result, for callers keyed on another field.
    pub fields: Map<String, Value>,
}

impl LoanSummary {
    /// Reads a summary from one search result.
    pub fn from_result(result: &Value, updated_field: &str) -> Option<LoanSummary> {
        let obj = result.as_object()?;
        let id = match obj.get("id")? {
            Value::Number(n) => n.as_i64()?,
            Value::String(s) => s.trim().parse().ok()?,
            _ => return None,
        };
        let display_id = match obj.get("displayId") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let fields: Map<String, Value> = obj
            .iter()
            .filter(|(_, v)| !v.is_object() && !v.is_array())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let last_updated = fields.get(updated_field).and_then(dates::parse_value);
        Some(LoanSummary {
            id,
            display_id,
            last_updated,
            fields,
        })
    }

    /// The value of another date field of the result (for tenants keyed on a field other than
    /// the filter's).
    pub fn updated(&self, field: &str) -> Option<DateTime<Utc>> {
        self.fields.get(field).and_then(dates::parse_value)
    }
}

/// One page of a search.
#[derive(Debug, Clone, PartialEq)]
pub struct LoanPage {
    /// The loans of the page, in the order LoanPro gave them (`id asc`).
    pub loans: Vec<LoanSummary>,
    /// Loans matching the filter in all pages (`summary.totalHits`, or `summary.total`).
    pub total: usize,
}
