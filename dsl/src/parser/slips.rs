//! What the analyst meant when a statement does not parse. pest says what it expected at the
//! furthest place it got to, which is often not where the slip is (`where role = "x"` fails
//! at the `(` before it) and never what it is. Each slip an analyst makes often is a small
//! edit: `=` for `==` or `=>`, a `,` missing or one too many, a bracket or `}` not closed, a
//! keyword misspelt, an `if` without `else`. The edits are tried one by one on the statement
//! alone, and the first with which it parses is the slip, reported where the edit is. The
//! edit is made as long as the text it replaces ([`super::edit`]), so the statement is then
//! read as meant and nothing else is reported because of it.

use pest::Parser as _;

use super::edit;
use super::{line_at, Grammar, Rule};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// A slip found in a statement.
pub(super) struct Slip {
    /// The one diagnostic for it.
    pub diag: Diagnostic,
    /// The statement as meant, as long as the text; `None` when there was no room to make
    /// the edit that long, or no single edit says what was meant (an `if` without `else`).
    pub fixed: Option<String>,
}

/// How many edits are tried on one statement at most: each try is a parse.
const TRIES: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Word,
    Op,
    Open(u8),
    Close(u8),
    Comma,
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

/// The keywords that join or end values: a word after a value that is one of these is not a
/// second value.
const OPERATOR_WORDS: &[&str] = &[
    "and", "or", "not", "in", "implies", "where", "then", "else", "for", "each", "when", "error",
    "warning",
];

/// The keywords an expression may hold, for "did you mean".
const EXPR_KEYWORDS: &[&str] = &[
    "then", "else", "match", "and", "not", "implies", "where", "none", "true", "false",
];

/// The tokens of `text`, without whitespace and comments.
fn lex(text: &str) -> Vec<Token> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let kind = match b[i] {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(b.len());
                Kind::Text
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                Kind::Word
            }
            b'(' | b'[' | b'{' => {
                i += 1;
                Kind::Open(b[start])
            }
            b')' | b']' | b'}' => {
                i += 1;
                Kind::Close(b[start])
            }
            b',' => {
                i += 1;
                Kind::Comma
            }
            c if b"=<>!?+-*/|.:&;".contains(&c) => {
                let rest = &text[i..];
                let n = ["..=", "==", "!=", "<=", ">=", "=>", "??", ".."]
                    .iter()
                    .find(|op| rest.starts_with(**op))
                    .map(|op| op.len())
                    .unwrap_or(1);
                i += n;
                Kind::Op
            }
            _ => {
                i += text[i..].chars().next().map(char::len_utf8).unwrap_or(1);
                Kind::Other
            }
        };
        out.push(Token {
            kind,
            start,
            end: i.min(b.len()),
        });
    }
    out
}

/// A candidate edit: replace `len` bytes at `at` with `with`, and the diagnostic it makes.
struct Edit {
    at: usize,
    len: usize,
    with: String,
    diag: Diagnostic,
    /// Whether the edit only tests the slip and is not what was meant (`else none`).
    probe: bool,
}

/// The slip in the statement `text`, at offset `base` of `source`, that the rule `rule` could
/// not read; pest stopped at `err_at` (relative to `text`).
pub(super) fn find(
    text: &str,
    base: usize,
    rule: Rule,
    source: &str,
    err_at: usize,
) -> Option<Slip> {
    let tokens = lex(text);
    let s = Statement {
        text,
        base,
        rule,
        source,
        tokens: &tokens,
        err_at,
    };
    for edit in s.edits().into_iter().take(TRIES) {
        let mut tried = text.to_string();
        tried.replace_range(edit.at..edit.at + edit.len, &edit.with);
        if Grammar::parse(rule, &tried).is_ok() {
            let fixed = if edit.probe {
                None
            } else {
                edit::replace(text, edit.at, edit.len, &edit.with)
            };
            return Some(Slip {
                diag: edit.diag,
                fixed,
            });
        }
    }
    s.unclosed_at_end().map(|diag| Slip { diag, fixed: None })
}

struct Statement<'a> {
    text: &'a str,
    base: usize,
    rule: Rule,
    source: &'a str,
    tokens: &'a [Token],
    err_at: usize,
}

