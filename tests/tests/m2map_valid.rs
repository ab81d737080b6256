//! Valid mapping fixtures evaluated over the loan documents of `fixtures/m2map/docs`: one
//! snapshot per mapping holding the JSON line of every document (the `metro2 map --format
//! json` shape), plus the plan listing, explain mode's branches, and the formatter's idempotence
//! on every fixture.

use std::path::Path;

use metro2_engine::plan::{Outcome, Params, Plan};

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/m2map")
}

fn params(plan: &Plan) -> Params {
    let mut p = Params::new();
    for spec in &plan.params {
        let text = match spec.name.as_str() {
            "as_of" => "2026-10-31",
            "furnisher_id" => "FURN12345",
            other => panic!("no test value for the parameter {other}"),
        };
        p.set(
            spec.name.clone(),
            plan.param_from_text(&spec.name, text).unwrap(),
        );
    }
    p
}

fn docs() -> Vec<(String, metro2_engine::json::Doc)> {
    let mut files: Vec<_> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let v = metro2_engine::json::parse(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p.file_name().unwrap().to_string_lossy().into_owned(), v)
        })
        .collect()
}

/// The record as `{segment: {field: text}}`, only the fields that are not empty fill, so
/// snapshots stay readable.
fn record_json(outcome: &Outcome) -> serde_json::Value {
    let Outcome::Mapped { record, findings } = outcome else {
        return match outcome {
            Outcome::Skipped { reason, line } => {
                serde_json::json!({"status": "skipped", "reason": reason, "line": line})
            }
            Outcome::Error(e) => serde_json::json!({
                "status": "error", "document": e.document_id, "field": e.field,
                "line": e.line, "message": e.message,
            }),
            Outcome::Mapped { .. } => unreachable!(),
        };
    };
    let mut segs = Vec::new();
    for s in record.segments() {
        let mut m = serde_json::Map::new();
        for f in &s.layout().fields {
            let raw = String::from_utf8_lossy(s.raw(f)).into_owned();
            if raw.bytes().all(|b| b == f.ty.fill()) {
                continue;
            }
            m.insert(f.key.to_string(), serde_json::Value::String(raw));
        }
        segs.push(serde_json::json!({ s.kind().name(): m }));
    }
    serde_json::json!({"status": "ok", "segments": segs, "findings": findings})
}

/// A valid fixture, compiled under its name in the fixtures folder (`valid/NAME.m2map`).
fn compile_fixture(path: &Path) -> m2map::Compiled {
    let source = std::fs::read_to_string(path).unwrap();
    let name = format!("valid/{}", path.file_name().unwrap().to_string_lossy());
    m2map::compile(&source, &name).unwrap_or_else(|d| panic!("{}", d.render_plain(100)))
}

#[test]
fn valid_mappings_over_the_documents() {
    insta::glob!("../../fixtures/m2map/valid", "*.m2map", |path| {
        let compiled = compile_fixture(path);
        assert!(
            compiled.warnings.is_empty(),
            "{}",
            compiled.warnings.render_plain(100)
        );
        let p = params(&compiled.plan);
        let mut out = serde_json::Map::new();
        for (doc_name, doc) in docs() {
            let outcome = compiled.plan.eval(&doc, &p);
            // Explain mode must produce the same record as the fast path.
            let explained = compiled.plan.explain(&doc, &p);
            assert_eq!(
                record_json(&outcome),
                record_json(&explained.outcome),
                "{doc_name}: explain differs"
            );
            out.insert(doc_name, record_json(&outcome));
        }
        insta::assert_snapshot!(
            serde_json::to_string_pretty(&serde_json::Value::Object(out)).unwrap()
        );
    });
}

