//! `templates add` tries a template before saving it: on the documents of the connection's
//! stored records of its newest period, compared with what is stored. A template that compiles
//! can still fail on every loan at run time, and the next sync would then replace each good
//! record with an error record (and the next export would send nothing).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use serde_json::Value;

use metro2_engine::identity;

use crate::store::{Connection, RecordFilter, RecordStatus, Store, StoredRecord};
use crate::sync::mapper::{Mapped, RecordMapper};
use crate::sync::mapping::TemplateMapper;

/// How many loans each kind of change shows: enough to see the pattern, never the whole book.
const EXAMPLES: usize = 5;

/// One loan shown as an example of a change.
#[derive(Debug, Clone)]
pub struct Example {
    /// The display id, or LoanPro's id when the loan has none.
    pub loan: String,
    /// Why (the new reason), or the field's stored and new values, identities masked.
    pub detail: String,
}

/// How many records a kind of change touches, and a few of them.
#[derive(Debug, Clone, Default)]
pub struct Change {
    /// The records.
    pub count: u64,
    /// Up to `EXAMPLES` (five) of them.
    pub examples: Vec<Example>,
}

impl Change {
    fn add(&mut self, example: impl FnOnce() -> Example) {
        self.count += 1;
        if self.examples.len() < EXAMPLES {
            self.examples.push(example());
        }
    }
}

/// What a template would do to the stored records of one period.
#[derive(Debug, Clone, Default)]
pub struct Trial {
    /// The period tried (YYYY-MM).
    pub period: String,
    /// The records tried.
    pub tried: u64,
    /// Records whose document is no longer stored, so they could not be tried.
    pub without_document: u64,
    /// Status changes, by (stored, new) status.
    pub statuses: BTreeMap<(&'static str, &'static str), Change>,
    /// Records that stay mapped but whose field changes bytes, by `segment.field` key (a
    /// non-base segment is counted as a whole, by its name).
    pub fields: BTreeMap<String, Change>,
}

impl Trial {
    /// Stored `ok` records the template would turn into `error` or `invalid`: they would
    /// leave the bureau file.
    pub fn breaking(&self) -> u64 {
        self.statuses
            .iter()
            .filter(|((from, to), _)| *from == "ok" && (*to == "error" || *to == "invalid"))
            .map(|(_, c)| c.count)
            .sum()
    }

    /// The readable summary `templates add` prints.
    pub fn render(&self) -> String {
        let mut out = format!("tried on {} records of {}", self.tried, self.period);
        if self.without_document > 0 {
            let _ = write!(
                out,
                " ({} more could not be tried: their document is no longer stored)",
                self.without_document
            );
        }
        if self.statuses.is_empty() && self.fields.is_empty() {
            out += ": every record maps to the same status and bytes as stored\n";
            return out;
        }
        out += ":\n";
        if self.statuses.is_empty() {
            out += "  no record changes status\n";
        }
        for ((from, to), change) in &self.statuses {
            let first = change
                .examples
                .first()
                .map(|e| format!(" ({})", e.detail))
                .unwrap_or_default();
            let _ = writeln!(out, "  {:>7} {from} → {to}{first}", change.count);
            examples(&mut out, change);
        }
        let mut fields: Vec<(&String, &Change)> = self.fields.iter().collect();
        // The widest changes first: those are the ones a reviewer checks were meant.
        fields.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
        for (key, change) in fields {
            let _ = writeln!(out, "  {key} changed on {} records", change.count);
            examples(&mut out, change);
        }
        out
    }
}

fn examples(out: &mut String, change: &Change) {
    for e in &change.examples {
        let _ = writeln!(out, "      loan {}: {}", e.loan, e.detail);
    }
}

