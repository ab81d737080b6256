//! Nesting depth: every construct that nests, at just under `MAX_DEPTH`, goes through every
//! pass (parse, check, compile, format, the plan's display and evaluation) in a 2 MB thread,
//! the smallest stack a caller is likely to give (a test thread's default), in debug builds
//! too; past the limit, and at any size, it is one M2M032 diagnostic with a place, never a
//! stack overflow.

use m2map::parser::MAX_DEPTH;
use metro2_engine::json;
use metro2_engine::plan::{Outcome, Params};
use serde_json::json;

mod common;

/// Each construct that nests, as an expression `n` levels deep over the leaf `x` (an int read
/// from the document, so nothing folds away), and whether it is a condition.
fn constructs(n: usize) -> Vec<(&'static str, String, bool)> {
    vec![
        (
            "parens",
            format!("{}x{}", "(".repeat(n), ")".repeat(n)),
            false,
        ),
        ("plus chain", format!("x{}", " + 1".repeat(n)), false),
        ("minus prefixes", format!("{}x", "- ".repeat(n)), false),
        (
            "not prefixes",
            format!("{}(x == 1)", "not ".repeat(n)),
            true,
        ),
        (
            "else if chain",
            format!("{}x", "if x == 1 then 1 else ".repeat(n)),
            false,
        ),
        (
            "then if chain",
            format!("{}x{}", "if x == 1 then ".repeat(n), " else 1".repeat(n)),
            false,
        ),
        (
            "match in match",
            format!("{}x{}", "match x { 1 => ".repeat(n), " _ => 0 }".repeat(n)),
            false,
        ),
        (
            "calls",
            format!("{}x{}", "int(".repeat(n), ")".repeat(n)),
            false,
        ),
        (
            "lists",
            format!("count({}x{})", "[".repeat(n), "]".repeat(n)),
            false,
        ),
        ("members", format!("int(doc{} ?? 1)", ".a".repeat(n)), false),
        (
            "or chain",
            format!("x == 1{}", " or x == 2".repeat(n)),
            true,
        ),
    ]
}

fn mapping(expr: &str, condition: bool) -> String {
    let (field, rule) = if condition {
        (
            "0".to_string(),
            format!("rule DEEP warning \"deep\": {expr}\n"),
        )
    } else {
        (expr.to_string(), String::new())
    };
    format!(
        "m2map 1\nlet x = int(doc.n ?? 1)\n{}{rule}",
        common::base_segment(&[("credit_limit", &field)])
    )
}

#[test]
fn just_under_the_limit_every_pass_fits_in_a_small_stack() {
    common::on_small_stack(|| {
        // The mapping's own statement adds a few levels around the construct.
        for (what, expr, condition) in constructs(MAX_DEPTH - 8) {
            let source = mapping(&expr, condition);
            let compiled = m2map::compile(&source, "deep.m2map")
                .unwrap_or_else(|d| panic!("{what}: {}", d.render_plain(100)));
            let formatted = m2map::format(&source)
                .unwrap_or_else(|d| panic!("{what}: {}", d.render_plain(100)));
            assert!(m2map::format(&formatted).is_ok(), "{what}");
            assert!(!compiled.plan.to_string().is_empty(), "{what}");
            let doc = json::from_serde(&json!({"n": 1}));
            let outcome = compiled.plan.eval(&doc, &Params::new());
            assert!(
                matches!(outcome, Outcome::Mapped { .. }),
                "{what}: {outcome:?}"
            );
        }
    });
}

#[test]
fn past_the_limit_is_one_diagnostic_with_a_place() {
    common::on_small_stack(|| {
        for (what, expr, condition) in constructs(MAX_DEPTH + 8) {
            let source = mapping(&expr, condition);
            let diags = m2map::check(&source, "deep.m2map");
            assert_eq!(diags.items.len(), 1, "{what}: {}", diags.render_plain(100));
            let d = &diags.items[0];
            assert_eq!(d.code, m2map::Code::TooDeep, "{what}");
            let (line, column) = diags.line_col(d);
            assert!(line > 2 && column > 1, "{what}: {line}:{column}");
            assert!(
                diags
                    .render_plain(100)
                    .contains(&format!("deep.m2map:{line}:{column}")),
                "{what}"
            );
            assert!(m2map::format(&source).is_err(), "{what}");
            assert!(m2map::eval_expr(&expr).is_err(), "{what}");
            assert!(m2map::parser::parse_expr(&expr).is_err(), "{what}");
        }
    });
}

#[test]
fn no_size_overflows_the_stack() {
    common::on_small_stack(|| {
        for n in [1_000, 100_000] {
            for (what, expr, condition) in constructs(n) {
                let source = mapping(&expr, condition);
                let diags = m2map::check(&source, "deep.m2map");
                assert_eq!(
                    diags.items.iter().map(|d| d.code).collect::<Vec<_>>(),
                    [m2map::Code::TooDeep],
                    "{what} × {n}"
                );
                assert!(m2map::format(&source).is_err(), "{what} × {n}");
            }
        }
        // Unclosed brackets too (the audit's 50,000 parentheses gave a false M2M002).
        let source = format!("m2map 1\nlet x = {}\n", "(".repeat(50_000));
        let codes: Vec<_> = m2map::check(&source, "deep.m2map")
            .items
            .iter()
            .map(|d| d.code)
            .collect();
        assert_eq!(codes, [m2map::Code::TooDeep]);
        let source = format!(
            "m2map 1\nparam p: {}text{}\n",
            "list<".repeat(50_000),
            ">".repeat(50_000)
        );
        assert_eq!(
            m2map::check(&source, "deep.m2map").items[0].code,
            m2map::Code::TooDeep
        );
    });
}

#[test]
fn separate_statements_do_not_add_up() {
    // Many `if`s and brackets, each statement shallow: no false alarm from the pre-scan.
    let mut lets = String::new();
    for i in 0..(MAX_DEPTH * 2) {
        lets.push_str(&format!(
            "let v{i} = if x == {i} then (1) else if x == 2 then [2][0] else 3\n"
        ));
    }
    let mut fields = String::new();
    for i in 0..(MAX_DEPTH * 2) {
        fields.push_str(&format!(" + v{i}"));
    }
    let body =
        format!("match x {{ 1 => if x == 1 then 1 else 2, _ => if x == 2 then 2 else 3 }}{fields}");
    let source = format!(
        "m2map 1\nlet x = int(doc.n ?? 1)\n{lets}{}",
        common::base_segment(&[("credit_limit", "1")])
    );
    let diags = m2map::check(&source, "many.m2map");
    assert!(!diags.has_errors(), "{}", diags.render_plain(100));
    // The long sum is one chain: as deep as it is long.
    let source = format!("{source}let total = {body}\n");
    let diags = m2map::check(&source, "many.m2map");
    assert_eq!(diags.items[0].code, m2map::Code::TooDeep);
}
