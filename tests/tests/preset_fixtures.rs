//! The LoanPro preset over the fixture corpus (issue 4, Tests): a field-level YAML snapshot and
//! a raw fixed-width snapshot per fixture, the delinquency fields checked against the
//! independent day-by-day reading in fixtures/loanpro/expected/figures.json, and every mapped
//! fixture written into a file with header and trailer that validates without errors.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::LazyLock;

use chrono::NaiveDate;
use metro2_engine::plan::{Outcome, Params, Plan, RuleSeverity};
use metro2_engine::validate::{validate_record, RecordContext};
use metro2_engine::value::Value;
use metro2_engine::{DataRecord, Segment, SegmentKind};

/// The reporting date every fixture is described at.
const AS_OF: (i32, u32, u32) = (2026, 10, 31);

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

static PLAN: LazyLock<Plan> = LazyLock::new(|| {
    let path = root().join("presets/loanpro.m2map");
    let source = std::fs::read_to_string(&path).expect("the preset is readable");
    match m2map::compile(&source, "presets/loanpro.m2map") {
        Ok(c) => c.plan,
        Err(d) => panic!("the preset does not compile:\n{}", d.render_plain(120)),
    }
});

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(AS_OF.0, AS_OF.1, AS_OF.2).unwrap()
}

fn params() -> Params {
    Params::new()
        .with("as_of", Value::Date(as_of()))
        .with("furnisher_id", Value::text("FURN12345"))
}

/// Every fixture document, by file name without `.json`.
fn fixtures() -> BTreeMap<String, serde_json::Value> {
    let dir = root().join("fixtures/loanpro");
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("fixtures/loanpro exists") {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.insert(name, serde_json::from_str(&text).expect("fixture is JSON"));
        }
    }
    assert!(out.len() >= 30, "issue 4 asks for at least 30 fixtures");
    out
}

fn map(doc: &serde_json::Value) -> Outcome {
    PLAN.eval(&metro2_engine::json::from_serde(doc), &params())
}

/// A string as a YAML double-quoted scalar (JSON's quoting, which YAML reads alike).
fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// The label of each segment of a record as the snapshots name it (`base`, `j1[0]`, `j2[1]`),
/// with the offset of its first byte in the record.
fn segment_labels(record: &DataRecord) -> Vec<(String, usize, &Segment)> {
    let mut counts: BTreeMap<SegmentKind, usize> = BTreeMap::new();
    let mut start = 0;
    let mut out = Vec::new();
    for seg in record.segments() {
        let n = counts.entry(seg.kind()).or_default();
        let label = if seg.kind() == SegmentKind::Base {
            "base".to_string()
        } else {
            format!("{}[{n}]", seg.kind().name())
        };
        *n += 1;
        out.push((label, start, seg));
        start += seg.as_bytes().len();
    }
    out
}

/// One line per field: `segment.field: "bytes"`, so a diff names the field that changed; then
/// the record's status and findings as `metro2 map` judges it: the mapping's rules, then the
/// validator's checks of the record on its own (`validate_record` at the reporting date, as
/// `metro2 map` and the sync check a record), one finding a line. A skipped or error outcome
/// is named by its reason and field, not by its `.m2map` line, so an edit to the preset above
/// does not change every snapshot; the line is kept only for an error outside any field.
fn field_yaml(outcome: &Outcome) -> String {
    let mut out = String::new();
    match outcome {
        Outcome::Skipped { reason, .. } => {
            out.push_str(&format!("skipped: {}\n", quoted(reason)));
        }
        Outcome::Error(e) => {
            out.push_str(&format!("error: {}\n", quoted(&e.message)));
            match e.field.as_deref() {
                // A skip's or the document's failure: the line says which.
                None | Some("skip") => {
                    if let Some(f) = &e.field {
                        out.push_str(&format!("field: {f}\n"));
                    }
                    out.push_str(&format!("line: {}\n", e.line));
                }
                Some(f) => out.push_str(&format!("field: {f}\n")),
            }
        }
        Outcome::Mapped { record, findings } => {
            let labels = segment_labels(record);
            for (label, _, seg) in &labels {
                for f in &seg.layout().fields {
                    let raw = String::from_utf8_lossy(seg.raw(f));
                    out.push_str(&format!("{label}.{}: {raw:?}\n", f.key));
                }
            }
            let validated = validate_record(
                record,
                &RecordContext {
                    activity_date: Some(as_of()),
                    ..RecordContext::default()
                },
            );
            let invalid = findings.iter().any(|f| f.severity == RuleSeverity::Error)
                || validated.iter().any(|f| f.is_error());
            out.push_str(if invalid {
                "status: invalid\n"
            } else {
                "status: ok\n"
            });
            if !findings.is_empty() || !validated.is_empty() {
                out.push_str("findings:\n");
            }
            for f in findings {
                out.push_str(&format!(
                    "  - mapping {} {}: {}\n",
                    f.severity.name(),
                    f.rule,
                    quoted(&f.message)
                ));
            }
            for f in &validated {
                // The segment (with its index among its kind) the finding's offset falls in.
                let label = labels
                    .iter()
                    .rev()
                    .find(|(_, start, seg)| *start <= f.offset && seg.kind() == f.segment)
                    .map_or(f.segment.name().to_string(), |(l, ..)| l.clone());
                let place = match f.field {
                    Some(field) => format!("{label}.{field}"),
                    None => label,
                };
                out.push_str(&format!(
                    "  - validator {} {} {place}: {}\n",
                    f.severity.name(),
                    f.rule,
                    quoted(&f.message)
                ));
            }
        }
    }
    out
}