#[test]
fn explain_branches() {
    // The branches explain mode records (if/else, match arms, table entries, `??` defaults,
    // replayed for cached lets), per document: only fields that took a branch, one per line.
    insta::glob!("../../fixtures/m2map/valid", "*.m2map", |path| {
        let compiled = compile_fixture(path);
        let p = params(&compiled.plan);
        let mut out = String::new();
        for (doc_name, doc) in docs() {
            out.push_str(&format!("{doc_name}\n"));
            for t in compiled.plan.explain(&doc, &p).fields {
                if !t.branches.is_empty() {
                    let field = format!("{}.{}", t.segment, t.key);
                    out.push_str(&format!(
                        "  {field} (line {}) = {:?}: {}\n",
                        t.line,
                        t.text.trim_end(),
                        t.branches.join("; ")
                    ));
                }
            }
        }
        insta::assert_snapshot!(out);
    });
}

#[test]
fn plan_listing() {
    insta::glob!("../../fixtures/m2map/valid", "*.m2map", |path| {
        let compiled = compile_fixture(path);
        let listing = compiled.plan.to_string();
        // The `_note` let nothing uses is gone from the plan.
        assert!(!listing.contains("dropped by the compiler"));
        insta::assert_snapshot!(listing);
    });
}

#[test]
fn the_formatter_is_idempotent_on_every_fixture() {
    for dir in ["valid", "invalid"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let source = std::fs::read_to_string(&path).unwrap();
            let Ok(once) = m2map::format(&source) else {
                // Files that do not parse (a syntax error, a literal that is not a value, nesting
                // too deep to walk) are refused rather than rewritten.
                let p = path.to_string_lossy();
                assert!(
                    p.contains("m2m001") || p.contains("m2m029") || p.contains("m2m032"),
                    "{path:?}"
                );
                continue;
            };
            let twice = m2map::format(&once).unwrap();
            assert_eq!(once, twice, "{path:?}");
            assert_eq!(
                source.matches('#').count(),
                once.matches('#').count(),
                "{path:?}: a comment was lost"
            );
            // Formatting changes the layout, never the diagnostics.
            let codes = |s: &str| -> Vec<&'static str> {
                m2map::check(s, "x")
                    .items
                    .iter()
                    .map(|d| d.code.as_str())
                    .collect()
            };
            assert_eq!(codes(&source), codes(&once), "{path:?}");
        }
    }
}

#[test]
fn the_valid_fixtures_are_formatted() {
    for entry in std::fs::read_dir(root().join("valid")).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            m2map::format(&source).unwrap(),
            source,
            "{path:?}: run metro2 fmt"
        );
    }
}

#[test]
fn a_bound_plan_maps_as_the_plan_and_a_missing_parameter_is_an_error_record() {
    let compiled = compile_fixture(&root().join("valid/features.m2map"));
    let p = params(&compiled.plan);
    let bound = compiled.plan.bind(&p).expect("every parameter is given");
    for (name, doc) in docs() {
        assert_eq!(
            record_json(&bound.eval(&doc)),
            record_json(&compiled.plan.eval(&doc, &p)),
            "{name}"
        );
    }
    let first = &compiled.plan.params[0].name;
    let missing = compiled.plan.bind(&Params::new()).err();
    assert_eq!(
        missing.as_deref(),
        Some(format!("the parameter `{first}` was not given").as_str())
    );
    let (_, doc) = &docs()[0];
    let Outcome::Error(e) = compiled.plan.eval(doc, &Params::new()) else {
        panic!("mapped without its parameters")
    };
    assert_eq!(e.message, format!("the parameter `{first}` was not given"));
    assert_eq!((e.field, e.line), (None, 0));
}

#[test]
fn the_plan_listing_reads_with_the_sources_precedence() {
    let path = root().join("../../presets/loanpro.m2map");
    let source = std::fs::read_to_string(&path).unwrap();
    let listing = m2map::compile(&source, "presets/loanpro.m2map")
        .unwrap()
        .plan
        .to_string();
    let rule = listing
        .lines()
        .find(|l| l.starts_with("rule LP-DOFD-RATING "))
        .unwrap_or_else(|| panic!("{listing}"));
    // `(a in [...]) == (b != none)`: the `in` is bracketed as an operand of `==`.
    assert!(
        rule.contains("((base.payment_rating in set[") && rule.contains("]) == ("),
        "{rule}"
    );
    assert!(rule.starts_with("rule LP-DOFD-RATING error: "), "{rule}");
    assert!(!listing.contains("Warning:") && !listing.contains("Error:"));
}
