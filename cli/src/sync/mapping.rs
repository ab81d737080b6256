//! The mapper of a run: a connection's `.m2map` template compiled once, evaluated on each loan
//! document, and each mapped record checked by the validator.

use chrono::NaiveDate;
use serde_json::Value;

use metro2_engine::plan::{Outcome, Params, Plan};
use metro2_engine::DataRecord;

use super::mapper::{Mapped, RecordMapper};
use crate::native::NativePreset;
use crate::store::RecordStatus;

/// The parameters a sync gives a template: the as-of date and the connection's furnisher id.
pub const SYNC_PARAMS: [&str; 2] = ["as_of", "furnisher_id"];

/// The parameters `plan` declares that a sync cannot give (a template saved with one could
/// never be synced).
pub fn params_a_sync_cannot_give(plan: &Plan) -> Vec<&str> {
    plan.params
        .iter()
        .map(|p| p.name.as_str())
        .filter(|n| !SYNC_PARAMS.contains(n))
        .collect()
}

/// A compiled template with its parameters bound for one run.
#[derive(Debug)]
pub struct TemplateMapper {
    plan: Plan,
    params: Params,
    as_of: NaiveDate,
    /// The shipped preset in Rust, when the template is that preset unchanged
    /// (`crate::native`); the plan maps what it defers.
    native: Option<NativePreset>,
}

impl TemplateMapper {
    /// Compiles `source`, version `version` of `connection`'s template (named so in messages),
    /// and binds `as_of` and `furnisher_id`. Fails with the rendered diagnostics when the
    /// template does not compile, or when it needs a parameter the connection does not give.
    pub fn compile(
        source: &str,
        connection: &str,
        version: i64,
        as_of: NaiveDate,
        furnisher_id: Option<&str>,
    ) -> Result<TemplateMapper, String> {
        let name = format!("{connection} template v{version}");
        let compiled = m2map::compile(source, &name)
            .map_err(|d| format!("the mapping template does not compile:\n{d}"))?;
        let plan = compiled.plan;
        let mut params = Params::new();
        let declared = |n: &str| plan.params.iter().any(|p| p.name == n);
        if declared("as_of") {
            let v = plan.param_from_text("as_of", &as_of.format("%Y-%m-%d").to_string())?;
            params.set("as_of", v);
        }
        if declared("furnisher_id") {
            let id = furnisher_id.ok_or_else(|| {
                format!(
                    "the template needs the furnisher id: set it with \
                     `metro2 connection set {connection} --furnisher-id ID`"
                )
            })?;
            params.set("furnisher_id", plan.param_from_text("furnisher_id", id)?);
        }
        let missing = plan.missing_params(&params);
        if !missing.is_empty() {
            return Err(format!(
                "the template declares parameters a sync cannot give: {}",
                missing.join(", ")
            ));
        }
        let native = match furnisher_id {
            Some(id) if !crate::native::switched_off() => {
                NativePreset::for_template(source, &plan, as_of, id)
            }
            _ => None,
        };
        if native.is_some() {
            tracing::debug!(template = %name, "the shipped preset, unchanged: mapped natively");
        }
        Ok(TemplateMapper {
            plan,
            params,
            as_of,
            native,
        })
    }

    /// Whether loans are mapped by the shipped preset in Rust (the template is that preset,
    /// unchanged), the plan taking those it defers.
    pub fn is_native(&self) -> bool {
        self.native.is_some()
    }
}

impl TemplateMapper {
    /// Maps one stored document text and records how each field got its value (the
    /// `.m2map` line, the expression, the branches taken), for `metro2 explain`.
    pub fn explain(&self, text: &str) -> Result<metro2_engine::plan::Explained, String> {
        let document = metro2_engine::json::parse(text)
            .map_err(|e| format!("the stored document is not JSON: {e}"))?;
        Ok(self.plan.explain(&document, &self.params))
    }
}

impl RecordMapper for TemplateMapper {
    fn map(&self, _document: &Value, text: &str) -> Mapped {
        // The text the pipeline stores is the document as fetched: parse it as the plan reads
        // it (numbers keep their text; for the LoanPro preset, the payment rows read straight
        // into counted payments, engine/src/loan.rs) rather than convert the serde_json tree.
        let loan = match self.plan.parse(text) {
            Ok(l) => l,
            Err(e) => return Mapped::error(format!("the document is not JSON: {e}")),
        };
        let outcome = match self.native.as_ref().and_then(|n| n.map(&loan)) {
            Some(o) => o,
            None => self.plan.eval_loan(&loan, &self.params),
        };
        match outcome {
            Outcome::Mapped { record, findings } => {
                let (invalid, all) = checked(&record, &findings, self.as_of);
                Mapped {
                    status: if invalid {
                        RecordStatus::Invalid
                    } else {
                        RecordStatus::Ok
                    },
                    reason: None,
                    segments: Some(segments_text(&record)),
                    fields: Some(crate::commands::map::record_json(&record).to_string()),
                    findings: Value::Array(all).to_string(),
                }
            }
            Outcome::Skipped { reason, .. } => Mapped {
                status: RecordStatus::Skipped,
                reason: Some(reason),
                segments: None,
                fields: None,
                findings: "[]".into(),
            },
            Outcome::Error(e) => Mapped::error(e.to_string()),
        }
    }
}

/// The record's segments as one line of fixed-width text, base first (RDW included).
pub fn segments_text(record: &DataRecord) -> String {
    let mut bytes = Vec::with_capacity(record.len());
    for s in record.segments() {
        bytes.extend_from_slice(s.as_bytes());
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A mapped record as the bureaus would judge it: the mapping's rule findings and the
/// validator's, as JSON objects marked with their `source`, and whether any is an error (the
/// record is then `invalid`: held back from the bureau file, as the sync stores it).
pub fn checked(
    record: &DataRecord,
    findings: &[metro2_engine::plan::Finding],
    as_of: chrono::NaiveDate,
) -> (bool, Vec<serde_json::Value>) {
    use metro2_engine::validate::{validate_record, RecordContext};
    let validated = validate_record(
        record,
        &RecordContext {
            activity_date: Some(as_of),
            ..RecordContext::default()
        },
    );
    let invalid = findings
        .iter()
        .any(|f| f.severity == metro2_engine::plan::RuleSeverity::Error)
        || validated.iter().any(|f| f.is_error());
    let mut all: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            serde_json::json!({"source": "mapping", "rule": f.rule, "severity": f.severity,
                               "message": f.message, "line": f.line})
        })
        .collect();
    all.extend(validated.iter().map(|f| {
        serde_json::json!({"source": "validator", "rule": f.rule, "severity": f.severity,
                           "segment": f.segment, "field": f.field, "offset": f.offset,
                           "message": f.message})
    }));
    (invalid, all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_furnisher_id_names_the_command_for_this_connection() {
        let as_of = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
        let e =
            TemplateMapper::compile(crate::sync::preset::LOANPRO_PRESET, "acme", 3, as_of, None)
                .unwrap_err();
        assert!(
            e.contains("`metro2 connection set acme --furnisher-id ID`"),
            "{e}"
        );
        let ok = TemplateMapper::compile(
            crate::sync::preset::LOANPRO_PRESET,
            "acme",
            3,
            as_of,
            Some("FURN12345"),
        );
        assert!(ok.is_ok_and(|m| m.is_native()));
    }
}
