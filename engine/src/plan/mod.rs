//! The evaluation plan: what a compiled mapping file becomes, and what runs per document.
//!
//! A plan is a flat arena of expression [`Node`]s addressed by index (no pointers between
//! them), plus the lists that say what to do with them: the `skip` conditions, one
//! [`SegmentPlan`] per `segment` block and the rules. The compiler (crate `m2map`) has
//! already done the work that does not depend on the document: names are resolved to slots,
//! constants are folded, tables are hash lookups, `let`s nothing uses are gone, every path
//! read from the document is one cached node (read once per document however often it is
//! used), and constant fields are written into each segment's template bytes once, at compile
//! time. On its first evaluation the plan is compiled once more, into closures (`code.rs`);
//! per document they copy each template and write only the computed fields, straight at
//! their offsets.
//!
//! Entry points: [`Plan::eval`] and [`Plan::explain`]. A failure in one document is an
//! [`Outcome::Error`] naming the document, the field and the `.m2map` line; nothing panics.

mod calls;
mod code;
mod counted;
mod display;
mod env;
mod eval;
mod fold;
mod ops;
mod outcome;
mod place;
mod program;
mod scan;
mod sensitive;
mod table;
mod text_set;
mod typed;

use std::collections::HashMap;

use rustc_hash::FxBuildHasher;

use crate::builtins::{Builtin, Type};
use crate::layout::{Field, SegmentKind};
use crate::value::Value;

pub use eval::{Bound, Explained, FieldTrace};
pub use ops::equals;
pub use outcome::{Finding, MapError, OtherFailure, Outcome, RuleSeverity};
pub use program::Compiled;

/// Index of a node in [`Plan::nodes`].
pub type NodeId = u32;

/// A compiled mapping.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The mapping file's name (for messages).
    pub source_name: String,
    /// The expression arena.
    pub nodes: Vec<Node>,
    /// Per node: the 1-based `.m2map` line it came from.
    pub lines: Vec<u32>,
    /// Per node: the expression as the analyst wrote it where the compiler first met it (a
    /// let's name where a let is read), on one line and cut short (empty when unknown). Run-time
    /// messages name what failed by it: `primary.lastName is missing`, not a built-in's
    /// parameter.
    pub texts: Vec<Box<str>>,
    /// The `let`s a failure can happen in, each at the node computing its value.
    pub lets: Vec<LetNode>,
    /// Number of per-document cache slots ([`Node::Cached`]).
    pub slots: u32,
    /// What each slot holds, for the plan listing (`let borrower`, `path LoanSetup.payment`).
    pub slot_names: Vec<String>,
    /// Number of element variables (`where`, `for each`, per-element arguments).
    pub locals: u32,
    /// The declared parameters, in order; [`Node::Param`] indexes this list.
    pub params: Vec<ParamSpec>,
    /// The tables; [`Node::Table`] indexes this list.
    pub tables: Vec<Table>,
    /// `skip when` conditions, in order.
    pub skips: Vec<Skip>,
    /// The segment blocks, in file order.
    pub segments: Vec<SegmentPlan>,
    /// The rules, in file order.
    pub rules: Vec<RulePlan>,
    /// The closures that run per document, compiled from the fields above on the first
    /// evaluation (change a plan before it runs, not after).
    pub compiled: Compiled,
}

/// Where a `let` is computed, so a failure inside it names the let and its line as well as
/// the field that read it.
#[derive(Debug, Clone)]
pub struct LetNode {
    /// The node holding the let's value: its cached node, or the node its expression became
    /// when only one place reads it and it is computed there.
    pub node: NodeId,
    /// The let's name.
    pub name: String,
    /// The `let`'s own line.
    pub line: u32,
}

/// A declared parameter.
#[derive(Debug, Clone)]
pub struct ParamSpec {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Type,
}

