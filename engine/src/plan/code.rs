//! The plan compiled to closures: what actually runs per document.
//!
//! Each [`Node`] becomes a boxed closure that owns its children's closures, so evaluating a
//! field is a chain of direct calls through small functions instead of a walk over the node
//! arena through one large `match` (the interpreter this replaced spent a third of a
//! mapping's time in that walk). Shapes that recur in every mapping get closures of their
//! own: a key read straight off the document, an element variable or a cached slot (no copy
//! of the object first), and conditions that give a yes/no directly instead of a value that
//! is then tested. This is how Vector's VRL runs its programs.
//!
//! Cached nodes keep one closure per slot in the [`Program`]; every reader of the slot calls
//! it through the program, so a path is still read once per document however often it is
//! used. Explain mode runs the same closures with a trace switched on.

use std::sync::Arc;

use super::ops::{binary, compare, equals, truthy};
use super::{BinOp, Node, NodeId, Pattern, Plan, TableDefault};
use crate::builtins::{Builtin, Fold};
use crate::field::{parse_date, parse_timestamp};
use crate::json::Doc;
use crate::layout::{Field, FieldType, SegmentKind};
use crate::record::DataRecord;
use crate::value::{json_list, Value, ValueError};
use sonic_rs::JsonValueTrait;

/// A failure inside an expression, located by the node that failed. Boxed in results, so the
/// closures' `Result`s are no larger than a value (failures are rare; every closure returns).
pub(super) struct Fail {
    pub(super) message: String,
    pub(super) node: NodeId,
}

impl Fail {
    /// A failure of `node`, boxed as results carry it.
    pub(super) fn at(node: NodeId, message: impl Into<String>) -> Box<Fail> {
        Box::new(Fail {
            message: message.into(),
            node,
        })
    }
}

/// What a value closure returns.
pub(super) type R<'d> = Result<Value<'d>, Box<Fail>>;

/// A node compiled to a closure giving its value.
pub(super) type Code = Box<dyn for<'e, 'd> Fn(&mut Env<'e, 'd>) -> R<'d> + Send + Sync>;

/// A node compiled to a closure giving yes or no (conditions, `where` filters, rules).
pub(super) type Test =
    Box<dyn for<'e, 'd> Fn(&mut Env<'e, 'd>) -> Result<bool, Box<Fail>> + Send + Sync>;

/// The state of one document's evaluation.
pub(super) struct Env<'e, 'd> {
    pub(super) plan: &'e Plan,
    pub(super) prog: &'e Program,
    pub(super) doc: &'d Doc,
    pub(super) params: Vec<Value<'d>>,
    pub(super) slots: Vec<Option<Value<'d>>>,
    pub(super) locals: Vec<Value<'d>>,
    /// The produced record, while rules run (segment fields read it).
    pub(super) record: Option<&'e DataRecord>,
    /// Explain mode: the branches taken for the field being written.
    pub(super) trace: Option<Vec<String>>,
    /// Explain mode: the branches taken while computing each cached slot, replayed when a
    /// later field uses the slot.
    pub(super) slot_notes: Vec<Vec<String>>,
    /// Arguments of the built-in calls in progress.
    pub(super) stack: Vec<Value<'d>>,
}

impl<'e, 'd> Env<'e, 'd> {
    /// A fresh state for `doc`.
    pub(super) fn new(
        plan: &'e Plan,
        prog: &'e Program,
        doc: &'d Doc,
        params: Vec<Value<'d>>,
        explain: bool,
    ) -> Env<'e, 'd> {
        Env {
            plan,
            prog,
            doc,
            params,
            slots: vec![None; prog.slots.len()],
            locals: vec![Value::Missing; plan.locals as usize],
            record: None,
            trace: explain.then(Vec::new),
            slot_notes: Vec::new(),
            stack: Vec::new(),
        }
    }

    /// Records a branch in explain mode; the text is only built when someone reads it.
    fn note(&mut self, node: NodeId, what: impl FnOnce() -> String) {
        if let Some(t) = self.trace.as_mut() {
            t.push(format!("line {}: {}", self.plan.line_of(node), what()));
        }
    }

