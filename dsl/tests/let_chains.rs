//! Chains of lets, each built on the one before: every pass that follows a let into the lets it
//! uses (the compiler, the plan's listing, its closures compiled and evaluated) sees one deep
//! expression. Just under M2M033's limit, under the deepest field the parser allows, they fit
//! a 2 MB thread in a debug build and give the right value; past it, and at any length, the
//! file is one M2M033 at the let that passes it, never a stack overflow.

use chrono::{Duration, NaiveDate};
use m2map::checker::MAX_LET_DEPTH;
use m2map::parser::MAX_DEPTH;
use metro2_engine::json;
use metro2_engine::layout::SegmentKind;
use metro2_engine::plan::{Outcome, Params};
use serde_json::json;

mod common;

/// `let a0 = …` is 4 levels deep (a call of `??` of a key of the document).
const FIRST: usize = 4;

/// One shape of chain: its first let, and the expression of let `i` built on let `i - 1`.
struct Shape {
    what: &'static str,
    first: &'static str,
    step: fn(usize) -> String,
    /// How many levels each let adds to the one before.
    levels: usize,
    /// Items the lets need (a table).
    extra: &'static str,
}

impl Shape {
    /// The most lets after `a0` a chain may have.
    fn longest(&self) -> usize {
        (MAX_LET_DEPTH - FIRST) / self.levels
    }
}

fn shapes() -> Vec<Shape> {
    vec![
        Shape {
            what: "add_days",
            first: "date(doc.d ?? \"2020-01-01\")",
            step: |i| format!("add_days(a{}, 1)", i - 1),
            levels: 1,
            extra: "",
        },
        Shape {
            what: "plus",
            first: "int(doc.n ?? 0)",
            step: |i| format!("a{} + 1", i - 1),
            levels: 1,
            extra: "",
        },
        Shape {
            what: "match",
            first: "int(doc.n ?? 0)",
            step: |i| {
                format!(
                    "match a{} {{ 0..=100000 => a{} + 1, _ => 0 }}",
                    i - 1,
                    i - 1
                )
            },
            levels: 2,
            extra: "",
        },
        Shape {
            what: "if",
            first: "int(doc.n ?? 0)",
            step: |i| format!("if a{} > 100000 then 0 else a{} + 1", i - 1, i - 1),
            levels: 2,
            extra: "",
        },
        Shape {
            what: "table",
            first: "int(doc.n ?? 0)",
            step: |i| format!("flip[a{}]", i - 1),
            levels: 1,
            extra: "table flip {\n  0 => 1\n  1 => 0\n}\n",
        },
    ]
}

/// `n` lets after `a0`, the last written into a field through `wrap` more levels of the field's
/// own (a sum, or `add_days` for dates), and a rule over the last let.
fn chain(shape: &Shape, n: usize, wrap: usize) -> String {
    let mut s = format!("m2map 1\n{}let a0 = {}\n", shape.extra, shape.first);
    for i in 1..=n {
        s.push_str(&format!("let a{i} = {}\n", (shape.step)(i)));
    }
    let field = if shape.what == "add_days" {
        (
            "date_opened",
            format!("{}a{n}{}", "add_days(".repeat(wrap), ", 1)".repeat(wrap)),
        )
    } else {
        ("credit_limit", format!("a{n}{}", " + 1".repeat(wrap)))
    };
    s.push_str(&common::base_segment(&[(field.0, &field.1)]));
    s.push_str(&format!("rule LAST warning \"last\": a{n} != none\n"));
    s
}

fn field_text(outcome: &Outcome, key: &str) -> String {
    let Outcome::Mapped { record, .. } = outcome else {
        panic!("{outcome:?}");
    };
    let field = SegmentKind::Base.layout().field(key).unwrap();
    String::from_utf8_lossy(record.base.raw(field))
        .trim()
        .to_string()
}