/// One expression node.
#[derive(Debug, Clone)]
pub enum Node {
    /// A constant.
    Const(Value<'static>),
    /// A parameter's value.
    Param(u32),
    /// The document.
    Root,
    /// The current element of a `where`, `for each` or per-element argument.
    Local(u32),
    /// The inner node, computed at most once per document (lets and document paths).
    Cached {
        /// The slot.
        slot: u32,
        /// What to compute.
        expr: NodeId,
    },
    /// `.key` of an object (`Missing` when absent).
    Get {
        /// The object.
        base: NodeId,
        /// The key.
        key: Box<str>,
    },
    /// `[index]` of a list.
    Index {
        /// The list.
        base: NodeId,
        /// The 0-based index.
        index: NodeId,
    },
    /// The elements of a list for which `cond` holds, each bound to `Local(var)`.
    Where {
        /// The list.
        list: NodeId,
        /// The condition.
        cond: NodeId,
        /// The element's variable.
        var: u32,
    },
    /// A built-in call.
    Call {
        /// The built-in.
        builtin: &'static Builtin,
        /// The arguments (per-element ones are evaluated once per element of the first).
        args: Vec<NodeId>,
        /// For per-element arguments: the element variable.
        var: u32,
    },
    /// `not x`.
    Not(NodeId),
    /// `-x`.
    Neg(NodeId),
    /// `a op b` for arithmetic and comparisons.
    Binary(BinOp, NodeId, NodeId),
    /// `a and b` (short-circuit).
    And(NodeId, NodeId),
    /// `a or b` (short-circuit).
    Or(NodeId, NodeId),
    /// `a implies b` (short-circuit).
    Implies(NodeId, NodeId),
    /// `a ?? b`: `b` when `a` is missing or null.
    Coalesce(NodeId, NodeId),
    /// `if c then a else b`.
    If(NodeId, NodeId, NodeId),
    /// `match`.
    Match {
        /// The value matched.
        scrutinee: NodeId,
        /// The arms, in order.
        arms: Vec<MatchArm>,
    },
    /// `x in [constants]`.
    InSet(NodeId, Vec<Value<'static>>),
    /// `x in [expressions]`.
    InList(NodeId, Vec<NodeId>),
    /// A list built from expressions.
    List(Vec<NodeId>),
    /// A table lookup.
    Table {
        /// The table.
        table: u32,
        /// The key.
        key: NodeId,
    },
    /// A produced segment's field, decoded (rules only): text trimmed, none when blank/zero
    /// dates, numbers as ints.
    SegField {
        /// Which segment.
        kind: SegmentKind,
        /// The field.
        field: &'static Field,
    },
}

impl Node {
    /// The nodes this node reads.
    pub fn children(&self) -> Vec<NodeId> {
        match self {
            Node::Const(_)
            | Node::Param(_)
            | Node::Root
            | Node::Local(_)
            | Node::SegField { .. } => Vec::new(),
            Node::Cached { expr, .. } => vec![*expr],
            Node::Get { base, .. } => vec![*base],
            Node::Index { base, index } => vec![*base, *index],
            Node::Where { list, cond, .. } => vec![*list, *cond],
            Node::Call { args, .. } => args.clone(),
            Node::Not(x) | Node::Neg(x) | Node::InSet(x, _) => vec![*x],
            Node::Binary(_, a, b)
            | Node::And(a, b)
            | Node::Or(a, b)
            | Node::Implies(a, b)
            | Node::Coalesce(a, b) => vec![*a, *b],
            Node::If(a, b, c) => vec![*a, *b, *c],
            Node::Match { scrutinee, arms } => {
                let mut v = vec![*scrutinee];
                v.extend(arms.iter().map(|a| a.value));
                v
            }
            Node::InList(x, items) => {
                let mut v = vec![*x];
                v.extend(items);
                v
            }
            Node::List(items) => items.clone(),
            Node::Table { key, .. } => vec![*key],
        }
    }
}

/// Arithmetic and comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
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
}

impl BinOp {
    /// As written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
        }
    }
}

/// One arm of a match.
#[derive(Debug, Clone)]
pub struct MatchArm {
    /// The alternatives.
    pub patterns: Vec<Pattern>,
    /// The value.
    pub value: NodeId,
    /// The arm as written (for explain).
    pub label: String,
}