    /// The value of a cached slot, computed on first use.
    fn slot(&mut self, s: usize) -> Result<&Value<'d>, Box<Fail>> {
        if self.slots[s].is_none() {
            self.fill(s)?;
        } else if self.trace.is_some() {
            if let (Some(t), Some(notes)) = (self.trace.as_mut(), self.slot_notes.get(s)) {
                t.extend(notes.iter().cloned());
            }
        }
        Ok(self.slots[s].as_ref().unwrap_or(&Value::Missing))
    }

    #[inline(never)]
    fn fill(&mut self, s: usize) -> Result<(), Box<Fail>> {
        let mark = self.trace.as_ref().map(Vec::len);
        let prog = self.prog;
        let v = match &prog.slots[s] {
            Some(code) => code(self)?,
            None => Value::Missing,
        };
        self.slots[s] = Some(v);
        if let (Some(t), Some(mark)) = (self.trace.as_ref(), mark) {
            if self.slot_notes.len() <= s {
                self.slot_notes.resize(s + 1, Vec::new());
            }
            self.slot_notes[s] = t[mark..].to_vec();
        }
        Ok(())
    }
}

/// The closures of a whole plan: what runs per document.
pub(super) struct Program {
    /// Per cache slot, the closure computing it.
    slots: Vec<Option<Code>>,
    /// Per `skip when`, its condition.
    pub(super) skips: Vec<Test>,
    /// Per segment block.
    pub(super) segments: Vec<SegmentCode>,
    /// Per rule, its condition.
    pub(super) rules: Vec<Test>,
}

/// One segment block's closures.
pub(super) struct SegmentCode {
    /// Its `when` condition.
    pub(super) when: Option<Test>,
    /// The list a repeated segment is written for.
    pub(super) each: Option<Code>,
    /// Per field write, its value.
    pub(super) writes: Vec<Code>,
}

impl Program {
    /// Compiles every closure a plan runs.
    pub(super) fn new(plan: &Plan) -> Program {
        let mut c = Compiler::new(plan);
        let skips = plan.skips.iter().map(|s| c.test(s.cond)).collect();
        let segments = plan
            .segments
            .iter()
            .map(|sp| SegmentCode {
                when: sp.when.map(|w| c.test(w)),
                each: sp.each.map(|(list, _)| c.code(list)),
                writes: sp.writes.iter().map(|w| c.code(w.expr)).collect(),
            })
            .collect();
        let rules = plan.rules.iter().map(|r| c.test(r.cond)).collect();
        Program {
            slots: c.slots,
            skips,
            segments,
            rules,
        }
    }

    /// Compiles one node alone (constant folding at compile time): the program and its code.
    pub(super) fn single(plan: &Plan, id: NodeId) -> (Program, Code) {
        let mut c = Compiler::new(plan);
        let code = c.code(id);
        let prog = Program {
            slots: c.slots,
            skips: Vec::new(),
            segments: Vec::new(),
            rules: Vec::new(),
        };
        (prog, code)
    }
}

/// An argument read in place when it is a key of the document, of an element or of a cached
/// slot (most arguments are), so the call reads it without a closure call of its own.
enum Operand {
    /// `.key` of the document.
    Root(Box<str>, NodeId),
    /// `.key` of an element variable.
    Local(usize, Box<str>, NodeId),
    /// `.key` of a cached slot.
    Slot(usize, Box<str>, NodeId),
    /// Anything else.
    Code(Code),
}

impl Operand {
    #[inline]
    fn eval<'d>(&self, env: &mut Env<'_, 'd>) -> R<'d> {
        match self {
            Operand::Root(key, id) => Value::Json(env.doc).get(key).map_err(fail(*id)),
            Operand::Local(v, key, id) => env.locals[*v].get(key).map_err(fail(*id)),
            Operand::Slot(s, key, id) => env.slot(*s)?.get(key).map_err(fail(*id)),
            Operand::Code(code) => code(env),
        }
    }
}

/// Turns nodes into closures, filling the slot table as cached nodes are met.
struct Compiler<'p> {
    plan: &'p Plan,
    slots: Vec<Option<Code>>,
    /// The plan's slot numbers (which count slots the compiler later inlined) to dense ones,
    /// so a document's state holds only the slots that are read.
    dense: std::collections::HashMap<u32, usize>,
}

/// Maps a value error to a failure of `node`.
fn fail(node: NodeId) -> impl Fn(ValueError) -> Box<Fail> {
    move |e| Fail::at(node, e.0)
}

impl<'p> Compiler<'p> {
    fn new(plan: &'p Plan) -> Compiler<'p> {
        Compiler {
            plan,
            slots: Vec::new(),
            dense: std::collections::HashMap::new(),
        }
    }

    fn node(&self, id: NodeId) -> &'p Node {
        &self.plan.nodes[id as usize]
    }