#[test]
fn the_longest_chain_under_the_deepest_field_fits_a_small_stack() {
    common::on_small_stack(|| {
        // The field's own levels: a few go to the statement around the expression.
        let wrap = MAX_DEPTH - 8;
        for shape in shapes() {
            let longest = shape.longest();
            let source = chain(&shape, longest, wrap);
            let compiled = m2map::compile(&source, "chain.m2map")
                .unwrap_or_else(|d| panic!("{}: {}", shape.what, d.render_plain(100)));
            assert!(!compiled.plan.to_string().is_empty(), "{}", shape.what);
            let doc = json::from_serde(&json!({"d": "2020-01-01", "n": 0}));
            let outcome = compiled.plan.eval(&doc, &Params::new());
            let explained = compiled.plan.explain(&doc, &Params::new());
            assert_eq!(
                common::summary(&outcome),
                common::summary(&explained.outcome),
                "{}",
                shape.what
            );
            let (key, expected) = match shape.what {
                "add_days" => {
                    let day = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
                        + Duration::days((longest + wrap) as i64);
                    ("date_opened", day.format("%m%d%Y").to_string())
                }
                // The table flips between 0 and 1.
                "table" => ("credit_limit", (longest % 2 + wrap).to_string()),
                _ => ("credit_limit", (longest + wrap).to_string()),
            };
            let got = field_text(&outcome, key);
            let got = if key == "date_opened" {
                got.as_str()
            } else {
                got.trim_start_matches('0')
            };
            assert_eq!(got, expected, "{}", shape.what);
        }
    });
}

#[test]
fn one_let_past_the_limit_is_one_diagnostic_at_that_let() {
    common::on_small_stack(|| {
        for shape in shapes() {
            let past = shape.longest() + 1;
            let source = chain(&shape, past, 0);
            let diags = m2map::check(&source, "chain.m2map");
            let codes: Vec<_> = diags.items.iter().map(|d| d.code).collect();
            assert_eq!(codes, [m2map::Code::LetTooDeep], "{}", shape.what);
            let (line, column) = diags.line_col(&diags.items[0]);
            // The file's line 1 is the version, then the table if any, then a0.
            let a0 = 2 + shape.extra.lines().count();
            assert_eq!((line as usize, column), (a0 + past, 5), "{}", shape.what);
            let text = diags.render_plain(100);
            assert!(text.contains(&format!("chain.m2map:{line}:5")), "{text}");
            assert!(text.contains(&format!("`a{past}`")), "{text}");
            assert!(m2map::compile(&source, "chain.m2map").is_err());
            // The formatter never follows a let: it lays the file out.
            assert!(m2map::format(&source).is_ok(), "{}", shape.what);
        }
    });
}

#[test]
fn no_length_of_chain_overflows_the_stack() {
    common::on_small_stack(|| {
        for n in [1_000, 3_000, 20_000] {
            // Every shape at the lengths of the report; the longest once (a debug build takes
            // seconds to parse it).
            for shape in shapes().into_iter().take(if n > 3_000 { 1 } else { 5 }) {
                let source = chain(&shape, n, 0);
                let codes: Vec<_> = m2map::check(&source, "chain.m2map")
                    .items
                    .iter()
                    .map(|d| d.code)
                    .collect();
                assert_eq!(codes, [m2map::Code::LetTooDeep], "{} × {n}", shape.what);
                assert!(m2map::format(&source).is_ok(), "{} × {n}", shape.what);
            }
        }
    });
}

#[test]
fn separate_chains_are_each_reported_once() {
    // Two chains past the limit, and lets, fields and rules over them: one M2M033 per chain.
    let shape = &shapes()[1];
    let past = shape.longest() + 10;
    let mut source = chain(shape, past, 0);
    source.push_str("let b0 = int(doc.m ?? 0)\n");
    for i in 1..=past {
        source.push_str(&format!("let b{i} = b{} + 1\n", i - 1));
    }
    source.push_str(&format!(
        "rule BOTH warning \"both\": a{past} + b{past} > 0\n"
    ));
    let diags = m2map::check(&source, "chain.m2map");
    let codes: Vec<_> = diags.items.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [m2map::Code::LetTooDeep, m2map::Code::LetTooDeep],
        "{}",
        diags.render_plain(100)
    );
}

#[test]
fn many_lets_side_by_side_are_not_deep() {
    // 20,000 lets on one shallow base, each read by a rule: wide, not deep.
    let mut source = String::from("m2map 1\nlet base = int(doc.n ?? 0)\n");
    for i in 0..20_000 {
        source.push_str(&format!("let v{i} = base + {i}\n"));
    }
    for i in (0..20_000).step_by(100) {
        source.push_str(&format!("rule R{i} warning \"r\": v{i} >= 0\n"));
    }
    source.push_str(&common::base_segment(&[("credit_limit", "v19999")]));
    let diags = m2map::check(&source, "wide.m2map");
    // Every let no rule or field reads is a warning; nothing else.
    assert!(!diags.has_errors(), "{}", diags.render_plain(100));
    let compiled = m2map::compile(&source, "wide.m2map").unwrap();
    let doc = json::from_serde(&json!({"n": 1}));
    let outcome = compiled.plan.eval(&doc, &Params::new());
    assert_eq!(
        field_text(&outcome, "credit_limit").trim_start_matches('0'),
        "20000"
    );
}
