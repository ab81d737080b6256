//! The outline of a mapping file for `metro2 dictionary`: its title and, with their `##` doc
//! comments and source text, its parameters, lets, tables, skips and segment blocks (the
//! field assignments are in [`crate::Compiled::docs`]).
//!
//! The file's title is the `##` comment before its first item, up to the first empty `##`
//! line; what follows that line is the first item's own doc. A first item whose comment has
//! no empty `##` line has it as both the title and its doc, so nothing is lost.

use crate::ast::{ItemKind, TableValue};
use crate::span::one_line;
use crate::span::{LineIndex, Span};

/// The outline of a file, items in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outline {
    /// The title (see the module's doc).
    pub title: Vec<String>,
    /// `param NAME: TYPE`.
    pub params: Vec<ParamDoc>,
    /// `let NAME = EXPR`.
    pub lets: Vec<LetDoc>,
    /// `table NAME { ... }`.
    pub tables: Vec<TableDoc>,
    /// `skip when COND "reason"`.
    pub skips: Vec<SkipDoc>,
    /// `segment KIND ... { ... }`, one per block.
    pub segments: Vec<SegmentDoc>,
}

/// A parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDoc {
    /// Its name.
    pub name: String,
    /// Its type as written.
    pub ty: String,
    /// Its `##` comment, lines joined with newlines.
    pub doc: String,
    /// Its line.
    pub line: u32,
}

/// A `let`.
#[derive(Debug, Clone, PartialEq)]
pub struct LetDoc {
    /// Its name.
    pub name: String,
    /// Its `##` comment.
    pub doc: String,
    /// Its value as written, on one line.
    pub expression: String,
    /// Its line.
    pub line: u32,
}

/// A table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableDoc {
    /// Its name.
    pub name: String,
    /// Its `##` comment.
    pub doc: String,
    /// Its entries in order.
    pub entries: Vec<EntryDoc>,
    /// Its line.
    pub line: u32,
}

/// One entry of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryDoc {
    /// The key as written (`"97"`, `_`).
    pub key: String,
    /// The value as written, or `error "message"`.
    pub value: String,
    /// The entry's `##` comment.
    pub doc: String,
}

/// A `skip when`.
#[derive(Debug, Clone, PartialEq)]
pub struct SkipDoc {
    /// The condition as written, on one line.
    pub condition: String,
    /// The reason.
    pub reason: String,
    /// Its `##` comment.
    pub doc: String,
    /// Its line.
    pub line: u32,
}

/// A segment block.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentDoc {
    /// `base`, `j1`, ...
    pub segment: String,
    /// `for each co in LIST`, `when COND`, both or neither, as written on one line; empty for
    /// a block written once per record.
    pub condition: String,
    /// Its `##` comment.
    pub doc: String,
    /// Its line.
    pub line: u32,
}

/// Splits the comment of a file's first item into the file's title and the item's own doc
/// (see the module's doc).
pub fn split_title(docs: &[String]) -> (Vec<String>, Vec<String>) {
    match docs.iter().position(|d| d.trim().is_empty()) {
        Some(i) => (docs[..i].to_vec(), docs[i + 1..].to_vec()),
        None => (docs.to_vec(), docs.to_vec()),
    }
}

/// The outline of a file. Items that do not parse are left out: run `compile` for the errors.
pub fn outline(source: &str) -> Outline {
    let (file, _) = crate::parser::parse(source);
    let lines = LineIndex::new(source);
    let text = |s: Span| one_line(s.text(source));
    let mut out = Outline::default();
    for (n, item) in file.items.iter().enumerate() {
        let docs = if n == 0 {
            let (title, own) = split_title(&item.docs);
            out.title = title;
            own
        } else {
            item.docs.clone()
        };
        let doc = docs.join("\n");
        let line = lines.line(item.span.start);
        match &item.kind {
            ItemKind::Param(p) => out.params.push(ParamDoc {
                name: p.name.name.clone(),
                ty: p.ty.name.clone(),
                doc,
                line,
            }),
            ItemKind::Let(l) => out.lets.push(LetDoc {
                name: l.name.name.clone(),
                doc,
                expression: text(l.value.span),
                line,
            }),
            ItemKind::Table(t) => out.tables.push(TableDoc {
                name: t.name.name.clone(),
                doc,
                entries: t
                    .arms
                    .iter()
                    .map(|a| EntryDoc {
                        key: text(a.key.span),
                        value: match &a.value {
                            TableValue::Value(e) => text(e.span),
                            TableValue::Error(m) => format!("error {}", text(m.span)),
                        },
                        doc: a.docs.join("\n"),
                    })
                    .collect(),
                line,
            }),
            ItemKind::Skip(s) => out.skips.push(SkipDoc {
                condition: text(s.cond.span),
                reason: s.reason.value.clone(),
                doc,
                line,
            }),
            ItemKind::Segment(b) => {
                let mut condition = Vec::new();
                if let Some((var, list)) = &b.each {
                    condition.push(format!("for each {} in {}", var.name, text(list.span)));
                }
                if let Some(when) = &b.when {
                    condition.push(format!("when {}", text(when.span)));
                }
                out.segments.push(SegmentDoc {
                    segment: b.kind.name.clone(),
                    condition: condition.join(" "),
                    doc,
                    line,
                });
            }
            ItemKind::Rule(_) | ItemKind::Error => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "m2map 1\n\n## The title.\n## Second line.\n##\n## The date.\nparam as_of: date\n## Id.\nparam id: text\n\n## A table.\ntable t {\n  ## one\n  1 => \"a\"\n  _ => error \"no {value}\"\n}\n\n## Twice.\nlet x =\n  t[1]\n\nskip when x == \"b\" \"b\"\n\n## J1 doc.\nsegment j1 for each c in [1, 2] where it > 1 {\n  surname = x\n}\n";

    #[test]
    fn the_title_ends_at_the_first_empty_doc_line() {
        let o = outline(SOURCE);
        assert_eq!(o.title, ["The title.", "Second line."]);
        assert_eq!(o.params[0].doc, "The date.");
        assert_eq!(
            (o.params[1].name.as_str(), o.params[1].doc.as_str()),
            ("id", "Id.")
        );
        assert_eq!(o.params[1].ty, "text");
        let (title, own) = split_title(&["Only.".to_string()]);
        assert_eq!((title, own.len()), (vec!["Only.".to_string()], 1));
    }

    #[test]
    fn items_carry_their_docs_and_source_text() {
        let o = outline(SOURCE);
        assert_eq!(o.lets[0].expression, "t[1]");
        assert_eq!(o.lets[0].doc, "Twice.");
        assert_eq!(o.lets[0].line, 19);
        let t = &o.tables[0];
        assert_eq!((t.name.as_str(), t.doc.as_str()), ("t", "A table."));
        assert_eq!(t.entries[0].key, "1");
        assert_eq!(t.entries[0].value, "\"a\"");
        assert_eq!(t.entries[0].doc, "one");
        assert_eq!(t.entries[1].key, "_");
        assert_eq!(t.entries[1].value, "error \"no {value}\"");
        assert_eq!(o.skips[0].condition, "x == \"b\"");
        assert_eq!(o.skips[0].line, 22);
        let j1 = &o.segments[0];
        assert_eq!(j1.condition, "for each c in [1, 2] where it > 1");
        assert_eq!(j1.doc, "J1 doc.");
    }
}