    /// Makes sure the closure of a cached node's slot exists.
    fn slot(&mut self, slot: u32, expr: NodeId) -> usize {
        if let Some(s) = self.dense.get(&slot) {
            return *s;
        }
        let s = self.slots.len();
        self.dense.insert(slot, s);
        self.slots.push(None);
        let code = self.code(expr);
        self.slots[s] = Some(code);
        s
    }

    /// The closure giving a node's value.
    fn code(&mut self, id: NodeId) -> Code {
        match self.node(id) {
            Node::Const(v) => {
                let v = v.clone();
                Box::new(move |_| Ok(v.clone()))
            }
            Node::Param(i) => {
                let i = *i as usize;
                Box::new(move |env| Ok(env.params[i].clone()))
            }
            Node::Root => Box::new(|env| Ok(Value::Json(env.doc))),
            Node::Local(v) => {
                let v = *v as usize;
                Box::new(move |env| Ok(env.locals[v].clone()))
            }
            Node::Cached { slot, expr } => {
                let s = self.slot(*slot, *expr);
                Box::new(move |env| env.slot(s).cloned())
            }
            Node::Get { base, key } => self.get(id, *base, key.clone()),
            Node::Index { base, index } => {
                let (base, index) = (self.code(*base), self.code(*index));
                Box::new(move |env| index_value(env, id, &base, &index))
            }
            Node::Where { list, cond, var } => {
                let (list_node, var) = (*list, *var as usize);
                let (list, cond) = (self.code(*list), self.test(*cond));
                Box::new(move |env| filter(env, list_node, &list, &cond, var))
            }
            Node::Call { builtin, args, var } => {
                let builtin: &'static Builtin = builtin;
                if args.len() <= builtin.params.len()
                    && !builtin.params.iter().any(|p| p.per_element)
                {
                    match args.as_slice() {
                        [a] => return self.call1(id, builtin, *a),
                        [a, b] => return self.call2(id, builtin, *a, *b),
                        _ => {}
                    }
                }
                if let Some(fold) = builtin.fold {
                    // The fold reads the per-element results when the built-in has them, else
                    // the list's elements (`any(list)` alone is not a fold: it asks for length).
                    // A list read straight from the document builds nothing anyway: only a
                    // filtered one is worth folding.
                    let per_element = builtin.params.get(1).is_some_and(|p| p.per_element);
                    let filtered = |list: &NodeId| matches!(self.node(*list), Node::Where { .. });
                    match args.as_slice() {
                        [list] if !per_element && filtered(list) => {
                            return self.fold_call(id, builtin, fold, *list, None, *var)
                        }
                        [list, each] if per_element => {
                            return self.fold_call(id, builtin, fold, *list, Some(*each), *var)
                        }
                        _ => {}
                    }
                }
                let first = args.first().copied().unwrap_or(id);
                let args: Vec<(NodeId, Code)> = args.iter().map(|a| (*a, self.code(*a))).collect();
                let var = *var as usize;
                Box::new(move |env| {
                    // Arguments go on a stack shared by every call, so a call allocates nothing.
                    let base = env.stack.len();
                    let r = call(env, id, builtin, first, &args, var, base);
                    env.stack.truncate(base);
                    r
                })
            }
            Node::Neg(x) => {
                let x = self.code(*x);
                Box::new(move |env| {
                    Ok(match x(env)?.resolve() {
                        Value::Int(n) => Value::Int(
                            n.checked_neg()
                                .ok_or_else(|| Fail::at(id, "negation overflows"))?,
                        ),
                        v if v.is_absent() => Value::Null,
                        v => Value::Decimal(-v.as_decimal().map_err(fail(id))?),
                    })
                })
            }
            Node::Binary(op, a, b) => {
                let op = *op;
                let (a, b) = (self.code(*a), self.code(*b));
                Box::new(move |env| {
                    let a = a(env)?;
                    let b = b(env)?;
                    binary(op, a, b).map_err(fail(id))
                })
            }
            Node::Not(_) | Node::And(..) | Node::Or(..) | Node::Implies(..) | Node::InSet(..) => {
                let t = self.test(id);
                Box::new(move |env| Ok(Value::Bool(t(env)?)))
            }
            Node::Coalesce(a, b) => {
                let (a, b) = (self.code(*a), self.code(*b));
                Box::new(move |env| {
                    let va = a(env)?;
                    if va.is_absent() {
                        env.note(id, || "`??` took the default".into());
                        b(env)
                    } else {
                        Ok(va)
                    }
                })
            }
            Node::If(c, t, e) => {
                let (c, t, e) = (self.test(*c), self.code(*t), self.code(*e));
                Box::new(move |env| {
                    if c(env)? {
                        env.note(id, || "if → then".into());
                        t(env)
                    } else {
                        env.note(id, || "if → else".into());
                        e(env)
                    }
                })
            }
            Node::Match { scrutinee, arms } => {
                let scrutinee = self.code(*scrutinee);
                let arms: Vec<(Vec<Pattern>, String, Code)> = arms
                    .iter()
                    .map(|a| (a.patterns.clone(), a.label.clone(), self.code(a.value)))
                    .collect();
                Box::new(move |env| {
                    let v = scrutinee(env)?;
                    for (patterns, label, value) in &arms {
                        for p in patterns {
                            if matches_pattern(&v, p).map_err(fail(id))? {
                                env.note(id, || format!("match arm `{label}`"));
                                return value(env);
                            }
                        }
                    }
                    Err(Fail::at(
                        id,
                        format!("no arm of the match covers {}", v.display()),
                    ))
                })
            }
            Node::InList(x, items) => {
                let x = self.code(*x);
                let items: Vec<Code> = items.iter().map(|i| self.code(*i)).collect();
                Box::new(move |env| {
                    let v = x(env)?;
                    for i in &items {
                        if equals(&v, &i(env)?) {
                            return Ok(Value::Bool(true));
                        }
                    }
                    Ok(Value::Bool(false))
                })
            }
            Node::List(items) => {
                let items: Vec<Code> = items.iter().map(|i| self.code(*i)).collect();
                Box::new(move |env| {
                    let mut out = Vec::with_capacity(items.len());
                    for i in &items {
                        out.push(i(env)?);
                    }
                    Ok(Value::List(Arc::new(out)))
                })
            }
            Node::Table { table, key } => {
                let (table, key) = (*table as usize, self.code(*key));
                Box::new(move |env| {
                    let k = key(env)?;
                    lookup(env, id, table, k)
                })
            }
            Node::SegField { kind, field } => {
                let (kind, field): (SegmentKind, &'static Field) = (*kind, field);
                Box::new(move |env| {
                    let Some(record) = env.record else {
                        return Ok(Value::Null);
                    };
                    let seg = match kind {
                        SegmentKind::Base => Some(&record.base),
                        k => record.appended().find(|s| s.kind() == k),
                    };
                    Ok(match seg {
                        Some(s) => decode_field(field, s.raw(field)),
                        None => Value::Null,
                    })
                })
            }
        }
    }

    /// `.key` of a node; read in place when the object is the document, an element variable
    /// or a cached slot (the common shapes), so the object is not copied first.
    fn get(&mut self, id: NodeId, base: NodeId, key: Box<str>) -> Code {
        match self.keyed(id, base, &key) {
            Some(op) => Box::new(move |env| op.eval(env)),
            None => {
                let base = self.code(base);
                Box::new(move |env| base(env)?.get(&key).map_err(fail(id)))
            }
        }
    }

    /// `base.key` as an in-place operand, when `base` is the document, an element variable or
    /// a cached slot.
    fn keyed(&mut self, id: NodeId, base: NodeId, key: &str) -> Option<Operand> {
        let key: Box<str> = key.into();
        Some(match self.node(base) {
            Node::Root => Operand::Root(key, id),
            Node::Local(v) => Operand::Local(*v as usize, key, id),
            Node::Cached { slot, expr } => Operand::Slot(self.slot(*slot, *expr), key, id),
            _ => return None,
        })
    }

    /// A node as an operand: in place when it is a key read [`Compiler::keyed`] takes.
    fn operand(&mut self, id: NodeId) -> Operand {
        if let Node::Get { base, key } = self.node(id) {
            if let Some(op) = self.keyed(id, *base, key) {
                return op;
            }
        }
        Operand::Code(self.code(id))
    }

    /// A call with one argument (most built-ins): no argument stack.
    fn call1(&mut self, id: NodeId, builtin: &'static Builtin, a: NodeId) -> Code {
        let arg = self.operand(a);
        let required = !builtin.params[0].optional;
        Box::new(move |env| {
            let v = arg.eval(env)?;
            if required {
                if let Some(early) = absent_argument(builtin, 0, a, &v) {
                    return early;
                }
            }
            (builtin.eval)(std::slice::from_ref(&v)).map_err(builtin_failed(id, builtin))
        })
    }

    /// A call with two arguments: no argument stack. The second is not evaluated when the
    /// first is none, as with any call.
    fn call2(&mut self, id: NodeId, builtin: &'static Builtin, a: NodeId, b: NodeId) -> Code {
        let (ca, cb) = (self.operand(a), self.operand(b));
        let required = [!builtin.params[0].optional, !builtin.params[1].optional];
        Box::new(move |env| {
            let va = ca.eval(env)?;
            if required[0] {
                if let Some(early) = absent_argument(builtin, 0, a, &va) {
                    return early;
                }
            }
            let vb = cb.eval(env)?;
            if required[1] {
                if let Some(early) = absent_argument(builtin, 1, b, &vb) {
                    return early;
                }
            }
            (builtin.eval)(&[va, vb]).map_err(builtin_failed(id, builtin))
        })
    }

    /// A call of a folding built-in: `first|last|count(list)` or `sum|any|all(list, each:
    /// expr)`, where the list may be `list where cond`. Over a JSON list the elements (or the
    /// per-element results) are folded as they come, the filter keeping borrowed elements, so
    /// the call builds no list of values. The order of evaluation, and so which failure is
    /// reported, is the plain call's: the whole filter, then each result in order, then the
    /// fold's own failure.
    fn fold_call(
        &mut self,
        id: NodeId,
        builtin: &'static Builtin,
        fold: Fold,
        list: NodeId,
        each: Option<NodeId>,
        var: u32,
    ) -> Code {
        let filter = match self.node(list) {
            Node::Where {
                list: source,
                cond,
                var,
            } => Some((*source, self.test(*cond), *var as usize)),
            _ => None,
        };
        let source = self.code(filter.as_ref().map_or(list, |f| f.0));
        let each = each.map(|e| self.code(e));
        let var = var as usize;
        Box::new(move |env| {
            let items = source(env)?;
            let items = match &filter {
                Some((source_node, cond, filter_var)) => {
                    if let Value::Json(j) = &items {
                        if !j.is_null() {
                            let elements = json_list(j).map_err(fail(*source_node))?;
                            let mut kept = Vec::with_capacity(elements.len());
                            for e in elements {
                                env.locals[*filter_var] = Value::Json(e);
                                if cond(env)? {
                                    kept.push(e);
                                }
                            }
                            let each = each.as_ref();
                            return fold_each(env, id, builtin, fold, kept.into_iter(), each, var);
                        }
                    }
                    filter_items(env, *source_node, items, cond, *filter_var)?
                }
                None => {
                    if let Some(early) = absent_argument(builtin, 0, list, &items) {
                        return early;
                    }
                    items
                }
            };
            match (&items, &each) {
                (Value::Json(j), Some(each)) => {
                    // As a per-element argument reads it.
                    let elements = json_list(j).map_err(fail(list))?;
                    fold_each(env, id, builtin, fold, elements.iter(), Some(each), var)
                }
                (Value::Json(j), None) => {
                    // As the built-in reads its list.
                    let elements = json_list(j).map_err(builtin_failed(id, builtin))?;
                    fold_each(env, id, builtin, fold, elements.iter(), None, var)
                }
                (_, Some(each)) => {
                    let out = per_element(env, list, &items, each, var)?;
                    (builtin.eval)(&[items, Value::List(Arc::new(out))])
                        .map_err(builtin_failed(id, builtin))
                }
                (_, None) => (builtin.eval)(std::slice::from_ref(&items))
                    .map_err(builtin_failed(id, builtin)),
            }
        })
    }

    /// The closure giving a node's yes or no: absent values are "no"; a value that is not
    /// yes/no is an error of the node.
    fn test(&mut self, id: NodeId) -> Test {
        match self.node(id) {
            Node::Not(x) => {
                let x = self.test(*x);
                Box::new(move |env| Ok(!x(env)?))
            }
            Node::And(a, b) => {
                let (a, b) = (self.test(*a), self.test(*b));
                Box::new(move |env| Ok(a(env)? && b(env)?))
            }
            Node::Or(a, b) => {
                let (a, b) = (self.test(*a), self.test(*b));
                Box::new(move |env| Ok(a(env)? || b(env)?))
            }
            Node::Implies(a, b) => {
                let (a, b) = (self.test(*a), self.test(*b));
                Box::new(move |env| Ok(!a(env)? || b(env)?))
            }
            Node::InSet(x, set) => {
                let x = self.code(*x);
                let set = set.clone();
                Box::new(move |env| {
                    let v = x(env)?;
                    Ok(set.iter().any(|s| equals(&v, s)))
                })
            }
            Node::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b) => {
                let ne = *op == BinOp::Ne;
                // A comparison with a constant (`loanRole == "..."`, `active == 1`) keeps
                // the constant in the closure.
                match (self.node(*a), self.node(*b)) {
                    (_, Node::Const(c)) => {
                        let (x, c) = (self.operand(*a), c.clone());
                        Box::new(move |env| Ok(equals_const(&x.eval(env)?, &c) != ne))
                    }
                    (Node::Const(c), _) => {
                        let (c, x) = (c.clone(), self.code(*b));
                        Box::new(move |env| Ok(equals(&c, &x(env)?) != ne))
                    }
                    _ => {
                        let (a, b) = (self.code(*a), self.code(*b));
                        Box::new(move |env| Ok(equals(&a(env)?, &b(env)?) != ne))
                    }
                }
            }
            Node::Binary(op @ (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge), a, b) => {
                let op = *op;
                let (a, b) = (self.code(*a), self.code(*b));
                Box::new(move |env| {
                    let (a, b) = (a(env)?, b(env)?);
                    let Some(ord) = compare(&a, &b).map_err(fail(id))? else {
                        return Ok(false);
                    };
                    Ok(match op {
                        BinOp::Lt => ord.is_lt(),
                        BinOp::Le => ord.is_le(),
                        BinOp::Gt => ord.is_gt(),
                        _ => ord.is_ge(),
                    })
                })
            }
            _ => {
                let x = self.code(id);
                Box::new(move |env| truthy(&x(env)?).map_err(fail(id)))
            }
        }
    }
}

