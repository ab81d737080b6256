//! The checker: resolves every name, types every expression and checks every assignment
//! against the engine's layouts and built-in signatures. It produces the typed tree the
//! compiler lowers ([`Checked`]) and all the diagnostics it can find in one pass.

use std::collections::{HashMap, HashSet};

use metro2_engine::builtins::{self, Builtin, Type};
use metro2_engine::layout::{Field, FieldType, Requirement, SegmentKind};
use metro2_engine::plan::BinOp;
use metro2_engine::value::Value;

use crate::ast::{self, BinaryOp, ExprKind, ItemKind, Lit, PatternKind, UnaryOp};
use crate::diagnostics::{did_you_mean, Code, Diagnostic};
use crate::schema::{self, Shape};
use crate::span::one_line;
use crate::span::{LineIndex, Span};

/// A typed, resolved expression.
#[derive(Debug, Clone)]
pub struct HExpr {
    /// What it is.
    pub kind: HKind,
    /// Its static type.
    pub ty: Type,
    /// Where it was written.
    pub span: Span,
    /// The LoanPro object (or list of them) it is, when known (key reads of it are checked).
    pub shape: Option<Shape>,
}

/// The kinds of resolved expressions.
#[derive(Debug, Clone)]
pub enum HKind {
    /// A constant.
    Const(Value<'static>),
    /// A parameter (index into [`Checked::params`]).
    Param(u32),
    /// A let (index into [`Checked::lets`]).
    Let(u32),
    /// The document.
    Root,
    /// An element variable.
    Local(u32),
    /// `.key`.
    Get(Box<HExpr>, String),
    /// `[index]` of a list.
    Index(Box<HExpr>, Box<HExpr>),
    /// `list where cond`, element in the variable.
    Where(Box<HExpr>, Box<HExpr>, u32),
    /// A built-in call; per-element arguments use the variable.
    Call(&'static Builtin, Vec<HExpr>, u32),
    /// `not`.
    Not(Box<HExpr>),
    /// `-`.
    Neg(Box<HExpr>),
    /// Arithmetic and comparisons.
    Binary(BinOp, Box<HExpr>, Box<HExpr>),
    /// `and`.
    And(Box<HExpr>, Box<HExpr>),
    /// `or`.
    Or(Box<HExpr>, Box<HExpr>),
    /// `implies`.
    Implies(Box<HExpr>, Box<HExpr>),
    /// `??`.
    Coalesce(Box<HExpr>, Box<HExpr>),
    /// `if`.
    If(Box<HExpr>, Box<HExpr>, Box<HExpr>),
    /// `match`.
    Match(Box<HExpr>, Vec<HArm>),
    /// `x in [items]`.
    In(Box<HExpr>, Vec<HExpr>),
    /// `[items]`.
    List(Vec<HExpr>),
    /// A table lookup.
    Table(u32, Box<HExpr>),
    /// A produced segment's field (rules).
    SegField(SegmentKind, &'static Field),
    /// Something already reported.
    Error,
}

/// A match arm.
#[derive(Debug, Clone)]
pub struct HArm {
    /// The alternatives.
    pub patterns: Vec<metro2_engine::plan::Pattern>,
    /// The value.
    pub value: HExpr,
    /// The patterns as written.
    pub label: String,
}

/// A declared parameter.
#[derive(Debug, Clone)]
pub struct HParam {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Type,
}

/// A `let`.
#[derive(Debug, Clone)]
pub struct HLet {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: HExpr,
    /// The `let`'s line.
    pub line: u32,
}

/// A table.
#[derive(Debug, Clone)]
pub struct HTable {
    /// Its name.
    pub name: String,
    /// Its arms: key (none for `_`), value (or error message), line.
    pub arms: Vec<(Option<Value<'static>>, Result<Value<'static>, String>, u32)>,
    /// The table's line.
    pub line: u32,
}

/// A `skip when`.
#[derive(Debug, Clone)]
pub struct HSkip {
    /// The condition.
    pub cond: HExpr,
    /// Why.
    pub reason: String,
    /// The line.
    pub line: u32,
}

/// A checked segment block.
#[derive(Debug, Clone)]
pub struct HSegment {
    /// Which segment.
    pub kind: SegmentKind,
    /// `for each`: list and element variable.
    pub each: Option<(HExpr, u32)>,
    /// `when`.
    pub when: Option<HExpr>,
    /// The fields.
    pub fields: Vec<HField>,
    /// The block's line.
    pub line: u32,
}

/// A checked assignment.
#[derive(Debug, Clone)]
pub struct HField {
    /// The field.
    pub field: &'static Field,
    /// The value.
    pub value: HExpr,
    /// The assignment's line.
    pub line: u32,
    /// The expression as written.
    pub source: String,
    /// The value expression's span (for constant-width diagnostics).
    pub span: Span,
}

/// A checked rule.
#[derive(Debug, Clone)]
pub struct HRule {
    /// Its id.
    pub id: String,
    /// Error or warning.
    pub severity: metro2_engine::plan::RuleSeverity,
    /// The message.
    pub message: String,
    /// The condition.
    pub cond: HExpr,
    /// The line.
    pub line: u32,
}

/// The doc comment of one assigned field, for the data dictionary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldDoc {
    /// The segment.
    pub segment: SegmentKind,
    /// The field key.
    pub field: &'static str,
    /// The `##` text (lines joined with newlines; empty when undocumented).
    pub doc: String,
    /// The assignment's line.
    pub line: u32,
    /// The expression as written.
    pub source: String,
}

/// The checked program.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// Parameters in order.
    pub params: Vec<HParam>,
    /// Lets in order.
    pub lets: Vec<HLet>,
    /// Tables in order.
    pub tables: Vec<HTable>,
    /// Skips in order.
    pub skips: Vec<HSkip>,
    /// Segment blocks in order.
    pub segments: Vec<HSegment>,
    /// Rules in order.
    pub rules: Vec<HRule>,
    /// Number of element variables.
    pub locals: u32,
    /// Doc comments per assigned field.
    pub docs: Vec<FieldDoc>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum NameKind {
    Param(u32),
    Let(u32),
    Table(u32),
}

struct Checker<'s> {
    source: &'s str,
    lines: LineIndex,
    diags: Vec<Diagnostic>,
    out: Checked,
    names: HashMap<String, (NameKind, Span)>,
    used: HashSet<String>,
    /// Lets whose definition has been checked (a let may use only earlier lets).
    lets_done: usize,
    let_types: Vec<Type>,
    /// Per let, how deep its expression nests with the lets it uses written out in place
    /// (`None`: too deep, already reported).
    let_depths: Vec<Option<usize>>,
    /// How many params, lets and tables have been declared: their indexes.
    declared: [u32; 3],
    table_types: Vec<Type>,
    /// Element scopes, innermost last. They are in `where` filters and per-element arguments;
    /// a segment's `for each co` names its element, and bare names in its body stay the
    /// document's (`LoanSettings` in a J1 is the loan's, `co.X` the co-borrower's).
    scopes: Vec<Scope>,
    /// Per let, the LoanPro shape of its value when known.
    let_shapes: Vec<Option<Shape>>,
    /// The let being checked (name and span), for M2M027's help.
    current_let: Option<(String, Span)>,
    in_rule: bool,
    in_let: bool,
}

/// An element scope: a `where` filter, a per-element argument or a `for each` segment.
#[derive(Clone)]
struct Scope {
    /// The name the element goes by (`co`), besides `it`.
    alias: Option<String>,
    /// Its element variable.
    var: u32,
    /// The element's type.
    ty: Type,
    /// Whether bare names inside are the element's keys.
    bare: bool,
    /// The element's LoanPro shape, when known.
    shape: Option<Shape>,
}

/// Checks a parsed file.
pub fn check(source: &str, file: &ast::File) -> (Checked, Vec<Diagnostic>) {
    let mut c = Checker {
        source,
        lines: LineIndex::new(source),
        diags: Vec::new(),
        out: Checked::default(),
        names: HashMap::new(),
        used: HashSet::new(),
        lets_done: 0,
        let_types: Vec::new(),
        let_depths: Vec::new(),
        declared: [0; 3],
        table_types: Vec::new(),
        scopes: Vec::new(),
        let_shapes: Vec::new(),
        current_let: None,
        in_rule: false,
        in_let: false,
    };
    c.file(file);
    (c.out, c.diags)
}

/// How deep a let may nest with the lets it uses written out in place. The compiler, the
/// plan's listing and its closures (compiled and evaluated) all follow a let into the lets it
/// uses, so a chain of lets is one deep expression to them, and a field or rule over it can
/// nest [`crate::parser::MAX_DEPTH`] levels more. Twice an expression's limit, so that splitting
/// an expression too deep (M2M032) into lets works; `tests/let_chains.rs` checks that the deepest
/// let under the deepest field fits a 2 MB thread in a debug build.
pub const MAX_LET_DEPTH: usize = 2 * crate::parser::MAX_DEPTH;

/// The sub-expressions of an expression, in the order they are written.
pub fn children(h: &HExpr) -> Vec<&HExpr> {
    match &h.kind {
        HKind::Const(_)
        | HKind::Param(_)
        | HKind::Let(_)
        | HKind::Root
        | HKind::Local(_)
        | HKind::SegField(..)
        | HKind::Error => Vec::new(),
        HKind::Get(x, _) | HKind::Not(x) | HKind::Neg(x) | HKind::Table(_, x) => vec![x],
        HKind::Index(a, b)
        | HKind::Where(a, b, _)
        | HKind::Binary(_, a, b)
        | HKind::And(a, b)
        | HKind::Or(a, b)
        | HKind::Implies(a, b)
        | HKind::Coalesce(a, b) => vec![a, b],
        HKind::If(a, b, c) => vec![a, b, c],
        HKind::Call(_, items, _) | HKind::List(items) => items.iter().collect(),
        HKind::Match(x, arms) => std::iter::once(&**x)
            .chain(arms.iter().map(|a| &a.value))
            .collect(),
        HKind::In(x, items) => std::iter::once(&**x).chain(items).collect(),
    }
}

/// How deep an expression nests with every let it uses counted as deep as that let's own
/// expression (`lets`, by let index); `None` when it uses a let already too deep. Recurses
/// over the expression only, never into a let, so it is as deep as the parser allows.
fn expanded_depth(h: &HExpr, lets: &[Option<usize>]) -> Option<usize> {
    if let HKind::Let(i) = h.kind {
        // A let not yet known (used before its definition) was reported as such.
        return lets.get(i as usize).copied().unwrap_or(Some(1));
    }
    let mut deepest = 0;
    for c in children(h) {
        deepest = deepest.max(expanded_depth(c, lets)?);
    }
    Some(deepest + 1)
}

fn lit_value(l: &Lit) -> Value<'static> {
    match l {
        Lit::Text(s) => Value::text(s.as_str()),
        Lit::Int(n) => Value::Int(*n),
        Lit::Decimal(d) => Value::Decimal(*d),
        Lit::Date(d) => Value::Date(*d),
        Lit::Bool(b) => Value::Bool(*b),
        Lit::None => Value::Null,
    }
}

