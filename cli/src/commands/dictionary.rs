//! `metro2 dictionary`: the data dictionary of a mapping file, so a reviewer can read what it
//! does field by field: segment, field, positions, the `##` doc comment (for the LoanPro preset:
//! the LoanPro source and the rule applied) and the expression, from the compiled plan.
//!
//! Every field of every segment the file produces is listed, in layout order, including the
//! fields it leaves to the layout's fill, so that nothing a record carries is left unexplained.
//!
//! `metro2 dictionary --builtins` lists the built-in functions a mapping can call instead, from
//! the engine's registry (the help of M2M006, unknown function, points there).

use std::process::ExitCode;

use metro2_engine::layout::{Field, SegmentKind};
use miette::{miette, IntoDiagnostic};

use super::Context;

/// Arguments of `metro2 dictionary`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The mapping file.
    #[arg(required_unless_present = "builtins")]
    pub file: Option<std::path::PathBuf>,
    /// List the built-in functions instead (signature and description), the names a mapping
    /// can call.
    #[arg(long, conflicts_with = "file")]
    pub builtins: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: Format,
}

/// Output formats of `metro2 dictionary`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// A Markdown table.
    Markdown,
    /// JSON.
    Json,
}

/// The data dictionary of a mapping file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Dictionary {
    /// The mapping file, as given.
    pub file: String,
    /// The file's title: the `##` comment of its first item.
    pub title: Vec<String>,
    /// The declared parameters (`name: type`).
    pub params: Vec<String>,
    /// The `skip when` reasons, in order.
    pub skips: Vec<String>,
    /// One entry per produced segment, in file order.
    pub segments: Vec<SegmentEntry>,
    /// The rules (`id severity: message`), in order.
    pub rules: Vec<RuleEntry>,
}

/// The fields of one produced segment.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SegmentEntry {
    /// `base`, `j1`, `j2`, ...
    pub segment: &'static str,
    /// Its fields, in layout order.
    pub fields: Vec<FieldEntry>,
}

/// One field of the dictionary.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldEntry {
    /// The field's key.
    pub field: &'static str,
    /// The bureaus' name of the field.
    pub name: &'static str,
    /// 1-based first position in the segment.
    pub start: usize,
    /// 1-based last position.
    pub end: usize,
    /// The layout type (`AN`, `N`, `N-DATE MMDDYYYY`, ...).
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// The doc comment: where the value comes from and the rule applied.
    pub doc: String,
    /// The expression as written; `None` when the mapping leaves the field to its fill.
    pub expression: Option<String>,
    /// The assignment's `.m2map` line (0 when not assigned).
    pub line: u32,
}

/// One rule of the mapping.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleEntry {
    /// Its stable id.
    pub id: String,
    /// `error` or `warning`.
    pub severity: &'static str,
    /// Its message.
    pub message: String,
    /// Its line.
    pub line: u32,
}

/// Builds the dictionary of a compiled mapping.
pub fn build(file: &str, compiled: &m2map::Compiled) -> Dictionary {
    let plan = &compiled.plan;
    let mut kinds: Vec<SegmentKind> = Vec::new();
    for sp in &plan.segments {
        if !kinds.contains(&sp.kind) {
            kinds.push(sp.kind);
        }
    }
    let segments = kinds
        .into_iter()
        .map(|kind| SegmentEntry {
            segment: kind.name(),
            fields: kind
                .layout()
                .fields
                .iter()
                .filter(|f| f.key != "block_descriptor_word")
                .map(|f| field_entry(compiled, kind, f))
                .collect(),
        })
        .collect();
    Dictionary {
        file: file.to_string(),
        title: compiled.title.clone(),
        params: plan
            .params
            .iter()
            .map(|p| format!("{}: {}", p.name, p.ty))
            .collect(),
        skips: plan.skips.iter().map(|s| s.reason.clone()).collect(),
        segments,
        rules: plan
            .rules
            .iter()
            .map(|r| RuleEntry {
                id: r.id.clone(),
                severity: match r.severity {
                    metro2_engine::plan::RuleSeverity::Error => "error",
                    metro2_engine::plan::RuleSeverity::Warning => "warning",
                },
                message: r.message.clone(),
                line: r.line,
            })
            .collect(),
    }
}

