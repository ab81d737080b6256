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
    let (file, mut diags) = parser::parse(source);
    if diags.iter().any(|d| d.code == Code::TooDeep) {
        // The tree was cut short where it got too deep: checking what is left would only
        // report the missing parts.
        let mut all = Diagnostics::new(file_name, source);
        all.items = diags;
        return (None, all);
    }
    let (checked, more) = checker::check(source, &file);
    diags.extend(more);
    if diags.iter().any(|d| d.code == Code::LetTooDeep) {
        // The compiler follows every let into the lets it uses: a chain past the limit is
        // the stack overflow the limit is there to prevent.
        let mut all = Diagnostics::new(file_name, source);
        all.items = diags;
        all.sort();
        return (None, all);
    }
    let (plan, more) = compiler::compile(&checked, source, file_name);
    // The compiler's constant checks meet values the checker already rejected (text into a
    // numeric field): one mistake is one error.
    let fresh: Vec<Diagnostic> = more
        .into_iter()
        .filter(|d| !diags.iter().any(|c| c.code == d.code && c.span == d.span))
        .collect();
    diags.extend(fresh);
    let mut all = Diagnostics::new(file_name, source);
    all.items = diags;
    all.sort();
    let title = file
        .items
        .first()
        .map(|i| i.docs.clone())
        .unwrap_or_default();
    (Some((plan, checked.docs, title)), all)
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