/// Tries `source` (to be saved as `version`) on the connection's stored records of its
/// newest period; `None` when the connection has no stored record. Each record is re-mapped
/// with its own as-of date, as the sync mapped it; the template is compiled once per as-of
/// date (a period's records share one), and the records are streamed, never held.
pub fn try_template(
    store: &Store,
    conn: &Connection,
    source: &str,
    version: i64,
) -> Result<Option<Trial>, String> {
    let Some((period, _)) = store
        .record_periods(conn.id)
        .map_err(|e| e.to_string())?
        .pop()
    else {
        return Ok(None);
    };
    let mut trial = Trial {
        period: period.clone(),
        ..Trial::default()
    };
    let mut mappers: HashMap<String, Result<TemplateMapper, String>> = HashMap::new();
    store
        .for_each_record(
            &RecordFilter {
                connection_id: Some(conn.id),
                period: Some(period),
                ..RecordFilter::default()
            },
            |record| {
                let Some(doc) = store.document(conn.id, record.loan_id, &record.document_hash)?
                else {
                    trial.without_document += 1;
                    return Ok(());
                };
                let mapper = mappers.entry(record.as_of.clone()).or_insert_with(|| {
                    let as_of = chrono::NaiveDate::parse_from_str(&record.as_of, "%Y-%m-%d")
                        .map_err(|e| format!("the record's as-of date {:?}: {e}", record.as_of))?;
                    TemplateMapper::compile(
                        source,
                        &conn.name,
                        version,
                        as_of,
                        conn.furnisher_id.as_deref(),
                    )
                });
                // A template that cannot be bound (a furnisher id the connection lacks) fails
                // every loan of the sync the same way: count it as each record's error.
                let mapped = match mapper {
                    Ok(m) => m.map(&Value::Null, &doc.document),
                    Err(e) => Mapped::error(e.clone()),
                };
                trial.tried += 1;
                compare(&mut trial, &record, &mapped);
                Ok(())
            },
        )
        .map_err(|e| e.to_string())?;
    Ok(Some(trial))
}

fn compare(trial: &mut Trial, stored: &StoredRecord, new: &Mapped) {
    let loan = || {
        stored
            .display_id
            .clone()
            .unwrap_or_else(|| stored.loan_id.to_string())
    };
    if stored.status != new.status {
        let detail = || match new.status {
            RecordStatus::Ok => match stored.status {
                RecordStatus::Invalid => {
                    format!("was held back: {}", first_error(&stored.findings))
                }
                _ => format!("was: {}", stored.reason.as_deref().unwrap_or("?")),
            },
            RecordStatus::Invalid => first_error(&new.findings),
            _ => new.reason.clone().unwrap_or_default(),
        };
        trial
            .statuses
            .entry((stored.status.as_str(), new.status.as_str()))
            .or_default()
            .add(|| Example {
                loan: loan(),
                detail: detail(),
            });
        return;
    }
    let (Some(old), Some(now)) = (&stored.fields, &new.fields) else {
        return;
    };
    if stored.segments == new.segments {
        return;
    }
    let (Ok(old), Ok(now)) = (
        serde_json::from_str::<Value>(old),
        serde_json::from_str::<Value>(now),
    ) else {
        return;
    };
    let empty = serde_json::Map::new();
    let old_base = old["base"].as_object().unwrap_or(&empty);
    let new_base = now["base"].as_object().unwrap_or(&empty);
    for (key, value) in new_base {
        let before = old_base.get(key);
        if before == Some(value) {
            continue;
        }
        let show = |v: Option<&Value>| match v.and_then(Value::as_str) {
            Some(t) => format!("{:?}", identity::mask_field(key, t, false)),
            None => "(absent)".to_string(),
        };
        trial
            .fields
            .entry(format!("base.{key}"))
            .or_default()
            .add(|| Example {
                loan: loan(),
                detail: format!("{} → {}", show(before), show(Some(value))),
            });
    }
    // Appended segments hold identities too (J1, J2): name the segment, never show its values.
    let names = |v: &Value| -> Vec<String> {
        v.as_object()
            .map(|m| m.keys().filter(|k| *k != "base").cloned().collect())
            .unwrap_or_default()
    };
    let mut segments = names(&old);
    segments.extend(names(&now));
    segments.sort();
    segments.dedup();
    for name in segments {
        let (before, after) = (old.get(&name), now.get(&name));
        if before == after {
            continue;
        }
        let what = match (before, after) {
            (None, _) => "added",
            (_, None) => "removed",
            _ => "changed",
        };
        trial.fields.entry(name).or_default().add(|| Example {
            loan: loan(),
            detail: format!("segment {what}"),
        });
    }
}

/// The first error finding's message of a findings JSON array (why a record is held back).
fn first_error(findings: &str) -> String {
    serde_json::from_str::<Value>(findings)
        .ok()
        .and_then(|v| {
            v.as_array()?
                .iter()
                .find(|f| f["severity"] == "error")
                .map(|f| {
                    let field = f["field"]
                        .as_str()
                        .map(|k| format!("{k}: "))
                        .unwrap_or_default();
                    format!("{field}{}", f["message"].as_str().unwrap_or("?"))
                })
        })
        .unwrap_or_else(|| "an error finding".to_string())
}