fn field_entry(compiled: &m2map::Compiled, kind: SegmentKind, f: &'static Field) -> FieldEntry {
    let doc = compiled
        .docs
        .iter()
        .find(|d| d.segment == kind && d.field == f.key);
    let (doc_text, expression, line) = match doc {
        Some(d) => (d.doc.clone(), Some(d.source.clone()), d.line),
        None if f.is_framing() => ("set by the writer".to_string(), None, 0),
        None => (String::new(), None, 0),
    };
    FieldEntry {
        field: f.key,
        name: f.name,
        start: f.start,
        end: f.end(),
        ty: f.ty.tsv_name(),
        doc: doc_text,
        expression,
        line,
    }
}

/// Renders the dictionary as Markdown: a heading per segment and one table row per field.
pub fn markdown(d: &Dictionary) -> String {
    let mut out = String::new();
    out.push_str(&format!("# Data dictionary of `{}`\n\n", d.file));
    for line in &d.title {
        out.push_str(line);
        out.push('\n');
    }
    if !d.title.is_empty() {
        out.push('\n');
    }
    if !d.params.is_empty() {
        out.push_str("Parameters: ");
        let ps: Vec<String> = d.params.iter().map(|p| format!("`{p}`")).collect();
        out.push_str(&ps.join(", "));
        out.push_str("\n\n");
    }
    if !d.skips.is_empty() {
        out.push_str("Loans not reported:\n\n");
        for s in &d.skips {
            out.push_str(&format!("- {s}\n"));
        }
        out.push('\n');
    }
    for s in &d.segments {
        out.push_str(&format!("## Segment `{}`\n\n", s.segment));
        out.push_str("| Field | Positions | Type | Source and rule | Expression | Line |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for f in &s.fields {
            let expr = f
                .expression
                .as_deref()
                .map_or_else(|| "(fill)".to_string(), |e| format!("`{}`", cell(e)));
            let line = if f.line == 0 {
                String::new()
            } else {
                f.line.to_string()
            };
            out.push_str(&format!(
                "| `{}`<br>{} | {}–{} | {} | {} | {} | {} |\n",
                f.field,
                cell(f.name),
                f.start,
                f.end,
                f.ty,
                cell(&f.doc),
                expr,
                line
            ));
        }
        out.push('\n');
    }
    if !d.rules.is_empty() {
        out.push_str("## Rules\n\n| Id | Severity | Message | Line |\n|---|---|---|---|\n");
        for r in &d.rules {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                r.id,
                r.severity,
                cell(&r.message),
                r.line
            ));
        }
    }
    out
}

/// Text made safe for one Markdown table cell: no pipes, lines joined.
fn cell(s: &str) -> String {
    s.split('\n')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// One built-in function, as `metro2 dictionary --builtins` lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BuiltinEntry {
    /// Its name (`timeline.dpd_at` names a property of a timeline value: `t.dpd_at(d)`).
    pub name: &'static str,
    /// `add_months(date: date, months: int) -> date`.
    pub signature: String,
    /// What it does.
    pub doc: &'static str,
    /// Calls and their results (`("add_months(2026-01-31, 1)", "2026-02-28")`).
    pub examples: Vec<(&'static str, &'static str)>,
}

/// Every built-in function, sorted by name, from the engine's registry.
pub fn builtins() -> Vec<BuiltinEntry> {
    metro2_engine::builtins::registry()
        .all()
        .map(|b| BuiltinEntry {
            name: b.name,
            signature: b.signature(),
            doc: b.doc,
            examples: b.examples.to_vec(),
        })
        .collect()
}

/// Renders the built-ins as a Markdown table.
pub fn builtins_markdown(entries: &[BuiltinEntry]) -> String {
    let mut out = String::from(
        "# Built-in functions\n\n\
         `timeline.x` is a property of a timeline value: `t.x(...)` with \
         `let t = delinquency(...)`.\n\n\
         | Signature | Description | Example |\n|---|---|---|\n",
    );
    for b in entries {
        let example = b
            .examples
            .first()
            .map_or_else(String::new, |(call, result)| {
                format!("`{}` → `{}`", cell(call), cell(result))
            });
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            cell(&b.signature),
            cell(b.doc),
            example
        ));
    }
    out
}

