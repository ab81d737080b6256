//! The formatter: one canonical layout for every mapping file (`metro2 fmt`).
//!
//! The layout: the version line, then the items; single blank lines kept where the source had
//! at least one (so analysts keep their paragraphs), never two in a row; two-space indents;
//! `=` aligned down each segment block and `=>` down each table, so blocks read as tables;
//! canonical spacing inside expressions; a `match` on one line when it is short, one arm per
//! line otherwise; a rule's condition on its own line.
//!
//! Comments stay where they were written. A comment on its own line stays on its own line
//! before the statement, element or arm that follows it; a comment after code stays at the end
//! of that line. A bracketed construct (`[...]`, call arguments, `(...)`, `[index]`) or a
//! `match` that holds a comment is written one element or arm per line, so every comment has
//! a line to stay on, and a comment before its closing bracket stays before it; an `if` that
//! holds one is written one branch per line, and an operator with a comment beside it starts
//! a new line. A comment with no such place (between `if` and its condition, say) moves to its
//! own line just before its statement, element or arm. A comment is never lost nor written
//! twice, and formatting a formatted file changes nothing.

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

/// Writes `more` after `lines`: its first line continues the last line of `lines`.
fn cat(mut lines: Vec<String>, more: Vec<String>) -> Vec<String> {
    let mut more = more.into_iter();
    if let (Some(last), Some(first)) = (lines.last_mut(), more.next()) {
        last.push_str(&first);
    }
    lines.extend(more);
    lines
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

    /// Whether a comment not yet written starts in `from..to`.
    fn holds_comment(&self, from: usize, to: usize) -> bool {
        self.comments
            .iter()
            .any(|c| !c.used && c.offset >= from && c.offset < to)
    }

    fn has_comment_in(&self, span: Span) -> bool {
        self.holds_comment(span.start, span.end)
    }

    /// Takes the comments not yet written that start in `from..to`, in order, as lines at
    /// `indent`.
    fn take_comments(&mut self, from: usize, to: usize, indent: usize) -> Vec<String> {
        let pad = " ".repeat(indent);
        let mut taken = Vec::new();
        for c in &mut self.comments {
            if !c.used && c.offset >= from && c.offset < to {
                c.used = true;
                taken.push(format!("{pad}{}", c.text));
            }
        }
        taken
    }

    /// Writes the comments between two parts of a multi-line construct, the first part ending
    /// just before `from` and the next starting at `to`: the one on the first part's last line
    /// stays at the end of that line (the last of `lines`), the others go on their own lines at
    /// `indent`, before the next part.
    fn gap(&mut self, lines: &mut Vec<String>, from: usize, to: usize, indent: usize) {
        let line = self.lines.line(from.saturating_sub(1));
        let pad = " ".repeat(indent);
        for c in &mut self.comments {
            if c.used || c.offset < from || c.offset >= to {
                continue;
            }
            c.used = true;
            match lines.last_mut() {
                Some(last) if c.line == line => {
                    last.push_str("  ");
                    last.push_str(&c.text);
                }
                _ => lines.push(format!("{pad}{}", c.text)),
            }
        }
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

    /// Writes a statement (from `start`, its doc comment included, to the end of `span`) as
    /// `lines` after its doc comment. The comments inside it that its layout found no place for
    /// go on their own lines just before it: the next statement must not collect them.
    fn statement(
        &mut self,
        start: usize,
        span: Span,
        indent: usize,
        docs: &[String],
        lines: Vec<String>,
    ) {
        self.docs(docs, indent);
        let hoisted = self.take_comments(start, span.end, indent);
        self.out.extend(hoisted);
        self.out
            .extend(lines.into_iter().map(|l| l.trim_end().to_string()));
        self.trailing(span.end.saturating_sub(1));
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
        match &item.kind {
            ItemKind::Param(p) => {
                let line = format!("param {}: {}", p.name.name, p.ty.name);
                self.statement(item.start, item.span, 0, &item.docs, vec![line]);
            }
            ItemKind::Let(l) => {
                let head = format!("let {} = ", l.name.name);
                let lines = cat(vec![head], self.expr(&l.value, 0));
                self.statement(item.start, item.span, 0, &item.docs, lines);
            }
            ItemKind::Skip(s) => {
                let cond = cat(vec!["skip when ".into()], self.expr(&s.cond, 0));
                let lines = cat(cond, vec![format!(" {}", quote(&s.reason.value))]);
                self.statement(item.start, item.span, 0, &item.docs, lines);
            }
            ItemKind::Table(t) => self.table(t, item),
            ItemKind::Segment(s) => self.segment(s, item),
            ItemKind::Rule(r) => {
                self.docs(&item.docs, 0);
                let hoisted = self.take_comments(item.start, r.message.span.start, 0);
                self.out.extend(hoisted);
                self.out.push(format!(
                    "rule {} {} {}:",
                    r.id.name,
                    r.severity.name,
                    quote(&r.message.value)
                ));
                self.trailing(r.message.span.start);
                let lines = cat(vec!["  ".into()], self.expr(&r.expr, 2));
                // The condition has a line of its own: the comments before it stay there.
                self.statement(r.message.span.end, item.span, 2, &[], lines);
            }
            ItemKind::Error => {
                // Unreachable: files with syntax errors are refused before formatting.
                self.out
                    .push(item.span.text(self.source).trim_end().to_string());
            }
        }
    }

    fn table(&mut self, t: &Table, item: &Item) {
        self.docs(&item.docs, 0);
        let hoisted = self.take_comments(item.start, t.name.span.end, 0);
        self.out.extend(hoisted);
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
            let key = pattern(&arm.key);
            let pad = " ".repeat(width - key.chars().count());
            let head = vec![format!("  {key}{pad} => ")];
            let lines = match &arm.value {
                TableValue::Error(m) => cat(head, vec![format!("error {}", quote(&m.value))]),
                TableValue::Value(e) => cat(head, self.expr(e, 2)),
            };
            self.statement(arm.span.start, arm.span, 2, &arm.docs, lines);
        }
        self.before(t.close.start, 2);
        self.out.push("}".into());
        self.trailing(item.span.end.saturating_sub(1));
    }

    fn segment(&mut self, s: &SegmentBlock, item: &Item) {
        self.docs(&item.docs, 0);
        let mut head = vec![format!("segment {}", s.kind.name)];
        let mut last = s.kind.span;
        if let Some((var, list)) = &s.each {
            head = cat(head, vec![format!(" for each {} in ", var.name)]);
            head = cat(head, self.header_expr(list));
            last = list.span;
        }
        if let Some(w) = &s.when {
            head = cat(head, vec![" when ".into()]);
            head = cat(head, self.header_expr(w));
            last = w.span;
        }
        head = cat(head, vec![" {".into()]);
        let hoisted = self.take_comments(item.start, last.end, 0);
        self.out.extend(hoisted);
        self.out.extend(head);
        self.trailing(last.end.saturating_sub(1));
        let width = s
            .body
            .iter()
            .map(|a| a.field.name.chars().count())
            .max()
            .unwrap_or(0);
        for a in &s.body {
            self.before(a.start, 2);
            let pad = " ".repeat(width - a.field.name.chars().count());
            let head = format!("  {}{pad} = ", a.field.name);
            let lines = cat(vec![head], self.expr(&a.value, 2));
            self.statement(a.start, a.span, 2, &a.docs, lines);
        }
        self.before(s.close.start, 2);
        self.out.push("}".into());
        self.trailing(item.span.end.saturating_sub(1));
    }

    /// A segment header's `for each` list or `when` condition.
    fn header_expr(&mut self, e: &Expr) -> Vec<String> {
        let unwritten = self.unwritten_in(e.span);
        let lines = self.expr(e, 0);
        if self.unwritten_in(e.span) < unwritten {
            lines
        } else {
            // Without a comment of its own the header keeps the one line it always had.
            vec![lines.join(" ")]
        }
    }

    /// How many comments in `span` are not yet written.
    fn unwritten_in(&self, span: Span) -> usize {
        self.comments
            .iter()
            .filter(|c| !c.used && c.offset >= span.start && c.offset < span.end)
            .count()
    }

    /// An expression as lines: the first continues the current line, the others are complete
    /// lines at `indent` (or deeper). Only an expression that holds a comment, a long `match`
    /// or a long `if` takes more than one line.
    fn expr(&mut self, e: &Expr, indent: usize) -> Vec<String> {
        let long = matches!(e.kind, ExprKind::Match(..) | ExprKind::If(..))
            && self.inline(e).chars().count() > INLINE_MATCH;
        if long || self.has_comment_in(e.span) {
            let unwritten = self.unwritten_in(e.span);
            let lines = self.broken(e, indent);
            if long || self.unwritten_in(e.span) < unwritten {
                return lines;
            }
            // No comment found a place inside (all go before the line `e` starts on): `e`
            // keeps the layout it has without them, or formatting again would change it.
        }
        vec![self.inline(e)]
    }

    /// An expression that holds a comment, laid out so that the comment has a line to stay on:
    /// brackets and `match`es one element per line, `if`s one branch per line, an operator
    /// with a comment beside it at the start of a line.
    fn broken(&mut self, e: &Expr, indent: usize) -> Vec<String> {
        match &e.kind {
            ExprKind::Match(scrut, arms) => self.match_lines(e, scrut, arms, indent),
            ExprKind::If(..) => self.if_lines(e, indent),
            ExprKind::Paren(x) => self.bracketed(
                ("(", ")"),
                std::slice::from_ref(x),
                e.span,
                e.span.start + 1,
                indent,
            ),
            ExprKind::List(items) => {
                self.bracketed(("[", "]"), items, e.span, e.span.start + 1, indent)
            }
            ExprKind::Call(name, args) => {
                let args = self.bracketed(("(", ")"), args, e.span, name.span.end, indent);
                cat(vec![name.name.clone()], args)
            }
            ExprKind::Method(base, name, args) => {
                let lines = cat(self.expr(base, indent), vec![format!(".{}", name.name)]);
                let args = if self.holds_comment(name.span.end, e.span.end) {
                    self.bracketed(("(", ")"), args, e.span, name.span.end, indent)
                } else {
                    vec![format!("({})", self.args(args))]
                };
                cat(lines, args)
            }
            ExprKind::Member(base, name) => {
                cat(self.expr(base, indent), vec![format!(".{}", name.name)])
            }
            ExprKind::Index(base, index) => {
                let lines = self.expr(base, indent);
                let index = if self.holds_comment(base.span.end, e.span.end) {
                    let index = std::slice::from_ref(index.as_ref());
                    self.bracketed(("[", "]"), index, e.span, base.span.end, indent)
                } else {
                    vec![format!("[{}]", self.inline(index))]
                };
                cat(lines, index)
            }
            ExprKind::Unary(op, x) => {
                let op = match op {
                    UnaryOp::Not => "not ",
                    UnaryOp::Neg => "-",
                };
                cat(vec![op.into()], self.expr(x, indent))
            }
            ExprKind::Binary(op, l, r) => {
                let lines = self.expr(l, indent);
                if self.holds_comment(l.span.end, r.span.start) {
                    // A comment beside the operator: the operator starts the next line, so a
                    // comment after the left side stays at the end of its line.
                    let mut lines = lines;
                    self.gap(&mut lines, l.span.end, r.span.start, indent + 2);
                    let head = format!("{}{} ", " ".repeat(indent + 2), op.symbol());
                    lines.extend(cat(vec![head], self.expr(r, indent + 2)));
                    lines
                } else {
                    let lines = cat(lines, vec![format!(" {} ", op.symbol())]);
                    cat(lines, self.expr(r, indent))
                }
            }
            ExprKind::Lit(_) | ExprKind::Name(_) | ExprKind::Error => vec![self.inline(e)],
        }
    }

    /// A part that the canonical layout keeps on one line however long (a scrutinee, an `if`'s
    /// condition and `then` value): it takes more lines only for the comments it holds.
    fn part(&mut self, e: &Expr, indent: usize) -> Vec<String> {
        if self.has_comment_in(e.span) {
            self.expr(e, indent)
        } else {
            vec![self.inline(e)]
        }
    }

    /// A bracketed list of `items` (in `span`, from the opening bracket to the closing one) one
    /// item per line, each with the comments before it; `from` is where the comments before
    /// the first item may start.
    fn bracketed(
        &mut self,
        (open, close): (&str, &str),
        items: &[Expr],
        span: Span,
        from: usize,
        indent: usize,
    ) -> Vec<String> {
        let pad = " ".repeat(indent + 2);
        let mut lines = vec![open.to_string()];
        let mut prev = from;
        for (i, item) in items.iter().enumerate() {
            self.gap(&mut lines, prev, item.span.start, indent + 2);
            let mut item_lines = cat(vec![pad.clone()], self.expr(item, indent + 2));
            if i + 1 < items.len() {
                if let Some(last) = item_lines.last_mut() {
                    last.push(',');
                }
            }
            lines.extend(self.take_comments(item.span.start, item.span.end, indent + 2));
            lines.extend(item_lines);
            prev = item.span.end;
        }
        self.gap(&mut lines, prev, span.end.saturating_sub(1), indent + 2);
        lines.push(format!("{}{close}", " ".repeat(indent)));
        lines
    }

    /// A `match` one arm per line, each with the comments before it.
    fn match_lines(
        &mut self,
        e: &Expr,
        scrut: &Expr,
        arms: &[MatchArm],
        indent: usize,
    ) -> Vec<String> {
        let pad = " ".repeat(indent + 2);
        let head = cat(vec!["match ".into()], self.part(scrut, indent));
        let mut lines = cat(head, vec![" {".into()]);
        let width = arms
            .iter()
            .map(|a| self.arm_patterns(a).chars().count())
            .max()
            .unwrap_or(0);
        let mut prev = scrut.span.end;
        for arm in arms {
            self.gap(&mut lines, prev, arm.span.start, indent + 2);
            let pats = self.arm_patterns(arm);
            let gap = " ".repeat(width - pats.chars().count());
            let head = format!("{pad}{pats}{gap} => ");
            let arm_lines = cat(vec![head], self.expr(&arm.value, indent + 2));
            lines.extend(self.take_comments(arm.span.start, arm.span.end, indent + 2));
            lines.extend(arm_lines);
            prev = arm.span.end;
        }
        self.gap(&mut lines, prev, e.span.end.saturating_sub(1), indent + 2);
        lines.push(format!("{}}}", " ".repeat(indent)));
        lines
    }

    /// An `if` one branch per line: `if A then B`, then one `else if C then D` or `else E`
    /// line per branch, each with the comments before it.
    fn if_lines(&mut self, e: &Expr, indent: usize) -> Vec<String> {
        let ExprKind::If(c, t, f) = &e.kind else {
            return vec![self.inline(e)];
        };
        let pad = " ".repeat(indent + 2);
        let mut lines = cat(vec!["if ".into()], self.part(c, indent + 2));
        lines = cat(lines, vec![" then ".into()]);
        lines = cat(lines, self.part(t, indent + 2));
        let mut prev = t.span.end;
        let mut rest = f;
        loop {
            self.gap(&mut lines, prev, rest.span.start, indent + 2);
            let (branch, end) = match &rest.kind {
                ExprKind::If(c, t, _) => {
                    let head = cat(vec![format!("{pad}else if ")], self.part(c, indent + 2));
                    let head = cat(head, vec![" then ".into()]);
                    (cat(head, self.part(t, indent + 2)), t.span.end)
                }
                _ => {
                    let value = self.expr(rest, indent + 2);
                    (cat(vec![format!("{pad}else ")], value), rest.span.end)
                }
            };
            lines.extend(self.take_comments(rest.span.start, end, indent + 2));
            lines.extend(branch);
            match &rest.kind {
                ExprKind::If(_, _, f) => {
                    prev = end;
                    rest = f;
                }
                _ => break,
            }
        }
        lines
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
            // Unreachable: files with syntax errors are refused before formatting.
            ExprKind::Error => e.span.text(self.source).to_string(),
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

    /// Formats `src`, checks that formatting the result changes nothing, and returns it.
    fn formatted(src: &str) -> String {
        let once = format(src).unwrap();
        assert_eq!(format(&once).unwrap(), once, "not idempotent");
        once
    }

    #[test]
    fn a_list_holding_comments_goes_one_element_per_line_and_keeps_them() {
        let src = "m2map 1\nlet codes = [ # the codes\n  \"11\", # current\n  # the paid ones\n  \"13\",\n  \"97\" # charged off\n  # more to come\n]\nlet plain = [\"11\", \"13\"]\n";
        assert_eq!(
            formatted(src),
            "m2map 1\nlet codes = [  # the codes\n  \"11\",  # current\n  # the paid ones\n  \"13\",\n  \"97\"  # charged off\n  # more to come\n]\nlet plain = [\"11\", \"13\"]\n"
        );
    }

    #[test]
    fn comments_before_match_arms_stay_before_them() {
        let src = "m2map 1\nlet s = match loan.x {\n  # before an arm\n  \"a\" => \"11\",\n  \"b\" => \"13\", # on an arm\n  # before the default\n  _ => \"97\"\n  # before the brace\n}\n";
        assert_eq!(
            formatted(src),
            "m2map 1\nlet s = match loan.x {\n  # before an arm\n  \"a\" => \"11\"\n  \"b\" => \"13\"  # on an arm\n  # before the default\n  _   => \"97\"\n  # before the brace\n}\n"
        );
    }

    #[test]
    fn a_trailing_comment_does_not_change_the_layout_of_its_statement() {
        let src = "m2map 1\nsegment base {\n  surname = if s in codes then \"A\" else \"B\" # trail\n  city = loan.city # from the loan\n  first_name = \"C\"\n}\n";
        assert_eq!(
            formatted(src),
            "m2map 1\nsegment base {\n  surname    = if s in codes then \"A\" else \"B\"  # trail\n  city       = loan.city  # from the loan\n  first_name = \"C\"\n}\n"
        );
    }

    #[test]
    fn the_example_of_the_issue_keeps_every_comment_in_place() {
        let src = "m2map 1\nparam as_of: date\n\nlet codes = [\n  \"11\", # current\n  # the paid ones\n  \"13\",\n  \"97\" # charged off\n]\n\nlet status = match loan.x {\n  # comment before arm\n  \"a\" => \"11\",\n  \"b\" => \"13\", # trailing on arm\n  # before default\n  _ => \"97\"\n}\n\nsegment base {\n  surname = if status in codes then \"A\" else \"B\" # trail\n  first_name = \"C\"\n}\n";
        assert_eq!(
            formatted(src),
            "m2map 1\nparam as_of: date\n\nlet codes = [\n  \"11\",  # current\n  # the paid ones\n  \"13\",\n  \"97\"  # charged off\n]\n\nlet status = match loan.x {\n  # comment before arm\n  \"a\" => \"11\"\n  \"b\" => \"13\"  # trailing on arm\n  # before default\n  _   => \"97\"\n}\n\nsegment base {\n  surname    = if status in codes then \"A\" else \"B\"  # trail\n  first_name = \"C\"\n}\n"
        );
    }

    #[test]
    fn arguments_indexes_and_parentheses_holding_comments_go_one_per_line() {
        let src = "m2map 1\nlet a = f(1, # one\n  2)\nlet b = x.m(1).n(\n  # first\n  2)\nlet c = (x # why\n  + 1) * 2\nlet d = x[ # which\n  1]\n";
        assert_eq!(
            formatted(src),
            "m2map 1\nlet a = f(\n  1,  # one\n  2\n)\nlet b = x.m(1).n(\n  # first\n  2\n)\nlet c = (\n  x  # why\n    + 1\n) * 2\nlet d = x[  # which\n  1\n]\n"
        );
    }

    #[test]
    fn if_branches_and_operators_keep_their_comments() {
        let src = "m2map 1\nlet e = if a then 1 # one\n  # otherwise\n  else if b then 2\n  else 3\nrule r1 error \"m\": # why\n  # the condition\n  a > 0 and # positive\n  b\n";
        assert_eq!(
            formatted(src),
            "m2map 1\nlet e = if a then 1  # one\n  # otherwise\n  else if b then 2\n  else 3\nrule r1 error \"m\":  # why\n  # the condition\n  a > 0  # positive\n    and b\n"
        );
    }

    #[test]
    fn a_comment_with_no_line_of_its_own_moves_just_before_its_statement() {
        let src = "m2map 1\nlet x # the name\n  = 1\nsegment base {\n  surname = if a # the test\n    then \"A\" else \"B\"\n  city = not # negated\n    b\n}\n";
        assert_eq!(
            formatted(src),
            "m2map 1\n# the name\nlet x = 1\nsegment base {\n  # the test\n  surname = if a then \"A\" else \"B\"\n  # negated\n  city    = not b\n}\n"
        );
    }

    #[test]
    fn broken_files_are_refused() {
        assert!(format("m2map 1\nlet = 3\n").is_err());
    }
}