/// Evaluates a built-in call's arguments onto the stack (from `base`) and calls it.
#[inline(never)]
fn call<'d>(
    env: &mut Env<'_, 'd>,
    id: NodeId,
    builtin: &'static Builtin,
    first: NodeId,
    args: &[(NodeId, Code)],
    var: usize,
    base: usize,
) -> R<'d> {
    for (i, (p, (a, code))) in builtin.params.iter().zip(args).enumerate() {
        if p.per_element {
            let list = env.stack.get(base).cloned().unwrap_or(Value::Missing);
            let out = per_element(env, first, &list, code, var)?;
            env.stack.push(Value::List(Arc::new(out)));
            continue;
        }
        let v = code(env)?;
        if !p.optional {
            if let Some(early) = absent_argument(builtin, i, *a, &v) {
                return early;
            }
        }
        env.stack.push(v);
    }
    (builtin.eval)(&env.stack[base..]).map_err(builtin_failed(id, builtin))
}

/// What a call gives when its required argument `i` is absent: an error when missing (the
/// mapping gave no default), none when null; `None` when the argument is there.
#[inline]
fn absent_argument<'d>(builtin: &Builtin, i: usize, node: NodeId, v: &Value<'d>) -> Option<R<'d>> {
    match v {
        Value::Missing => Some(Err(Fail::at(
            node,
            format!(
                "{}(): the argument `{}` is missing (give a default with `??`)",
                builtin.name, builtin.params[i].name
            ),
        ))),
        Value::Null => Some(Ok(Value::Null)),
        Value::Json(j) if j.is_null() => Some(Ok(Value::Null)),
        _ => None,
    }
}

