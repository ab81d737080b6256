//! `metro2 map`: map LoanPro loan documents with a mapping file.
//!
//! Every input document gives one output entry, whatever happens to it: a failure in one
//! document is reported for that document and the batch goes on. The exit code is 1 when any
//! document could not be mapped (or an input could not be read), 0 otherwise.

use std::io::{BufWriter, Read, Write};
use std::process::ExitCode;

use metro2_engine::identity;
use metro2_engine::plan::{Outcome, Params, Plan};
use metro2_engine::{DataRecord, Segment, SegmentKind};
use miette::{miette, IntoDiagnostic};

use super::Context;

/// Arguments of `metro2 map`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The mapping file.
    #[arg(long)]
    pub map: std::path::PathBuf,
    /// The date the report describes (YYYY-MM-DD).
    #[arg(long)]
    pub as_of: String,
    /// A parameter of the mapping, KEY=VALUE (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// JSON files of loans (one loan, an array, an OData envelope or NDJSON); `-` is standard input.
    #[arg(required = true)]
    pub inputs: Vec<std::path::PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    /// Show social security numbers and dates of birth in full in yaml and explain output.
    #[arg(long)]
    pub reveal: bool,
}

/// Output formats of `metro2 map`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// One JSON line per input document.
    Json,
    /// The data records, one per line.
    Metro2,
    /// One field per line, for people.
    Yaml,
    /// Each field with its value, .m2map line and the expression that produced it.
    Explain,
}

/// Runs the command.
pub fn run(args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    let name = args.map.display().to_string();
    let source = std::fs::read_to_string(&args.map)
        .map_err(|e| miette!("cannot read the mapping file {name}: {e}"))?;
    let compiled = match m2map::compile(&source, &name) {
        Ok(c) => c,
        Err(diags) => {
            eprint!("{}", super::check::render(&diags));
            return Ok(ExitCode::from(1));
        }
    };
    if !compiled.warnings.is_empty() {
        eprint!("{}", super::check::render(&compiled.warnings));
    }
    let plan = compiled.plan;
    let params = build_params(&plan, &args.as_of, &args.params)?;
    let as_of =
        crate::sync::runner::reporting_date("--as-of", &args.as_of).map_err(|e| miette!("{e}"))?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failed = false;
    for input in &args.inputs {
        let label = input.display().to_string();
        let text = read_input(input).map_err(|e| miette!("cannot read {label}: {e}"))?;
        for (n, doc) in documents(&text).into_iter().enumerate() {
            let doc = match doc {
                Ok(d) => d,
                Err(message) => {
                    failed = true;
                    let line = serde_json::json!({
                        "id": null, "display_id": null, "status": "error",
                        "reason": format!("{label}: {message}"), "segments": {}, "findings": [],
                    });
                    match args.format {
                        Format::Json => writeln!(out, "{line}").into_diagnostic()?,
                        _ => eprintln!("{label}: {message}"),
                    }
                    continue;
                }
            };
            // A document without an id is named by its place, for the messages on stderr.
            let who = match doc.get("id") {
                Some(id) if !id.is_null() => show_id(id),
                _ => format!("{label}, document {}", n + 1),
            };
            failed |= write_document(&mut out, &plan, &doc, &params, as_of, &who, &args)?;
        }
    }
    out.flush().into_diagnostic()?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The mapping's parameters from `--as-of` and `--param KEY=VALUE`, read as the types the
/// mapping declares.
pub fn build_params(plan: &Plan, as_of: &str, extra: &[String]) -> miette::Result<Params> {
    let mut params = Params::new();
    crate::sync::runner::reporting_date("--as-of", as_of).map_err(|e| miette!("{e}"))?;
    if plan.params.iter().any(|p| p.name == "as_of") {
        params.set(
            "as_of",
            plan.param_from_text("as_of", as_of)
                .map_err(|e| miette!("--as-of: {e}"))?,
        );
    }
    let mut given = std::collections::HashSet::new();
    for kv in extra {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| miette!("--param {kv:?}: expected KEY=VALUE"))?;
        // A second value for a key would silently win over the first, and `as_of` over
        // `--as-of`: both are mistakes worth a word rather than a quietly different report.
        if k == "as_of" {
            return Err(miette!(
                "give the reporting date with --as-of, not --param as_of"
            ));
        }
        if !given.insert(k.to_string()) {
            return Err(miette!("--param {k} is given twice"));
        }
        params.set(k, plan.param_from_text(k, v).map_err(|e| miette!("{e}"))?);
    }
    let missing = plan.missing_params(&params);
    if !missing.is_empty() {
        return Err(miette!(
            "the mapping needs these parameters: {} (give them with --param KEY=VALUE)",
            missing.join(", ")
        ));
    }
    Ok(params)
}