fn lit_type(l: &Lit) -> Type {
    lit_value(l).static_type()
}

/// The type of a value that may be either.
fn join(a: &Type, b: &Type) -> Type {
    match (a, b) {
        (x, y) if x == y => x.clone(),
        (Type::None, t) | (t, Type::None) => match t {
            Type::Optional(_) => t.clone(),
            t => Type::Optional(Box::new(t.clone())),
        },
        (Type::Optional(x), y) | (y, Type::Optional(x)) => {
            Type::Optional(Box::new(join(x, y).base().clone()))
        }
        (x, y) if x.is_numeric() && y.is_numeric() => Type::Decimal,
        (Type::Json, _) | (_, Type::Json) => Type::Json,
        _ => Type::Any,
    }
}

/// The type most of `types` agree with (`fits`), the first of them on a tie. Counted by
/// distinct type, so a table of thousands of arms costs thousands of steps.
fn most_common(types: &[(Type, Span)], fits: impl Fn(&Type, &Type) -> bool) -> Option<Type> {
    let mut distinct: Vec<(&Type, usize)> = Vec::new();
    for (t, _) in types {
        match distinct.iter_mut().find(|(d, _)| *d == t) {
            Some((_, n)) => *n += 1,
            None => distinct.push((t, 1)),
        }
    }
    let mut best: Option<(usize, &Type)> = None;
    for (candidate, _) in &distinct {
        if **candidate == Type::None {
            continue;
        }
        let n: usize = distinct
            .iter()
            .filter(|(t, _)| fits(candidate, t))
            .map(|(_, n)| n)
            .sum();
        if best.is_none_or(|(b, _)| n > b) {
            best = Some((n, candidate));
        }
    }
    best.map(|(_, t)| t.clone())
}

/// A type (or anything shown) with its article: `a text`, `an int`.
fn a(shown: &dyn std::fmt::Display) -> String {
    let text = shown.to_string();
    let article = if text.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {text}")
}