/// Names the built-in in its failure.
fn builtin_failed(id: NodeId, builtin: &Builtin) -> impl Fn(ValueError) -> Box<Fail> + '_ {
    move |e| Fail::at(id, format!("{}(): {}", builtin.name, e.0))
}

/// A per-element argument: its value for each element of the call's first argument.
fn per_element<'d>(
    env: &mut Env<'_, 'd>,
    first: NodeId,
    list: &Value<'d>,
    code: &Code,
    var: usize,
) -> Result<Vec<Value<'d>>, Box<Fail>> {
    let mut out = Vec::new();
    match list {
        v if v.is_absent() => {}
        Value::Json(j) => {
            let elements = json_list(j).map_err(fail(first))?;
            out.reserve(elements.len());
            for e in elements {
                env.locals[var] = Value::Json(e);
                out.push(code(env)?);
            }
        }
        other => {
            // Built-ins are pure and the element is the only thing that changes between
            // elements, so an element equal to an earlier scalar one gives the same result: a
            // Payment History Profile's 24 months hold two or three distinct buckets, and each
            // is evaluated once instead of per month. Explain mode evaluates every element for
            // its branch notes.
            let memo = env.trace.is_none();
            let mut seen: Vec<(Value<'d>, usize)> = Vec::new();
            for item in other.iter_list().map_err(fail(first))? {
                if memo {
                    if let Some((_, i)) = seen.iter().find(|(v, _)| same_scalar(v, &item)) {
                        let r = out[*i].clone();
                        out.push(r);
                        continue;
                    }
                    if is_scalar(&item) {
                        seen.push((item.clone(), out.len()));
                    }
                }
                env.locals[var] = item;
                out.push(code(env)?);
            }
        }
    }
    Ok(out)
}

