//! From text to the syntax tree: the pest grammar (grammar/m2map.pest), then a walk over its
//! pairs that builds [`ast`](crate::ast) nodes with spans. Syntax errors are collected, one
//! per broken statement, and parsing goes on.

use pest::iterators::Pair;
use pest::Parser as _;

use crate::ast::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/m2map.pest"]
struct Grammar;

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
    pest::set_error_detail(true);
    if let Some(at) = first_too_deep(source) {
        let empty = File {
            version: None,
            items: Vec::new(),
        };
        return (empty, vec![too_deep(at)]);
    }
    let mut p = Walker {
        source,
        diags: Vec::new(),
        too_deep: false,
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
            Rule::doc_comment => "a doc comment",
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
            let f = format!("`{token}`");
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

struct Walker<'s> {
    source: &'s str,
    diags: Vec<Diagnostic>,
    /// Whether [`MAX_DEPTH`] was passed (reported once: one place is enough to fix).
    too_deep: bool,
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
                Rule::item => items.push(self.item(p)),
                _ => {}
            }
        }
        File { version, items }
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
                    self.bad(p, Rule::item_strict);
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
    /// precise place and what was expected there.
    fn bad(&mut self, pair: Pair<'_, Rule>, strict: Rule) {
        let text = pair.as_str();
        let base = pair.as_span().start();
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
            return;
        }
        match Grammar::parse(strict, text) {
            Err(e) => self.diags.push(syntax_error(&e, base, text)),
            Ok(_) => self.diags.push(Diagnostic::new(
                Code::Syntax,
                Span::new(base, base + text.len().min(1)),
                "syntax error: this statement does not belong here",
                "unexpected statement",
            )),
        }
    }

    fn item_kind(&mut self, p: Pair<'_, Rule>) -> ItemKind {
        let rule = p.as_rule();
        let end = p.as_span().end();
        let close = Span::new(end.saturating_sub(1), end);
        let mut inner = p.into_inner();
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
                        Rule::bad_arm => self.bad(a, Rule::table_arm_strict),
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
                        Rule::bad_stmt => self.bad(p, Rule::assignment_strict),
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

    #[test]
    fn expressions_end_with_their_last_token_not_the_comment_after_it() {
        let src =
            "m2map 1\nlet a = if x then 1 else 2  # after\n\nlet b = loan.x  # after\nlet c = 1\n";
        for (name, text) in [("a", "if x then 1 else 2"), ("b", "loan.x")] {
            assert_eq!(let_value(src, name).span.text(src), text);
        }
    }
}
