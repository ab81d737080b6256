//! The syntax tree of a mapping file. Every node carries the span of the text it came from, so
//! every diagnostic and every run-time error can point at its line and column.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::span::Span;

/// A name as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where.
    pub span: Span,
}

/// A whole file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    /// `m2map N`, when present.
    pub version: Option<(u32, Span)>,
    /// The items in order.
    pub items: Vec<Item>,
}

/// One top-level item with its `##` doc comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The doc comment's lines, without `##` and one leading space.
    pub docs: Vec<String>,
    /// What it is.
    pub kind: ItemKind,
    /// Where (the doc comment excluded).
    pub span: Span,
    /// Offset of its first byte, doc comment included.
    pub start: usize,
}

/// The kinds of items.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemKind {
    /// `param NAME: TYPE`.
    Param(Param),
    /// `let NAME = EXPR`.
    Let(Let),
    /// `table NAME { ... }`.
    Table(Table),
    /// `skip when COND "reason"`.
    Skip(Skip),
    /// `segment KIND ... { ... }`.
    Segment(SegmentBlock),
    /// `rule ID severity "message": EXPR`.
    Rule(RuleDef),
    /// Text that is not an item (already reported as a syntax error).
    Error,
}

/// `param NAME: TYPE`.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The name.
    pub name: Ident,
    /// The type as written.
    pub ty: Ident,
}

/// `let NAME = EXPR`.
#[derive(Debug, Clone, PartialEq)]
pub struct Let {
    /// The name.
    pub name: Ident,
    /// The value.
    pub value: Expr,
}

/// `table NAME { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The name.
    pub name: Ident,
    /// The arms in order.
    pub arms: Vec<TableArm>,
    /// Where the closing brace is (for messages about the table as a whole).
    pub close: Span,
}

/// `KEY => VALUE`.
#[derive(Debug, Clone, PartialEq)]
pub struct TableArm {
    /// `##` lines before the arm.
    pub docs: Vec<String>,
    /// The key (or `_`).
    pub key: Pattern,
    /// The value, or the error to raise.
    pub value: TableValue,
    /// The whole arm.
    pub span: Span,
}

/// The right side of a table arm.
#[derive(Debug, Clone, PartialEq)]
pub enum TableValue {
    /// A value.
    Value(Expr),
    /// `error "message"`.
    Error(StrLit),
}

/// A text literal with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct StrLit {
    /// The text, escapes resolved.
    pub value: String,
    /// Where (quotes included).
    pub span: Span,
}

/// `skip when COND "reason"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Skip {
    /// The condition.
    pub cond: Expr,
    /// Why.
    pub reason: StrLit,
}

/// A segment block.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentBlock {
    /// `base`, `j1`, ...
    pub kind: Ident,
    /// `for each NAME in LIST`.
    pub each: Option<(Ident, Expr)>,
    /// `when COND`.
    pub when: Option<Expr>,
    /// The field assignments.
    pub body: Vec<Assignment>,
    /// The closing brace.
    pub close: Span,
}

/// `field = expr` in a segment block.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// `##` lines before it (the data dictionary's text).
    pub docs: Vec<String>,
    /// The field key.
    pub field: Ident,
    /// The value.
    pub value: Expr,
    /// The whole statement (the doc comment excluded).
    pub span: Span,
    /// Offset of its first byte, doc comment included.
    pub start: usize,
}

/// `rule ID error|warning "message": EXPR`.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDef {
    /// The rule's stable id.
    pub id: Ident,
    /// `error` or `warning`.
    pub severity: Ident,
    /// The message.
    pub message: StrLit,
    /// What must hold.
    pub expr: Expr,
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where.
    pub span: Span,
}

/// The kinds of expressions.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A literal.
    Lit(Lit),
    /// A bare name: a let, param, loop variable, element field or path root.
    Name(String),
    /// `base.name`.
    Member(Box<Expr>, Ident),
    /// `base.name(args)`.
    Method(Box<Expr>, Ident, Vec<Expr>),
    /// `base[index]` (a list element or a table lookup).
    Index(Box<Expr>, Box<Expr>),
    /// `name(args)`.
    Call(Ident, Vec<Expr>),
    /// `not x`, `-x`.
    Unary(UnaryOp, Box<Expr>),
    /// `a op b`.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `if c then a else b`.
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `match x { ... }`.
    Match(Box<Expr>, Vec<MatchArm>),
    /// `[a, b]`.
    List(Vec<Expr>),
    /// `(x)`: kept so the formatter writes the parentheses back.
    Paren(Box<Expr>),
    /// A value the parser could not read (already reported as a syntax error): a `let` whose
    /// value is broken keeps its name, and its uses are not reported again.
    Error,
}

/// Prefix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `not`.
    Not,
    /// `-`.
    Neg,
}

/// Infix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `where`.
    Where,
    /// `implies`.
    Implies,
    /// `or`.
    Or,
    /// `and`.
    And,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `in`.
    In,
    /// `??`.
    Coalesce,
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Where => "where",
            BinaryOp::Implies => "implies",
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::Coalesce => "??",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }

    /// Binding strength: higher binds tighter.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Where => 1,
            BinaryOp::Implies => 2,
            BinaryOp::Or => 3,
            BinaryOp::And => 4,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::In => 5,
            BinaryOp::Coalesce => 6,
            BinaryOp::Add | BinaryOp::Sub => 7,
            BinaryOp::Mul | BinaryOp::Div => 8,
        }
    }
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    /// `"text"`.
    Text(String),
    /// `12`.
    Int(i64),
    /// `12.50`.
    Decimal(Decimal),
    /// `2026-10-31`.
    Date(NaiveDate),
    /// `true`/`false`.
    Bool(bool),
    /// `none`.
    None,
}

/// One arm of a `match`.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchArm {
    /// Alternatives joined by `|`.
    pub patterns: Vec<Pattern>,
    /// The value.
    pub value: Expr,
    /// The whole arm.
    pub span: Span,
}

/// A pattern of a `match` arm or a table key.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// What it is.
    pub kind: PatternKind,
    /// Where.
    pub span: Span,
}

/// The kinds of patterns.
#[derive(Debug, Clone, PartialEq)]
pub enum PatternKind {
    /// `_`.
    Wildcard,
    /// A literal.
    Lit(Lit),
    /// `lo..=hi` (inclusive) or `lo..hi`.
    Range(Lit, Lit, bool),
}