/// `base[index]`.
#[inline(never)]
fn index_value<'d>(env: &mut Env<'_, 'd>, id: NodeId, base: &Code, index: &Code) -> R<'d> {
    let b = base(env)?;
    let i = index(env)?.as_int().map_err(fail(id))?;
    if b.is_absent() {
        return Ok(Value::Missing);
    }
    let Ok(i) = usize::try_from(i) else {
        return Ok(Value::Missing);
    };
    Ok(match &b {
        Value::List(l) => l.get(i).cloned().unwrap_or(Value::Missing),
        Value::Json(j) => json_list(j)
            .map_err(fail(id))?
            .get(i)
            .map(Value::Json)
            .unwrap_or(Value::Missing),
        other => return Err(Fail::at(id, format!("cannot index {}", other.kind()))),
    })
}

/// `list where cond`: the elements for which `cond` holds.
#[inline(never)]
fn filter<'d>(
    env: &mut Env<'_, 'd>,
    list_node: NodeId,
    list: &Code,
    cond: &Test,
    var: usize,
) -> R<'d> {
    let items = list(env)?;
    filter_items(env, list_node, items, cond, var)
}

/// The elements of `items` for which `cond` holds.
fn filter_items<'d>(
    env: &mut Env<'_, 'd>,
    list_node: NodeId,
    items: Value<'d>,
    cond: &Test,
    var: usize,
) -> R<'d> {
    let mut kept = Vec::new();
    match &items {
        v if v.is_absent() => {}
        // JSON lists are walked in place; only the kept elements are collected.
        Value::Json(j) => {
            let elements = json_list(j).map_err(fail(list_node))?;
            kept.reserve(elements.len());
            for e in elements {
                env.locals[var] = Value::Json(e);
                if cond(env)? {
                    kept.push(Value::Json(e));
                }
            }
        }
        other => {
            for item in other.iter_list().map_err(fail(list_node))? {
                env.locals[var] = item.clone();
                if cond(env)? {
                    kept.push(item);
                }
            }
        }
    }
    Ok(Value::List(Arc::new(kept)))
}

