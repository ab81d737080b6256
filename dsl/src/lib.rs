//! The `.m2map` mapping language: parse (pest) → AST with spans → check → compile to an
//! `engine` plan, with miette diagnostics and a canonical formatter.
//!
//! ```
//! let source = "m2map 1\nparam as_of: date\nsegment base {\n  date_of_account_information = as_of\n}\n";
//! // A base segment leaves required fields unassigned, so this file has errors:
//! let err = m2map::compile(source, "example.m2map").unwrap_err();
//! assert!(err.render_plain(100).contains("M2M010"));
//! ```
//!
//! The public API:
//! - [`compile`]: source → [`Compiled`] (the [`Plan`], warnings,
//!   field docs) or every [`Diagnostics`] found.
//! - [`check`]: every diagnostic of a file, errors and warnings (what `metro2 check` shows).
//! - [`format()`]: the canonical layout of a file (`metro2 fmt`).
//! - [`outline()`]: the title, parameters, lets, tables, skips and segment blocks of a file
//!   with their doc comments and source text (`metro2 dictionary`).
//! - [`eval_expr`]: evaluates a constant expression (built-in examples, tooling).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ast;
pub mod checker;
pub mod compiler;
pub mod diagnostics;
pub mod format;
pub mod outline;
pub mod parser;
pub mod schema;
pub mod span;

pub use checker::FieldDoc;
pub use diagnostics::{Code, Diagnostic, Diagnostics, Severity};
pub use format::format;
pub use outline::{outline, Outline};

use metro2_engine::plan::Plan;
use metro2_engine::value::Value;

/// A compiled mapping file.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The evaluation plan.
    pub plan: Plan,
    /// Warnings (the file compiled, but look at these).
    pub warnings: Diagnostics,
    /// The `##` doc comment of every assigned field, for `metro2 dictionary`.
    pub docs: Vec<FieldDoc>,
    /// The mapping's title: the `##` comment of the file's first item up to its first empty
    /// `##` line (the rest is the item's own doc; see [`outline()`]).
    pub title: Vec<String>,
}

/// Everything `compile` finds, errors and warnings, sorted by position.
pub fn check(source: &str, file_name: &str) -> Diagnostics {
    run(source, file_name).1
}

/// What one pass over a file gives: the plan, field docs and title, and every diagnostic.
type RunOutput = (Option<(Plan, Vec<FieldDoc>, Vec<String>)>, Diagnostics);

fn run(source: &str, file_name: &str) -> RunOutput {
    // The checker and compiler read names and texts from the text the parser repaired (a
    // name with an accent, a text not closed); diagnostics point into the file as written.
    let (file, mut diags, text) = parser::parse_repaired(source);
    if diags.iter().any(|d| d.code == Code::TooDeep) {
        // The tree was cut short where it got too deep: checking what is left would only
        // report the missing parts.
        let mut all = Diagnostics::new(file_name, source);
        all.items = diags;
        return (None, all);
    }
    let (checked, more) = checker::check(&text, &file);
    diags.extend(more);
    if diags.iter().any(|d| d.code == Code::LetTooDeep) {
        // The compiler follows every let into the lets it uses: a chain past the limit is
        // the stack overflow the limit is there to prevent.
        return (None, finish(source, file_name, diags));
    }
    let (plan, more) = compiler::compile(&checked, &text, file_name);
    // The compiler's constant checks meet values the checker already rejected (text into a
    // numeric field): one mistake is one error.
    let fresh: Vec<Diagnostic> = more
        .into_iter()
        .filter(|d| !diags.iter().any(|c| c.code == d.code && c.span == d.span))
        .collect();
    diags.extend(fresh);
    let all = finish(source, file_name, diags);
    let title = file
        .items
        .first()
        .map(|i| i.docs.clone())
        .unwrap_or_default();
    (Some((plan, checked.docs, title)), all)
}

/// Drops what a syntax error makes meaningless. Statements the parser could not read are
/// missing from the tree, so the checks that need the whole file (names never used, required
/// fields not assigned, a field assigned twice, no base segment) would report the gap, not a
/// mistake; and a line with a syntax error gets that error only.
fn without_consequences(source: &str, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let index = span::LineIndex::new(source);
    let syntax_lines: Vec<u32> = diags
        .iter()
        .filter(|d| d.code == Code::Syntax)
        .map(|d| index.line(d.span.start))
        .collect();
    if syntax_lines.is_empty() {
        return diags;
    }
    diags
        .into_iter()
        .filter(|d| {
            d.code == Code::Syntax
                || !(matches!(
                    d.code,
                    Code::UnusedLet
                        | Code::UnusedParam
                        | Code::UnusedTable
                        | Code::RequiredUnassigned
                        | Code::AssignedTwice
                        | Code::NoBase
                ) || syntax_lines.contains(&index.line(d.span.start)))
        })
        .collect()
}

