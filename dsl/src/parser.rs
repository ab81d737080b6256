//! From text to the syntax tree: the pest grammar (grammar/m2map.pest), then a walk over its
//! pairs that builds [`ast`](crate::ast) nodes with spans. Syntax errors are collected, one
//! per broken statement, and parsing goes on.

use pest::iterators::Pair;
use pest::Parser as _;

use crate::ast::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

mod edit;
mod keywords;
mod quotes;
mod slips;

/// pest's parser and its `Rule` enum, generated from the grammar; private to the parser (the
/// rest of the crate reads the syntax tree), and undocumented since their items are generated.
#[allow(missing_docs)]
mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "../../grammar/m2map.pest"]
    pub(super) struct Grammar;
}
use grammar::{Grammar, Rule};

/// How deeply expressions may nest: brackets, `if`s, `match`es, prefix operators, `.name`
/// and `[index]` postfixes and every operator of a chain (`1 + 1 + 1` is two levels) each
/// count one level. Real mappings stay far below it; every pass over the tree recurses once
/// per level, and this many levels fit in a 2 MB thread stack even in a debug build.
pub const MAX_DEPTH: usize = 128;

/// The diagnostic for a file nested deeper than [`MAX_DEPTH`], at byte `at`.
fn too_deep(at: usize) -> Diagnostic {
    Diagnostic::new(
        Code::TooDeep,
        Span::new(at, at + 1),
        format!("the expression nests more than {MAX_DEPTH} levels deep"),
        "too deep from here on",
    )
    .help("split it into `let`s, or use `match` or a table instead of long chains")
}

/// Parses a whole file. Always returns a tree (broken statements become
/// [`ItemKind::Error`] or are left out) and the syntax diagnostics. A file nested deeper than
/// [`MAX_DEPTH`] gives an empty tree and that one diagnostic ([`Code::TooDeep`]).
pub fn parse(source: &str) -> (File, Vec<Diagnostic>) {
    let (file, diags, _) = parse_repaired(source);
    (file, diags)
}

/// [`parse`], and the text the tree was read from: `source` with the mistakes in its
/// characters repaired (see `scan_characters`), byte for byte as long, so that a span is the
/// same place in both. Later passes read names and texts from it, not from `source`.
pub fn parse_repaired(source: &str) -> (File, Vec<Diagnostic>, std::borrow::Cow<'_, str>) {
    pest::set_error_detail(true);
    if let Some(at) = first_too_deep(source) {
        let empty = File {
            version: None,
            items: Vec::new(),
        };
        return (empty, vec![too_deep(at)], source.into());
    }
    let (text, lexical) = scan_characters(source);
    if lexical.is_empty() {
        let (file, diags) = parse_text(source);
        return (file, diags, text);
    }
    let (file, mut diags) = parse_text(&text);
    whole_chars(source, &mut diags);
    // A line with a mistake in its characters gets that one diagnostic.
    let index = crate::span::LineIndex::new(source);
    let lines: Vec<u32> = lexical.iter().map(|d| index.line(d.span.start)).collect();
    let mut all = lexical;
    all.extend(
        diags
            .into_iter()
            .filter(|d| !lines.contains(&index.line(d.span.start))),
    );
    (file, all, text)
}

/// Widens every span to whole characters of `source`: a span found in the repaired text may
/// start or end inside a character the repair replaced.
pub fn whole_chars(source: &str, diags: &mut [Diagnostic]) {
    let whole = |s: Span| {
        let mut start = s.start.min(source.len());
        while !source.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = s.end.clamp(start, source.len());
        while !source.is_char_boundary(end) {
            end += 1;
        }
        Span::new(start, end)
    };
    for d in diags {
        d.span = whole(d.span);
        for r in &mut d.related {
            r.0 = whole(r.0);
        }
    }
}