fn read_input(path: &std::path::Path) -> std::io::Result<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        Ok(s)
    } else {
        std::fs::read_to_string(path)
    }
}

/// The loan documents of one input: a loan, an array of loans, an OData envelope
/// (`{"d":{"results":[...]}}` or `{"d":{...}}`), or NDJSON (one loan per line). A line of
/// NDJSON that is not JSON is an error for that line only. Text whose first line is not JSON
/// on its own (a pretty-printed document with a syntax error) is one error, at the line and
/// column where the document breaks, not one error per line.
pub fn documents(text: &str) -> Vec<Result<serde_json::Value, String>> {
    // A byte-order mark, as editors on Windows save, is not part of the JSON.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return vec![Err("empty: no loan document".to_string())];
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => unwrap_envelope(v).into_iter().map(Ok).collect(),
        Err(whole) => {
            let lines: Vec<(usize, &str)> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .collect();
            let ndjson = lines.len() > 1
                && serde_json::from_str::<serde::de::IgnoredAny>(lines[0].1).is_ok();
            if !ndjson {
                return vec![Err(format!("not JSON: {whole}"))];
            }
            lines
                .into_iter()
                .flat_map(
                    |(i, l)| match serde_json::from_str::<serde_json::Value>(l) {
                        Ok(v) => unwrap_envelope(v).into_iter().map(Ok).collect::<Vec<_>>(),
                        Err(e) => vec![Err(format!("line {}: not JSON: {e}", i + 1))],
                    },
                )
                .collect()
        }
    }
}

fn unwrap_envelope(v: serde_json::Value) -> Vec<serde_json::Value> {
    match v {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut o) if o.len() == 1 && o.contains_key("d") => {
            match o.remove("d") {
                Some(serde_json::Value::Object(mut d)) if d.contains_key("results") => {
                    match d.remove("results") {
                        Some(serde_json::Value::Array(items)) => items,
                        Some(other) => vec![other],
                        None => Vec::new(),
                    }
                }
                Some(other) => vec![other],
                None => Vec::new(),
            }
        }
        other => vec![other],
    }
}

/// Writes one document's output; returns whether it failed.
fn write_document(
    out: &mut impl Write,
    plan: &Plan,
    doc: &serde_json::Value,
    params: &Params,
    as_of: chrono::NaiveDate,
    who: &str,
    args: &Args,
) -> miette::Result<bool> {
    let id = doc.get("id").cloned().unwrap_or(serde_json::Value::Null);
    let display_id = doc
        .get("displayId")
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    // Input shapes (envelopes, NDJSON) and messages stay serde_json's; the plan reads its own
    // document type, converted here with numbers as written.
    let doc = &metro2_engine::json::from_serde(doc);
    match args.format {
        Format::Json => {
            let outcome = plan.eval(doc, params);
            let line = json_line(id, display_id, &outcome, as_of);
            writeln!(out, "{line}").into_diagnostic()?;
            Ok(matches!(outcome, Outcome::Error(_)))
        }
        Format::Metro2 => {
            let outcome = plan.eval(doc, params);
            match &outcome {
                Outcome::Mapped { record, .. } => {
                    // An invalid record is held back, as the export holds it back from the
                    // bureau file: the fixed-width output is what a bureau would be sent.
                    let (status, all) = judge(&outcome, as_of);
                    if status == "invalid" {
                        for f in all.iter().filter(|f| f["severity"] == "error") {
                            eprintln!(
                                "{}: held back (invalid): {} {} ({}): {}",
                                who,
                                f["rule"].as_str().unwrap_or_default(),
                                f["source"].as_str().unwrap_or_default(),
                                finding_place(f),
                                f["message"].as_str().unwrap_or_default()
                            );
                        }
                    } else {
                        for s in record.segments() {
                            out.write_all(s.as_bytes()).into_diagnostic()?;
                        }
                        out.write_all(b"\n").into_diagnostic()?;
                    }
                }
                Outcome::Skipped { reason, .. } => {
                    eprintln!("{who}: skipped: {reason}")
                }
                Outcome::Error(e) if e.document_id.is_none() => eprintln!("error: {who}: {e}"),
                Outcome::Error(e) => eprintln!("error: {e}"),
            }
            Ok(matches!(outcome, Outcome::Error(_)))
        }
        Format::Yaml => {
            let outcome = plan.eval(doc, params);
            write!(
                out,
                "{}",
                yaml_doc(&id, &display_id, &outcome, as_of, args.reveal)
            )
            .into_diagnostic()?;
            Ok(matches!(outcome, Outcome::Error(_)))
        }
        Format::Explain => {
            let explained = plan.explain(doc, params);
            write!(out, "{}", explain_doc(&id, &explained, as_of, args.reveal))
                .into_diagnostic()?;
            Ok(matches!(explained.outcome, Outcome::Error(_)))
        }
    }
}