/// A pattern.
#[derive(Debug, Clone)]
pub enum Pattern {
    /// `_`.
    Any,
    /// Equal to a constant.
    Value(Value<'static>),
    /// Within a range of constants.
    Range {
        /// Low end (inclusive).
        lo: Value<'static>,
        /// High end.
        hi: Value<'static>,
        /// Whether `hi` is included.
        inclusive: bool,
    },
}

/// A table.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Its name.
    pub name: String,
    /// Text keys → value index. Keys are short codes looked up once a field or once a month
    /// of history per document, so the hash is FxHash rather than the DoS-resistant default:
    /// the keys come from the mapping file, not from documents.
    pub text: HashMap<Box<str>, u32, FxBuildHasher>,
    /// Integer keys → value index.
    pub ints: HashMap<i64, u32, FxBuildHasher>,
    /// The values (or the message of an `error` arm); each with its arm's line.
    pub values: Vec<(Result<Value<'static>, String>, u32)>,
    /// What the `_` arm does.
    pub default: TableDefault,
    /// The `_` arm's line (or the table's).
    pub default_line: u32,
}

/// What a table does with a key it does not list.
#[derive(Debug, Clone, Default)]
pub enum TableDefault {
    /// No `_` arm: an error record.
    #[default]
    None,
    /// `_ => value`.
    Value(Value<'static>),
    /// `_ => error "message"` (`{value}` is replaced by the key).
    Error(String),
}

/// `skip when COND "reason"`.
#[derive(Debug, Clone)]
pub struct Skip {
    /// The condition.
    pub cond: NodeId,
    /// Why.
    pub reason: String,
    /// The line.
    pub line: u32,
}

/// One `segment` block.
#[derive(Debug, Clone)]
pub struct SegmentPlan {
    /// Which segment.
    pub kind: SegmentKind,
    /// The bytes before any computed field: the layout's blank with constant fields written.
    pub template: Vec<u8>,
    /// `for each`: the list and the element variable.
    pub each: Option<(NodeId, u32)>,
    /// `when`: the condition.
    pub when: Option<NodeId>,
    /// The computed fields, in layout order.
    pub writes: Vec<FieldWrite>,
    /// Constant fields already in the template (for explain and the plan listing).
    pub constants: Vec<ConstantField>,
    /// The block's line.
    pub line: u32,
}

/// A computed field.
#[derive(Debug, Clone)]
pub struct FieldWrite {
    /// The field.
    pub field: &'static Field,
    /// Its value.
    pub expr: NodeId,
    /// The assignment's line.
    pub line: u32,
    /// The expression as written (for explain).
    pub source: String,
}

/// A constant field, written into the template at compile time.
#[derive(Debug, Clone)]
pub struct ConstantField {
    /// The field.
    pub field: &'static Field,
    /// The assignment's line.
    pub line: u32,
    /// The expression as written.
    pub source: String,
}

/// A rule checked on the produced segments.
#[derive(Debug, Clone)]
pub struct RulePlan {
    /// Its stable id.
    pub id: String,
    /// Error or warning.
    pub severity: RuleSeverity,
    /// The message.
    pub message: String,
    /// What must hold.
    pub cond: NodeId,
    /// The line.
    pub line: u32,
}

/// Values of the parameters, by name.
#[derive(Debug, Clone, Default)]
pub struct Params {
    values: HashMap<String, Value<'static>, FxBuildHasher>,
}

impl Params {
    /// No parameters.
    pub fn new() -> Params {
        Params::default()
    }

    /// Sets a parameter.
    pub fn set(&mut self, name: impl Into<String>, value: Value<'static>) -> &mut Params {
        self.values.insert(name.into(), value);
        self
    }

    /// Sets a parameter (builder form).
    pub fn with(mut self, name: impl Into<String>, value: Value<'static>) -> Params {
        self.set(name, value);
        self
    }

    /// A parameter's value.
    pub fn get(&self, name: &str) -> Option<&Value<'static>> {
        self.values.get(name)
    }
}

impl Plan {
    /// Reads a parameter's value from text (the command line's `--param KEY=VALUE`), as the
    /// type the mapping declares: dates `YYYY-MM-DD`, numbers, `true`/`false`, text as is.
    pub fn param_from_text(&self, name: &str, text: &str) -> Result<Value<'static>, String> {
        let spec = self.params.iter().find(|p| p.name == name).ok_or_else(|| {
            let known: Vec<&str> = self.params.iter().map(|p| p.name.as_str()).collect();
            format!(
                "the mapping declares no parameter `{name}` (it declares: {})",
                known.join(", ")
            )
        })?;
        let t = Value::text(text);
        let bad = |e: crate::value::ValueError| format!("--param {name}: {e}");
        Ok(match spec.ty.base() {
            Type::Date => match t.as_date().map_err(bad)? {
                Some(d) => Value::Date(d),
                None => Value::Null,
            },
            Type::Int => Value::Int(t.as_int().map_err(bad)?),
            Type::Decimal | Type::Money => Value::Decimal(t.as_decimal().map_err(bad)?),
            Type::Bool => match text {
                "true" | "1" => Value::Bool(true),
                "false" | "0" => Value::Bool(false),
                _ => return Err(format!("--param {name}: expected true or false")),
            },
            _ => t,
        })
    }

    /// The names of declared parameters that `params` does not give.
    pub fn missing_params(&self, params: &Params) -> Vec<&str> {
        self.params
            .iter()
            .filter(|p| params.get(&p.name).is_none())
            .map(|p| p.name.as_str())
            .collect()
    }

    /// The line a node came from.
    pub fn line_of(&self, node: NodeId) -> u32 {
        self.lines.get(node as usize).copied().unwrap_or(0)
    }

    /// The expression a node was written as (empty when the plan does not know).
    pub fn text_of(&self, node: NodeId) -> &str {
        self.texts.get(node as usize).map_or("", |t| t)
    }
}