/// How the raw snapshots are written, in their header.
const RAW_FORM: &str = "The record's fixed-width bytes, one segment a line: `LABEL |BYTES|`. \
The record is the concatenation, in order, of the text between the first and the last `|` of \
each line (raw_bytes_are_recoverable checks it).";

/// The record as the file holds it, one segment a line (`base`, then each J1/J2/K/L/N
/// segment), its bytes between `|` so that trailing blanks stay visible: a one-byte change
/// diffs as its segment's line, and the file's text is the lines' bytes joined.
fn raw_text(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Mapped { record, .. } => {
            let labels = segment_labels(record);
            let width = labels.iter().map(|(l, ..)| l.len()).max().unwrap_or(0);
            let mut out = String::new();
            for (label, _, seg) in &labels {
                let text = std::str::from_utf8(seg.as_bytes()).expect("records are ASCII");
                out.push_str(&format!("{label:<width$} |{text}|\n"));
            }
            out
        }
        other => format!("({})", other.status()),
    }
}

/// The bytes of a raw snapshot's text, as [`RAW_FORM`] says to read them back.
fn raw_bytes(snapshot: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for line in snapshot.lines() {
        let (Some(a), Some(b)) = (line.find('|'), line.rfind('|')) else {
            continue;
        };
        out.extend_from_slice(&line.as_bytes()[a + 1..b]);
    }
    out
}

#[test]
fn snapshots_per_fixture() {
    for (name, doc) in fixtures() {
        let outcome = map(&doc);
        insta::assert_snapshot!(format!("{name}.fields"), field_yaml(&outcome));
        insta::with_settings!({ description => RAW_FORM }, {
            insta::assert_snapshot!(format!("{name}.raw"), raw_text(&outcome));
        });
    }
}

#[test]
fn raw_bytes_are_recoverable() {
    for (name, doc) in fixtures() {
        if let Outcome::Mapped { record, .. } = map(&doc) {
            let mut bytes = Vec::with_capacity(record.len());
            for s in record.segments() {
                bytes.extend_from_slice(s.as_bytes());
            }
            assert_eq!(
                raw_bytes(&raw_text(&map(&doc))),
                bytes,
                "{name}: the raw snapshot does not give back the record's bytes"
            );
        }
    }
}

fn base_field(record: &DataRecord, key: &str) -> String {
    record
        .base
        .get(key)
        .map(|c| c.trim().to_string())
        .unwrap_or_default()
}