fn show_id(id: &serde_json::Value) -> String {
    match id {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "document without id".into(),
        other => other.to_string(),
    }
}

/// One segment as `{key: text}` in layout order.
pub fn segment_json(s: &Segment) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for f in &s.layout().fields {
        m.insert(
            f.key.to_string(),
            serde_json::Value::String(String::from_utf8_lossy(s.raw(f)).into_owned()),
        );
    }
    serde_json::Value::Object(m)
}

/// A record's segments as the JSON output shows them: `base` and the single segments as
/// objects, `j1` and `j2` as lists.
pub fn record_json(record: &DataRecord) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    m.insert("base".into(), segment_json(&record.base));
    for kind in SegmentKind::APPENDED {
        let segs: Vec<&Segment> = record.appended().filter(|s| s.kind() == kind).collect();
        if segs.is_empty() {
            continue;
        }
        let v = if kind.repeats() {
            serde_json::Value::Array(segs.iter().map(|s| segment_json(s)).collect())
        } else {
            segment_json(segs[0])
        };
        m.insert(kind.name().into(), v);
    }
    serde_json::Value::Object(m)
}

/// An outcome judged once for every output format: its status (`ok`, `invalid`: mapped, but a
/// rule or the validator found an error, `skipped` or `error`) and, for a mapped record, its
/// findings ([`crate::sync::mapping::checked`]).
pub fn judge(
    outcome: &Outcome,
    as_of: chrono::NaiveDate,
) -> (&'static str, Vec<serde_json::Value>) {
    match outcome {
        Outcome::Mapped { record, findings } => {
            match crate::sync::mapping::checked(record, findings, as_of) {
                (true, all) => ("invalid", all),
                (false, all) => (outcome.status(), all),
            }
        }
        other => (other.status(), Vec::new()),
    }
}

/// The JSON line of one document (the shape issue 3 fixes), its record checked as the sync
/// checks it.
pub fn json_line(
    id: serde_json::Value,
    display_id: serde_json::Value,
    outcome: &Outcome,
    as_of: chrono::NaiveDate,
) -> serde_json::Value {
    let (status, findings) = judge(outcome, as_of);
    let (reason, segments) = match outcome {
        Outcome::Mapped { record, .. } => (serde_json::Value::Null, record_json(record)),
        Outcome::Skipped { reason, .. } => (
            serde_json::Value::String(reason.clone()),
            serde_json::json!({}),
        ),
        Outcome::Error(e) => {
            let mut r = String::new();
            if let Some(f) = &e.field {
                r.push_str(f);
                r.push(' ');
            }
            r.push_str(&format!(
                "({}:{}): {}{}",
                e.file,
                e.line,
                e.message,
                e.others_text()
            ));
            (serde_json::Value::String(r), serde_json::json!({}))
        }
    };
    serde_json::json!({
        "id": id,
        "display_id": display_id,
        "status": status,
        "reason": reason,
        "segments": segments,
        "findings": serde_json::Value::Array(findings),
    })
}

fn yaml_doc(
    id: &serde_json::Value,
    display_id: &serde_json::Value,
    outcome: &Outcome,
    as_of: chrono::NaiveDate,
    reveal: bool,
) -> String {
    let q = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    let (status, all) = judge(outcome, as_of);
    let mut s = format!("---\nid: {id}\ndisplay_id: {display_id}\nstatus: {status}\n");
    match outcome {
        Outcome::Mapped { record, .. } => {
            s.push_str("segments:\n");
            for seg in record.segments() {
                let label = seg.kind().name();
                s.push_str(&format!("  - segment: {label}\n    fields:\n"));
                for f in &seg.layout().fields {
                    let text = String::from_utf8_lossy(seg.raw(f));
                    s.push_str(&format!(
                        "      {}: {}\n",
                        f.key,
                        q(&identity::mask_field(f.key, &text, reveal))
                    ));
                }
            }
            if !all.is_empty() {
                s.push_str("findings:\n");
                for f in &all {
                    let text = |k: &str| f[k].as_str().unwrap_or_default().to_string();
                    s.push_str(&format!(
                        "  - source: {}\n    rule: {}\n    severity: {}\n    {}\n    message: {}\n",
                        text("source"),
                        text("rule"),
                        text("severity"),
                        finding_place(f).replacen(' ', ": ", 1),
                        q(&text("message")),
                    ));
                }
            }
        }
        Outcome::Skipped { reason, line } => {
            s.push_str(&format!("reason: {}\nline: {line}\n", q(reason)))
        }
        Outcome::Error(e) => s.push_str(&format!(
            "field: {}\nline: {}\nreason: {}\n",
            q(e.field.as_deref().unwrap_or("")),
            e.line,
            q(&format!("{}{}", e.message, e.others_text()))
        )),
    }
    s
}

