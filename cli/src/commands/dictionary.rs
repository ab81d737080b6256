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
    /// The file's title: the `##` comment of its first item up to its first empty `##` line.
    pub title: Vec<String>,
    /// The declared parameters, in order.
    pub params: Vec<ParamEntry>,
    /// The `skip when` items, in order.
    pub skips: Vec<SkipEntry>,
    /// One entry per produced segment, in file order.
    pub segments: Vec<SegmentEntry>,
    /// The lets (the named values field expressions use), in order.
    pub lets: Vec<LetEntry>,
    /// The tables, in order.
    pub tables: Vec<TableEntry>,
    /// The rules (`id severity: message`), in order.
    pub rules: Vec<RuleEntry>,
}

/// One parameter of the mapping.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ParamEntry {
    /// Its name.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub ty: String,
    /// Its `##` comment.
    pub doc: String,
}

/// One `skip when` of the mapping: a loan it holds is not reported.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SkipEntry {
    /// Why.
    pub reason: String,
    /// The condition as written.
    pub condition: String,
    /// Its `.m2map` line.
    pub line: u32,
}

/// The fields of one produced segment.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SegmentEntry {
    /// `base`, `j1`, `j2`, ...
    pub segment: &'static str,
    /// When the block writes the segment (`for each co in LIST`, `when COND`), as written;
    /// `None` for a segment written once per record.
    pub condition: Option<String>,
    /// The block's `##` comment.
    pub doc: String,
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
    /// The assignment's `.m2map` line; `None` when the field is not assigned.
    pub line: Option<u32>,
}

/// One `let`: a named value the fields' expressions use.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LetEntry {
    /// Its name.
    pub name: String,
    /// Its `##` comment.
    pub doc: String,
    /// Its value as written.
    pub expression: String,
    /// Its `.m2map` line.
    pub line: u32,
}

/// One table of the mapping.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TableEntry {
    /// Its name.
    pub name: String,
    /// Its `##` comment.
    pub doc: String,
    /// Its entries, in order.
    pub entries: Vec<TableRow>,
    /// Its `.m2map` line.
    pub line: u32,
}

/// One entry of a table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TableRow {
    /// The key as written (`"97"`, `_` for every other key).
    pub key: String,
    /// The value as written, or `error "message"`.
    pub value: String,
    /// The entry's `##` comment.
    pub doc: String,
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