#[test]
fn delinquency_fields_match_the_independent_reading() {
    let expected: BTreeMap<String, BTreeMap<String, serde_json::Value>> = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/loanpro/expected/figures.json")).unwrap(),
    )
    .unwrap();
    let docs = fixtures();
    assert_eq!(
        expected.keys().collect::<Vec<_>>(),
        docs.keys().collect::<Vec<_>>(),
        "expected/figures.json covers every fixture (regenerate it with expected/figures.py)"
    );
    let mut mismatches = Vec::new();
    for (name, want) in &expected {
        let outcome = map(&docs[name]);
        match (&outcome, want.get("skipped"), want.get("error")) {
            (Outcome::Skipped { .. }, Some(_), _) | (Outcome::Error(_), _, Some(_)) => continue,
            (Outcome::Mapped { record, .. }, None, None) => {
                for (key, value) in want {
                    let want = match value {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    let mut got = base_field(record, key);
                    if value.is_number() {
                        got = got.parse::<i64>().map(|n| n.to_string()).unwrap_or(got);
                    }
                    if got != want {
                        mismatches.push(format!("{name}: {key} is {got:?}, expected {want:?}"));
                    }
                }
            }
            (got, _, _) => mismatches.push(format!(
                "{name}: {} but expected {want:?}: {}",
                got.status(),
                field_yaml(got)
            )),
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// Fixtures that are invalid on purpose, with the findings the mapping's rules must raise.
const DELIBERATELY_INVALID: &[(&str, &[&str])] = &[(
    // A servicer override of 97 on a loan that is not late: passed through as set (§4), so the
    // record has no amount past due and no DOFD, and is held back until the servicer fixes it.
    "invalid_override_97_on_current_loan",
    &["LP-STATUS-APD", "LP-DOFD-REQUIRED"],
)];

#[test]
fn rules_flag_exactly_the_deliberately_invalid_fixtures() {
    for (name, doc) in fixtures() {
        let expected: Vec<&str> = DELIBERATELY_INVALID
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, ids)| ids.to_vec())
            .unwrap_or_default();
        if let Outcome::Mapped { findings, .. } = map(&doc) {
            let errors: Vec<&str> = findings
                .iter()
                .filter(|f| f.severity == metro2_engine::plan::RuleSeverity::Error)
                .map(|f| f.rule.as_str())
                .collect();
            assert_eq!(errors, expected, "{name}");
        }
    }
}

fn header() -> Segment {
    let mut h = Segment::blank(SegmentKind::Header);
    for (k, v) in [
        ("record_identifier", "HEADER"),
        ("equifax_program_identifier", "EFX1234567"),
        ("activity_date", "10312026"),
        ("date_created", "11012026"),
        ("reporter_name", "ACME LENDING"),
        ("reporter_address", "1 MAIN ST AUSTIN TX 78701"),
    ] {
        let f = h.layout().field(k).unwrap();
        h.set(f, &metro2_engine::FieldValue::Text(v)).unwrap();
    }
    h
}

#[test]
fn every_mapped_fixture_validates_in_a_file_with_header_and_trailer() {
    let mut records = Vec::new();
    let mut invalid = Vec::new();
    for (name, doc) in fixtures() {
        if let Outcome::Mapped { record, .. } = map(&doc) {
            if DELIBERATELY_INVALID.iter().any(|(n, _)| *n == name) {
                invalid.push((name, record));
            } else {
                records.push((name, record));
            }
        }
    }
    assert!(records.len() >= 30);
    let all: Vec<DataRecord> = records.iter().map(|(_, r)| r.clone()).collect();
    let file = metro2_engine::writer::write_file(&header(), &all, &Default::default());
    let findings = metro2_engine::validate::validate_file(&file);
    let errors: Vec<String> = findings
        .iter()
        .filter(|f| f.is_error())
        .map(|f| {
            let name = f
                .record
                .checked_sub(2)
                .and_then(|i| records.get(i))
                .map_or("?", |(n, _)| n.as_str());
            format!("{name}: {} {:?} {}", f.rule, f.field, f.message)
        })
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // The deliberately invalid record is caught by the validator's consistency rules too.
    for (name, record) in invalid {
        let file = metro2_engine::writer::write_file(&header(), &[record], &Default::default());
        let errors: Vec<&str> = metro2_engine::validate::validate_file(&file)
            .into_iter()
            .filter(|f| f.is_error())
            .map(|f| f.rule)
            .collect();
        assert!(!errors.is_empty(), "{name}: the validator finds nothing");
    }
}

#[test]
fn loans_in_errors_are_error_records_naming_the_cause() {
    let path = root().join("fixtures/loanpro/errors/no_balance_this_month.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let outcome = map(&doc);
    let Outcome::Error(e) = &outcome else {
        panic!("expected an error record, got {}", outcome.status());
    };
    assert_eq!(e.document_id.as_deref(), Some("100138"));
    assert!(
        e.message.contains("no balance for the reporting month"),
        "{e}"
    );
    insta::assert_snapshot!("errors__no_balance_this_month.fields", field_yaml(&outcome));
}

#[test]
fn the_preset_is_in_the_canonical_layout() {
    let source = std::fs::read_to_string(root().join("presets/loanpro.m2map")).unwrap();
    let formatted =
        m2map::format::format(&source).unwrap_or_else(|d| panic!("{}", d.render_plain(120)));
    assert!(
        formatted == source,
        "presets/loanpro.m2map is not formatted: run `metro2 fmt presets/loanpro.m2map`"
    );
}