impl Statement<'_> {
    fn t(&self, k: usize) -> &str {
        &self.text[self.tokens[k].start..self.tokens[k].end]
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.base + start, self.base + end)
    }

    fn line(&self, at: usize) -> usize {
        line_at(self.source, self.base + at)
    }

    /// Every candidate edit, most specific first.
    fn edits(&self) -> Vec<Edit> {
        let mut v = Vec::new();
        self.equals(&mut v);
        self.trailing(&mut v);
        self.keywords(&mut v);
        self.commas(&mut v);
        self.mismatched(&mut v);
        self.closers(&mut v);
        self.no_else(&mut v);
        v
    }

    /// `=` for `==` or `=>`, and `=>` for `=`.
    fn equals(&self, v: &mut Vec<Edit>) {
        let own = self.own_equals();
        for (k, tok) in self.tokens.iter().enumerate() {
            let t = self.t(k);
            if tok.kind != Kind::Op {
                continue;
            }
            if t == "=>" && Some(k) == own {
                let (what, how) = if self.rule == Rule::assignment_strict {
                    ("a field", "`field = value`")
                } else {
                    ("a let", "`let name = value`")
                };
                v.push(Edit {
                    at: tok.start,
                    len: 2,
                    with: "=".into(),
                    diag: Diagnostic::new(
                        Code::Syntax,
                        self.span(tok.start, tok.end),
                        format!("{what} is written {how}: write `=`, not `=>`"),
                        "write `=`",
                    )
                    .help("`=>` is for the arms of a table or `match`"),
                    probe: false,
                });
            }
            if t != "=" || Some(k) == own {
                continue;
            }
            if self.arm_before(k) {
                let what = if self.rule == Rule::table_arm_strict {
                    "a table"
                } else {
                    "a `match`"
                };
                v.push(Edit {
                    at: tok.start,
                    len: 1,
                    with: "=>".into(),
                    diag: Diagnostic::new(
                        Code::Syntax,
                        self.span(tok.start, tok.end),
                        format!("an arm of {what} is written `key => value`: write `=>`, not `=`"),
                        "write `=>`",
                    ),
                    probe: false,
                });
            }
            v.push(Edit {
                at: tok.start,
                len: 1,
                with: "==".into(),
                diag: Diagnostic::new(
                    Code::Syntax,
                    self.span(tok.start, tok.end),
                    "`=` does not compare: write `==`",
                    "write `==` to compare",
                )
                .help("`=` gives a field or a `let` its value; `==` compares two values"),
                probe: false,
            });
        }
    }

    /// The token of the statement's own `=` (`let x =`, `field =`), or `=>` written for it.
    fn own_equals(&self) -> Option<usize> {
        let at = match self.rule {
            Rule::assignment_strict => 1,
            Rule::item_strict if self.tokens.first().map(|_| self.t(0)) == Some("let") => 2,
            _ => return None,
        };
        (self.tokens.len() > at && self.tokens[at - 1].kind == Kind::Word).then_some(at)
    }

    /// Whether the tokens of token `k`'s line before it are an arm's patterns (`"a" | "b"`,
    /// `0..=29`, `_`).
    fn arm_before(&self, k: usize) -> bool {
        let line_start = self.text[..self.tokens[k].start]
            .rfind('\n')
            .map(|n| n + 1)
            .unwrap_or(0);
        let first = self.tokens[..k]
            .iter()
            .position(|t| t.start >= line_start)
            .unwrap_or(k);
        first < k
            && (first..k).all(|j| {
                let t = self.t(j);
                match self.tokens[j].kind {
                    Kind::Text => true,
                    Kind::Word => {
                        t == "_"
                            || t == "none"
                            || t == "true"
                            || t == "false"
                            || t.starts_with(|c: char| c.is_ascii_digit())
                    }
                    Kind::Op => matches!(t, "-" | "|" | ".." | "..=" | "."),
                    Kind::Comma => j == first,
                    _ => false,
                }
            })
    }

    /// A `,` or `;` that ends a line outside brackets: statements need no separator.
    fn trailing(&self, v: &mut Vec<Edit>) {
        let mut depth = 0i32;
        for (k, tok) in self.tokens.iter().enumerate() {
            match tok.kind {
                Kind::Open(_) => depth += 1,
                Kind::Close(_) => depth -= 1,
                _ => {}
            }
            let t = self.t(k);
            let last_on_line = self
                .tokens
                .get(k + 1)
                .is_none_or(|n| self.text[tok.end..n.start].contains('\n'));
            if depth > 0 || !last_on_line || !(t == "," || t == ";") {
                continue;
            }
            v.push(Edit {
                at: tok.start,
                len: 1,
                with: String::new(),
                diag: Diagnostic::new(
                    Code::Syntax,
                    self.span(tok.start, tok.end),
                    format!("nothing follows this `{t}`: remove it"),
                    "not needed",
                )
                .help("a statement ends with its line; there is no separator between statements"),
                probe: false,
            });
        }
    }

    /// A keyword misspelt (`esle`, `thne`, `mtach`).
    fn keywords(&self, v: &mut Vec<Edit>) {
        for (k, tok) in self.tokens.iter().enumerate() {
            let t = self.t(k);
            if tok.kind != Kind::Word || t.len() < 3 || EXPR_KEYWORDS.contains(&t) {
                continue;
            }
            let lower = t.to_ascii_lowercase();
            for kw in EXPR_KEYWORDS {
                let limit = if kw.len() >= 6 { 2 } else { 1 };
                if lower == *kw || crate::diagnostics::edit_distance(&lower, kw) <= limit {
                    v.push(Edit {
                        at: tok.start,
                        len: t.len(),
                        with: kw.to_string(),
                        diag: Diagnostic::new(
                            Code::Syntax,
                            self.span(tok.start, tok.end),
                            format!("`{t}` is not a keyword: did you mean `{kw}`?"),
                            format!("write `{kw}`"),
                        ),
                        probe: false,
                    });
                }
            }
        }
    }

    /// A `,` missing between two items of a list or two arguments of a call.
    fn commas(&self, v: &mut Vec<Edit>) {
        let mut stack: Vec<(u8, usize)> = Vec::new();
        for (k, tok) in self.tokens.iter().enumerate() {
            match tok.kind {
                Kind::Open(c) => stack.push((c, k)),
                Kind::Close(_) => {
                    stack.pop();
                }
                _ => {}
            }
            let Some(&(open, at)) = stack.last() else {
                continue;
            };
            let Some(next) = self.tokens.get(k + 1) else {
                continue;
            };
            if open == b'{' || !self.ends_value(k) || !self.starts_value(k + 1) {
                continue;
            }
            if next.start == tok.end {
                continue;
            }
            let among = if open == b'[' {
                "the items of this list".to_string()
            } else {
                match self.call_name(at) {
                    Some(name) => format!("the arguments of `{name}(`"),
                    None => "these values".to_string(),
                }
            };
            v.push(Edit {
                at: tok.end,
                len: 0,
                with: ",".into(),
                diag: Diagnostic::new(
                    Code::Syntax,
                    self.span(next.start, next.end),
                    format!("a `,` is missing between {among}"),
                    "add `,` before this",
                ),
                probe: false,
            });
        }
    }

    fn ends_value(&self, k: usize) -> bool {
        match self.tokens[k].kind {
            Kind::Text | Kind::Close(b')' | b']') => true,
            Kind::Word => !OPERATOR_WORDS.contains(&self.t(k)) && self.t(k) != "if",
            _ => false,
        }
    }

    fn starts_value(&self, k: usize) -> bool {
        match self.tokens[k].kind {
            Kind::Text | Kind::Open(b'[' | b'(') => true,
            Kind::Word => !OPERATOR_WORDS.contains(&self.t(k)),
            _ => false,
        }
    }

    /// The name of the call whose `(` is token `k`, if it is one.
    fn call_name(&self, k: usize) -> Option<&str> {
        let prev = k.checked_sub(1)?;
        (self.tokens[prev].kind == Kind::Word && self.tokens[prev].end == self.tokens[k].start)
            .then(|| self.t(prev))
    }

    /// How the statement's brackets pair up, its tokens walked once.
    fn pairing(&self) -> Pairing {
        let mut stack: Vec<usize> = Vec::new();
        for (k, tok) in self.tokens.iter().enumerate() {
            match tok.kind {
                Kind::Open(_) => stack.push(k),
                Kind::Close(c) => {
                    let Some(open) = stack.pop() else {
                        return Pairing::Stray;
                    };
                    match closer(self.tokens[open].kind) {
                        Some(want) if want == c => {}
                        Some(want) => {
                            return Pairing::Mismatched {
                                open,
                                close: k,
                                want,
                            }
                        }
                        None => return Pairing::Stray,
                    }
                }
                _ => {}
            }
        }
        Pairing::Open(stack)
    }

    /// The brackets still open at the end of the statement, innermost last (a closer that
    /// does not match stops the count: that is another slip).
    fn open_brackets(&self) -> Vec<usize> {
        match self.pairing() {
            Pairing::Open(stack) => stack,
            _ => Vec::new(),
        }
    }

    /// The closer of the innermost bracket left open, added where the statement ends, where
    /// pest stopped, or at the end of a line in between.
    fn closers(&self, v: &mut Vec<Edit>) {
        let Some(&open) = self.open_brackets().last() else {
            return;
        };
        let Some(c) = closer(self.tokens[open].kind) else {
            return;
        };
        let mut places = vec![self.code_end(self.text.len())];
        places.push(self.code_end(self.err_at.min(self.text.len())));
        let mut line_end = self.text.len();
        while let Some(n) = self.text[..line_end].rfind('\n') {
            if n <= self.tokens[open].end {
                break;
            }
            places.push(self.code_end(n));
            line_end = n;
        }
        let mut seen = Vec::new();
        for at in places {
            if at <= self.tokens[open].start || seen.contains(&at) {
                continue;
            }
            seen.push(at);
            let with = (c as char).to_string();
            v.push(Edit {
                at,
                len: 0,
                with,
                diag: self.unclosed(open, at),
                probe: false,
            });
        }
    }

    /// The end of the code of `text[..at]`: after its last token.
    fn code_end(&self, at: usize) -> usize {
        self.tokens
            .iter()
            .take_while(|t| t.end <= at)
            .last()
            .map(|t| t.end)
            .unwrap_or(at)
    }

    /// The diagnostic for the bracket at token `open` not closed, its closer expected at `at`.
    fn unclosed(&self, open: usize, at: usize) -> Diagnostic {
        let tok = self.tokens[open];
        let c = closer(tok.kind).unwrap_or(b')') as char;
        let line = self.line(tok.start);
        let here = self.line(at.saturating_sub(1));
        let opened = if line == here {
            String::new()
        } else {
            format!(" opened at line {line}")
        };
        let (what, marker) = self.opener(open);
        let help = if tok.kind == Kind::Open(b'{') && at == self.code_end(self.text.len()) {
            format!("add `{c}` on a line of its own after its last arm")
        } else {
            format!("add `{c}` to close it")
        };
        let m = self.tokens[marker];
        Diagnostic::new(
            Code::Syntax,
            self.span(at.saturating_sub(1), at.max(1)),
            format!("{what}{opened} is not closed"),
            format!("`{c}` expected after this"),
        )
        .related(self.span(m.start, m.end), "opened here")
        .help(help)
    }

    /// How a message names the bracket at token `open` (`the `(` of `surname(``, `this list`,
    /// `match`), and the token to mark as where it was opened.
    fn opener(&self, open: usize) -> (String, usize) {
        let tok = self.tokens[open];
        match tok.kind {
            Kind::Open(b'{') => match self.match_keyword(open) {
                Some(m) => ("`match`".to_string(), m),
                None => ("this `{`".to_string(), open),
            },
            Kind::Open(b'(') => match self.call_name(open) {
                Some(name) => (format!("the `(` of `{name}(`"), open),
                None => ("this `(`".to_string(), open),
            },
            _ => {
                let list = open == 0
                    || !self.ends_value(open - 1)
                    || self.tokens[open - 1].end != tok.start;
                (
                    if list { "this list" } else { "this `[`" }.to_string(),
                    open,
                )
            }
        }
    }

    /// A closer that does not match the bracket it closes (`surname(x, 25]`): replaced by the
    /// one that does, which is as long.
    fn mismatched(&self, v: &mut Vec<Edit>) {
        let Pairing::Mismatched { open, close, want } = self.pairing() else {
            return;
        };
        let tok = self.tokens[close];
        let Kind::Close(c) = tok.kind else {
            return;
        };
        let (what, marker) = self.opener(open);
        let m = self.tokens[marker];
        let line = self.line(self.tokens[open].start);
        let opened = if line == self.line(tok.start) {
            String::new()
        } else {
            format!(" (line {line})")
        };
        let (want, c) = (want as char, c as char);
        v.push(Edit {
            at: tok.start,
            len: 1,
            with: want.to_string(),
            diag: Diagnostic::new(
                Code::Syntax,
                self.span(tok.start, tok.end),
                format!("`{c}` does not close {what}{opened}: write `{want}`"),
                format!("write `{want}`"),
            )
            .related(self.span(m.start, m.end), "opened here"),
            probe: false,
        });
    }

    /// The `match` keyword of the `{` at token `open`: the last `match` before it at the same
    /// bracket depth.
    fn match_keyword(&self, open: usize) -> Option<usize> {
        let mut depth = 0i32;
        for k in (0..open).rev() {
            match self.tokens[k].kind {
                Kind::Close(_) => depth += 1,
                Kind::Open(_) => {
                    if depth == 0 {
                        return None;
                    }
                    depth -= 1;
                }
                Kind::Word if depth == 0 && self.t(k) == "match" => return Some(k),
                _ => {}
            }
        }
        None
    }

    /// An `if` without `else`: probed with `else none` where the statement ends or pest
    /// stopped (the value is the analyst's to choose, so nothing is repaired).
    fn no_else(&self, v: &mut Vec<Edit>) {
        // The `if`s whose `then` has come and whose `else` has not, innermost last.
        let mut open: Vec<(usize, bool)> = Vec::new();
        for (k, tok) in self.tokens.iter().enumerate() {
            if tok.kind != Kind::Word {
                continue;
            }
            match self.t(k) {
                "if" => open.push((k, false)),
                "then" => {
                    if let Some(last) = open.iter_mut().rev().find(|(_, then)| !*then) {
                        last.1 = true;
                    }
                }
                "else" => {
                    if let Some(i) = open.iter().rposition(|(_, then)| *then) {
                        open.remove(i);
                    }
                }
                _ => {}
            }
        }
        let Some(&(k, true)) = open.last() else {
            return;
        };
        let mut places = vec![self.code_end(self.err_at.min(self.text.len()))];
        places.push(self.code_end(self.text.len()));
        places.dedup();
        for at in places {
            let if_tok = self.tokens[k];
            let line = self.line(if_tok.start);
            v.push(Edit {
                at,
                len: 0,
                with: " else none".into(),
                diag: Diagnostic::new(
                    Code::Syntax,
                    self.span(at.saturating_sub(1), at.max(1)),
                    format!("the `if` at line {line} has no `else`"),
                    "`else` expected after this",
                )
                .related(self.span(if_tok.start, if_tok.end), "this `if`")
                .help("an `if` gives a value either way: add `else` and the value when the condition does not hold"),
                probe: true,
            });
        }
    }

    /// A bracket left open where pest stopped at the end of the statement, when no edit made
    /// it parse (it has another slip as well): still the first thing to fix.
    fn unclosed_at_end(&self) -> Option<Diagnostic> {
        let end = self.code_end(self.text.len());
        if self.code_end(self.err_at.min(self.text.len())) < end {
            return None;
        }
        let open = *self.open_brackets().last()?;
        Some(self.unclosed(open, end))
    }
}

/// How a statement's brackets pair up ([`Statement::pairing`]).
enum Pairing {
    /// Every closer closes its bracket; these are left open, innermost last.
    Open(Vec<usize>),
    /// The closer at token `close` closes the bracket at token `open`, which wants `want`.
    Mismatched { open: usize, close: usize, want: u8 },
    /// A closer with no bracket open.
    Stray,
}

/// The closing bracket of an opening one.
fn closer(kind: Kind) -> Option<u8> {
    match kind {
        Kind::Open(b'(') => Some(b')'),
        Kind::Open(b'[') => Some(b']'),
        Kind::Open(b'{') => Some(b'}'),
        _ => None,
    }
}