/// Folds JSON elements, or a per-element argument's results over them (see
/// `Compiler::fold_call`): every element is evaluated (its failure stops the call at once, as
/// it would before the built-in runs); a failure of the fold itself is reported after the
/// last element.
fn fold_each<'d>(
    env: &mut Env<'_, 'd>,
    id: NodeId,
    builtin: &'static Builtin,
    fold: Fold,
    elements: impl Iterator<Item = &'d Doc>,
    each: Option<&Code>,
    var: usize,
) -> R<'d> {
    let mut acc = (fold.init)();
    let mut decided = false;
    let mut failed = None;
    for e in elements {
        let v = match each {
            Some(each) => {
                env.locals[var] = Value::Json(e);
                each(env)?
            }
            None if decided || failed.is_some() => continue,
            None => Value::Json(e),
        };
        if !decided && failed.is_none() {
            match (fold.step)(&mut acc, &v) {
                Ok(d) => decided = d,
                Err(e) => failed = Some(e),
            }
        }
    }
    match failed {
        Some(e) => Err(builtin_failed(id, builtin)(e)),
        None => Ok(acc),
    }
}

/// A table lookup of key `k`.
#[inline(never)]
fn lookup<'d>(env: &mut Env<'_, 'd>, id: NodeId, table: usize, k: Value<'d>) -> R<'d> {
    let plan = env.plan;
    let t = &plan.tables[table];
    // JSON strings are looked up in place: no copy per lookup.
    let k = match k {
        Value::Json(j) if j.is_str() => {
            let s = j.as_str().unwrap_or_default();
            if let Some(i) = t.text.get(s) {
                let (v, line) = &t.values[*i as usize];
                env.note(id, || format!("table {}[{s}] (line {line})", t.name));
                return match v {
                    Ok(v) => Ok(v.clone()),
                    Err(m) => Err(Fail::at(id, m.replace("{value}", s))),
                };
            }
            Value::text(s)
        }
        other => other.resolve(),
    };
    let found = match &k {
        Value::Text(s) => t.text.get(&**s).copied().or_else(|| {
            s.trim()
                .parse::<i64>()
                .ok()
                .and_then(|n| t.ints.get(&n).copied())
        }),
        Value::Int(n) => t
            .ints
            .get(n)
            .copied()
            .or_else(|| t.text.get(n.to_string().as_str()).copied()),
        Value::Decimal(d) if d.fract().is_zero() => {
            i64::try_from(*d).ok().and_then(|n| t.ints.get(&n).copied())
        }
        Value::Bool(b) => t.text.get(if *b { "true" } else { "false" }).copied(),
        _ => None,
    };
    if let Some(i) = found {
        let (v, line) = &t.values[i as usize];
        env.note(id, || {
            format!("table {}[{}] (line {line})", t.name, k.display())
        });
        return match v {
            Ok(v) => Ok(v.clone()),
            Err(m) => Err(Fail::at(id, m.replace("{value}", &k.display()))),
        };
    }
    match &t.default {
        TableDefault::Value(v) => {
            env.note(id, || {
                format!(
                    "table {}[{}] → _ (line {})",
                    t.name,
                    k.display(),
                    t.default_line
                )
            });
            Ok(v.clone())
        }
        TableDefault::Error(m) => Err(Fail::at(id, m.replace("{value}", &k.display()))),
        TableDefault::None => Err(Fail::at(
            id,
            format!(
                "the table `{}` has no entry for {} and no `_` arm",
                t.name,
                k.display()
            ),
        )),
    }
}