/// Where a finding of [`crate::sync::mapping::checked`] points: `line N` of the mapping for a rule, `field
/// SEGMENT.KEY` (or the segment alone) for the validator.
fn finding_place(f: &serde_json::Value) -> String {
    match (&f["line"], f["segment"].as_str(), f["field"].as_str()) {
        (serde_json::Value::Number(n), _, _) => format!("line {n}"),
        (_, Some(seg), Some(field)) => format!("field {seg}.{field}"),
        (_, Some(seg), None) => format!("segment {seg}"),
        _ => "record".to_string(),
    }
}

/// One line for branches shown under an earlier field: `lines 115, 141, 142: as above`.
fn as_above(branches: &[&str]) -> String {
    let mut lines: Vec<&str> = Vec::new();
    for b in branches {
        let line = b
            .strip_prefix("line ")
            .and_then(|r| r.split(':').next())
            .unwrap_or(b);
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    let word = if lines.len() == 1 { "line" } else { "lines" };
    format!("{word} {}: as above", lines.join(", "))
}

/// The `explain` rendering of one document: each field's text, `.m2map` line, expression and
/// branches; SSNs and dates of birth masked unless `reveal`.
pub fn explain_doc(
    id: &serde_json::Value,
    ex: &metro2_engine::plan::Explained,
    as_of: chrono::NaiveDate,
    reveal: bool,
) -> String {
    let (status, all) = judge(&ex.outcome, as_of);
    let mut s = format!("document {}: {status}\n", show_id(id));
    match &ex.outcome {
        Outcome::Skipped { reason, line } => {
            s.push_str(&format!("  skipped at line {line}: {reason}\n"))
        }
        Outcome::Error(e) => s.push_str(&format!("  error: {e}\n")),
        Outcome::Mapped { .. } => {
            // Columns as wide as this document's widest key and value, so every line reads
            // as a row of one table (a 30-character account number included).
            let texts: Vec<String> = ex
                .fields
                .iter()
                .map(|f| format!("{:?}", identity::mask_field(f.key, &f.text, reveal)))
                .collect();
            let key_width = ex.fields.iter().map(|f| f.key.len()).max().unwrap_or(0);
            let text_width = texts.iter().map(|t| t.chars().count()).max().unwrap_or(0);
            let mut current = String::new();
            // A `let` read by several fields (the status chain) would repeat its branches under
            // each: after the first, a run of branches already shown is one line naming them.
            let mut shown: std::collections::HashSet<&str> = std::collections::HashSet::new();
            for (f, text) in ex.fields.iter().zip(&texts) {
                if f.segment != current {
                    current = f.segment.clone();
                    s.push_str(&format!("  {current}\n"));
                }
                s.push_str(&format!(
                    "    {:<key_width$}  {:<text_width$}  line {:>3}  {}{}\n",
                    f.key,
                    text,
                    f.line,
                    f.source,
                    if f.constant { "  (constant)" } else { "" }
                ));
                let mut seen: Vec<&str> = Vec::new();
                let branch_line = |s: &mut String, b: &str| {
                    s.push_str(&format!(
                        "    {:<key_width$}  {:<text_width$}            ↳ {b}\n",
                        "", ""
                    ))
                };
                for b in &f.branches {
                    if shown.contains(b.as_str()) {
                        seen.push(b);
                        continue;
                    }
                    if !seen.is_empty() {
                        branch_line(&mut s, &as_above(&seen));
                        seen.clear();
                    }
                    branch_line(&mut s, b);
                    shown.insert(b);
                }
                if !seen.is_empty() {
                    branch_line(&mut s, &as_above(&seen));
                }
            }
            for f in &all {
                let text = |k: &str| f[k].as_str().unwrap_or_default().to_string();
                s.push_str(&format!(
                    "  finding {} {} ({}): {}\n",
                    text("rule"),
                    text("severity"),
                    finding_place(f),
                    text("message")
                ));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_shape_gives_its_documents() {
        assert_eq!(documents(r#"{"id":1}"#).len(), 1);
        assert_eq!(documents(r#"[{"id":1},{"id":2}]"#).len(), 2);
        assert_eq!(
            documents(r#"{"d":{"results":[{"id":1},{"id":2},{"id":3}]}}"#).len(),
            3
        );
        assert_eq!(documents(r#"{"d":{"id":7}}"#).len(), 1);
        let bom = documents("\u{feff}{\"id\":1}");
        assert_eq!(bom.len(), 1);
        assert!(bom[0].is_ok(), "{bom:?}");
        assert_eq!(
            documents(" \n\n"),
            vec![Err("empty: no loan document".to_string())]
        );
        let nd = documents("{\"id\":1}\n\n{\"id\":2}\nnot json\n");
        assert_eq!(nd.len(), 3);
        assert!(nd[2].as_ref().unwrap_err().starts_with("line 4"));
    }

    #[test]
    fn a_broken_pretty_printed_document_is_one_error_at_its_place() {
        let broken = "{\n  \"id\": 1,\n  \"displayId\": \"LN-1\"\n  \"deleted\": 0\n}\n";
        let docs = documents(broken);
        assert_eq!(docs.len(), 1, "{docs:?}");
        let message = docs[0].as_ref().unwrap_err();
        assert!(message.contains("line 4 column 3"), "{message}");
    }

    #[test]
    fn explain_columns_line_up_whatever_the_widths() {
        use metro2_engine::plan::{Explained, FieldTrace, Outcome};
        use metro2_engine::record::DataRecord;
        use metro2_engine::{Segment, SegmentKind};
        let trace = |key: &'static str, text: &str, branches: Vec<String>| FieldTrace {
            segment: "base".into(),
            key,
            text: text.into(),
            line: 7,
            source: "x".into(),
            branches,
            constant: false,
        };
        let ex = Explained {
            outcome: Outcome::Mapped {
                record: DataRecord::new(Segment::blank(SegmentKind::Base)),
                findings: Vec::new(),
            },
            fields: vec![
                trace("state", "TX", vec!["line 3: if → then".into()]),
                trace("consumer_account_number", &"A".repeat(30), Vec::new()),
            ],
        };
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
        let out = explain_doc(&serde_json::json!(1), &ex, as_of, false);
        let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("    ")).collect();
        let at = |l: &str, what: &str| l.find(what).unwrap_or_else(|| panic!("{what} in {l}"));
        assert_eq!(at(lines[0], "line   7"), at(lines[2], "line   7"), "{out}");
        assert_eq!(at(lines[0], "\"TX\""), at(lines[2], "\"AAA"), "{out}");
        assert_eq!(
            at(lines[1], "↳"),
            at(lines[0], "line   7") + "line   7  ".len(),
            "{out}"
        );
    }
    #[test]
    fn branches_shown_under_an_earlier_field_are_named_once() {
        use metro2_engine::plan::{Explained, FieldTrace, Outcome};
        use metro2_engine::record::DataRecord;
        use metro2_engine::{Segment, SegmentKind};
        let trace = |key: &'static str, branches: &[&str]| FieldTrace {
            segment: "base".into(),
            key,
            text: "1".into(),
            line: 9,
            source: "x".into(),
            branches: branches.iter().map(|b| b.to_string()).collect(),
            constant: false,
        };
        let status = [
            "line 115: table override_code[0] → _ (line 29)",
            "line 141: if → else",
        ];
        let ex = Explained {
            outcome: Outcome::Mapped {
                record: DataRecord::new(Segment::blank(SegmentKind::Base)),
                findings: Vec::new(),
            },
            fields: vec![
                trace("account_status", &status),
                trace(
                    "amount_past_due",
                    &[status[0], status[1], "line 248: if → else"],
                ),
                trace("payment_rating", &[status[1]]),
            ],
        };
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
        let out = explain_doc(&serde_json::json!(1), &ex, as_of, false);
        let branches: Vec<&str> = out
            .lines()
            .filter_map(|l| l.split_once("↳ ").map(|(_, b)| b))
            .collect();
        assert_eq!(
            branches,
            [
                status[0],
                status[1],
                "lines 115, 141: as above",
                "line 248: if → else",
                "line 141: as above"
            ],
            "{out}"
        );
    }
}