/// The 1-based line of byte `at` in `source`.
pub fn line_at(source: &str, at: usize) -> usize {
    source.as_bytes()[..at.min(source.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// [`parse`] once the characters are sound.
fn parse_text(source: &str) -> (File, Vec<Diagnostic>) {
    let mut p = Walker {
        source,
        diags: Vec::new(),
        too_deep: false,
        stray: None,
    };
    let file = match Grammar::parse(Rule::file, source) {
        Ok(mut pairs) => match pairs.next() {
            Some(pair) => p.file(pair),
            None => File {
                version: None,
                items: Vec::new(),
            },
        },
        Err(e) => {
            // The catch-all rules make this unreachable in practice; report it all the same.
            p.diags.push(syntax_error(&e, 0, source));
            File {
                version: None,
                items: Vec::new(),
            }
        }
    };
    (file, p.diags)
}

/// Parses one expression on its own (built-in examples, tooling).
pub fn parse_expr(source: &str) -> Result<Expr, Vec<Diagnostic>> {
    if let Some(at) = first_too_deep(source) {
        return Err(vec![too_deep(at)]);
    }
    let mut p = Walker {
        source,
        diags: Vec::new(),
        too_deep: false,
        stray: None,
    };
    match Grammar::parse(Rule::expr_strict, source) {
        Ok(mut pairs) => {
            let strict = pairs.next().expect("expr_strict matched");
            let e = p.expr(strict.into_inner().next().expect("an expr"));
            if p.diags.is_empty() {
                Ok(e)
            } else {
                Err(p.diags)
            }
        }
        Err(e) => Err(vec![syntax_error(&e, 0, source)]),
    }
}

/// A rule's name for a reader, or `None` for the grammar's internals (recovery rules and the
/// like), which mean nothing to someone writing a mapping.
fn friendly(rule: &Rule) -> Option<String> {
    Some(
        match rule {
            Rule::expr | Rule::expr_strict => "an expression",
            Rule::ident | Rule::name => "a name",
            Rule::string | Rule::string_inner => "a text in double quotes",
            Rule::integer => "a whole number",
            Rule::decimal => "a decimal number",
            Rule::date => "a date (YYYY-MM-DD)",
            Rule::type_name => "a type",
            Rule::assignment => "a field assignment `field = value`",
            Rule::table_arm => "a table arm `key => value`",
            Rule::match_arm => "a match arm `pattern => value`",
            Rule::pattern | Rule::literal_pattern => "a pattern",
            Rule::rule_id => "a rule id",
            Rule::severity => "`error` or `warning`",
            Rule::param_def => "`param`",
            Rule::let_def => "`let`",
            Rule::table_def => "`table`",
            Rule::skip_def => "`skip`",
            Rule::segment_def => "`segment`",
            Rule::rule_def => "`rule`",
            Rule::EOI => "the end of the statement",
            Rule::doc_comment => "a doc comment `##`",
            Rule::call_args => "`(`",
            Rule::member => "`.`",
            Rule::index => "`[`",
            Rule::for_each => "`for each`",
            Rule::when_clause => "`when`",
            Rule::error_value => "`error \"...\"`",
            Rule::wildcard => "`_`",
            Rule::version => "`m2map 1`",
            Rule::paren => "`(`",
            Rule::call => "a function call",
            Rule::list => "`[`",
            Rule::if_expr => "`if`",
            Rule::match_expr => "`match`",
            Rule::none_lit => "`none`",
            Rule::true_lit => "`true`",
            Rule::false_lit => "`false`",
            Rule::range_pattern => "a pattern",
            Rule::range_incl => "`..=`",
            Rule::range_excl => "`..`",
            r if format!("{r:?}").starts_with("op_") => "an operator",
            _ => return None,
        }
        .to_string(),
    )
}

/// Turns a pest error into a diagnostic; `base` is the offset of the parsed text in the file.
fn syntax_error(e: &pest::error::Error<Rule>, base: usize, text: &str) -> Diagnostic {
    let mut pos = match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    if let Some(a) = e.parse_attempts() {
        pos = pos.max(a.max_position);
    }
    let mut expected: Vec<String> = Vec::new();
    if let pest::error::ErrorVariant::ParsingError { positives, .. } = &e.variant {
        for r in positives {
            if matches!(
                r,
                Rule::item_strict
                    | Rule::assignment_strict
                    | Rule::table_arm_strict
                    | Rule::expr_strict
                    | Rule::item
            ) {
                if pos == 0 && *r == Rule::item_strict {
                    expected.push(
                        "a statement (`param`, `let`, `table`, `skip`, `segment`, `rule`)".into(),
                    );
                }
                continue;
            }
            let Some(f) = friendly(r) else {
                continue;
            };
            if !expected.contains(&f) {
                expected.push(f);
            }
        }
    }
    if let Some(attempts) = e.parse_attempts() {
        for t in attempts.expected_tokens() {
            // Ranges and built-ins (`a..z`, `BUILTIN_RULE`) say nothing useful to a reader.
            let token = t.to_string();
            if token.trim().is_empty() || token.contains("..") || token == "BUILTIN_RULE" {
                continue;
            }
            let f = match token.as_str() {
                "##" => friendly(&Rule::doc_comment).expect("a doc comment"),
                _ => format!("`{token}`"),
            };
            if !expected.contains(&f) {
                expected.push(f);
            }
        }
    }
    // Operators and postfixes are always possible after a value, and a comment anywhere;
    // listing them buries the useful hint.
    const NOISE: &[&str] = &[
        "`#`",
        "`==`",
        "`!=`",
        "`<=`",
        "`>=`",
        "`<`",
        "`>`",
        "`??`",
        "`+`",
        "`-`",
        "`*`",
        "`/`",
        "`.`",
        "`[`",
        "`and`",
        "`or`",
        "`in`",
        "`implies`",
        "`where`",
        "an operator",
        "`_`",
        // A doc comment may come before any statement.
        "a doc comment `##`",
    ];
    const STARTS_EXPR: &[&str] = &[
        "`\"`", "`(`", "`_`", "`false`", "`true`", "`if`", "`match`", "`none`", "`not`", "`-`",
        "`[`",
    ];
    if expected
        .iter()
        .any(|x| x == "an expression" || x.starts_with("a field") || x.starts_with("a statement"))
    {
        expected.retain(|x| !STARTS_EXPR.contains(&x.as_str()));
    }
    if expected.iter().any(|x| x.starts_with("a statement")) {
        expected.retain(|x| !x.starts_with('`'));
    }
    let useful: Vec<String> = expected
        .iter()
        .filter(|x| !NOISE.contains(&x.as_str()))
        .cloned()
        .collect();
    if useful.is_empty() {
        if !expected.is_empty() {
            expected = vec!["an operator or the end of the expression".to_string()];
        }
    } else {
        expected = useful;
    }
    expected.truncate(6);
    let what = match expected.len() {
        0 => "unexpected text".to_string(),
        1 => format!("expected {}", expected[0]),
        n => format!(
            "expected {} or {}",
            expected[..n - 1].join(", "),
            expected[n - 1]
        ),
    };
    // An error found after a line break is about the end of the previous line: point there.
    let code = code_end(text, 0, pos.min(text.len()));
    let pos = if text[code..pos.min(text.len())].contains('\n') {
        code
    } else {
        pos
    };
    let at = base + pos;
    Diagnostic::new(
        Code::Syntax,
        Span::new(at, at + 1),
        format!("syntax error: {what}"),
        what,
    )
}

/// What a broken statement was read as, once its slip is known.
enum Meant {
    Item(ItemKind),
    Assignment(Assignment),
    Arm(TableArm),
}

/// A `let` whose value could not be read: the name stays defined (its value unknown), so its
/// uses are not reported as unknown names as well.
fn broken_let(text: &str, base: usize) -> Option<ItemKind> {
    let rest = text.strip_prefix("let")?;
    let name_at = 3 + rest.len() - rest.trim_start().len();
    let name_len = text[name_at..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len() - name_at);
    let after = text[name_at + name_len..].trim_start();
    if name_len == 0 || name_at == 3 || !after.starts_with('=') || after.starts_with("==") {
        return None;
    }
    let name = &text[name_at..name_at + name_len];
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let value_at = text.len() - after.len() + 1;
    let end = code_end(text, 0, text.len()).max(value_at);
    Some(ItemKind::Let(Let {
        name: Ident {
            name: name.to_string(),
            span: Span::new(base + name_at, base + name_at + name_len),
        },
        value: Expr {
            kind: ExprKind::Error,
            span: Span::new(base + value_at, base + end),
        },
    }))
}

struct Walker<'s> {
    source: &'s str,
    diags: Vec<Diagnostic>,
    /// Whether [`MAX_DEPTH`] was passed (reported once: one place is enough to fix).
    too_deep: bool,
    /// The statements found among the items that the item just walked holds (`stray_stmts`).
    stray: Option<Span>,
}

impl Walker<'_> {
    /// A pair's span without the whitespace and comments pest lets a rule end with.
    fn code_span(&self, p: &Pair<'_, Rule>) -> Span {
        let s = Span::from(p.as_span());
        Span::new(s.start, code_end(self.source, s.start, s.end))
    }

    fn file(&mut self, pair: Pair<'_, Rule>) -> File {
        let mut version = None;
        let mut items = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::version => {
                    let span = Span::from(p.as_span());
                    let n = p.into_inner().next().map(|i| i.as_str().to_string());
                    match n.and_then(|n| n.parse::<u32>().ok()) {
                        Some(n) => version = Some((n, span)),
                        None => self.diags.push(Diagnostic::new(
                            Code::Version,
                            span,
                            "the version number is not a number",
                            "here",
                        )),
                    }
                }
                Rule::item => {
                    let bad = p
                        .clone()
                        .into_inner()
                        .find(|i| i.as_rule() == Rule::bad_item)
                        .map(|i| (i.as_span().start(), i.as_span().end()));
                    if let Some((start, end)) = bad.filter(|(s, _)| self.mid_line(*s)) {
                        if let Some(prev) = items.pop() {
                            items.push(self.joined(prev, start, end));
                            continue;
                        }
                    }
                    let item = self.item(p);
                    if let Some(stray) = self.stray.take() {
                        let d = self.stray_stmts(stray, items.last());
                        self.diags.push(d);
                    }
                    items.push(item);
                }
                _ => {}
            }
        }
        File { version, items }
    }

    /// The item `prev` with the broken text after it on its line, `start..end`, read again as
    /// one statement.
    fn joined(&mut self, prev: Item, start: usize, end: usize) -> Item {
        let from = prev.span.start.min(start);
        let text = &self.source[from..end];
        let kind = match self.bad_text(text, from, Rule::item_strict) {
            Some(Meant::Item(k)) => k,
            _ => broken_let(text, from).unwrap_or(ItemKind::Error),
        };
        Item {
            docs: prev.docs,
            kind,
            span: Span::new(from, code_end(self.source, from, end)),
            start: prev.start,
        }
    }

    fn item(&mut self, pair: Pair<'_, Rule>) -> Item {
        let mut docs = Vec::new();
        let mut kind = ItemKind::Error;
        let mut span = Span::from(pair.as_span());
        let start = span.start;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::doc_comment => docs.push(doc_text(p.as_str())),
                Rule::bad_item => {
                    span = Span::from(p.as_span());
                    let (text, base) = (p.as_str(), span.start);
                    kind = match self.bad(p, Rule::item_strict) {
                        Some(Meant::Item(k)) => k,
                        _ => broken_let(text, base).unwrap_or(ItemKind::Error),
                    };
                }
                Rule::stray_stmts => {
                    span = self.code_span(&p);
                    self.stray = Some(span);
                }
                _ => {
                    span = self.code_span(&p);
                    kind = self.item_kind(p);
                }
            }
        }
        Item {
            docs,
            kind,
            span,
            start,
        }
    }

    /// Reports a broken statement: re-parses its text alone with the strict rule to find the
    /// precise place and what was expected there, then looks for the slip that breaks it
    /// ([`slips`]). When the slip says what was meant, the statement is read that way.
    fn bad(&mut self, pair: Pair<'_, Rule>, strict: Rule) -> Option<Meant> {
        self.bad_text(pair.as_str(), pair.as_span().start(), strict)
    }

    /// [`Walker::bad`] for the statement `text` at offset `base`.
    fn bad_text(&mut self, text: &str, base: usize, strict: Rule) -> Option<Meant> {
        if strict == Rule::item_strict && text.trim_start().starts_with("m2map") {
            let end = text.find('\n').unwrap_or(text.len());
            self.diags.push(
                Diagnostic::new(
                    Code::Version,
                    Span::new(base, base + end),
                    "the version line must be the first line",
                    "a version line here",
                )
                .help("write `m2map 1` once, as the first line of the file"),
            );
            return None;
        }
        match Grammar::parse(strict, text) {
            Err(e) => {
                let d = syntax_error(&e, base, text);
                let err_at = d.span.start.saturating_sub(base);
                match slips::find(text, base, strict, self.source, err_at) {
                    Some(slip) => {
                        self.diags.push(slip.diag);
                        slip.fixed
                            .and_then(|fixed| self.reread(base, &fixed, strict))
                    }
                    None => {
                        self.diags.push(d);
                        None
                    }
                }
            }
            Ok(_) => {
                self.diags.push(Diagnostic::new(
                    Code::Syntax,
                    Span::new(base, base + text.len().min(1)),
                    "syntax error: this statement does not belong here",
                    "unexpected statement",
                ));
                None
            }
        }
    }

    /// Whether byte `at` comes after code on its line. A broken statement that does is the
    /// rest of the one before it: pest read that one as far as it could (`x = alnum` of
    /// `x = alnum(displayId`) and left the rest (`(displayId`) as a statement of its own.
    fn mid_line(&self, at: usize) -> bool {
        let line = self.source[..at].rfind('\n').map(|n| n + 1).unwrap_or(0);
        !self.source[line..at].trim().is_empty()
    }

    /// The statement at `base` read as `fixed`, which is as long as it: the spans of what it
    /// holds are those of the file.
    fn reread(&mut self, base: usize, fixed: &str, strict: Rule) -> Option<Meant> {
        let mut padded: String = self.source.as_bytes()[..base]
            .iter()
            .map(|b| if *b == b'\n' { '\n' } else { ' ' })
            .collect();
        padded.push_str(fixed);
        let top = Grammar::parse(strict, &padded).ok()?.next()?;
        let inner = top
            .into_inner()
            .find(|p| !matches!(p.as_rule(), Rule::doc_comment | Rule::EOI))?;
        let mut sub = Walker {
            source: &padded,
            diags: Vec::new(),
            too_deep: self.too_deep,
            stray: None,
        };
        let meant = match strict {
            Rule::assignment_strict => Meant::Assignment(sub.assignment(inner)),
            Rule::table_arm_strict => Meant::Arm(sub.table_arm(inner)),
            _ => Meant::Item(sub.item_kind(inner)),
        };
        self.too_deep |= sub.too_deep;
        self.diags.extend(sub.diags);
        Some(meant)
    }

    /// The 1-based line of byte `at`.
    fn line_of(&self, at: usize) -> usize {
        line_at(self.source, at)
    }

    /// A segment or table whose `}` is missing: reported where its last statement ends, the
    /// place the `}` goes.
    fn unclosed(
        &self,
        rule: Rule,
        name: &str,
        start: usize,
        last: Span,
        next: usize,
    ) -> Diagnostic {
        let what = if rule == Rule::table_def {
            "table"
        } else {
            "segment"
        };
        let line = self.line_of(start);
        let before = if next >= self.source.len() {
            "at the end of the file".to_string()
        } else {
            format!("before line {}", self.line_of(next))
        };
        Diagnostic::new(
            Code::Syntax,
            last,
            format!("`{what} {name}` opened at line {line} is not closed"),
            format!("`{what} {name}` ends here without its `}}`"),
        )
        .help(format!(
            "add `}}` on a line of its own after its last {}, {before}",
            if what == "table" { "arm" } else { "field" }
        ))
    }

    /// Statements or arms among the items: reported at the `}` that closed their block too
    /// early when there is one just before them, once for all of them.
    fn stray_stmts(&self, stray: Span, previous: Option<&Item>) -> Diagnostic {
        let text = stray.text(self.source);
        let code_lines: Vec<(usize, &str)> = {
            let mut at = stray.start;
            let mut v = Vec::new();
            for l in text.split('\n') {
                let t = l.trim();
                if !t.is_empty() && !t.starts_with('#') {
                    v.push((at + (l.len() - l.trim_start().len()), t));
                }
                at += l.len() + 1;
            }
            v
        };
        let first_line_end = stray.start + text.find('\n').unwrap_or(text.len());
        let first = Span::new(
            stray.start,
            code_end(self.source, stray.start, first_line_end),
        );
        let arms = code_lines.iter().any(|(_, l)| l.contains("=>"))
            && !code_lines
                .iter()
                .any(|(_, l)| l.contains('=') && !l.contains("=>"));
        let block = if arms { "table" } else { "segment" };
        let only_braces = code_lines.iter().all(|(_, l)| *l == "}");
        let last_brace = code_lines
            .last()
            .filter(|(_, l)| *l == "}")
            .map(|(at, _)| *at);
        let closed = previous.and_then(|i| match &i.kind {
            ItemKind::Segment(s) => Some(("segment", s.kind.name.as_str(), i.span.start, s.close)),
            ItemKind::Table(t) => Some(("table", t.name.name.as_str(), i.span.start, t.close)),
            _ => None,
        });
        match closed {
            Some((what, name, start, close))
                if !only_braces && self.source[close.start..].starts_with('}') =>
            {
                let help = match last_brace {
                    Some(at) => format!(
                        "remove this `}}`: the `}}` on line {} ends `{what} {name}`",
                        self.line_of(at)
                    ),
                    None => format!("remove this `}}`, or put the lines after it in a {block}"),
                };
                Diagnostic::new(
                    Code::Syntax,
                    close,
                    format!(
                        "this `}}` closes `{what} {name}` opened at line {}; the lines after it are not in any {what}",
                        self.line_of(start)
                    ),
                    format!("closes `{what} {name}`"),
                )
                .related(first, format!("not in any {what}"))
                .help(help)
            }
            _ if only_braces || text.starts_with('}') => Diagnostic::new(
                Code::Syntax,
                Span::new(stray.start, stray.start + 1),
                "this `}` has no `{` to close",
                "one `}` too many",
            )
            .help("remove it"),
            _ => Diagnostic::new(
                Code::Syntax,
                first,
                format!("this line is not in any {block}"),
                format!("not in any {block}"),
            )
            .help(if arms {
                "`key => value` arms go inside `table NAME { ... }`"
            } else {
                "field assignments go inside `segment NAME { ... }`"
            }),
        }
    }

    fn item_kind(&mut self, p: Pair<'_, Rule>) -> ItemKind {
        let rule = p.as_rule();
        let start = p.as_span().start();
        let end = p.as_span().end();
        let mut close = Span::new(end.saturating_sub(1), end);
        let mut inner = p.clone().into_inner();
        if let Some(unclosed) = inner.clone().find(|i| i.as_rule() == Rule::unclosed) {
            let at = unclosed.as_span().start();
            let end = code_end(self.source, start, at);
            close = Span::new(end.saturating_sub(1), end);
            let name = inner.clone().next().map(|n| n.as_str()).unwrap_or("");
            let d = self.unclosed(rule, name, start, close, at);
            self.diags.push(d);
        }
        match rule {
            Rule::param_def => {
                let name = ident(inner.next().expect("param name"));
                let ty = ident(inner.next().expect("param type"));
                ItemKind::Param(Param { name, ty })
            }
            Rule::let_def => {
                let name = ident(inner.next().expect("let name"));
                let value = self.expr(inner.next().expect("let value"));
                ItemKind::Let(Let { name, value })
            }
            Rule::table_def => {
                let name = ident(inner.next().expect("table name"));
                let mut arms = Vec::new();
                for a in inner {
                    match a.as_rule() {
                        Rule::table_arm => arms.push(self.table_arm(a)),
                        Rule::bad_arm => {
                            let (start, end) = (a.as_span().start(), a.as_span().end());
                            let prev = match arms.last() {
                                Some(_) if self.mid_line(start) => arms.pop(),
                                _ => None,
                            };
                            let from = prev
                                .as_ref()
                                .map(|p: &TableArm| p.span.start)
                                .unwrap_or(start);
                            let text = &self.source[from..end];
                            if let Some(Meant::Arm(arm)) =
                                self.bad_text(text, from, Rule::table_arm_strict)
                            {
                                arms.push(arm);
                            }
                        }
                        _ => {}
                    }
                }
                ItemKind::Table(Table { close, name, arms })
            }
            Rule::skip_def => {
                let cond = self.expr(inner.next().expect("skip cond"));
                let reason = self.string(inner.next().expect("skip reason"));
                ItemKind::Skip(Skip { cond, reason })
            }
            Rule::segment_def => {
                let kind = ident(inner.next().expect("segment kind"));
                let mut each = None;
                let mut when = None;
                let mut body = Vec::new();
                for p in inner {
                    match p.as_rule() {
                        Rule::for_each => {
                            let mut i = p.into_inner();
                            let var = ident(i.next().expect("loop var"));
                            let list = self.expr(i.next().expect("loop list"));
                            each = Some((var, list));
                        }
                        Rule::when_clause => {
                            when = Some(self.expr(p.into_inner().next().expect("when cond")))
                        }
                        Rule::assignment => body.push(self.assignment(p)),
                        Rule::bad_stmt => {
                            let (start, end) = (p.as_span().start(), p.as_span().end());
                            let prev = match body.last() {
                                Some(_) if self.mid_line(start) => body.pop(),
                                _ => None,
                            };
                            let from = prev.as_ref().map(|a| a.field.span.start).unwrap_or(start);
                            let text = &self.source[from..end];
                            if let Some(Meant::Assignment(mut a)) =
                                self.bad_text(text, from, Rule::assignment_strict)
                            {
                                if let Some(prev) = prev {
                                    a.docs = prev.docs;
                                    a.start = prev.start;
                                }
                                body.push(a);
                            }
                        }
                        _ => {}
                    }
                }
                ItemKind::Segment(SegmentBlock {
                    kind,
                    each,
                    when,
                    body,
                    close,
                })
            }
            Rule::rule_def => {
                let id = ident(inner.next().expect("rule id"));
                let severity = ident(inner.next().expect("severity"));
                let message = self.string(inner.next().expect("message"));
                let expr = self.expr(inner.next().expect("rule expr"));
                ItemKind::Rule(RuleDef {
                    id,
                    severity,
                    message,
                    expr,
                })
            }
            _ => ItemKind::Error,
        }
    }

    fn table_arm(&mut self, p: Pair<'_, Rule>) -> TableArm {
        let span = self.code_span(&p);
        let mut docs = Vec::new();
        let mut key = None;
        let mut value = None;
        for i in p.into_inner() {
            match i.as_rule() {
                Rule::doc_comment => docs.push(doc_text(i.as_str())),
                Rule::wildcard => {
                    key = Some(Pattern {
                        kind: PatternKind::Wildcard,
                        span: i.as_span().into(),
                    })
                }
                Rule::literal_pattern => key = Some(self.literal_pattern(i)),
                Rule::error_value => {
                    let s = i.into_inner().next().expect("error message");
                    value = Some(TableValue::Error(self.string(s)));
                }
                Rule::expr => value = Some(TableValue::Value(self.expr(i))),
                _ => {}
            }
        }
        TableArm {
            docs,
            key: key.unwrap_or(Pattern {
                kind: PatternKind::Wildcard,
                span,
            }),
            value: value.unwrap_or(TableValue::Value(Expr {
                kind: ExprKind::Lit(Lit::None),
                span,
            })),
            span,
        }
    }

    fn assignment(&mut self, p: Pair<'_, Rule>) -> Assignment {
        let span = self.code_span(&p);
        let mut docs = Vec::new();
        let mut field = None;
        let mut value = None;
        for i in p.into_inner() {
            match i.as_rule() {
                Rule::doc_comment => docs.push(doc_text(i.as_str())),
                Rule::ident => field = Some(ident(i)),
                Rule::expr => value = Some(self.expr(i)),
                _ => {}
            }
        }
        let field = field.expect("assignment has a field");
        let start = span.start;
        let span = Span::new(field.span.start, span.end);
        Assignment {
            docs,
            field,
            value: value.expect("assignment has a value"),
            span,
            start,
        }
    }

    fn string(&mut self, p: Pair<'_, Rule>) -> StrLit {
        let span = Span::from(p.as_span());
        let raw = p.into_inner().next().map(|i| i.as_str()).unwrap_or("");
        StrLit {
            value: self.unescape(raw, span),
            span,
        }
    }

    fn unescape(&mut self, raw: &str, span: Span) -> String {
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                other => {
                    self.diags.push(
                        Diagnostic::new(
                            Code::BadLiteral,
                            span,
                            format!(
                                "unknown escape `\\{}` in a text",
                                other.map(String::from).unwrap_or_default()
                            ),
                            "in this text",
                        )
                        .help("the escapes are \\\" \\\\ \\n \\t"),
                    );
                }
            }
        }
        out
    }

    fn literal(&mut self, p: Pair<'_, Rule>) -> Lit {
        let span = Span::from(p.as_span());
        let text = p.as_str();
        match p.as_rule() {
            Rule::string => Lit::Text(self.string(p).value),
            Rule::integer => match text.parse::<i64>() {
                Ok(n) => Lit::Int(n),
                Err(_) => {
                    self.diags.push(Diagnostic::new(
                        Code::BadLiteral,
                        span,
                        format!("the number {text} is too large"),
                        "too large for a whole number",
                    ));
                    Lit::Int(0)
                }
            },
            Rule::decimal => match text.parse() {
                Ok(d) => Lit::Decimal(d),
                Err(_) => {
                    self.diags.push(Diagnostic::new(
                        Code::BadLiteral,
                        span,
                        format!("the number {text} cannot be held exactly"),
                        "too many digits",
                    ));
                    Lit::Int(0)
                }
            },
            Rule::date => match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(d) => Lit::Date(d),
                Err(_) => {
                    self.diags.push(
                        Diagnostic::new(
                            Code::BadLiteral,
                            span,
                            format!("{text} is not a calendar date"),
                            "no such day",
                        )
                        .help("dates are written YYYY-MM-DD"),
                    );
                    Lit::None
                }
            },
            Rule::true_lit => Lit::Bool(true),
            Rule::false_lit => Lit::Bool(false),
            _ => Lit::None,
        }
    }

    fn literal_pattern(&mut self, p: Pair<'_, Rule>) -> Pattern {
        let span = Span::from(p.as_span());
        let mut neg = false;
        let mut lit = Lit::None;
        for i in p.into_inner() {
            if i.as_rule() == Rule::op_neg {
                neg = true;
            } else {
                lit = self.literal(i);
            }
        }
        if neg {
            lit = match lit {
                Lit::Int(n) => Lit::Int(-n),
                Lit::Decimal(d) => Lit::Decimal(-d),
                other => {
                    self.diags.push(Diagnostic::new(
                        Code::BadLiteral,
                        span,
                        "only numbers can be negative",
                        "`-` before a value that is not a number",
                    ));
                    other
                }
            };
        }
        Pattern {
            kind: PatternKind::Lit(lit),
            span,
        }
    }

    fn pattern(&mut self, p: Pair<'_, Rule>) -> Pattern {
        let span = Span::from(p.as_span());
        let inner = p.into_inner().next().expect("pattern body");
        match inner.as_rule() {
            Rule::wildcard => Pattern {
                kind: PatternKind::Wildcard,
                span,
            },
            Rule::range_pattern => {
                let mut i = inner.into_inner();
                let lo = self.literal_pattern(i.next().expect("range low"));
                let incl = i.next().expect("range op").as_rule() == Rule::range_incl;
                let hi = self.literal_pattern(i.next().expect("range high"));
                let (PatternKind::Lit(lo), PatternKind::Lit(hi)) = (lo.kind, hi.kind) else {
                    unreachable!("literal patterns are literals")
                };
                Pattern {
                    kind: PatternKind::Range(lo, hi, incl),
                    span,
                }
            }
            _ => self.literal_pattern(inner),
        }
    }

    fn args(&mut self, p: Pair<'_, Rule>) -> (Vec<Expr>, usize) {
        let mut depth = 0;
        let args = p
            .into_inner()
            .map(|e| {
                let (e, d) = self.deep_expr(e);
                depth = depth.max(d);
                e
            })
            .collect();
        (args, depth)
    }

    /// An expression where the caller does not need its depth.
    fn expr(&mut self, pair: Pair<'_, Rule>) -> Expr {
        self.deep_expr(pair).0
    }

    /// A node `depth` levels deep, or a stand-in when that is past [`MAX_DEPTH`]: every pass
    /// after this one (checker, compiler, formatter, the plan's evaluation and display, even
    /// dropping the tree) recurses once per level, so a deeper tree is never built. `at` is
    /// the place to report.
    fn limit(&mut self, e: Expr, depth: usize, at: Span) -> (Expr, usize) {
        if depth <= MAX_DEPTH {
            return (e, depth);
        }
        if !self.too_deep {
            self.too_deep = true;
            self.diags.push(too_deep(at.start));
        }
        let span = e.span;
        (
            Expr {
                kind: ExprKind::Lit(Lit::None),
                span,
            },
            1,
        )
    }

    /// An `expr` pair: units (prefixes, a primary, postfixes) separated by infix operators,
    /// folded by precedence climbing. Prefixes apply to the whole unit, postfixes included
    /// (`not x.flag` is `not (x.flag)`). Returns the expression and its depth: a chain of
    /// operators nests one level per operator even without brackets.
    fn deep_expr(&mut self, pair: Pair<'_, Rule>) -> (Expr, usize) {
        let mut units: Vec<(Expr, usize)> = Vec::new();
        let mut ops: Vec<(BinaryOp, Span)> = Vec::new();
        let mut prefixes: Vec<(UnaryOp, Span)> = Vec::new();
        let mut unit_prefixes: Vec<(UnaryOp, Span)> = Vec::new();
        let mut current: Option<(Expr, usize)> = None;
        for p in pair.into_inner() {
            let span = Span::from(p.as_span());
            match p.as_rule() {
                Rule::op_not => prefixes.push((UnaryOp::Not, span)),
                Rule::op_neg => prefixes.push((UnaryOp::Neg, span)),
                Rule::member => {
                    let (base, depth) = current.take().expect("member follows a primary");
                    // Without arguments a member ends with its name, and pest lets it end with
                    // the whitespace and comments after that name too.
                    let span = self.code_span(&p);
                    let mut i = p.into_inner();
                    let name = ident(i.next().expect("member name"));
                    let full = base.span.to(span);
                    let (e, depth) = match i.next() {
                        Some(args) => {
                            let (args, d) = self.args(args);
                            (
                                Expr {
                                    kind: ExprKind::Method(Box::new(base), name, args),
                                    span: full,
                                },
                                depth.max(d) + 1,
                            )
                        }
                        None => (
                            Expr {
                                kind: ExprKind::Member(Box::new(base), name),
                                span: full,
                            },
                            depth + 1,
                        ),
                    };
                    current = Some(self.limit(e, depth, span));
                }
                Rule::index => {
                    let (base, depth) = current.take().expect("index follows a primary");
                    let (idx, d) = self.deep_expr(p.into_inner().next().expect("index expr"));
                    let full = base.span.to(span);
                    let e = Expr {
                        kind: ExprKind::Index(Box::new(base), Box::new(idx)),
                        span: full,
                    };
                    current = Some(self.limit(e, depth.max(d) + 1, span));
                }
                r if infix_op(r).is_some() => {
                    if let Some(e) = current.take() {
                        let u = self.apply_prefixes(e, std::mem::take(&mut unit_prefixes));
                        units.push(u);
                    }
                    ops.push((infix_op(r).expect("checked"), span));
                }
                _ => {
                    unit_prefixes = std::mem::take(&mut prefixes);
                    current = Some(self.primary(p));
                }
            }
        }
        if let Some(e) = current.take() {
            let u = self.apply_prefixes(e, unit_prefixes);
            units.push(u);
        }
        self.climb(units, ops)
    }

    fn apply_prefixes(
        &mut self,
        (mut e, depth): (Expr, usize),
        prefixes: Vec<(UnaryOp, Span)>,
    ) -> (Expr, usize) {
        if let Some(&(_, first)) = prefixes.first() {
            if depth + prefixes.len() > MAX_DEPTH {
                return self.limit(e, depth + prefixes.len(), first);
            }
        }
        let depth = depth + prefixes.len();
        for (op, span) in prefixes.into_iter().rev() {
            let full = span.to(e.span);
            e = Expr {
                kind: ExprKind::Unary(op, Box::new(e)),
                span: full,
            };
        }
        (e, depth)
    }

    /// Folds units and operators by precedence; every operator is left-associative.
    fn climb(&mut self, units: Vec<(Expr, usize)>, ops: Vec<(BinaryOp, Span)>) -> (Expr, usize) {
        let mut units = units.into_iter();
        let mut ops = ops.into_iter().peekable();
        let first = units.next().expect("an expression has a unit");
        self.climb_from(first, 0, &mut units, &mut ops)
    }

    fn climb_from(
        &mut self,
        mut lhs: (Expr, usize),
        min: u8,
        units: &mut impl Iterator<Item = (Expr, usize)>,
        ops: &mut std::iter::Peekable<impl Iterator<Item = (BinaryOp, Span)>>,
    ) -> (Expr, usize) {
        while let Some(&(op, op_span)) = ops.peek() {
            if op.precedence() < min {
                break;
            }
            ops.next();
            let Some(mut rhs) = units.next() else {
                break;
            };
            while let Some(&(next, _)) = ops.peek() {
                if next.precedence() > op.precedence() {
                    rhs = self.climb_from(rhs, next.precedence(), units, ops);
                } else {
                    break;
                }
            }
            let span = lhs.0.span.to(rhs.0.span);
            let depth = lhs.1.max(rhs.1) + 1;
            let e = Expr {
                kind: ExprKind::Binary(op, Box::new(lhs.0), Box::new(rhs.0)),
                span,
            };
            lhs = self.limit(e, depth, op_span);
        }
        lhs
    }

    fn primary(&mut self, p: Pair<'_, Rule>) -> (Expr, usize) {
        // An `if` ends with its `else` value, and pest lets it end with the whitespace and
        // comments after that value too (the formatter would take a comment after the `if`
        // for one inside it); every other primary ends with a token of its own.
        let span = if p.as_rule() == Rule::if_expr {
            self.code_span(&p)
        } else {
            Span::from(p.as_span())
        };
        let mut depth = 0;
        let mut sub = |w: &mut Self, p: Pair<'_, Rule>| {
            let (e, d) = w.deep_expr(p);
            depth = depth.max(d);
            Box::new(e)
        };
        let kind = match p.as_rule() {
            Rule::paren => ExprKind::Paren(sub(self, p.into_inner().next().expect("paren"))),
            Rule::call => {
                let mut i = p.into_inner();
                let name = ident(i.next().expect("call name"));
                let (args, d) = self.args(i.next().expect("call args"));
                depth = d;
                ExprKind::Call(name, args)
            }
            Rule::name => ExprKind::Name(p.as_str().to_string()),
            Rule::list => {
                let (items, d) = self.args(p);
                depth = d;
                ExprKind::List(items)
            }
            Rule::if_expr => {
                let mut i = p.into_inner();
                let c = sub(self, i.next().expect("if cond"));
                let t = sub(self, i.next().expect("then"));
                let e = sub(self, i.next().expect("else"));
                ExprKind::If(c, t, e)
            }
            Rule::match_expr => {
                let mut i = p.into_inner();
                let scrut = sub(self, i.next().expect("scrutinee"));
                let mut arms = Vec::new();
                for a in i {
                    let (arm, d) = self.match_arm(a);
                    depth = depth.max(d);
                    arms.push(arm);
                }
                ExprKind::Match(scrut, arms)
            }
            _ => ExprKind::Lit(self.literal(p)),
        };
        let e = Expr { kind, span };
        self.limit(e, depth + 1, span)
    }

    fn match_arm(&mut self, p: Pair<'_, Rule>) -> (MatchArm, usize) {
        let span = self.code_span(&p);
        let mut patterns = Vec::new();
        let mut value = None;
        for i in p.into_inner() {
            match i.as_rule() {
                Rule::pattern => patterns.push(self.pattern(i)),
                Rule::expr => value = Some(self.deep_expr(i)),
                _ => {}
            }
        }
        let (value, depth) = value.expect("arm value");
        (
            MatchArm {
                patterns,
                value,
                span,
            },
            depth,
        )
    }
}