/// A file's diagnostics, in order: syntax errors first (the cause before what may follow from
/// it), each group in the order of the file.
fn finish(source: &str, file_name: &str, diags: Vec<Diagnostic>) -> Diagnostics {
    let mut all = Diagnostics::new(file_name, source);
    all.items = without_consequences(source, diags);
    parser::whole_chars(source, &mut all.items);
    all.sort();
    all.items.sort_by_key(|d| d.code != Code::Syntax);
    all
}

/// Compiles a mapping file. `Err` holds every diagnostic (errors and warnings) when there is
/// at least one error; on success, the warnings are in [`Compiled::warnings`].
pub fn compile(source: &str, file_name: &str) -> Result<Compiled, Diagnostics> {
    let (out, diags) = run(source, file_name);
    if diags.has_errors() {
        return Err(diags);
    }
    let (plan, docs, title) = out.expect("run always returns a plan");
    Ok(Compiled {
        plan,
        warnings: diags,
        docs,
        title: outline::split_title(&title).0,
    })
}

/// Evaluates a constant expression (no document, no parameters), e.g. a built-in's example
/// `add_months(2026-01-31, 1)`.
pub fn eval_expr(source: &str) -> Result<Value<'static>, String> {
    let wrapped = format!("m2map 1\nlet _x = {source}\n");
    let (file, mut diags) = parser::parse(&wrapped);
    if let Some(d) = diags.iter().find(|d| d.code == Code::TooDeep) {
        return Err(format!("{}: {}", d.code, d.message));
    }
    let (checked, more) = checker::check(&wrapped, &file);
    diags.extend(more);
    if let Some(d) = diags
        .iter()
        .find(|d| d.severity() == Severity::Error && d.code != Code::NoBase)
    {
        return Err(format!("{}: {}", d.code, d.message));
    }
    let Some(l) = checked.lets.first() else {
        return Err("not an expression".into());
    };
    let (plan, id) = compiler::compile_expr(&checked, &wrapped, &l.value);
    plan.eval_constant(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &str = "  identification_number = furnisher_id\n  consumer_account_number = \"1\"\n  portfolio_type = \"I\"\n  account_type = \"01\"\n  date_opened = as_of\n  terms_duration = \"036\"\n  account_status = \"11\"\n  payment_history_profile = \"BBBBBBBBBBBBBBBBBBBBBBBB\"\n  date_of_account_information = as_of\n  surname = \"DOE\"\n  first_name = \"JANE\"\n  ecoa_code = \"1\"\n  first_line_of_address = \"1 MAIN ST\"\n  city = \"AUSTIN\"\n  state = \"TX\"\n  postal_code = \"78701\"\n";

    fn codes(source: &str) -> Vec<(Code, String)> {
        check(source, "t.m2map")
            .items
            .into_iter()
            .map(|d| (d.code, d.message))
            .collect()
    }

    #[test]
    fn a_syntax_error_hides_the_checks_of_a_whole_file() {
        let head = "m2map 1\nparam as_of: date\nparam furnisher_id: text\nlet unused = 1\n";
        let complete = format!("{head}segment base {{\n{FIELDS}}}\n");
        assert_eq!(
            codes(&complete),
            [(Code::UnusedLet, "the let `unused` is never used".into())]
        );
        // A `}` in the middle: the fields after it are in no segment, the let seems unused, the
        // segment lacks required fields; only the `}` is reported.
        let stray = complete.replace("  terms_duration", "}\n  terms_duration");
        let c = codes(&stray);
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].0, Code::Syntax);
    }

    #[test]
    fn a_let_whose_value_is_broken_keeps_its_name() {
        // Two slips (a `,` and the `)` missing), so no single edit reads it: `total` is still
        // a let, and the field reading it and the rule over it report nothing more.
        let src = format!(
            "m2map 1\nparam as_of: date\nparam furnisher_id: text\nlet total = max(1 2\nsegment base {{\n{FIELDS}  current_balance = total\n}}\nrule R-1 error \"m\": total > 0\n"
        );
        let c = codes(&src);
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].0, Code::Syntax);
    }

    #[test]
    fn syntax_errors_come_first() {
        let src = format!(
            "m2map 1\nparam as_of: date\nparam furnisher_id: text\nsegment base {{\n  bogus_field = 1\n{FIELDS}}}\nlet x = (1\n"
        );
        let c = codes(&src);
        assert_eq!(
            c.iter().map(|c| c.0).collect::<Vec<_>>(),
            [Code::Syntax, Code::UnknownField],
            "{c:?}"
        );
    }
}