/// `text` with its first letter in capitals.
fn capitalised(text: &str) -> String {
    let mut c = text.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A list as named in a message (`` `Customers` ``), without its backquotes, for an example.
fn written_or(list: &str) -> &str {
    list.strip_prefix('`')
        .and_then(|l| l.strip_suffix('`'))
        .unwrap_or("LIST")
}

impl HExpr {
    /// The expression with its LoanPro shape.
    fn shaped(mut self, shape: Option<Shape>) -> HExpr {
        self.shape = shape;
        self
    }
}

/// Whether an expression stands for no object (`none`, `[]`): `x ?? []` keeps `x`'s shape.
fn is_empty_value(h: &HExpr) -> bool {
    match &h.kind {
        HKind::Const(Value::Null) => true,
        HKind::List(items) => items.is_empty(),
        _ => false,
    }
}

/// The shape of a value that is one of two (`??`, `if`): the same shape on both sides, or the
/// shape of one side when the other is empty.
fn merge_shapes(a: &HExpr, b: &HExpr) -> Option<Shape> {
    match (a.shape, b.shape) {
        (Some(x), Some(y)) if x == y => Some(x),
        // An envelope and a list of the same objects: the key reads that agree on both.
        (Some(Shape::List(x, _)), Some(Shape::List(y, _))) if x == y => Some(Shape::List(x, true)),
        (Some(x), None) if is_empty_value(b) => Some(x),
        (None, Some(y)) if is_empty_value(a) => Some(y),
        _ => None,
    }
}

fn is_dynamic(t: &Type) -> bool {
    matches!(t.base(), Type::Json | Type::Any)
}

fn is_bool_like(t: &Type) -> bool {
    matches!(t.base(), Type::Bool | Type::Json | Type::Any | Type::None)
}

impl<'s> Checker<'s> {
    fn line(&self, span: Span) -> u32 {
        self.lines.line(span.start)
    }

    fn text(&self, span: Span) -> String {
        span.text(self.source).to_string()
    }

    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn file(&mut self, file: &ast::File) {
        match file.version {
            None => {
                let end = self.source.find('\n').unwrap_or(self.source.len()).max(1);
                self.err(
                    Diagnostic::new(
                        Code::Version,
                        Span::new(0, end.min(self.source.len())),
                        "the file has no version line",
                        "expected `m2map 1` here",
                    )
                    .help("start the file with the line `m2map 1`"),
                );
            }
            Some((v, span)) if v != 1 => self.err(
                Diagnostic::new(
                    Code::Version,
                    span,
                    format!("version {v} of the language is not supported"),
                    "unsupported version",
                )
                .help("this build reads `m2map 1`"),
            ),
            Some(_) => {}
        }
        // Declarations first, so that items may appear in any order (a segment may use a let
        // written below it); lets still see only earlier lets.
        for item in &file.items {
            self.declare(item);
        }
        for item in &file.items {
            match &item.kind {
                ItemKind::Param(p) => {
                    let ty = Type::parse(&p.ty.name).unwrap_or_else(|| {
                        let names = Type::names();
                        self.err(
                            Diagnostic::new(
                                Code::UnknownType,
                                p.ty.span,
                                format!("unknown type `{}`", p.ty.name),
                                "not a type",
                            )
                            .help(
                                did_you_mean(&p.ty.name, names.iter().copied()).unwrap_or_else(
                                    || format!("the types are: {}", names.join(", ")),
                                ),
                            ),
                        );
                        Type::Any
                    });
                    self.out.params.push(HParam {
                        name: p.name.name.clone(),
                        ty,
                    });
                }
                ItemKind::Let(l) => {
                    self.in_let = true;
                    self.current_let = Some((l.name.name.clone(), l.name.span));
                    let value = self.expr(&l.value);
                    self.in_let = false;
                    self.current_let = None;
                    self.let_types.push(value.ty.clone());
                    self.let_shapes.push(value.shape);
                    let depth = self.let_depth(l, &value);
                    self.let_depths.push(depth);
                    self.out.lets.push(HLet {
                        name: l.name.name.clone(),
                        value,
                        line: self.line(item.span),
                    });
                    self.lets_done += 1;
                }
                ItemKind::Table(t) => self.table(t),
                _ => {}
            }
        }
        let mut single_segments: HashMap<SegmentKind, Span> = HashMap::new();
        let mut rule_ids: HashMap<String, Span> = HashMap::new();
        for item in &file.items {
            match &item.kind {
                ItemKind::Skip(s) => {
                    let cond = self.condition(&s.cond, "`skip when`");
                    self.out.skips.push(HSkip {
                        cond,
                        reason: s.reason.value.clone(),
                        line: self.line(item.span),
                    });
                }
                ItemKind::Segment(s) => self.segment(s, item.span, &mut single_segments),
                ItemKind::Rule(r) => {
                    if let Some(first) = rule_ids.get(&r.id.name) {
                        let first = *first;
                        self.err(
                            Diagnostic::new(
                                Code::RuleIdTwice,
                                r.id.span,
                                format!("the rule id `{}` is used twice", r.id.name),
                                "second use",
                            )
                            .related(first, "first use")
                            .help("rule ids are stable identifiers: give each rule its own"),
                        );
                    } else {
                        rule_ids.insert(r.id.name.clone(), r.id.span);
                    }
                    self.in_rule = true;
                    let cond = self.condition(&r.expr, "a rule");
                    self.in_rule = false;
                    self.out.rules.push(HRule {
                        id: r.id.name.clone(),
                        severity: if r.severity.name == "warning" {
                            metro2_engine::plan::RuleSeverity::Warning
                        } else {
                            metro2_engine::plan::RuleSeverity::Error
                        },
                        message: r.message.value.clone(),
                        cond,
                        line: self.line(item.span),
                    });
                }
                _ => {}
            }
        }
        if !single_segments.contains_key(&SegmentKind::Base)
            && !file.items.iter().any(|i| matches!(i.kind, ItemKind::Error))
        {
            let span = file.version.map(|v| v.1).unwrap_or(Span::new(0, 0));
            self.err(
                Diagnostic::new(
                    Code::NoBase,
                    span,
                    "the mapping has no `segment base` block",
                    "in this file",
                )
                .help("every data record has a base segment: add `segment base { ... }`"),
            );
        }
        self.unused(file);
    }

    fn declare(&mut self, item: &ast::Item) {
        let (name, kind) = match &item.kind {
            ItemKind::Param(p) => (&p.name, NameKind::Param(self.next_index(0))),
            ItemKind::Let(l) => (&l.name, NameKind::Let(self.next_index(1))),
            ItemKind::Table(t) => (&t.name, NameKind::Table(self.next_index(2))),
            _ => return,
        };
        if let Some((_, first)) = self.names.get(&name.name) {
            let first = *first;
            self.err(
                Diagnostic::new(
                    Code::DefinedTwice,
                    name.span,
                    format!("`{}` is defined twice", name.name),
                    "second definition",
                )
                .related(first, "first definition")
                .help("params, lets and tables share one namespace: rename one of them"),
            );
            // Keep the slot numbering aligned with the item lists.
            let key = format!("{}#{}", name.name, name.span.start);
            self.names.insert(key, (kind, name.span));
            return;
        }
        self.names.insert(name.name.clone(), (kind, name.span));
    }

    /// The index of the next declared param (0), let (1) or table (2). Counted rather than
    /// found by counting the names so far, which made a file of 20,000 lets take seconds.
    fn next_index(&mut self, kind: usize) -> u32 {
        let i = self.declared[kind];
        self.declared[kind] += 1;
        i
    }

    /// How deep a let's expression nests with the lets it uses written out in place, or
    /// `None` when that passes [`MAX_LET_DEPTH`] (reported here, once per chain: a let built
    /// on one already reported is not reported again).
    fn let_depth(&mut self, l: &ast::Let, value: &HExpr) -> Option<usize> {
        let depth = expanded_depth(value, &self.let_depths)?;
        if depth <= MAX_LET_DEPTH {
            return Some(depth);
        }
        let mut d = Diagnostic::new(
            Code::LetTooDeep,
            l.name.span,
            format!(
                "`{}` nests {depth} levels deep with the lets it uses written out; the limit is \
                 {MAX_LET_DEPTH}",
                l.name.name
            ),
            "too deep",
        )
        .help(
            "a let that uses a let that uses a let ... is evaluated as one expression: compute \
             from the document or a param directly, or use a `match` or a table, instead of \
             building each let on the one before",
        );
        if let Some((used, span)) = self.deepest_let_used(value) {
            d = d.related(span, format!("uses `{used}`, the deepest let it builds on"));
        }
        self.err(d);
        None
    }

    /// The name and definition of the deepest let an expression uses directly.
    fn deepest_let_used(&self, value: &HExpr) -> Option<(String, Span)> {
        let mut best: Option<(usize, u32)> = None;
        let mut stack = vec![value];
        while let Some(h) = stack.pop() {
            if let HKind::Let(i) = h.kind {
                let d = self.let_depths.get(i as usize).copied().flatten()?;
                if best.is_none_or(|(b, _)| d > b) {
                    best = Some((d, i));
                }
            }
            stack.extend(children(h));
        }
        let name = &self.out.lets.get(best?.1 as usize)?.name;
        let span = self.names.get(name)?.1;
        Some((name.clone(), span))
    }

    fn unused(&mut self, file: &ast::File) {
        for item in &file.items {
            let (name, code, what) = match &item.kind {
                ItemKind::Param(p) => (&p.name, Code::UnusedParam, "param"),
                ItemKind::Let(l) => (&l.name, Code::UnusedLet, "let"),
                ItemKind::Table(t) => (&t.name, Code::UnusedTable, "table"),
                _ => continue,
            };
            if !self.used.contains(&name.name) && !name.name.starts_with('_') {
                self.err(
                    Diagnostic::new(
                        code,
                        name.span,
                        format!("the {what} `{}` is never used", name.name),
                        "unused",
                    )
                    .help("remove it, or start its name with `_` to keep it on purpose"),
                );
            }
        }
    }

    fn table(&mut self, t: &ast::Table) {
        let mut arms = Vec::new();
        // Each key listed, with its arm's value and the value as written.
        let mut seen: Vec<(Value<'static>, Span, Result<Value<'static>, String>, String)> =
            Vec::new();
        // The type of every literal key and value, to find the type most of them have.
        let mut key_tys: Vec<(Type, Span)> = Vec::new();
        let mut val_tys: Vec<(Type, Span)> = Vec::new();
        let mut wildcard: Option<Span> = None;
        for arm in &t.arms {
            if let Some(w) = wildcard {
                self.err(
                    Diagnostic::new(
                        Code::Unreachable,
                        arm.span,
                        "this table arm can never be reached",
                        "after the `_` arm",
                    )
                    .related(w, "`_` matches every key")
                    .help("move the `_` arm last"),
                );
            }
            let key = match &arm.key.kind {
                PatternKind::Wildcard => {
                    wildcard = Some(arm.key.span);
                    None
                }
                PatternKind::Lit(l) => {
                    let v = lit_value(l);
                    let ty = v.static_type();
                    if !matches!(ty, Type::Text | Type::Int | Type::Bool) {
                        self.err(Diagnostic::new(
                            Code::TableValue,
                            arm.key.span,
                            format!("a table key must be text, a whole number or yes/no, not {ty}"),
                            "bad key",
                        ));
                    } else {
                        key_tys.push((ty, arm.key.span));
                    }
                    Some(v)
                }
                PatternKind::Range(..) => {
                    self.err(Diagnostic::new(
                        Code::TableValue,
                        arm.key.span,
                        "table keys are single values; ranges belong in `match`",
                        "a range",
                    ));
                    None
                }
            };
            let value = match &arm.value {
                ast::TableValue::Error(m) => Err(m.value.clone()),
                ast::TableValue::Value(e) => {
                    let v = match &e.kind {
                        ExprKind::Lit(l) => Some(lit_value(l)),
                        ExprKind::Unary(UnaryOp::Neg, inner) => match &inner.kind {
                            ExprKind::Lit(Lit::Int(n)) => Some(Value::Int(-n)),
                            ExprKind::Lit(Lit::Decimal(d)) => Some(Value::Decimal(-d)),
                            _ => None,
                        },
                        _ => None,
                    };
                    match v {
                        Some(v) => {
                            val_tys.push((v.static_type(), e.span));
                            Ok(v)
                        }
                        None => {
                            self.err(
                                Diagnostic::new(
                                    Code::TableValue,
                                    e.span,
                                    "a table value must be a literal",
                                    "not a literal",
                                )
                                .help("compute values with `match` or `if`; tables map constants"),
                            );
                            Ok(Value::Null)
                        }
                    }
                }
            };
            if let Some(k) = &key {
                let written = match &arm.value {
                    ast::TableValue::Value(e) => self.text(e.span),
                    ast::TableValue::Error(m) => format!("error {}", self.text(m.span)),
                };
                self.duplicate_key(&seen, k, arm, &value, &written);
                seen.push((k.clone(), arm.key.span, value.clone(), written));
            }
            arms.push((key, value, self.line(arm.span)));
        }
        // The type most keys (values) have is the table's; each of another type is one error,
        // so one wrong value among seven is one error, wherever it is.
        let key_ty = most_common(&key_tys, |a, b| a == b);
        for (ty, span) in &key_tys {
            if let Some(k) = key_ty.as_ref().filter(|k| *k != ty) {
                let help = self.retype_help(k, *span, "key");
                self.err(
                    Diagnostic::new(
                        Code::TableValue,
                        *span,
                        format!("the table's keys are {k}, this one is {ty}"),
                        "key of another type",
                    )
                    .help(help),
                );
            }
        }
        let val_ty = most_common(&val_tys, |a, b| join(a, b) != Type::Any);
        let mut table_ty: Option<Type> = None;
        for (ty, span) in &val_tys {
            match &val_ty {
                Some(v) if join(v, ty) == Type::Any => {
                    let v = v.base().clone();
                    let help = self.retype_help(&v, *span, "value");
                    self.err(
                        Diagnostic::new(
                            Code::TableValue,
                            *span,
                            format!("the table's values are {v}, this one is {ty}"),
                            "value of another type",
                        )
                        .help(help),
                    );
                }
                _ => {
                    table_ty = Some(table_ty.map_or_else(|| ty.clone(), |t| join(&t, ty)));
                }
            }
        }
        self.table_types.push(table_ty.unwrap_or(Type::Any));
        self.out.tables.push(HTable {
            name: t.name.name.clone(),
            arms,
            line: self.line(t.name.span),
        });
    }

    /// A table key listed before: with another value, an error (M2M035: the first arm is the one
    /// used, so an override appended below is silently ignored); with the same value, a warning
    /// that the second arm is never used.
    #[allow(clippy::type_complexity)]
    fn duplicate_key(
        &mut self,
        seen: &[(Value<'static>, Span, Result<Value<'static>, String>, String)],
        key: &Value<'static>,
        arm: &ast::TableArm,
        value: &Result<Value<'static>, String>,
        written: &str,
    ) {
        let Some((_, first, first_value, first_written)) = seen.iter().find(|s| s.0 == *key) else {
            return;
        };
        let k = self.text(arm.key.span);
        if first_value == value {
            self.err(
                Diagnostic::new(
                    Code::Unreachable,
                    arm.span,
                    format!("the key {k} is listed twice with the same value; the second arm is never used"),
                    "duplicate key",
                )
                .related(*first, "first listed here")
                .help("remove one of the two arms"),
            );
            return;
        }
        self.err(
            Diagnostic::new(
                Code::TableKeyTwice,
                arm.span,
                format!(
                    "the key {k} is listed twice, with {first_written} and with {written}; only the first is used"
                ),
                "never used",
            )
            .related(*first, format!("{k} gives {first_written}"))
            .help(format!(
                "a table uses the first arm of a key: keep the arm with the value {k} should give and remove the other"
            )),
        );
    }

    /// How to write a table key or value of the wrong type as the table's type `ty`.
    fn retype_help(&self, ty: &Type, span: Span, what: &str) -> String {
        let written = self.text(span);
        let digits = written.trim_matches('"');
        match ty {
            Type::Text if !written.starts_with('"') => {
                format!("write it as text, in quotes: `\"{written}\"`")
            }
            Type::Int if digits.parse::<i64>().is_ok() => {
                format!("write it as a whole number, without quotes: `{digits}`")
            }
            _ => format!("every {what} of a table has one type: write this one as {ty}"),
        }
    }

    fn segment(
        &mut self,
        s: &ast::SegmentBlock,
        span: Span,
        singles: &mut HashMap<SegmentKind, Span>,
    ) {
        let Some(kind) = SegmentKind::from_name(&s.kind.name) else {
            let names = SegmentKind::ALL.map(|k| k.name());
            self.err(
                Diagnostic::new(
                    Code::UnknownSegment,
                    s.kind.span,
                    format!("unknown segment `{}`", s.kind.name),
                    "not a segment",
                )
                .help(did_you_mean(&s.kind.name, names).unwrap_or_else(|| {
                    "the segments are base, j1, j2, k1, k2, k3, k4, l1 and n1".into()
                })),
            );
            return;
        };
        if matches!(kind, SegmentKind::Header | SegmentKind::Trailer) {
            self.err(
                Diagnostic::new(
                    Code::SegmentShape,
                    s.kind.span,
                    format!("the {kind} record is not mapped from a loan"),
                    "not a data record segment",
                )
                .help("`metro2 export` writes the header and trailer from the file's settings and totals"),
            );
            return;
        }
        if s.each.is_some() && !kind.repeats() {
            self.err(
                Diagnostic::new(
                    Code::SegmentShape,
                    s.kind.span,
                    format!("the {kind} segment cannot repeat, so it cannot use `for each`"),
                    "appears at most once per record",
                )
                .help("only j1 and j2 repeat; use `when COND` for an optional segment"),
            );
        }
        if kind == SegmentKind::Base && s.when.is_some() {
            self.err(
                Diagnostic::new(
                    Code::SegmentShape,
                    s.kind.span,
                    "the base segment cannot be optional",
                    "every record has one",
                )
                .help("use `skip when COND \"reason\"` to leave a loan out"),
            );
        }
        if !kind.repeats() {
            if let Some(first) = singles.get(&kind) {
                let first = *first;
                self.err(
                    Diagnostic::new(
                        Code::SegmentShape,
                        s.kind.span,
                        format!("a second `segment {kind}` block"),
                        "second block",
                    )
                    .related(first, "first block")
                    .help(format!(
                        "a record holds one {kind} segment: merge the blocks"
                    )),
                );
            } else {
                singles.insert(kind, s.kind.span);
            }
        } else {
            singles.entry(kind).or_insert(s.kind.span);
        }
        let when = s.when.as_ref().map(|w| self.condition(w, "`when`"));
        let mut pushed = 0;
        let each = s.each.as_ref().map(|(var, list)| {
            // In `for each co in LIST where COND`, COND may call the element `co` too.
            let h = match &list.kind {
                ExprKind::Binary(BinaryOp::Where, l, c) => {
                    self.where_expr(l, c, list.span, Some(var.name.clone()))
                }
                _ => self.expr(list),
            };
            if !matches!(h.ty.base(), Type::List(_) | Type::Json | Type::Any) {
                self.err(Diagnostic::new(
                    Code::OperatorType,
                    list.span,
                    format!("`for each` needs a list, this is {}", h.ty),
                    "not a list",
                ));
            }
            let v = self.new_var();
            self.scopes.push(Scope {
                alias: Some(var.name.clone()),
                var: v,
                ty: h.ty.element(),
                bare: false,
                shape: h.shape.and_then(Shape::element),
            });
            pushed += 1;
            (h, v)
        });
        let mut fields = Vec::new();
        let mut assigned: HashMap<&'static str, Span> = HashMap::new();
        let layout = kind.layout();
        for a in &s.body {
            let value = self.expr(&a.value);
            let Some(field) = layout.field(&a.field.name) else {
                let keys = layout
                    .fields
                    .iter()
                    .filter(|f| !f.is_framing() && !f.is_reserved())
                    .map(|f| f.key);
                self.err(
                    Diagnostic::new(
                        Code::UnknownField,
                        a.field.span,
                        format!("the {kind} segment has no field `{}`", a.field.name),
                        "unknown field",
                    )
                    .help(
                        did_you_mean(&a.field.name, keys.clone())
                            .unwrap_or_else(|| field_list_help(kind, &a.field.name, keys)),
                    ),
                );
                continue;
            };
            if field.is_framing() || field.is_reserved() {
                self.err(
                    Diagnostic::new(
                        Code::FramingField,
                        a.field.span,
                        format!("`{}` is written by the engine, not by a mapping", field.key),
                        if field.is_reserved() { "reserved" } else { "framing" },
                    )
                    .help("remove this line: the record descriptor word, identifiers and reserved space are filled in for you"),
                );
                continue;
            }
            if let Some(first) = assigned.get(field.key) {
                let first = *first;
                self.err(
                    Diagnostic::new(
                        Code::AssignedTwice,
                        a.field.span,
                        format!("`{}` is assigned twice", field.key),
                        "second assignment",
                    )
                    .related(first, "first assignment")
                    .help("one line per field: combine the two with `if` or `match`"),
                );
                continue;
            }
            assigned.insert(field.key, a.field.span);
            self.field_type(field, &value, a.value.span);
            self.out.docs.push(FieldDoc {
                segment: kind,
                field: field.key,
                doc: a.docs.join("\n"),
                line: self.line(a.span),
                source: one_line(&self.text(a.value.span)),
            });
            fields.push(HField {
                field,
                value,
                line: self.line(a.span),
                source: one_line(&self.text(a.value.span)),
                span: a.value.span,
            });
        }
        for _ in 0..pushed {
            self.scopes.pop();
        }
        let missing: Vec<&str> = layout
            .fields
            .iter()
            .filter(|f| {
                f.required == Requirement::Required
                    && !f.is_framing()
                    && !f.is_reserved()
                    && !assigned.contains_key(f.key)
            })
            .map(|f| f.key)
            .collect();
        if !missing.is_empty() {
            self.err(
                Diagnostic::new(
                    Code::RequiredUnassigned,
                    s.kind.span,
                    format!(
                        "the {kind} segment leaves {} required field{} unassigned: {}",
                        missing.len(),
                        if missing.len() == 1 { "" } else { "s" },
                        missing.join(", ")
                    ),
                    "missing required fields",
                )
                .help(
                    "the layout marks these fields required: assign each one (a constant is fine)",
                ),
            );
        }
        self.out.segments.push(HSegment {
            kind,
            each,
            when,
            fields,
            line: self.line(span),
        });
    }

    /// Whether a value of type `value.ty` can be written into `field`.
    fn field_type(&mut self, field: &Field, value: &HExpr, span: Span) {
        let ty = value.ty.base();
        if is_dynamic(ty) || *ty == Type::None {
            return;
        }
        let (ok, help) = match field.ty {
            FieldType::Alphanumeric => (
                matches!(ty, Type::Text | Type::Int),
                match ty {
                    Type::Decimal | Type::Money => {
                        "money goes into numeric fields; for text, use text(...)"
                    }
                    Type::Date => "dates go into date fields; for text, use text(...)",
                    _ => "this field holds text",
                },
            ),
            FieldType::Numeric => (
                match ty {
                    Type::Int => true,
                    // A literal text of digits is fine ("000"); other text must be converted.
                    Type::Text => {
                        matches!(&value.kind, HKind::Const(Value::Text(s)) if s.bytes().all(|b| b.is_ascii_digit()))
                    }
                    _ => false,
                },
                match ty {
                    Type::Decimal | Type::Money => {
                        "numeric fields hold whole numbers: use dollars(...) for money"
                    }
                    Type::Text => {
                        "convert text of digits with int(...), after digits(...) if needed"
                    }
                    _ => "this field holds a whole number",
                },
            ),
            FieldType::Date | FieldType::Timestamp => (
                *ty == Type::Date,
                match ty {
                    Type::Text => "read text as a date with date(...)",
                    _ => "this field holds a date",
                },
            ),
        };
        if !ok {
            self.err(
                Diagnostic::new(
                    Code::FieldType,
                    span,
                    format!(
                        "{} value cannot be written into `{}` ({} field)",
                        a(&value.ty),
                        field.key,
                        field.ty.tsv_name()
                    ),
                    format!("this is {}", value.ty),
                )
                .help(help),
            );
        }
    }

    fn new_var(&mut self) -> u32 {
        self.out.locals += 1;
        self.out.locals - 1
    }

    fn condition(&mut self, e: &ast::Expr, what: &str) -> HExpr {
        let h = self.expr(e);
        if !is_bool_like(&h.ty) {
            self.err(
                Diagnostic::new(
                    Code::NotCondition,
                    e.span,
                    format!("{what} needs a yes/no condition, this is {}", h.ty),
                    format!("this is {}", h.ty),
                )
                .help("compare it: `x == ...`, `x != none`, `x > 0`"),
            );
        }
        h
    }

    fn h(kind: HKind, ty: Type, span: Span) -> HExpr {
        HExpr {
            kind,
            ty,
            span,
            shape: None,
        }
    }

    fn error(span: Span) -> HExpr {
        Self::h(HKind::Error, Type::Any, span)
    }

    fn expr(&mut self, e: &ast::Expr) -> HExpr {
        let span = e.span;
        match &e.kind {
            ExprKind::Lit(l) => Self::h(HKind::Const(lit_value(l)), lit_type(l), span),
            ExprKind::Error => Self::error(span),
            ExprKind::Paren(inner) => {
                let mut h = self.expr(inner);
                h.span = span;
                h
            }
            ExprKind::Name(n) => self.name(n, span),
            ExprKind::Member(base, name) => self.member(base, name, span),
            ExprKind::Method(base, name, args) => self.method(base, name, args, span),
            ExprKind::Index(base, idx) => self.index(base, idx, span),
            ExprKind::Call(name, args) => self.call(name, args, None, span),
            ExprKind::Unary(UnaryOp::Not, x) => {
                let hx = self.condition(x, "`not`");
                Self::h(HKind::Not(Box::new(hx)), Type::Bool, span)
            }
            ExprKind::Unary(UnaryOp::Neg, x) => {
                let hx = self.expr(x);
                if !(hx.ty.is_numeric() || is_dynamic(&hx.ty)) {
                    self.err(Diagnostic::new(
                        Code::OperatorType,
                        span,
                        format!("`-` needs a number, this is {}", hx.ty),
                        "not a number",
                    ));
                }
                let ty = hx.ty.clone();
                Self::h(HKind::Neg(Box::new(hx)), ty, span)
            }
            ExprKind::Binary(BinaryOp::Where, l, c) => self.where_expr(l, c, span, None),
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r, span),
            ExprKind::If(c, t, f) => {
                let hc = self.condition(c, "`if`");
                let ht = self.expr(t);
                let hf = self.expr(f);
                let ty = join(&ht.ty, &hf.ty);
                let shape = merge_shapes(&ht, &hf);
                Self::h(
                    HKind::If(Box::new(hc), Box::new(ht), Box::new(hf)),
                    ty,
                    span,
                )
                .shaped(shape)
            }
            ExprKind::Match(scrut, arms) => self.match_expr(scrut, arms, span),
            ExprKind::List(items) => {
                let hs: Vec<HExpr> = items.iter().map(|i| self.expr(i)).collect();
                let elem = hs
                    .iter()
                    .map(|h| h.ty.clone())
                    .reduce(|a, b| join(&a, &b))
                    .unwrap_or(Type::Any);
                Self::h(HKind::List(hs), Type::List(Box::new(elem)), span)
            }
        }
    }

    fn name(&mut self, n: &str, span: Span) -> HExpr {
        for s in self.scopes.iter().rev() {
            if s.alias.as_deref() == Some(n) || (n == "it" && s.alias.is_none()) {
                return Self::h(HKind::Local(s.var), s.ty.clone(), span).shaped(s.shape);
            }
        }
        if n == "it" {
            if let Some(s) = self.scopes.last() {
                return Self::h(HKind::Local(s.var), s.ty.clone(), span).shaped(s.shape);
            }
        }
        if let Some((kind, def)) = self.names.get(n).copied() {
            self.used.insert(n.to_string());
            match kind {
                NameKind::Param(i) => {
                    let ty = self
                        .out
                        .params
                        .get(i as usize)
                        .map(|p| p.ty.clone())
                        .unwrap_or(Type::Any);
                    return Self::h(HKind::Param(i), ty, span);
                }
                NameKind::Let(i) => {
                    if self.in_let && i as usize >= self.lets_done {
                        let help = match &self.current_let {
                            Some((current, _)) if current == n => {
                                format!("`{n}` cannot be computed from itself: use another let or a `??` default")
                            }
                            Some((current, _)) => format!(
                                "a let may only use the lets above it: move `let {current}` below `let {n}` (line {}), or `let {n}` above it",
                                self.line(def)
                            ),
                            None => "a let may only use the lets above it".to_string(),
                        };
                        self.err(
                            Diagnostic::new(
                                Code::UseBeforeDefine,
                                span,
                                format!("`{n}` is used before it is defined"),
                                "used here",
                            )
                            .related(def, "defined here")
                            .help(help),
                        );
                        return Self::error(span);
                    }
                    let ty = self.let_types.get(i as usize).cloned().unwrap_or(Type::Any);
                    let shape = self.let_shapes.get(i as usize).copied().flatten();
                    return Self::h(HKind::Let(i), ty, span).shaped(shape);
                }
                NameKind::Table(_) => {
                    self.err(
                        Diagnostic::new(
                            Code::UnknownTable,
                            span,
                            format!("the table `{n}` is used without a key"),
                            "a table",
                        )
                        .help(format!("look a value up with `{n}[key]`")),
                    );
                    return Self::error(span);
                }
            }
        }
        // Inside `where` and per-element arguments, other bare names are the element's fields.
        if let Some(s) = self.scopes.last().filter(|s| s.bare && is_dynamic(&s.ty)) {
            let base = Self::h(HKind::Local(s.var), s.ty.clone(), span).shaped(s.shape);
            let shape = self.key_read(&base, None, n, span);
            return Self::h(HKind::Get(Box::new(base), n.to_string()), Type::Json, span)
                .shaped(shape);
        }
        let loan = Some(Shape::Object(schema::Obj::Loan));
        if n == schema::DOC {
            return Self::h(HKind::Root, Type::Json, span).shaped(loan);
        }
        if schema::ROOTS.contains(&n) {
            let root = Self::h(HKind::Root, Type::Json, span).shaped(loan);
            let shape = schema::Obj::Loan.child(n);
            return Self::h(HKind::Get(Box::new(root), n.to_string()), Type::Json, span)
                .shaped(shape);
        }
        if SegmentKind::from_name(n).is_some() {
            return self.segment_read_error(span, n);
        }
        let mut candidates: Vec<&str> = schema::ROOTS.to_vec();
        candidates.extend(
            self.names
                .keys()
                .filter(|k| !k.contains('#'))
                .map(String::as_str),
        );
        let help = did_you_mean(n, candidates).unwrap_or_else(|| {
            "a name is a let, a param, or a key of the loan document (LoanSetup, Customers, ...); `doc.KEY` reads any other key".into()
        });
        self.err(
            Diagnostic::new(
                Code::UnknownRoot,
                span,
                format!("unknown name `{n}`"),
                "not a let, param or document key",
            )
            .help(help),
        );
        Self::error(span)
    }

    /// The shape of `base.key` when known, warning (M2M034) when `base` is a LoanPro object
    /// whose keys do not include `key`. `base_ast` is the base as written; `None` for a bare
    /// name read from the element of a `where` or per-element argument.
    fn key_read(
        &mut self,
        base: &HExpr,
        base_ast: Option<&ast::Expr>,
        key: &str,
        span: Span,
    ) -> Option<Shape> {
        let shape = base.shape?;
        let written = base_ast.map(|b| self.text(b.span)).filter(|t| {
            t.len() <= 40 && t.chars().all(|c| c.is_alphanumeric() || "_.".contains(c))
        });
        match shape {
            Shape::Object(o) => {
                if o.knows(key) {
                    return o.child(key);
                }
                let what = o.describe();
                let subject = match &written {
                    Some(w) if w == what => format!("`{w}`"),
                    Some(w) => format!("`{w}` ({what})"),
                    None => capitalised(what),
                };
                let suggestion = did_you_mean(key, o.keys().iter().copied());
                let case_only = o.keys().iter().any(|k| k.eq_ignore_ascii_case(key));
                let mut help = format!(
                    "{what} has the keys {}",
                    o.keys()
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                help = if case_only {
                    format!("keys are case-sensitive; {help}")
                } else {
                    capitalised(&help)
                };
                self.err(
                    Diagnostic::new(
                        Code::UnknownKey,
                        span,
                        format!(
                            "{subject} has no key `{key}` in LoanPro's loan documents{}",
                            suggestion.map(|d| format!(" ({d})")).unwrap_or_default()
                        ),
                        format!("not a key of {what}"),
                    )
                    .help(help),
                );
                None
            }
            Shape::List(o, envelope) => {
                if envelope && (key.starts_with("__") || schema::ENVELOPE.contains(&key)) {
                    return (key == "results").then_some(Shape::List(o, false));
                }
                let list = written.map_or_else(|| "this list".to_string(), |w| format!("`{w}`"));
                let one = o.describe();
                let help = if o.knows(key) {
                    let w = written_or(&list);
                    format!(
                        "`{key}` is a key of each of its elements: read it from one, `first({w}).{key}`, or filter with `{w} where {key} == ...`"
                    )
                } else {
                    format!("a list's elements are {}", o.describe_list())
                };
                self.err(
                    Diagnostic::new(
                        Code::UnknownKey,
                        span,
                        format!(
                            "{list} is a list of {}: it has no key `{key}` in LoanPro's loan documents",
                            o.describe_list()
                        ),
                        format!("not a key of a list (each element is {one})"),
                    )
                    .help(help),
                );
                None
            }
        }
    }

    fn segment_read_error(&mut self, span: Span, n: &str) -> HExpr {
        self.err(
            Diagnostic::new(
                Code::SegmentRead,
                span,
                format!("the {n} segment's fields can only be read in a rule"),
                "a produced segment",
            )
            .help("mappings compute fields from the document; rules check the produced fields"),
        );
        Self::error(span)
    }

    fn member(&mut self, base: &ast::Expr, name: &ast::Ident, span: Span) -> HExpr {
        if let ExprKind::Name(seg) = &base.kind {
            if let Some(kind) = SegmentKind::from_name(seg) {
                if !self.names.contains_key(seg)
                    && !self.scopes.iter().any(|s| s.alias.as_deref() == Some(seg))
                {
                    if !self.in_rule {
                        return self.segment_read_error(base.span, seg);
                    }
                    if kind.repeats() {
                        self.err(
                            Diagnostic::new(
                                Code::SegmentShape,
                                base.span,
                                format!("rules read single segments; {kind} repeats"),
                                "a repeating segment",
                            )
                            .help("check repeated segments' values in the mapping instead"),
                        );
                        return Self::error(span);
                    }
                    let Some(field) = kind.layout().field(&name.name) else {
                        let keys = kind.layout().fields.iter().map(|f| f.key);
                        self.err(
                            Diagnostic::new(
                                Code::UnknownField,
                                name.span,
                                format!("the {kind} segment has no field `{}`", name.name),
                                "unknown field",
                            )
                            .maybe_help(did_you_mean(&name.name, keys)),
                        );
                        return Self::error(span);
                    };
                    let ty = match field.ty {
                        FieldType::Alphanumeric => Type::Optional(Box::new(Type::Text)),
                        FieldType::Numeric => Type::Int,
                        _ => Type::Optional(Box::new(Type::Date)),
                    };
                    return Self::h(HKind::SegField(kind, field), ty, span);
                }
            }
        }
        let hb = self.expr(base);
        match hb.ty.base().clone() {
            Type::Opaque(t) => {
                let full = format!("{t}.{}", name.name);
                match builtins::lookup(&full) {
                    Some(b) => self.finish_call(b, vec![hb], Vec::new(), 0, name.span, span),
                    None => self.unknown_property(t, name),
                }
            }
            Type::Json | Type::Any => {
                let shape = self.key_read(&hb, Some(base), &name.name, name.span);
                Self::h(
                    HKind::Get(Box::new(hb), name.name.clone()),
                    Type::Json,
                    span,
                )
                .shaped(shape)
            }
            _ if matches!(hb.kind, HKind::Error) => Self::error(span),
            other => {
                self.err(
                    Diagnostic::new(
                        Code::UnknownProperty,
                        name.span,
                        format!("{} value has no property `{}`", a(&other), name.name),
                        "no such property",
                    )
                    .help("properties are read from document objects and engine values such as a timeline"),
                );
                Self::error(span)
            }
        }
    }

    fn unknown_property(&mut self, t: &str, name: &ast::Ident) -> HExpr {
        let prefix = format!("{t}.");
        let props: Vec<&str> = builtins::registry()
            .names()
            .iter()
            .filter_map(|n| n.strip_prefix(prefix.as_str()))
            .collect();
        self.err(
            Diagnostic::new(
                Code::UnknownProperty,
                name.span,
                format!("{} has no property `{}`", a(&t), name.name),
                "no such property",
            )
            .help(
                did_you_mean(&name.name, props.iter().copied()).unwrap_or_else(|| {
                    format!("the properties of a {t} are: {}", props.join(", "))
                }),
            ),
        );
        Self::error(name.span)
    }

    fn method(
        &mut self,
        base: &ast::Expr,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> HExpr {
        let hb = self.expr(base);
        if let Type::Opaque(t) = hb.ty.base().clone() {
            let full = format!("{t}.{}", name.name);
            return match builtins::lookup(&full) {
                Some(b) => {
                    let rest: Vec<&ast::Expr> = args.iter().collect();
                    self.call_with(b, Some(hb), &rest, name.span, span)
                }
                None => self.unknown_property(t, name),
            };
        }
        // `x.f(a)` is `f(x, a)` for any built-in.
        let rest: Vec<&ast::Expr> = args.iter().collect();
        match builtins::lookup(&name.name) {
            Some(b) => self.call_with(b, Some(hb), &rest, name.span, span),
            None => self.unknown_function(name),
        }
    }

    fn index(&mut self, base: &ast::Expr, idx: &ast::Expr, span: Span) -> HExpr {
        if let ExprKind::Name(n) = &base.kind {
            if let Some((NameKind::Table(t), _)) = self.names.get(n).copied() {
                self.used.insert(n.clone());
                let key = self.expr(idx);
                if !matches!(
                    key.ty.base(),
                    Type::Text | Type::Int | Type::Bool | Type::Json | Type::Any | Type::None
                ) {
                    self.err(Diagnostic::new(
                        Code::ArgType,
                        idx.span,
                        format!("a table key is text or a number, this is {}", key.ty),
                        "bad key",
                    ));
                }
                let ty = self
                    .table_types
                    .get(t as usize)
                    .cloned()
                    .unwrap_or(Type::Any);
                return Self::h(HKind::Table(t, Box::new(key)), ty, span);
            }
            let known = self.names.contains_key(n)
                || self.scopes.iter().any(|s| s.alias.as_deref() == Some(n))
                || schema::ROOTS.contains(&n.as_str())
                || n == schema::DOC
                || n == "it";
            if !known {
                let tables: Vec<&str> = self
                    .names
                    .iter()
                    .filter(|(_, (k, _))| matches!(k, NameKind::Table(_)))
                    .map(|(n, _)| n.as_str())
                    .collect();
                if let Some(help) = did_you_mean(n, tables.iter().copied()) {
                    self.err(
                        Diagnostic::new(
                            Code::UnknownTable,
                            base.span,
                            format!("unknown table `{n}`"),
                            "not a table",
                        )
                        .help(help),
                    );
                    return Self::error(span);
                }
            }
        }
        let hb = self.expr(base);
        let hi = self.expr(idx);
        if !matches!(hi.ty.base(), Type::Int | Type::Json | Type::Any) {
            self.err(Diagnostic::new(
                Code::ArgType,
                idx.span,
                format!("a list index is a whole number, this is {}", hi.ty),
                "not an index",
            ));
        }
        if !matches!(hb.ty.base(), Type::List(_) | Type::Json | Type::Any)
            && !matches!(hb.kind, HKind::Error)
        {
            self.err(Diagnostic::new(
                Code::OperatorType,
                base.span,
                format!("only lists can be indexed, this is {}", hb.ty),
                "not a list",
            ));
        }
        let ty = hb.ty.element();
        let shape = hb.shape.and_then(Shape::element);
        Self::h(HKind::Index(Box::new(hb), Box::new(hi)), ty, span).shaped(shape)
    }

    fn unknown_function(&mut self, name: &ast::Ident) -> HExpr {
        let tables: Vec<&str> = self
            .names
            .iter()
            .filter(|(_, (k, _))| matches!(k, NameKind::Table(_)))
            .map(|(n, _)| n.as_str())
            .collect();
        let help = if tables.contains(&name.name.as_str()) {
            format!(
                "`{}` is a table: look values up with `{}[key]`",
                name.name, name.name
            )
        } else {
            did_you_mean(
                &name.name,
                builtins::registry()
                    .names()
                    .iter()
                    .copied()
                    .filter(|n| !n.contains('.')),
            )
            .unwrap_or_else(|| "`metro2 dictionary --builtins` lists the built-in functions".into())
        };
        self.err(
            Diagnostic::new(
                Code::UnknownFunction,
                name.span,
                format!("unknown function `{}`", name.name),
                "not a built-in",
            )
            .help(help),
        );
        Self::error(name.span)
    }

    fn call(
        &mut self,
        name: &ast::Ident,
        args: &[ast::Expr],
        _recv: Option<HExpr>,
        span: Span,
    ) -> HExpr {
        match builtins::lookup(&name.name) {
            Some(b) => {
                let rest: Vec<&ast::Expr> = args.iter().collect();
                self.call_with(b, None, &rest, name.span, span)
            }
            None => {
                for a in args {
                    self.expr(a);
                }
                self.unknown_function(name)
            }
        }
    }

    fn call_with(
        &mut self,
        b: &'static Builtin,
        recv: Option<HExpr>,
        args: &[&ast::Expr],
        name_span: Span,
        span: Span,
    ) -> HExpr {
        let given = args.len() + usize::from(recv.is_some());
        if given < b.min_args() || given > b.params.len() {
            let want = if b.min_args() == b.params.len() {
                format!("{}", b.params.len())
            } else {
                format!("{} to {}", b.min_args(), b.params.len())
            };
            self.err(
                Diagnostic::new(
                    Code::ArgCount,
                    span,
                    format!(
                        "{}() takes {want} argument{}, {given} given",
                        b.name,
                        if want == "1" { "" } else { "s" }
                    ),
                    format!("{given} given"),
                )
                .help(format!("the signature is {}", b.signature())),
            );
            for a in args {
                self.expr(a);
            }
            return Self::error(span);
        }
        let mut hargs: Vec<HExpr> = Vec::new();
        let mut arg_spans: Vec<Span> = Vec::new();
        if let Some(r) = recv {
            arg_spans.push(r.span);
            hargs.push(r);
        }
        let mut var = 0;
        let mut pending = args.iter();
        while hargs.len() < given {
            let a = pending.next().expect("counted");
            let p = &b.params[hargs.len()];
            if p.per_element {
                let elem = hargs.first().map(|h| h.ty.element()).unwrap_or(Type::Any);
                let shape = hargs.first().and_then(|h| h.shape).and_then(Shape::element);
                if var == 0 {
                    var = self.new_var();
                }
                self.scopes.push(Scope {
                    alias: None,
                    var,
                    ty: elem,
                    bare: true,
                    shape,
                });
                let h = self.expr(a);
                self.scopes.pop();
                arg_spans.push(a.span);
                hargs.push(h);
            } else {
                arg_spans.push(a.span);
                hargs.push(self.expr(a));
            }
        }
        self.finish_call(b, hargs, arg_spans, var, name_span, span)
    }

    fn finish_call(
        &mut self,
        b: &'static Builtin,
        hargs: Vec<HExpr>,
        arg_spans: Vec<Span>,
        var: u32,
        _name_span: Span,
        span: Span,
    ) -> HExpr {
        for (i, (h, p)) in hargs.iter().zip(&b.params).enumerate() {
            if matches!(h.kind, HKind::Error) {
                continue;
            }
            if !p.ty.accepts(&h.ty) && (h.ty != Type::None || p.per_element) {
                let at = arg_spans.get(i).copied().unwrap_or(h.span);
                self.err(
                    Diagnostic::new(
                        Code::ArgType,
                        at,
                        format!(
                            "argument `{}` of {}() must be {}, this is {}",
                            p.name, b.name, p.ty, h.ty
                        ),
                        format!("this is {}", h.ty),
                    )
                    .help(format!("the signature is {}", b.signature())),
                );
            }
        }
        let elem = hargs.first().map(|h| h.ty.element()).unwrap_or(Type::Any);
        let (ty, shape) = match &b.ret {
            Type::Elem => (elem, None),
            Type::Optional(t) if **t == Type::Elem => (Type::Optional(Box::new(elem)), None),
            t => (t.clone(), schema::builtin_result(b.name)),
        };
        // `first(Customers)` is a customer.
        let shape = match b.ret.base() {
            Type::Elem => hargs.first().and_then(|h| h.shape).and_then(Shape::element),
            _ => shape,
        };
        Self::h(HKind::Call(b, hargs, var), ty, span).shaped(shape)
    }

    fn where_expr(
        &mut self,
        list: &ast::Expr,
        cond: &ast::Expr,
        span: Span,
        alias: Option<String>,
    ) -> HExpr {
        let hl = self.expr(list);
        if !matches!(hl.ty.base(), Type::List(_) | Type::Json | Type::Any)
            && !matches!(hl.kind, HKind::Error)
        {
            self.err(Diagnostic::new(
                Code::OperatorType,
                list.span,
                format!("`where` filters a list, this is {}", hl.ty),
                "not a list",
            ));
        }
        let var = self.new_var();
        let elem = hl.ty.element();
        let shape = hl.shape.and_then(Shape::element);
        let scope = Scope {
            alias: None,
            var,
            ty: elem.clone(),
            bare: true,
            shape,
        };
        self.scopes.push(scope.clone());
        if let Some(a) = alias {
            self.scopes.push(Scope {
                alias: Some(a),
                ..scope
            });
        }
        let hc = self.condition(cond, "`where`");
        self.scopes.pop();
        if self.scopes.last().is_some_and(|s| s.var == var) {
            self.scopes.pop();
        }
        let list_shape = match hl.shape {
            Some(Shape::List(o, _)) => Some(Shape::List(o, false)),
            _ => None,
        };
        Self::h(
            HKind::Where(Box::new(hl), Box::new(hc), var),
            Type::List(Box::new(elem)),
            span,
        )
        .shaped(list_shape)
    }

    fn binary(&mut self, op: BinaryOp, l: &ast::Expr, r: &ast::Expr, span: Span) -> HExpr {
        match op {
            BinaryOp::And | BinaryOp::Or | BinaryOp::Implies => {
                let what = format!("`{}`", op.symbol());
                let hl = self.condition(l, &what);
                let hr = self.condition(r, &what);
                let kind = match op {
                    BinaryOp::And => HKind::And(Box::new(hl), Box::new(hr)),
                    BinaryOp::Or => HKind::Or(Box::new(hl), Box::new(hr)),
                    _ => HKind::Implies(Box::new(hl), Box::new(hr)),
                };
                return Self::h(kind, Type::Bool, span);
            }
            BinaryOp::Coalesce => {
                let hl = self.expr(l);
                let hr = self.expr(r);
                let ty = match (hl.ty.base(), hr.ty.base()) {
                    (a, b) if a == b => hr.ty.clone(),
                    // `doc.x ?? none` is still the document's value (or none), not none.
                    (Type::Json | Type::Any, Type::None) => join(&hl.ty, &hr.ty),
                    (Type::Json | Type::Any, _) => hr.ty.clone(),
                    (a, _) => join(a, &hr.ty),
                };
                let shape = merge_shapes(&hl, &hr);
                return Self::h(HKind::Coalesce(Box::new(hl), Box::new(hr)), ty, span)
                    .shaped(shape);
            }
            BinaryOp::In => {
                let hl = self.expr(l);
                let items = match &r.kind {
                    ExprKind::List(items) => items.iter().map(|i| self.expr(i)).collect(),
                    _ => {
                        self.err(Diagnostic::new(
                            Code::OperatorType,
                            r.span,
                            "`in` needs a list written in brackets: `x in [\"a\", \"b\"]`",
                            "not a list literal",
                        ));
                        Vec::new()
                    }
                };
                for i in &items {
                    self.comparable(&hl, i, span, "in");
                }
                return Self::h(HKind::In(Box::new(hl), items), Type::Bool, span);
            }
            _ => {}
        }
        let hl = self.expr(l);
        let hr = self.expr(r);
        let bop = match op {
            BinaryOp::Eq => BinOp::Eq,
            BinaryOp::Ne => BinOp::Ne,
            BinaryOp::Lt => BinOp::Lt,
            BinaryOp::Le => BinOp::Le,
            BinaryOp::Gt => BinOp::Gt,
            BinaryOp::Ge => BinOp::Ge,
            BinaryOp::Add => BinOp::Add,
            BinaryOp::Sub => BinOp::Sub,
            BinaryOp::Mul => BinOp::Mul,
            _ => BinOp::Div,
        };
        let ty = match bop {
            BinOp::Eq | BinOp::Ne => {
                self.comparable(&hl, &hr, span, op.symbol());
                Type::Bool
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                self.comparable(&hl, &hr, span, op.symbol());
                for h in [&hl, &hr] {
                    if matches!(h.ty.base(), Type::Bool | Type::List(_) | Type::Opaque(_)) {
                        self.err(Diagnostic::new(
                            Code::OperatorType,
                            h.span,
                            format!(
                                "`{}` orders numbers, dates or text, not {}",
                                op.symbol(),
                                h.ty
                            ),
                            format!("this is {}", h.ty),
                        ));
                    }
                }
                Type::Bool
            }
            _ => self.arith(bop, &hl, &hr, span),
        };
        Self::h(HKind::Binary(bop, Box::new(hl), Box::new(hr)), ty, span)
    }

    fn arith(&mut self, op: BinOp, l: &HExpr, r: &HExpr, span: Span) -> Type {
        let (a, b) = (l.ty.base(), r.ty.base());
        if matches!(l.kind, HKind::Error) || matches!(r.kind, HKind::Error) {
            return Type::Any;
        }
        if op == BinOp::Sub && *a == Type::Date && *b == Type::Date {
            return Type::Int;
        }
        for h in [l, r] {
            let t = h.ty.base();
            if !(t.is_numeric()
                || is_dynamic(t)
                || *t == Type::None
                || matches!(h.kind, HKind::Error))
            {
                let help = match (op, t) {
                    (BinOp::Add | BinOp::Sub, Type::Date) => "dates move with add_days(...) and add_months(...)",
                    (_, Type::Text) => "read numbers from text with int(...) or money(...); join texts with concat(...)",
                    _ => "arithmetic works on numbers",
                };
                self.err(
                    Diagnostic::new(
                        Code::OperatorType,
                        h.span,
                        format!("`{}` needs numbers, this is {}", op.symbol(), h.ty),
                        format!("this is {}", h.ty),
                    )
                    .help(help),
                );
                return Type::Any;
            }
        }
        let _ = span;
        match (a, b, op) {
            (Type::Int, Type::Int, BinOp::Add | BinOp::Sub | BinOp::Mul) => Type::Int,
            (x, y, _) if matches!(x, Type::Money) || matches!(y, Type::Money) => Type::Money,
            _ => Type::Decimal,
        }
    }

    fn comparable(&mut self, l: &HExpr, r: &HExpr, span: Span, op: &str) {
        let (a, b) = (l.ty.base(), r.ty.base());
        if is_dynamic(a) || is_dynamic(b) || *a == Type::None || *b == Type::None {
            return;
        }
        if matches!(l.kind, HKind::Error) || matches!(r.kind, HKind::Error) {
            return;
        }
        if self.date_text(l, r, op) || self.date_text(r, l, op) {
            return;
        }
        let ok = a == b
            || (a.is_numeric() && b.is_numeric())
            || matches!((a, b), (Type::Date, Type::Text) | (Type::Text, Type::Date))
            || matches!((a, b), (Type::Bool, Type::Int) | (Type::Int, Type::Bool));
        if !ok {
            self.err(
                Diagnostic::new(
                    Code::OperatorType,
                    span,
                    format!(
                        "`{op}` compares {} with {}: they are never equal",
                        l.ty, r.ty
                    ),
                    "different types",
                )
                .help("convert one side: int(...), text(...), date(...)"),
            );
        }
    }

    /// A date compared with a text constant: the engine reads the text as a date (YYYY-MM-DD,
    /// or LoanPro's `/Date(N)/`), so a text it cannot read is never equal to the date and fails
    /// every loan when ordered. Reported here (M2M021); `true` when it was.
    fn date_text(&mut self, date: &HExpr, text: &HExpr, op: &str) -> bool {
        if *date.ty.base() != Type::Date {
            return false;
        }
        let HKind::Const(Value::Text(t)) = &text.kind else {
            return false;
        };
        if matches!(Value::text(t.clone()).as_date(), Ok(Some(_))) {
            return false;
        }
        let ordering = matches!(op, "<" | "<=" | ">" | ">=");
        let outcome = if ordering {
            "reading it as a date would fail every loan"
        } else {
            "they are never equal"
        };
        let us = chrono::NaiveDate::parse_from_str(t.trim(), "%m/%d/%Y").ok();
        let help = match us {
            Some(d) => format!("write the date as YYYY-MM-DD, without quotes: `{d}`"),
            None if t.trim().is_empty() => {
                "an empty text is no date: compare with `none` (`x == none`)".to_string()
            }
            None => "a date is written YYYY-MM-DD, without quotes (`2026-10-31`)".to_string(),
        };
        self.err(
            Diagnostic::new(
                Code::OperatorType,
                text.span,
                format!(
                    "`{op}` compares a date with the text {t:?}, which is not a date: {outcome}"
                ),
                "not a YYYY-MM-DD date",
            )
            .help(help),
        );
        true
    }

    fn match_expr(&mut self, scrut: &ast::Expr, arms: &[ast::MatchArm], span: Span) -> HExpr {
        use metro2_engine::plan::Pattern as P;
        let hs = self.expr(scrut);
        let mut harms = Vec::new();
        let mut wildcard: Option<Span> = None;
        let mut seen: Vec<Value<'static>> = Vec::new();
        let mut ty: Option<Type> = None;
        for arm in arms {
            if let Some(w) = wildcard {
                self.err(
                    Diagnostic::new(
                        Code::Unreachable,
                        arm.span,
                        "this arm can never be reached",
                        "after `_`",
                    )
                    .related(w, "`_` matches everything")
                    .help("move the `_` arm last"),
                );
            }
            let mut pats = Vec::new();
            for p in &arm.patterns {
                match &p.kind {
                    PatternKind::Wildcard => {
                        wildcard.get_or_insert(p.span);
                        pats.push(P::Any);
                    }
                    PatternKind::Lit(l) => {
                        let v = lit_value(l);
                        let hp = Self::h(HKind::Const(v.clone()), lit_type(l), p.span);
                        self.comparable(&hs, &hp, p.span, "match");
                        if seen.contains(&v) {
                            self.err(Diagnostic::new(
                                Code::Unreachable,
                                p.span,
                                format!("`{}` is matched by an earlier arm", self.text(p.span)),
                                "never reached",
                            ));
                        }
                        seen.push(v.clone());
                        pats.push(P::Value(v));
                    }
                    PatternKind::Range(lo, hi, incl) => {
                        let (vlo, vhi) = (lit_value(lo), lit_value(hi));
                        let hp = Self::h(HKind::Const(vlo.clone()), lit_type(lo), p.span);
                        self.comparable(&hs, &hp, p.span, "match");
                        let ordered = match (&vlo, &vhi) {
                            (Value::Int(a), Value::Int(b)) => a <= b,
                            (Value::Date(a), Value::Date(b)) => a <= b,
                            (
                                Value::Decimal(_) | Value::Int(_),
                                Value::Decimal(_) | Value::Int(_),
                            ) => vlo.as_decimal().ok() <= vhi.as_decimal().ok(),
                            _ => {
                                self.err(Diagnostic::new(
                                    Code::OperatorType,
                                    p.span,
                                    "a range is between two numbers or two dates",
                                    "bad range",
                                ));
                                true
                            }
                        };
                        if !ordered {
                            self.err(Diagnostic::new(
                                Code::Unreachable,
                                p.span,
                                "this range is empty: its low end is above its high end",
                                "matches nothing",
                            ));
                        }
                        pats.push(P::Range {
                            lo: vlo,
                            hi: vhi,
                            inclusive: *incl,
                        });
                    }
                }
            }
            let hv = self.expr(&arm.value);
            ty = Some(match &ty {
                None => hv.ty.clone(),
                Some(t) => join(t, &hv.ty),
            });
            let label = arm
                .patterns
                .iter()
                .map(|p| self.text(p.span))
                .collect::<Vec<_>>()
                .join(" | ");
            harms.push(HArm {
                patterns: pats,
                value: hv,
                label,
            });
        }
        if wildcard.is_none() {
            let covers_bool = *hs.ty.base() == Type::Bool
                && seen.contains(&Value::Bool(true))
                && seen.contains(&Value::Bool(false));
            if !covers_bool {
                self.err(
                    Diagnostic::new(
                        Code::NotExhaustive,
                        scrut.span,
                        "this match does not cover every value",
                        format!("{} may match no arm", a(&hs.ty)),
                    )
                    .help("add a last arm `_ => ...` (it may be `_ => none`)"),
                );
            }
        }
        let shape = harms
            .iter()
            .map(|a| &a.value)
            .filter(|v| !is_empty_value(v))
            .map(|v| v.shape)
            .reduce(|a, b| if a == b { a } else { None })
            .flatten();
        Self::h(
            HKind::Match(Box::new(hs), harms),
            ty.unwrap_or(Type::Any),
            span,
        )
        .shaped(shape)
    }
}

/// Help for a field a segment does not have, when no name is close: J1 carries no address
/// (a co-borrower at another address is a J2), and a short segment lists its fields.
fn field_list_help<'k>(
    kind: impl std::fmt::Display,
    name: &str,
    keys: impl Iterator<Item = &'k str>,
) -> String {
    const ADDRESS: &[&str] = &[
        "first_line_of_address",
        "second_line_of_address",
        "city",
        "state",
        "postal_code",
        "address_indicator",
        "residence_code",
        "country_code",
    ];
    let kind = kind.to_string();
    if kind == "j1" && ADDRESS.contains(&name) {
        return "a J1 co-borrower lives at the primary's address and carries no address; a \
                co-borrower at another address is reported in a J2 segment, which has one"
            .to_string();
    }
    let keys: Vec<&str> = keys.collect();
    if keys.len() <= 25 {
        format!("the {kind} segment's fields: {}", keys.join(", "))
    } else {
        format!("the fields are the `key` column of layouts/{kind}.tsv (`metro2 dictionary` lists them)")
    }
}