/// Where `source` first nests deeper than [`MAX_DEPTH`] in the ways the grammar recurses on
/// (brackets, `if`, a parameter's `list<...>` type), found before pest runs: pest's recursive
/// descent has no depth limit of its own and would overflow the stack first. A lexical count
/// cannot know where an `else` branch ends, so it closes `if`s only where a branch surely
/// ends (a closing bracket, `,`, `=>`, `=`, the enclosing `if`'s `then`/`else`, a new item);
/// that may count a few levels too many, never too few.
fn first_too_deep(source: &str) -> Option<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Open {
        Bracket,
        Angle,
        IfCond,
        IfThen,
        IfElse,
    }
    /// Closes everything back to the innermost open bracket.
    fn close_ifs(stack: &mut Vec<Open>) {
        while stack.last().is_some_and(|o| *o != Open::Bracket) {
            stack.pop();
        }
    }
    let b = source.as_bytes();
    let mut stack: Vec<Open> = Vec::new();
    let mut in_param = false;
    let mut line_start = true;
    let mut i = 0;
    while i < b.len() {
        let at = i;
        let c = b[i];
        i += 1;
        match c {
            b'\n' => {
                line_start = true;
                continue;
            }
            b' ' | b'\t' | b'\r' => continue,
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if i < b.len() && b[i] == b'"' {
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => stack.push(Open::Bracket),
            b')' | b']' | b'}' => {
                close_ifs(&mut stack);
                stack.pop();
            }
            b'<' if in_param => stack.push(Open::Angle),
            b'>' if in_param && stack.last() == Some(&Open::Angle) => {
                stack.pop();
            }
            b',' => close_ifs(&mut stack),
            b'=' => {
                let prev = if at > 0 { b[at - 1] } else { b' ' };
                match b.get(i) {
                    Some(b'=') => i += 1,
                    Some(b'>') => {
                        i += 1;
                        close_ifs(&mut stack);
                    }
                    _ if matches!(prev, b'!' | b'<' | b'>' | b'.') => {}
                    // An assignment or a `let`: a new expression starts.
                    _ => close_ifs(&mut stack),
                }
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let word = &source[at..i];
                match word {
                    "param" | "let" | "table" | "segment" | "skip" | "rule" if line_start => {
                        // A new item: pest gives up on the previous one here, whatever it left open.
                        stack.clear();
                        in_param = word == "param";
                    }
                    "if" => stack.push(Open::IfCond),
                    "then" | "else" => {
                        // An inner `if`'s else branch ends at the outer `if`'s keyword.
                        while stack.last() == Some(&Open::IfElse) {
                            stack.pop();
                        }
                        let (from, to) = if word == "then" {
                            (Open::IfCond, Open::IfThen)
                        } else {
                            (Open::IfThen, Open::IfElse)
                        };
                        if let Some(top) = stack.last_mut().filter(|t| **t == from) {
                            *top = to;
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        line_start = false;
        if stack.len() > MAX_DEPTH {
            return Some(at);
        }
    }
    None
}

/// Mistakes in the characters themselves, found before pest runs: a text whose closing `"` is
/// missing, curly quotes, a letter outside ASCII in a name, a character the language has no
/// use for. Each is reported once, where it is, and the text pest parses has it repaired
/// (same length in bytes, so every span still points into the file): a name keeps one
/// spelling wherever it is written, a text is closed on its line, so the rest of the file
/// parses as if the mistake were not there and nothing else is reported because of it.
fn scan_characters(source: &str) -> (std::borrow::Cow<'_, str>, Vec<Diagnostic>) {
    let b = source.as_bytes();
    let mut out: Vec<u8> = Vec::new();
    let mut diags = Vec::new();
    // Names with a letter outside ASCII, reported at their first place only.
    let mut names: Vec<(String, Diagnostic, Vec<usize>)> = Vec::new();
    let mut i = if source.starts_with('\u{FEFF}') { 3 } else { 0 };
    // The start of the current line, and of the last line with a character reported on it
    // (one such report a line is enough: a pasted line may hold many).
    let mut line_start = 0;
    let mut reported_line = None;
    let repair = |out: &mut Vec<u8>, at: usize, with: &[u8]| {
        if out.is_empty() {
            out.extend_from_slice(b);
        }
        out[at..at + with.len()].copy_from_slice(with);
    };
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                i += 1;
                line_start = i;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                let (end, closed) = text_end(b, i + 1, false);
                if closed {
                    i = end;
                    continue;
                }
                i = unclosed_text(source, i, end, false, &mut diags, &mut out, &repair);
            }
            c if c.is_ascii() => i += 1,
            _ => {
                let ch = source[i..].chars().next().expect("a character");
                let n = ch.len_utf8();
                if matches!(ch, '“' | '”' | '‘' | '’') {
                    diags.push(curly(i, n));
                    let mut with = vec![b' '; n];
                    with[0] = b'"';
                    repair(&mut out, i, &with);
                    let (end, closed) = text_end(b, i + n, true);
                    if closed {
                        // The closing quote, straight or curly.
                        let q = end - 1 - (b[end - 1] != b'"') as usize * 2;
                        let mut with = vec![b' '; end - q];
                        with[0] = b'"';
                        repair(&mut out, q, &with);
                        i = end;
                    } else {
                        i = unclosed_text(source, i, end, true, &mut diags, &mut out, &repair);
                    }
                } else if ch.is_alphanumeric() {
                    // The whole name: ASCII name characters and letters outside ASCII.
                    let mut s = i;
                    while s > 0 && (b[s - 1].is_ascii_alphanumeric() || b[s - 1] == b'_') {
                        s -= 1;
                    }
                    let mut e = i;
                    while e < b.len() {
                        let ch = source[e..].chars().next().expect("a character");
                        if ch.is_ascii_alphanumeric()
                            || ch == '_'
                            || (!ch.is_ascii() && ch.is_alphanumeric())
                        {
                            e += ch.len_utf8();
                        } else {
                            break;
                        }
                    }
                    let name = &source[s..e];
                    let mut fixed = Vec::with_capacity(name.len());
                    for ch in name.chars() {
                        if ch.is_ascii() {
                            fixed.push(ch as u8);
                        } else {
                            fixed.extend(vec![b'_'; ch.len_utf8()]);
                        }
                    }
                    repair(&mut out, s, &fixed);
                    match names.iter_mut().find(|(n, _, _)| n == name) {
                        Some((_, _, more)) => more.push(s),
                        None => {
                            let ascii: String = name.chars().map(ascii_letter).collect();
                            let d = Diagnostic::new(
                                Code::Syntax,
                                Span::new(i, i + n),
                                format!(
                                    "names are ASCII letters, digits and `_`: `{ch}` cannot be in a name"
                                ),
                                "not an ASCII letter",
                            )
                            .help(format!("write `{ascii}` instead of `{name}`"));
                            names.push((name.to_string(), d, Vec::new()));
                        }
                    }
                    i = e;
                } else {
                    let (what, with): (String, &[u8]) = match ch {
                        '–' | '—' | '−' => ("it is not the minus sign: use `-`".into(), b"-"),
                        '≤' => ("use `<=`".into(), b"<="),
                        '≥' => ("use `>=`".into(), b">="),
                        '≠' => ("use `!=`".into(), b"!="),
                        '→' | '⇒' => ("use `=>`".into(), b"=>"),
                        '×' => ("use `*`".into(), b"*"),
                        '÷' => ("use `/`".into(), b"/"),
                        c if c.is_whitespace() => {
                            ("an unusual space: use an ordinary space".into(), b" ")
                        }
                        _ => (
                            "outside quotes and `#` comments, a mapping is plain ASCII".into(),
                            b" ",
                        ),
                    };
                    let mut fill = vec![b' '; n];
                    fill[..with.len()].copy_from_slice(with);
                    repair(&mut out, i, &fill);
                    if reported_line == Some(line_start) {
                        i += n;
                        continue;
                    }
                    reported_line = Some(line_start);
                    diags.push(Diagnostic::new(
                        Code::Syntax,
                        Span::new(i, i + n),
                        format!(
                            "the character `{ch}` (U+{:04X}) cannot be used here: {what}",
                            ch as u32
                        ),
                        "not a character of the language",
                    ));
                    i += n;
                }
            }
        }
    }
    // Item keywords misspelt, once the characters are sound.
    let text = if out.is_empty() {
        source
    } else {
        std::str::from_utf8(&out).unwrap_or(source)
    };
    let misspelt = keywords::misspelt(text);
    for m in misspelt {
        if m.fixed.len() + m.start <= b.len() {
            repair(&mut out, m.start, m.fixed.as_bytes());
            diags.push(m.diag);
        }
    }
    for (_, d, more) in names {
        let d = if more.is_empty() {
            d
        } else {
            let lines: Vec<String> = more
                .iter()
                .map(|at| line_at(source, *at).to_string())
                .collect();
            let help = d.help.clone().unwrap_or_default();
            let lines = match lines.split_last() {
                Some((last, [])) => format!("line {last}"),
                Some((last, rest)) => format!("lines {} and {last}", rest.join(", ")),
                None => String::new(),
            };
            d.help(format!("{help}, here and on {lines}"))
        };
        diags.push(d);
    }
    diags.sort_by_key(|d| d.span.start);
    if out.is_empty() {
        (std::borrow::Cow::Borrowed(source), diags)
    } else {
        let text = String::from_utf8(out).expect("characters replaced by ASCII of the same length");
        (std::borrow::Cow::Owned(text), diags)
    }
}

/// Where a text whose first character is at `from` ends: just after its closing quote
/// (`true`), or at the line break or end of file that leaves it open (`false`). `\` escapes the
/// next character, a line break included, as in the grammar; after a curly opening quote a
/// curly closing one closes it too.
fn text_end(b: &[u8], from: usize, curly: bool) -> (usize, bool) {
    let mut j = from;
    while j < b.len() {
        match b[j] {
            b'"' => return (j + 1, true),
            b'\\' => j += 2,
            b'\n' => return (j, false),
            // `“` `”` are E2 80 9C and E2 80 9D.
            0xE2 if curly
                && b.get(j + 1) == Some(&0x80)
                && matches!(b.get(j + 2), Some(0x9C | 0x9D | 0x98 | 0x99)) =>
            {
                return (j + 3, true)
            }
            _ => j += 1,
        }
    }
    (b.len(), false)
}

/// The diagnostic for a curly quote at `at`, `n` bytes long.
fn curly(at: usize, n: usize) -> Diagnostic {
    Diagnostic::new(
        Code::Syntax,
        Span::new(at, at + n),
        "curly quotes: use straight quotes \"…\"",
        "a curly quote",
    )
    .help("a word processor or chat may have changed the quotes; type `\"` in a plain text editor")
}

/// Reports a text opened at `open` and left open at `end` (a line break or the end of the
/// file), repairs it and returns where scanning goes on. A straight quote left open is the
/// last quote of its line, not necessarily the slip: [`quotes::locate`] finds which quote of
/// the line lacks its partner.
fn unclosed_text(
    source: &str,
    open: usize,
    end: usize,
    curly_open: bool,
    diags: &mut Vec<Diagnostic>,
    out: &mut Vec<u8>,
    repair: &impl Fn(&mut Vec<u8>, usize, &[u8]),
) -> usize {
    let b = source.as_bytes();
    let end = if end > open && b.get(end.wrapping_sub(1)) == Some(&b'\r') && end - 1 > open {
        end - 1
    } else {
        end
    };
    let content_from = open + if curly_open { 3 } else { 1 };
    let content = &source[content_from.min(end)..end];
    // `"F”`: a curly closing quote after a straight opening one.
    if !curly_open {
        if let Some(k) = content.find(['”', '“']) {
            let at = content_from + k;
            diags.push(curly(at, 3));
            repair(out, at, b"\"  ");
            return at + 3;
        }
        let line_start = source[..open].rfind('\n').map(|n| n + 1).unwrap_or(0);
        // The text as repaired so far: earlier lines may have had their own slips.
        let text = if out.is_empty() {
            source
        } else {
            std::str::from_utf8(out).unwrap_or(source)
        };
        if let Some(m) = quotes::locate(text, line_start, end) {
            diags.push(missing_quote(text, line_start, end, m));
            let fixed = quotes::repair(text, line_start, end, m);
            if fixed.len() == end - line_start {
                repair(out, line_start, fixed.as_bytes());
            }
            return end;
        }
    }
    if !curly_open {
        diags.push(
            Diagnostic::new(
                Code::Syntax,
                Span::new(open, open + 1),
                "this text is not closed: add `\"` before the end of the line",
                "this text is not closed",
            )
            .help("a text ends on the line it starts on; write `\\\"` for a quote inside a text"),
        );
    }
    // The repair: a closed text that keeps as much of what was written as fits.
    let n = end - open;
    let mut with = vec![b' '; n];
    if n >= 2 {
        let mut keep = content
            .char_indices()
            .last()
            .map(|(k, _)| &content[..k])
            .unwrap_or("");
        keep = keep.trim_end_matches('\\');
        let keep = if !curly_open && keep.len() + 2 <= n {
            keep
        } else {
            ""
        };
        with[0] = b'"';
        with[1..1 + keep.len()].copy_from_slice(keep.as_bytes());
        with[1 + keep.len()] = b'"';
    } else {
        with[0] = b'0';
    }
    repair(out, open, &with);
    end
}

/// The diagnostic for a quote whose partner is missing in the line `text[start..end]`: at the
/// quote written, saying where the other goes.
fn missing_quote(text: &str, start: usize, end: usize, m: quotes::Missing) -> Diagnostic {
    /// A word of the line to name, cut when long.
    fn shown(w: &str) -> String {
        match w.char_indices().nth(40) {
            Some((k, _)) => format!("{}…", &w[..k]),
            None => w.to_string(),
        }
    }
    if m.extra {
        return Diagnostic::new(
            Code::Syntax,
            Span::new(m.quote, m.quote + 1),
            "this `\"` has no partner on its line: remove it",
            "one `\"` too many",
        )
        .help("a text is written between two `\"` on one line; write `\\\"` for a quote inside a text");
    }
    // `""` with one quote: the text is empty, neither opened nor closed before the other.
    let m = if m.opens && m.at == m.quote {
        quotes::Missing {
            at: m.quote + 1,
            opens: false,
            extra: false,
            ..m
        }
    } else {
        m
    };
    let after = text[m.at..end].trim_start();
    let (message, label) = if m.at == m.quote + 1 && !m.opens {
        (
            "this text is not closed: `\"\"` is the empty text".to_string(),
            "this text is not closed",
        )
    } else if m.opens {
        let word = text[m.at..m.quote].split_whitespace().next().unwrap_or("");
        (
            format!(
                "this `\"` ends a text that has no opening quote: add `\"` before `{}`",
                shown(word)
            ),
            "no `\"` opens this text",
        )
    } else if after.is_empty() || after.starts_with('#') {
        (
            "this text is not closed: add `\"` before the end of the line".to_string(),
            "this text is not closed",
        )
    } else if after.starts_with("=>") {
        let key = text[start..m.quote].trim().is_empty();
        (
            format!(
                "{} text is not closed: add `\"` before `=>`",
                if key { "the key's" } else { "this" }
            ),
            "this text is not closed",
        )
    } else {
        let word = text[m.quote + 1..m.at]
            .split_whitespace()
            .last()
            .unwrap_or("");
        (
            format!("this text is not closed: add `\"` after `{}`", shown(word)),
            "this text is not closed",
        )
    };
    Diagnostic::new(
        Code::Syntax,
        Span::new(m.quote, m.quote + 1),
        message,
        label,
    )
    .help("a text ends on the line it starts on; write `\\\"` for a quote inside a text")
}

/// The ASCII letter an accented Latin letter is written with, `_` for any other letter
/// outside ASCII.
fn ascii_letter(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    let lower = c.to_lowercase().next().unwrap_or(c);
    let a = match lower {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        _ => return '_',
    };
    if c.is_uppercase() {
        a.to_ascii_uppercase()
    } else {
        a
    }
}

fn ident(p: Pair<'_, Rule>) -> Ident {
    Ident {
        name: p.as_str().to_string(),
        span: p.as_span().into(),
    }
}

/// The text of a `##` line: without the marker and one following space.
fn doc_text(line: &str) -> String {
    let t = line.trim_end().trim_start_matches("##");
    t.strip_prefix(' ').unwrap_or(t).to_string()
}

fn infix_op(r: Rule) -> Option<BinaryOp> {
    Some(match r {
        Rule::op_where => BinaryOp::Where,
        Rule::op_implies => BinaryOp::Implies,
        Rule::op_or => BinaryOp::Or,
        Rule::op_and => BinaryOp::And,
        Rule::op_eq => BinaryOp::Eq,
        Rule::op_ne => BinaryOp::Ne,
        Rule::op_le => BinaryOp::Le,
        Rule::op_ge => BinaryOp::Ge,
        Rule::op_lt => BinaryOp::Lt,
        Rule::op_gt => BinaryOp::Gt,
        Rule::op_in => BinaryOp::In,
        Rule::op_coalesce => BinaryOp::Coalesce,
        Rule::op_add => BinaryOp::Add,
        Rule::op_sub => BinaryOp::Sub,
        Rule::op_mul => BinaryOp::Mul,
        Rule::op_div => BinaryOp::Div,
        _ => return None,
    })
}

/// The end of the code in `source[start..end]`: after its last character that is neither
/// whitespace nor part of a `#` comment.
fn code_end(source: &str, start: usize, end: usize) -> usize {
    let bytes = source.as_bytes();
    let mut last = start;
    let mut i = start;
    let mut in_string = false;
    while i < end.min(bytes.len()) {
        let b = bytes[i];
        if in_string {
            if b == b'\\' {
                i += 2;
                last = i.min(end);
                continue;
            }
            if b == b'"' || b == b'\n' {
                in_string = false;
            }
            i += 1;
            last = i;
            continue;
        }
        match b {
            b'#' => {
                while i < end && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => in_string = true,
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        i += 1;
        last = i;
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expression of `let NAME = ...` in `source`.
    fn let_value(source: &str, name: &str) -> Expr {
        let (file, diags) = parse(source);
        assert!(diags.is_empty(), "{diags:?}");
        file.items
            .into_iter()
            .find_map(|i| match i.kind {
                ItemKind::Let(l) if l.name.name == name => Some(l.value),
                _ => None,
            })
            .expect("the let")
    }

    /// A small file with a complete base segment, `{fields}` among its fields.
    fn file(before: &str, fields: &str, after: &str) -> String {
        format!(
            "m2map 1\nparam as_of: date\n{before}\nsegment base {{\n  ## doc\n  surname = \"DOE\"\n{fields}\n  ## doc\n  city = \"AUSTIN\"\n  state = \"TX\"\n}}\n{after}"
        )
    }

    /// The messages of `source`'s syntax diagnostics, each with its 1-based line.
    fn messages(source: &str) -> Vec<(usize, String)> {
        parse(source)
            .1
            .iter()
            .map(|d| (line_at(source, d.span.start), d.message.clone()))
            .collect()
    }

    #[test]
    fn a_stray_brace_is_one_error_at_the_brace() {
        let src = file("", "  }\n  ## doc\n  first_name = \"JANE\"", "");
        let m = messages(&src);
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(m[0].0, 7);
        assert!(
            m[0].1.starts_with("this `}` closes `segment base` opened at line 4; the lines after it are not in any segment"),
            "{m:?}"
        );
        // The items after the stray lines parse as usual.
        let (f, _) = parse(&(src + "\n## doc\nlet x = 1\n"));
        assert!(matches!(
            f.items.last().map(|i| &i.kind),
            Some(ItemKind::Let(_))
        ));
    }

    #[test]
    fn a_brace_too_many_after_a_segment_has_nothing_to_close() {
        let m = messages(&file("", "", "}\n"));
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(m[0].1, "this `}` has no `{` to close");
    }

    #[test]
    fn a_missing_brace_is_one_error_where_the_block_ends() {
        let src = file("", "", "").replace("\n}\n", "\n")
            + "\n## J1\nsegment j1 for each co in Customers {\n  surname = co.lastName\n}\n";
        let (f, diags) = parse(&src);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(
            diags[0].message,
            "`segment base` opened at line 4 is not closed"
        );
        assert_eq!(line_at(&src, diags[0].span.start), 10, "at the last field");
        let segments: Vec<usize> = f
            .items
            .iter()
            .filter_map(|i| match &i.kind {
                ItemKind::Segment(s) => Some(s.body.len()),
                _ => None,
            })
            .collect();
        assert_eq!(segments, [3, 1], "j1 keeps its own field");
        // A table, and the end of the file.
        let m = messages("m2map 1\ntable t {\n  1 => 2\n");
        assert_eq!(
            m,
            [(3, "`table t` opened at line 2 is not closed".to_string())]
        );
    }

    #[test]
    fn a_text_not_closed_is_reported_at_its_quote() {
        let m = messages(&file("", "  first_name = \"JANE", ""));
        assert_eq!(
            m,
            [(
                7,
                "this text is not closed: add `\"` before the end of the line".to_string()
            )]
        );
        let src = "m2map 1\ntable t {\n  \"a     => \"B\"\n  _ => \"C\"\n}\n";
        let (_, diags) = parse(src);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(
            diags[0].message,
            "the key's text is not closed: add `\"` before `=>`"
        );
        assert_eq!(diags[0].span.start, src.find("\"a").unwrap());
    }

    #[test]
    fn curly_quotes_are_named() {
        for q in ["“JANE”", "‘JANE’", "\"JANE”", "“JANE"] {
            let src = file("", &format!("  first_name = {q}"), "");
            let (_, diags) = parse(&src);
            assert_eq!(diags.len(), 1, "{q}: {diags:?}");
            assert_eq!(diags[0].message, "curly quotes: use straight quotes \"…\"");
            assert_eq!(
                diags[0].span.text(&src),
                &q[q.find(['“', '‘', '”']).unwrap()..][..3]
            );
        }
        // Inside a text they are text.
        assert!(parse(&file("", "  first_name = \"“J”\"", "")).1.is_empty());
    }

    #[test]
    fn a_letter_outside_ascii_in_a_name_is_one_error_for_all_its_uses() {
        let src = file("let état = \"TX\"\nlet y = état", "  first_name = état", "");
        let (f, diags) = parse(&src);
        assert_eq!(diags.len(), 1, "{diags:?}");
        let d = &diags[0];
        assert_eq!(
            d.message,
            "names are ASCII letters, digits and `_`: `é` cannot be in a name"
        );
        assert_eq!(d.span.text(&src), "é");
        assert_eq!(
            d.help.as_deref(),
            Some("write `etat` instead of `état`, here and on lines 4 and 8")
        );
        // Every use reads the same (repaired) name, so nothing else is unknown.
        let lets: Vec<&str> = f
            .items
            .iter()
            .filter_map(|i| match &i.kind {
                ItemKind::Let(l) => Some(l.name.name.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(lets, ["__tat", "y"]);
    }

    #[test]
    fn other_characters_outside_ascii_are_named_once_a_line() {
        let m = messages(&file("let x = 2 – 1 × 3\nlet y = x\u{a0}+ 1", "", ""));
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(m[0].1.starts_with("the character `–` (U+2013)"), "{m:?}");
        assert!(m[1].1.contains("U+00A0"), "{m:?}");
        // Comments and texts may hold any character.
        assert!(parse(&file("# é – “", "  first_name = \"é – ’\" ## ×", ""))
            .1
            .is_empty());
    }

    #[test]
    fn a_doc_comment_is_expected_once_and_only_when_nothing_else_is() {
        let m = messages("m2map 1\nsegment base {\n  ## doc\n  42\n}\n");
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(!m[0].1.contains("a doc comment"), "{m:?}");
    }

    #[test]
    fn expressions_end_with_their_last_token_not_the_comment_after_it() {
        let src =
            "m2map 1\nlet a = if x then 1 else 2  # after\n\nlet b = loan.x  # after\nlet c = 1\n";
        for (name, text) in [("a", "if x then 1 else 2"), ("b", "loan.x")] {
            assert_eq!(let_value(src, name).span.text(src), text);
        }
    }
}