/// Builds the dictionary of a compiled mapping; `source` is the text it was compiled from
/// (for the items' doc comments and source text, [`m2map::outline()`]).
pub fn build(file: &str, source: &str, compiled: &m2map::Compiled) -> Dictionary {
    let plan = &compiled.plan;
    let outline = m2map::outline(source);
    let mut kinds: Vec<SegmentKind> = Vec::new();
    for sp in &plan.segments {
        if !kinds.contains(&sp.kind) {
            kinds.push(sp.kind);
        }
    }
    let segments = kinds
        .into_iter()
        .map(|kind| {
            // The blocks that write this segment (one in practice), their conditions and docs.
            let blocks: Vec<&m2map::outline::SegmentDoc> = outline
                .segments
                .iter()
                .filter(|b| SegmentKind::from_name(&b.segment) == Some(kind))
                .collect();
            let conditions: Vec<&str> = blocks
                .iter()
                .map(|b| b.condition.as_str())
                .filter(|c| !c.is_empty())
                .collect();
            let docs: Vec<&str> = blocks
                .iter()
                .map(|b| b.doc.as_str())
                .filter(|d| !d.is_empty())
                .collect();
            SegmentEntry {
                segment: kind.name(),
                condition: (!conditions.is_empty()).then(|| conditions.join("; ")),
                doc: docs.join("\n"),
                fields: kind
                    .layout()
                    .fields
                    .iter()
                    .filter(|f| f.key != "block_descriptor_word")
                    .map(|f| field_entry(compiled, kind, f))
                    .collect(),
            }
        })
        .collect();
    Dictionary {
        file: file.to_string(),
        title: compiled.title.clone(),
        params: plan
            .params
            .iter()
            .map(|p| ParamEntry {
                name: p.name.clone(),
                ty: p.ty.to_string(),
                doc: outline
                    .params
                    .iter()
                    .find(|d| d.name == p.name)
                    .map(|d| d.doc.clone())
                    .unwrap_or_default(),
            })
            .collect(),
        skips: outline
            .skips
            .iter()
            .map(|s| SkipEntry {
                reason: s.reason.clone(),
                condition: s.condition.clone(),
                line: s.line,
            })
            .collect(),
        segments,
        lets: outline
            .lets
            .iter()
            .map(|l| LetEntry {
                name: l.name.clone(),
                doc: l.doc.clone(),
                expression: l.expression.clone(),
                line: l.line,
            })
            .collect(),
        tables: outline
            .tables
            .iter()
            .map(|t| TableEntry {
                name: t.name.clone(),
                doc: t.doc.clone(),
                entries: t
                    .entries
                    .iter()
                    .map(|e| TableRow {
                        key: e.key.clone(),
                        value: e.value.clone(),
                        doc: e.doc.clone(),
                    })
                    .collect(),
                line: t.line,
            })
            .collect(),
        rules: plan
            .rules
            .iter()
            .map(|r| RuleEntry {
                id: r.id.clone(),
                severity: r.severity.name(),
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
        Some(d) => (d.doc.clone(), Some(d.source.clone()), Some(d.line)),
        None if f.is_framing() => ("set by the writer".to_string(), None, None),
        None => (String::new(), None, None),
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

/// Renders the dictionary as Markdown: the title, the parameters, the loans not reported, a
/// heading per segment (its condition and doc, one table row per field), then the lets and
/// tables the fields' expressions name, and the rules.
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
        out.push_str("## Parameters\n\n| Parameter | Type | Description |\n|---|---|---|\n");
        for p in &d.params {
            out.push_str(&format!("| `{}` | {} | {} |\n", p.name, p.ty, cell(&p.doc)));
        }
        out.push('\n');
    }
    if !d.skips.is_empty() {
        out.push_str("## Loans not reported\n\n| Reason | Condition | Line |\n|---|---|---|\n");
        for s in &d.skips {
            out.push_str(&format!(
                "| {} | `{}` | {} |\n",
                cell(&s.reason),
                cell(&s.condition),
                s.line
            ));
        }
        out.push('\n');
    }
    for s in &d.segments {
        out.push_str(&format!("## Segment `{}`\n\n", s.segment));
        if !s.doc.is_empty() {
            out.push_str(&paragraph(&s.doc));
            out.push_str("\n\n");
        }
        if let Some(c) = &s.condition {
            out.push_str(&format!("Written `{}`.\n\n", cell(c)));
        }
        out.push_str("| Field | Positions | Type | Source and rule | Expression | Line |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for f in &s.fields {
            let expr = f
                .expression
                .as_deref()
                .map_or_else(|| "(fill)".to_string(), |e| format!("`{}`", cell(e)));
            let line = f.line.map_or_else(String::new, |l| l.to_string());
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
    if !d.lets.is_empty() {
        out.push_str(
            "## Named values (`let`)\n\nThe names the expressions above use, in file order.\n\n\
             | Name | Description | Expression | Line |\n|---|---|---|---|\n",
        );
        for l in &d.lets {
            out.push_str(&format!(
                "| `{}` | {} | `{}` | {} |\n",
                l.name,
                cell(&l.doc),
                cell(&l.expression),
                l.line
            ));
        }
        out.push('\n');
    }
    if !d.tables.is_empty() {
        out.push_str("## Tables\n\n");
        for t in &d.tables {
            out.push_str(&format!("### Table `{}` (line {})\n\n", t.name, t.line));
            if !t.doc.is_empty() {
                out.push_str(&paragraph(&t.doc));
                out.push_str("\n\n");
            }
            out.push_str("| Key | Value | Note |\n|---|---|---|\n");
            for e in &t.entries {
                out.push_str(&format!(
                    "| `{}` | `{}` | {} |\n",
                    cell(&e.key),
                    cell(&e.value),
                    cell(&e.doc)
                ));
            }
            out.push('\n');
        }
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

/// A doc comment as one Markdown paragraph.
fn paragraph(s: &str) -> String {
    s.split('\n').map(str::trim).collect::<Vec<_>>().join(" ")
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
    let dict = build(&name, &source, &compiled);
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

    const PRESET: &str = include_str!("../../../presets/loanpro.m2map");

    fn preset() -> Dictionary {
        let compiled = m2map::compile(PRESET, "presets/loanpro.m2map").unwrap();
        build("presets/loanpro.m2map", PRESET, &compiled)
    }

    #[test]
    fn every_layout_field_is_listed_with_its_doc_and_expression() {
        let d = preset();
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
        assert_eq!(special.line, None);
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
        let fill = json["segments"][0]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == "special_comment")
            .unwrap();
        assert_eq!(fill["line"], serde_json::Value::Null, "not 0");
    }

    #[test]
    fn the_title_and_each_parameter_keep_their_own_doc() {
        let d = preset();
        assert!(
            d.title[0].starts_with("The LoanPro preset"),
            "{:?}",
            d.title
        );
        assert!(
            d.title.last().unwrap().contains("read and changed here"),
            "the title ends before the parameter's doc: {:?}",
            d.title
        );
        let names: Vec<(&str, &str)> = d
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.ty.as_str()))
            .collect();
        assert_eq!(names, [("as_of", "date"), ("furnisher_id", "text")]);
        assert!(d.params[0].doc.starts_with("The date the report describes"));
        assert!(d.params[1].doc.contains("Identification Number"));
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["params"][0]["name"], "as_of");
        assert_eq!(json["params"][0]["type"], "date");
        assert!(json["params"][1]["doc"]
            .as_str()
            .unwrap()
            .contains("furnisher"));
        let md = markdown(&d);
        assert!(
            md.contains("| `furnisher_id` | text | The Identification Number"),
            "{md}"
        );
    }

    #[test]
    fn j1_and_j2_show_their_condition_and_doc() {
        let d = preset();
        let (j1, j2) = (&d.segments[1], &d.segments[2]);
        assert_eq!(d.segments[0].condition, None);
        let c1 = j1.condition.as_deref().unwrap();
        let c2 = j2.condition.as_deref().unwrap();
        assert!(c1.starts_with("for each co in co_borrowers where "), "{c1}");
        assert!(c1.contains("== home_line"), "{c1}");
        assert!(c2.contains("where not ("), "{c2}");
        assert!(j1
            .doc
            .starts_with("J1: each co-borrower at the primary's address"));
        assert!(j2
            .doc
            .starts_with("J2: each co-borrower at another address"));
        let md = markdown(&d);
        assert!(
            md.contains("## Segment `j1`\n\nJ1: each co-borrower"),
            "{md}"
        );
        assert!(
            md.contains("Written `for each co in co_borrowers where "),
            "{md}"
        );
    }

    #[test]
    fn lets_tables_and_skips_are_listed_with_their_docs() {
        let d = preset();
        let status = d.lets.iter().find(|l| l.name == "status").unwrap();
        assert_eq!(status.doc, "The account status (§4).");
        assert!(
            status.expression.starts_with("match decided_by {"),
            "{}",
            status.expression
        );
        let paid = d.tables.iter().find(|t| t.name == "paid_status").unwrap();
        assert!(
            paid.doc.contains("paid off in the reporting month"),
            "{}",
            paid.doc
        );
        let charged = paid.entries.iter().find(|e| e.key == "\"97\"").unwrap();
        assert_eq!(charged.value, "\"64\"");
        assert!(
            charged.doc.contains("charged off, then paid"),
            "{}",
            charged.doc
        );
        assert_eq!(paid.entries.last().unwrap().key, "_");
        let freq = d
            .tables
            .iter()
            .find(|t| t.name == "terms_frequency")
            .unwrap();
        assert!(freq.entries.last().unwrap().value.starts_with("error \""));
        assert_eq!(d.skips.len(), 3);
        assert_eq!(d.skips[0].condition, "deleted == 1");
        assert!(d.skips[0].reason.starts_with("deleted in LoanPro"));
        assert!(d.skips[0].line > 0);
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["skips"][0]["condition"], "deleted == 1");
        assert!(json["skips"][0]["line"].is_u64());
        assert_eq!(json["lets"][0]["name"], "month_first");
        assert_eq!(json["tables"][0]["entries"][0]["key"], "\"61\"");
        let md = markdown(&d);
        for heading in [
            "## Parameters",
            "## Loans not reported",
            "## Named values (`let`)",
            "## Tables",
            "### Table `paid_status`",
            "## Rules",
        ] {
            assert!(md.contains(heading), "{heading} in {md}");
        }
        assert!(
            md.contains("| `status` | The account status (§4). | `match decided_by {"),
            "{md}"
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
