//! The side report of an export: every record of the period that was held back from the file,
//! with its findings, written next to the file (`NAME.held-back.report`: not `.txt`, so that a
//! glob for bureau files such as `metro2-acme-2026-10*.txt` never picks it up).
//!
//! It carries loan ids, display ids and account numbers (what a servicer needs to find the loan)
//! and the validator's messages, never a consumer's SSN or date of birth.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::completeness::{failure_line, Completeness};
use super::deletes::Delete;

/// One record held back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldBack {
    /// LoanPro loan id.
    pub loan_id: i64,
    /// LoanPro display id.
    pub display_id: Option<String>,
    /// The consumer account number, when the record has segments.
    pub account_number: Option<String>,
    /// Why: `invalid` (validation errors), `error` (the mapping failed), `export` (the
    /// record failed validation again at export time), or `delete` (the DA record of a loan
    /// deleted in LoanPro could not be built or failed validation).
    pub status: String,
    /// One line per finding (or the mapping's reason).
    pub findings: Vec<String>,
}

/// Where the report of `file` goes: beside it, `x.txt` → `x.held-back.report`.
pub fn report_path(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "metro2".to_string());
    file.with_file_name(format!("{stem}.held-back.report"))
}

/// Renders the stored findings (a JSON array of the validator's findings, or anything else a
/// mapping stored) as one line each, errors only: warnings do not hold a record back.
pub fn finding_lines(findings_json: &str) -> Vec<String> {
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(findings_json) else {
        return if findings_json.trim().is_empty() || findings_json.trim() == "[]" {
            Vec::new()
        } else {
            vec![findings_json.trim().to_string()]
        };
    };
    items
        .iter()
        .filter(|f| {
            f.get("severity")
                .and_then(Value::as_str)
                .is_none_or(|s| s != "warning")
        })
        .map(finding_line)
        .collect()
}

/// One finding as `error M2-123 base.field: message`.
pub fn finding_line(f: &Value) -> String {
    let text = |k: &str| f.get(k).and_then(Value::as_str);
    let Some(message) = text("message") else {
        return f.to_string();
    };
    let mut line = String::new();
    if let Some(s) = text("severity") {
        line.push_str(s);
        line.push(' ');
    }
    if let Some(r) = text("rule") {
        line.push_str(r);
        line.push(' ');
    }
    match (text("segment"), text("field")) {
        (Some(s), Some(fl)) => line.push_str(&format!("{s}.{fl}: ")),
        (None, Some(fl)) => line.push_str(&format!("{fl}: ")),
        _ => {}
    }
    line.push_str(message);
    line
}

/// A loan as every line for people names it: `loan 7 (display id L-7)`, or `loan 7`.
pub fn loan_label(loan_id: i64, display_id: Option<&str>) -> String {
    match display_id {
        Some(d) => format!("loan {loan_id} (display id {d})"),
        None => format!("loan {loan_id}"),
    }
}

/// One DA record for people: `loan 7 (display id L-7) account L7, last reported 2026-10`.
pub fn delete_line(d: &Delete) -> String {
    let mut line = loan_label(d.loan_id, d.display_id.as_deref());
    line.push_str(&format!(
        " account {}, last reported {}",
        d.account_number, d.last_reported
    ));
    line
}

/// The report's text: the held-back records, the DA records written, then (when the export was
/// allowed to be incomplete) the loans missing from the file or stale in it and the unfinished
/// sync run.
pub fn render(
    connection: &str,
    period: &str,
    file: &Path,
    held: &[HeldBack],
    deletes: &[Delete],
    completeness: &Completeness,
) -> String {
    let mut out = String::new();
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "# {} record(s) of connection {connection} for {period} held back from {name}",
        held.len()
    );
    for h in held {
        let _ = write!(out, "{}", loan_label(h.loan_id, h.display_id.as_deref()));
        if let Some(a) = &h.account_number {
            let _ = write!(out, " account {a}");
        }
        let _ = writeln!(out, ": {}", h.status);
        for f in &h.findings {
            let _ = writeln!(out, "  {f}");
        }
    }
    if !deletes.is_empty() {
        let _ = writeln!(
            out,
            "# {} DA (delete account) record(s) written to {name}: loans reported before and \
             deleted in LoanPro since",
            deletes.len()
        );
        // Prefixed like the completeness lines: a `loan ...` line is a held-back record.
        for d in deletes {
            let _ = writeln!(out, "delete: {}", delete_line(d));
        }
    }
    if let Some(line) = completeness.run_line(period) {
        let _ = writeln!(out, "# INCOMPLETE: {line}");
    }
    if !completeness.failures.is_empty() {
        let _ = writeln!(
            out,
            "# {} loan(s) whose latest sync attempt for {period} failed: {} not in {name}, {} \
             in it from an older record (stale)",
            completeness.failures.len(),
            completeness.not_synced().count(),
            completeness.stale().count()
        );
        // Prefixed so that nothing reading `loan ...` lines as held-back records counts them.
        for f in &completeness.failures {
            let tag = if f.is_stale() { "stale" } else { "not synced" };
            let _ = writeln!(out, "{tag}: {}", failure_line(f));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_sits_beside_the_file() {
        assert_eq!(
            report_path(Path::new("/tmp/out/acme-2026-10.txt")),
            PathBuf::from("/tmp/out/acme-2026-10.held-back.report")
        );
        assert_eq!(
            report_path(Path::new("file")),
            PathBuf::from("file.held-back.report")
        );
    }

    #[test]
    fn findings_render_errors_only() {
        let json = r#"[
            {"rule":"M2-201","severity":"error","segment":"base","field":"date_of_first_delinquency","message":"DOFD is required"},
            {"rule":"M2-300","severity":"warning","message":"odd"},
            {"message":"no severity"},
            {"code":7}
        ]"#;
        assert_eq!(
            finding_lines(json),
            vec![
                "error M2-201 base.date_of_first_delinquency: DOFD is required".to_string(),
                "no severity".to_string(),
                r#"{"code":7}"#.to_string(),
            ]
        );
        assert!(finding_lines("[]").is_empty());
        assert_eq!(finding_lines("not json"), vec!["not json".to_string()]);
    }

    #[test]
    fn render_lists_each_record() {
        let held = vec![HeldBack {
            loan_id: 7,
            display_id: Some("L-7".into()),
            account_number: Some("L-7".into()),
            status: "invalid".into(),
            findings: vec!["error M2-1 base.x: bad".into()],
        }];
        assert_eq!(
            render(
                "acme",
                "2026-10",
                Path::new("a/f.txt"),
                &held,
                &[],
                &Completeness::default()
            ),
            "# 1 record(s) of connection acme for 2026-10 held back from f.txt\n\
             loan 7 (display id L-7) account L-7: invalid\n  error M2-1 base.x: bad\n"
        );
    }

    #[test]
    fn render_lists_the_deletes_apart_from_held_back_records() {
        let deletes = vec![Delete {
            loan_id: 9,
            display_id: Some("L-9".into()),
            account_number: "L9".into(),
            last_reported: "2026-10".into(),
        }];
        assert_eq!(
            render(
                "acme",
                "2026-11",
                Path::new("f.txt"),
                &[],
                &deletes,
                &Completeness::default()
            ),
            "# 0 record(s) of connection acme for 2026-11 held back from f.txt\n\
             # 1 DA (delete account) record(s) written to f.txt: loans reported before and \
             deleted in LoanPro since\n\
             delete: loan 9 (display id L-9) account L9, last reported 2026-10\n"
        );
    }
}