/// Runs the command.
pub fn run(args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    let Some(file) = args.file else {
        let entries = builtins();
        let text = match args.format {
            Format::Markdown => builtins_markdown(&entries),
            Format::Json => {
                let mut s = serde_json::to_string_pretty(&entries).into_diagnostic()?;
                s.push('\n');
                s
            }
        };
        print!("{text}");
        return Ok(ExitCode::SUCCESS);
    };
    let name = file.display().to_string();
    let source = std::fs::read_to_string(&file)
        .map_err(|e| miette!("cannot read the mapping file {name}: {e}"))?;
    let compiled = match m2map::compile(&source, &name) {
        Ok(c) => c,
        Err(diags) => {
            eprint!("{}", diags.render_plain(100));
            return Ok(ExitCode::from(1));
        }
    };
    let dict = build(&name, &compiled);
    let text = match args.format {
        Format::Markdown => markdown(&dict),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&dict).into_diagnostic()?;
            s.push('\n');
            s
        }
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preset() -> m2map::Compiled {
        let source = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../presets/loanpro.m2map"
        ))
        .unwrap();
        m2map::compile(&source, "presets/loanpro.m2map").unwrap()
    }

    #[test]
    fn every_layout_field_is_listed_with_its_doc_and_expression() {
        let d = build("presets/loanpro.m2map", &preset());
        let kinds: Vec<&str> = d.segments.iter().map(|s| s.segment).collect();
        assert_eq!(kinds, ["base", "j1", "j2"]);
        let base = &d.segments[0];
        let layout = &SegmentKind::Base.layout().fields;
        assert_eq!(
            base.fields.len(),
            layout
                .iter()
                .filter(|f| f.key != "block_descriptor_word")
                .count(),
            "every field of the record"
        );
        let opened = base
            .fields
            .iter()
            .find(|f| f.field == "date_opened")
            .unwrap();
        assert_eq!((opened.start, opened.end), (76, 83));
        assert!(opened.doc.contains("contractDate"), "{}", opened.doc);
        assert_eq!(opened.expression.as_deref(), Some("opened"));
        let special = base
            .fields
            .iter()
            .find(|f| f.field == "special_comment")
            .unwrap();
        assert_eq!(special.expression, None, "left to the fill");
        // Every field the preset assigns carries a doc comment.
        for s in &d.segments {
            for f in s.fields.iter().filter(|f| f.expression.is_some()) {
                assert!(
                    !f.doc.is_empty(),
                    "{}.{} has no doc comment",
                    s.segment,
                    f.field
                );
            }
        }
        assert!(d.rules.iter().any(|r| r.id == "LP-DOFD-REQUIRED"));
        assert!(d.params.contains(&"as_of: date".to_string()));
        let md = markdown(&d);
        assert!(
            md.contains("| `date_opened`<br>Date Opened | 76–83 |"),
            "{md}"
        );
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(
            json["segments"][0]["fields"][0]["field"],
            "record_descriptor_word"
        );
    }

    #[test]
    fn builtins_are_listed_with_signature_and_description() {
        let entries = builtins();
        let add = entries.iter().find(|b| b.name == "add_months").unwrap();
        assert!(
            add.signature.starts_with("add_months("),
            "{}",
            add.signature
        );
        assert!(!add.doc.is_empty());
        assert!(entries.iter().all(|b| !b.doc.is_empty()));
        let md = builtins_markdown(&entries);
        assert!(
            md.contains(&format!("| `{}` |", cell(&add.signature))),
            "{md}"
        );
        assert_eq!(
            md.lines().filter(|l| l.starts_with("| `")).count(),
            entries.len()
        );
    }

    #[test]
    fn cells_keep_tables_intact() {
        assert_eq!(cell("a | b\n c"), "a \\| b c");
    }
}
