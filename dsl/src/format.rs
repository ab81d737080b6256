//! The formatter: one canonical layout for every mapping file (`metro2 fmt`).
//!
//! The layout: the version line, then the items; single blank lines kept where the source had
//! at least one (so analysts keep their paragraphs), never two in a row; two-space indents;
//! `=` aligned down each segment block and `=>` down each table, so blocks read as tables;
//! canonical spacing inside expressions; a `match` on one line when it is short, one arm per
//! line otherwise; a rule's condition on its own line. Comments are kept: a comment on its own
//! line stays before the statement that follows it, a comment after code stays at the end of
//! that statement's line. Formatting a formatted file changes nothing.

use crate::ast::*;
use crate::diagnostics::{Diagnostics, Severity};
use crate::span::{LineIndex, Span};

/// How long a `match` may be and still be written on one line.
const INLINE_MATCH: usize = 64;

/// Formats a file. Refuses (with the syntax diagnostics) when the file does not parse: a
/// formatter must never drop text it did not understand.
pub fn format(source: &str) -> Result<String, Diagnostics> {
    let (file, diags) = crate::parser::parse(source);
    if diags.iter().any(|d| d.severity() == Severity::Error) {
        let mut all = Diagnostics::new("<input>", source);
        all.items = diags;
        all.sort();
        return Err(all);
    }
    let mut f = Formatter {
        source,
        lines: LineIndex::new(source),
        comments: scan_comments(source),
        out: Vec::new(),
    };
    f.file(&file);
    let mut text = f.out.join("\n");
    while text.ends_with('\n') {
        text.pop();
    }
    text.push('\n');
    Ok(text)
}

struct Comment {
    offset: usize,
    line: u32,
    text: String,
    own_line: bool,
    used: bool,
}