/// [`equals`] with a constant on the right, reading the common shapes (a JSON string against
/// a text, a JSON integer against an int) without converting the JSON value first.
#[inline]
fn equals_const(v: &Value<'_>, c: &Value<'static>) -> bool {
    match (v, c) {
        (Value::Json(j), Value::Text(t)) if j.is_str() => j.as_str() == Some(&**t),
        (Value::Json(j), Value::Int(n)) if j.is_number() => match crate::json::number_i64(j) {
            Some(m) => m == *n,
            None => equals(v, c),
        },
        _ => equals(v, c),
    }
}

/// Whether a list element is a scalar whose equality is plain (see [`same_scalar`]).
fn is_scalar(v: &Value<'_>) -> bool {
    matches!(
        v,
        Value::Int(_) | Value::Bool(_) | Value::Null | Value::Missing
    )
}

/// Two list elements that are the same scalar of the same kind (an int is not a decimal or a
/// text here): per-element results are shared only between such elements.
fn same_scalar(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Null, Value::Null) | (Value::Missing, Value::Missing) => true,
        _ => false,
    }
}

fn matches_pattern(v: &Value<'_>, p: &Pattern) -> Result<bool, ValueError> {
    Ok(match p {
        Pattern::Any => true,
        Pattern::Value(c) => equals(v, c),
        Pattern::Range { lo, hi, inclusive } => {
            let (Some(a), Some(b)) = (compare(v, lo)?, compare(v, hi)?) else {
                return Ok(false);
            };
            a.is_ge() && if *inclusive { b.is_le() } else { b.is_lt() }
        }
    })
}

/// A produced field's bytes as a value, for rules: text trimmed (none when blank), numbers as
/// ints, dates as dates (none when zeros).
fn decode_field(field: &Field, raw: &[u8]) -> Value<'static> {
    let text = String::from_utf8_lossy(raw);
    match field.ty {
        FieldType::Alphanumeric => {
            let t = text.trim();
            if t.is_empty() {
                Value::Null
            } else {
                Value::text(t)
            }
        }
        FieldType::Numeric => text
            .parse::<i64>()
            .map(Value::Int)
            .unwrap_or_else(|_| Value::text(text.as_ref())),
        FieldType::Date => match parse_date(raw) {
            Ok(Some(d)) => Value::Date(d),
            Ok(None) => Value::Null,
            Err(_) => Value::text(text.as_ref()),
        },
        FieldType::Timestamp => match parse_timestamp(raw) {
            Ok(Some(t)) => Value::Date(t.date()),
            Ok(None) => Value::Null,
            Err(_) => Value::text(text.as_ref()),
        },
    }
}

/// A plan's program, compiled on its first evaluation. A clone of a plan starts without one
/// (the copy may be changed before it runs, and compiles its own).
#[derive(Default)]
pub struct Compiled(std::sync::OnceLock<Arc<Program>>);

impl Compiled {
    /// The program of `plan`, compiled now if it has not been.
    pub(super) fn get(&self, plan: &Plan) -> Arc<Program> {
        self.0.get_or_init(|| Arc::new(Program::new(plan))).clone()
    }
}

impl Clone for Compiled {
    fn clone(&self) -> Compiled {
        Compiled::default()
    }
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "compiled"
        } else {
            "not compiled yet"
        })
    }
}