/// Finds the `#` comments (not `##` doc comments) outside text literals.
fn scan_comments(source: &str) -> Vec<Comment> {
    let index = LineIndex::new(source);
    let mut out = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' | b'\n' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'#' => {
                let end = source[i..]
                    .find('\n')
                    .map(|n| i + n)
                    .unwrap_or(source.len());
                let is_doc = bytes.get(i + 1) == Some(&b'#');
                if !is_doc {
                    let line_start = source[..i].rfind('\n').map(|n| n + 1).unwrap_or(0);
                    out.push(Comment {
                        offset: i,
                        line: index.line(i),
                        text: source[i..end].trim_end().to_string(),
                        own_line: source[line_start..i].trim().is_empty(),
                        used: false,
                    });
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

struct Formatter<'s> {
    source: &'s str,
    lines: LineIndex,
    comments: Vec<Comment>,
    out: Vec<String>,
}

fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

fn lit(l: &Lit) -> String {
    match l {
        Lit::Text(s) => quote(s),
        Lit::Int(n) => n.to_string(),
        Lit::Decimal(d) => d.to_string(),
        Lit::Date(d) => d.format("%Y-%m-%d").to_string(),
        Lit::Bool(b) => b.to_string(),
        Lit::None => "none".into(),
    }
}

fn pattern(p: &Pattern) -> String {
    match &p.kind {
        PatternKind::Wildcard => "_".into(),
        PatternKind::Lit(l) => lit(l),
        PatternKind::Range(lo, hi, incl) => {
            format!("{}{}{}", lit(lo), if *incl { "..=" } else { ".." }, lit(hi))
        }
    }
}

impl Formatter<'_> {
    /// Whether the source line before the one holding `offset` is blank.
    fn blank_before(&self, offset: usize) -> bool {
        let line_start = self.source[..offset]
            .rfind('\n')
            .map(|n| n + 1)
            .unwrap_or(0);
        if line_start == 0 {
            return false;
        }
        let prev_start = self.source[..line_start - 1]
            .rfind('\n')
            .map(|n| n + 1)
            .unwrap_or(0);
        self.source[prev_start..line_start - 1].trim().is_empty()
    }

    fn push_blank(&mut self) {
        let last = self.out.last().map(|l| l.trim_end().to_string());
        match last {
            None => {}
            Some(l) if l.is_empty() || l.ends_with('{') => {}
            Some(_) => self.out.push(String::new()),
        }
    }

    /// Writes the comments that come before `offset`, then a blank line if the source had one
    /// before `offset`.
    fn before(&mut self, offset: usize, indent: usize) {
        let pad = " ".repeat(indent);
        for i in 0..self.comments.len() {
            let c = &self.comments[i];
            if c.used || c.offset >= offset {
                continue;
            }
            let (text, blank) = (c.text.clone(), c.own_line && self.blank_before(c.offset));
            self.comments[i].used = true;
            if blank {
                self.push_blank();
            }
            self.out.push(format!("{pad}{text}"));
        }
        if self.blank_before(offset) {
            self.push_blank();
        }
    }

    /// Appends the comment that ends the source line holding `offset`, if any.
    fn trailing(&mut self, offset: usize) {
        let line = self.lines.line(offset);
        if let Some(c) = self
            .comments
            .iter_mut()
            .find(|c| !c.used && !c.own_line && c.line == line)
        {
            c.used = true;
            if let Some(last) = self.out.last_mut() {
                last.push_str("  ");
                last.push_str(&c.text);
            }
        }
    }

    fn has_comment_in(&self, span: Span) -> bool {
        self.comments
            .iter()
            .any(|c| !c.used && c.offset > span.start && c.offset < span.end)
    }

    fn docs(&mut self, docs: &[String], indent: usize) {
        let pad = " ".repeat(indent);
        for d in docs {
            if d.is_empty() {
                self.out.push(format!("{pad}##"));
            } else {
                self.out.push(format!("{pad}## {d}"));
            }
        }
    }

    fn file(&mut self, file: &File) {
        if let Some((v, span)) = file.version {
            self.before(span.start, 0);
            self.out.push(format!("m2map {v}"));
            self.trailing(span.start);
        }
        for item in &file.items {
            self.item(item);
        }
        self.before(self.source.len(), 0);
    }

    fn item(&mut self, item: &Item) {
        self.before(item.start, 0);
        self.docs(&item.docs, 0);
        match &item.kind {
            ItemKind::Param(p) => {
                self.out
                    .push(format!("param {}: {}", p.name.name, p.ty.name));
                self.trailing(item.span.end.saturating_sub(1));
            }
            ItemKind::Let(l) => {
                let head = format!("let {} = ", l.name.name);
                let lines = self.expr_lines(&l.value, 0, head.len());
                self.emit_with_head(&head, lines);
                self.trailing(item.span.end.saturating_sub(1));
            }
            ItemKind::Skip(s) => {
                let e = self.expr(&s.cond, 0, 10);
                self.out.push(format!(
                    "skip when {} {}",
                    e.join("\n"),
                    quote(&s.reason.value)
                ));
                self.trailing(item.span.end.saturating_sub(1));
            }
            ItemKind::Table(t) => self.table(t, item),
            ItemKind::Segment(s) => self.segment(s, item),
            ItemKind::Rule(r) => {
                self.out.push(format!(
                    "rule {} {} {}:",
                    r.id.name,
                    r.severity.name,
                    quote(&r.message.value)
                ));
                self.trailing(r.message.span.start);
                let lines = self.expr_lines(&r.expr, 2, 2);
                self.emit_with_head("  ", lines);
                self.trailing(item.span.end.saturating_sub(1));
            }
            ItemKind::Error => {
                // Unreachable: files with syntax errors are refused before formatting.
                self.out
                    .push(item.span.text(self.source).trim_end().to_string());
            }
        }
    }

    /// Writes an expression's lines, the first after `head`.
    fn emit_with_head(&mut self, head: &str, lines: Vec<String>) {
        let mut it = lines.into_iter();
        let first = it.next().unwrap_or_default();
        self.out
            .push(format!("{head}{first}").trim_end().to_string());
        self.out.extend(it);
    }

    fn table(&mut self, t: &Table, item: &Item) {
        self.out.push(format!("table {} {{", t.name.name));
        self.trailing(t.name.span.start);
        let width = t
            .arms
            .iter()
            .map(|a| pattern(&a.key).chars().count())
            .max()
            .unwrap_or(0);
        for arm in &t.arms {
            self.before(arm.span.start, 2);
            self.docs(&arm.docs, 2);
            let key = pattern(&arm.key);
            let pad = " ".repeat(width - key.chars().count());
            let value = match &arm.value {
                TableValue::Error(m) => format!("error {}", quote(&m.value)),
                TableValue::Value(e) => self.expr(e, 2, 0).join("\n"),
            };
            self.out.push(format!("  {key}{pad} => {value}"));
            self.trailing(arm.span.end.saturating_sub(1));
        }
        self.before(t.close.start, 2);
        self.out.push("}".into());
        self.trailing(item.span.end.saturating_sub(1));
    }

    fn segment(&mut self, s: &SegmentBlock, item: &Item) {
        let mut head = format!("segment {}", s.kind.name);
        if let Some((var, list)) = &s.each {
            head.push_str(&format!(
                " for each {} in {}",
                var.name,
                self.expr(list, 0, 0).join(" ")
            ));
        }
        if let Some(w) = &s.when {
            head.push_str(&format!(" when {}", self.expr(w, 0, 0).join(" ")));
        }
        head.push_str(" {");
        self.out.push(head);
        self.trailing(s.kind.span.start);
        let width = s
            .body
            .iter()
            .map(|a| a.field.name.chars().count())
            .max()
            .unwrap_or(0);
        for a in &s.body {
            self.before(a.start, 2);
            self.docs(&a.docs, 2);
            let pad = " ".repeat(width - a.field.name.chars().count());
            let head = format!("  {}{pad} = ", a.field.name);
            let lines = self.expr_lines(&a.value, 2, head.len());
            self.emit_with_head(&head, lines);
            self.trailing(a.span.end.saturating_sub(1));
        }
        self.before(s.close.start, 2);
        self.out.push("}".into());
        self.trailing(item.span.end.saturating_sub(1));
    }

    fn expr_lines(&mut self, e: &Expr, indent: usize, col: usize) -> Vec<String> {
        self.expr(e, indent, col)
    }

    /// An expression as lines: the first continues the current line (at column `col`), the
    /// others are complete lines at `indent`.
    fn expr(&mut self, e: &Expr, indent: usize, col: usize) -> Vec<String> {
        let inline = self.inline(e);
        let needs_lines = match &e.kind {
            ExprKind::Match(..) | ExprKind::If(..) => {
                inline.chars().count() > INLINE_MATCH || self.has_comment_in(e.span)
            }
            _ => false,
        };
        if !needs_lines && !inline.contains('\n') {
            return vec![inline];
        }
        match &e.kind {
            ExprKind::Match(scrut, arms) => {
                let pad = " ".repeat(indent + 2);
                let mut lines = vec![format!("match {} {{", self.inline(scrut))];
                let width = arms
                    .iter()
                    .map(|a| self.arm_patterns(a).chars().count())
                    .max()
                    .unwrap_or(0);
                for arm in arms {
                    let pats = self.arm_patterns(arm);
                    let gap = " ".repeat(width - pats.chars().count());
                    let head = format!("{pad}{pats}{gap} => ");
                    let value = self.expr(&arm.value, indent + 2, head.len());
                    let mut it = value.into_iter();
                    lines.push(format!("{head}{}", it.next().unwrap_or_default()));
                    lines.extend(it);
                    // A trailing comment on an arm's line stays on that arm.
                    let line = self.lines.line(arm.span.end.saturating_sub(1));
                    if let Some(c) = self
                        .comments
                        .iter_mut()
                        .find(|c| !c.used && !c.own_line && c.line == line)
                    {
                        c.used = true;
                        if let Some(l) = lines.last_mut() {
                            l.push_str("  ");
                            l.push_str(&c.text);
                        }
                    }
                }
                lines.push(format!("{}}}", " ".repeat(indent)));
                let _ = col;
                lines
            }
            ExprKind::If(c, t, f) => {
                // `if A then B` then one `else if C then D` / `else E` line per branch.
                let pad = " ".repeat(indent + 2);
                let mut lines = vec![format!("if {} then {}", self.inline(c), self.inline(t))];
                let mut rest = f;
                loop {
                    match &rest.kind {
                        ExprKind::If(c, t, f) => {
                            lines.push(format!(
                                "{pad}else if {} then {}",
                                self.inline(c),
                                self.inline(t)
                            ));
                            rest = f;
                        }
                        _ => {
                            let head = format!("{pad}else ");
                            let value = self.expr(rest, indent + 2, head.len());
                            let mut it = value.into_iter();
                            lines.push(format!("{head}{}", it.next().unwrap_or_default()));
                            lines.extend(it);
                            break;
                        }
                    }
                }
                lines
            }
            _ => vec![inline],
        }
    }

    fn arm_patterns(&self, a: &MatchArm) -> String {
        a.patterns
            .iter()
            .map(pattern)
            .collect::<Vec<_>>()
            .join(" | ")
    }

    /// An expression on one line.
    fn inline(&self, e: &Expr) -> String {
        match &e.kind {
            ExprKind::Lit(l) => lit(l),
            ExprKind::Name(n) => n.clone(),
            ExprKind::Paren(x) => format!("({})", self.inline(x)),
            ExprKind::Member(b, n) => format!("{}.{}", self.inline(b), n.name),
            ExprKind::Method(b, n, args) => {
                format!("{}.{}({})", self.inline(b), n.name, self.args(args))
            }
            ExprKind::Index(b, i) => format!("{}[{}]", self.inline(b), self.inline(i)),
            ExprKind::Call(n, args) => format!("{}({})", n.name, self.args(args)),
            ExprKind::Unary(UnaryOp::Not, x) => format!("not {}", self.inline(x)),
            ExprKind::Unary(UnaryOp::Neg, x) => format!("-{}", self.inline(x)),
            ExprKind::Binary(op, l, r) => {
                format!("{} {} {}", self.inline(l), op.symbol(), self.inline(r))
            }
            ExprKind::If(c, t, f) => format!(
                "if {} then {} else {}",
                self.inline(c),
                self.inline(t),
                self.inline(f)
            ),
            ExprKind::Match(s, arms) => {
                let arms: Vec<String> = arms
                    .iter()
                    .map(|a| format!("{} => {}", self.arm_patterns(a), self.inline(&a.value)))
                    .collect();
                format!("match {} {{ {} }}", self.inline(s), arms.join(", "))
            }
            ExprKind::List(items) => format!("[{}]", self.args(items)),
        }
    }

    fn args(&self, args: &[Expr]) -> String {
        args.iter()
            .map(|a| self.inline(a))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_canonical_and_idempotent() {
        let src = "m2map 1\n# a comment\nparam   as_of :date\nlet x=1+2 # trailing\n\n\n\nsegment base{\nsurname=\"A\"\n  first_name   =   if x>2 then \"B\" else \"C\"\n}\n";
        let once = format(src).unwrap();
        assert_eq!(
            once,
            "m2map 1\n# a comment\nparam as_of: date\nlet x = 1 + 2  # trailing\n\nsegment base {\n  surname    = \"A\"\n  first_name = if x > 2 then \"B\" else \"C\"\n}\n"
        );
        assert_eq!(format(&once).unwrap(), once);
    }

    #[test]
    fn long_matches_go_one_arm_per_line_and_keep_comments() {
        let src = "m2map 1\nlet s = match x { 0..=29 => \"11\"  # current\n 30..=59 => \"71\", 60..=89 => \"78\", 90..=119 => \"80\", _ => \"84\" }\n";
        let once = format(src).unwrap();
        assert!(once.contains("  0..=29   => \"11\"  # current\n"), "{once}");
        assert_eq!(format(&once).unwrap(), once);
    }

    #[test]
    fn broken_files_are_refused() {
        assert!(format("m2map 1\nlet = 3\n").is_err());
    }
}
