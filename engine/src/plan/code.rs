//! Nodes compiled to closures: what actually runs per document.
//!
//! Each [`Node`] becomes a boxed closure that owns its children's closures, so evaluating a
//! field is a chain of direct calls through small functions instead of a walk over the node
//! arena through one large `match`. Shapes that recur in every mapping get closures of their
//! own: a key read straight off the document, an element variable or a cached slot (an
//! [`Operand`], read in place by the call or comparison that uses it), conditions that give
//! a yes/no directly instead of a value that is then tested, calls of one or two arguments
//! without an argument stack, and folding calls (`fold.rs`). This is how Vector's VRL runs
//! its programs.
//!
//! Cached nodes keep one closure per slot in the program (`program.rs`); every reader of the
//! slot calls it through the program, so a path is still read once per document however
//! often it is used. Explain mode runs the same closures with a trace switched on.

use std::collections::HashMap;
use std::sync::Arc;

use super::calls::{absent_argument, call, call_failed, missing_operand};
use super::env::{fail, Env, Fail, R};
use super::eval::decode_field;
use super::fold::{filter, folded};
use super::ops::{
    arithmetic, binary, compare, equals, equals_constant, matches_pattern, missing_side, text_of,
    truthy,
};
use super::scan::{grouped, keys_by_base, Base, Group, GroupBase};
use super::table::lookup;
use super::text_set::TextSet;
use super::{BinOp, Node, NodeId, Pattern, Plan};
use crate::builtins::Builtin;
use crate::layout::{Field, SegmentKind};
use crate::value::{json_list, Value};

/// A node compiled to a closure giving its value.
pub(super) type Code = Box<dyn for<'e, 'd> Fn(&mut Env<'e, 'd>) -> R<'d> + Send + Sync>;

/// A node compiled to a closure giving yes or no (conditions, `where` filters, rules).
pub(super) type Test =
    Box<dyn for<'e, 'd> Fn(&mut Env<'e, 'd>) -> Result<bool, Box<Fail>> + Send + Sync>;

/// An argument read in place when it is a key of the document, of an element or of a cached
/// slot (most arguments are), so the call reads it without a closure call of its own.
pub(super) enum Operand {
    /// `.key` of the document.
    Root(Box<str>, NodeId),
    /// `.key` of an element variable.
    Local(usize, Box<str>, NodeId),
    /// `.key` of a cached slot.
    Slot(usize, Box<str>, NodeId),
    /// `.key` of an object whose keys the plan reads in one scan (`scan.rs`): the group and
    /// the key's index in it, and the plain read for when the scan cannot give the key.
    Grouped(Arc<Group>, usize, Box<Operand>),
    /// Anything else.
    Code(Code),
}

impl Operand {
    #[inline]
    pub(super) fn eval<'d>(&self, env: &mut Env<'_, 'd>) -> R<'d> {
        match self {
            Operand::Root(key, id) => Value::Json(env.doc).get(key).map_err(fail(*id)),
            Operand::Local(v, key, id) => env.locals[*v].get(key).map_err(fail(*id)),
            Operand::Slot(s, key, id) => env.slot(*s)?.get(key).map_err(fail(*id)),
            Operand::Grouped(group, i, plain) => {
                if env.trace.is_none() {
                    if let Some(v) = grouped(env, group, *i)? {
                        return Ok(v);
                    }
                }
                plain.eval(env)
            }
            Operand::Code(code) => code(env),
        }
    }
}

/// Turns nodes into closures, filling the slot table as cached nodes are met.
pub(super) struct Compiler<'p> {
    /// The plan compiled.
    plan: &'p Plan,
    /// Per dense slot, its closure (`None` while it is being compiled).
    slots: Vec<Option<Code>>,
    /// The plan's slot numbers (which count slots the compiler later inlined) to dense ones,
    /// so a document's state holds only the slots that are read.
    dense: HashMap<u32, usize>,
    /// Per plan slot compiled, the node it computes (explain names a `let`'s value by it).
    exprs: HashMap<u32, NodeId>,
    /// The keys read of each object the plan reads several keys of (`scan.rs`).
    keys: HashMap<Base, Vec<Box<str>>>,
    /// The groups compiled so far.
    groups: HashMap<Base, Arc<Group>>,
    /// Per built-in, how many calls of it the plan makes with an element variable alone.
    element_calls: HashMap<&'static str, u32>,
    /// Per such built-in called more than once, the slots of its kept result.
    memos: HashMap<&'static str, usize>,
    /// The reads of the document's `Payments`, when a document may come with them counted
    /// (`counted.rs`): those reads give them.
    pub(super) payments: Vec<NodeId>,
}

impl<'p> Compiler<'p> {
    /// A compiler for `plan`'s nodes.
    pub(super) fn new(plan: &'p Plan) -> Compiler<'p> {
        let payments = super::counted::payments_reads(plan);
        let keys = keys_by_base(plan, &payments);
        Compiler {
            plan,
            payments,
            slots: Vec::new(),
            dense: HashMap::new(),
            exprs: HashMap::new(),
            keys,
            groups: HashMap::new(),
            element_calls: element_calls(plan),
            memos: HashMap::new(),
        }
    }

    /// The slot closures compiled so far, by dense slot number.
    pub(super) fn into_slots(self) -> Vec<Option<Code>> {
        self.slots
    }

    /// Per dense slot, the plan slot and the node it computes (`None` for the slots of a scan
    /// group, which hold keys read in one pass rather than a node's value).
    pub(super) fn slot_origins(&self) -> Vec<Option<(u32, NodeId)>> {
        let mut out = vec![None; self.slots.len()];
        for (slot, dense) in &self.dense {
            out[*dense] = self.exprs.get(slot).map(|e| (*slot, *e));
        }
        out
    }

    /// Node `id` of the plan.
    pub(super) fn node(&self, id: NodeId) -> &'p Node {
        &self.plan.nodes[id as usize]
    }

    /// Makes sure the closure of a cached node's slot exists.
    pub(super) fn slot(&mut self, slot: u32, expr: NodeId) -> usize {
        if let Some(s) = self.dense.get(&slot) {
            return *s;
        }
        let s = self.slots.len();
        self.dense.insert(slot, s);
        self.exprs.insert(slot, expr);
        self.slots.push(None);
        let code = self.code(expr);
        self.slots[s] = Some(code);
        s
    }

    /// The general closure of the call `id` of `builtin` on `args`.
    fn call_code(
        &mut self,
        id: NodeId,
        builtin: &'static Builtin,
        args: &[NodeId],
        var: u32,
    ) -> Code {
        if args.len() <= builtin.params.len() && !builtin.params.iter().any(|p| p.per_element) {
            match args {
                &[a] if self.element_calls.get(builtin.name) > Some(&1) => {
                    if let Node::Local(v) = *self.node(a) {
                        return self.element_call(id, builtin, a, v as usize);
                    }
                    return self.call1(id, builtin, a);
                }
                [a] => return self.call1(id, builtin, *a),
                [a, b] => return self.call2(id, builtin, *a, *b),
                _ => {}
            }
        }
        if let Some(f) = folded(self.plan, id) {
            return self.fold_call(id, builtin, f.fold, f.list, f.each, var);
        }
        let first = args.first().copied().unwrap_or(id);
        let args: Vec<(NodeId, Code)> = args.iter().map(|a| (*a, self.code(*a))).collect();
        let var = var as usize;
        Box::new(move |env| {
            // Arguments go on a stack shared by every call, so a call allocates nothing.
            let base = env.stack.len();
            let r = call(env, id, builtin, first, &args, var, base);
            env.stack.truncate(base);
            r
        })
    }

    /// The closure giving a node's value.
    pub(super) fn code(&mut self, id: NodeId) -> Code {
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
            Node::Get { base, key } if self.payments.contains(&id) => {
                let plain = self.get(id, *base, key.clone());
                Box::new(move |env| match env.payments {
                    Some(counted) => Ok(counted.clone()),
                    None => plain(env),
                })
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
                let general = self.call_code(id, builtin, args, *var);
                // A clean-up of a text of the document (a let such as `home_line`) computed as
                // a field's typed writer computes it; the general closure where the text is not
                // there, and always in explain mode, whose trace it writes.
                match self.clean_value(id) {
                    Some(typed) => Box::new(move |env| {
                        if env.trace.is_none() {
                            if let Some(v) = typed(env) {
                                return Ok(v);
                            }
                        }
                        general(env)
                    }),
                    None => general,
                }
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
            Node::Binary(op @ (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div), a, b) => {
                let (op, nodes) = (*op, [*a, *b]);
                let (a, b) = (self.code(*a), self.code(*b));
                Box::new(move |env| {
                    let a = a(env)?;
                    let b = b(env)?;
                    // The check `binary` makes, made here to name the operand as written.
                    if let Some(side) = missing_side(&a, &b) {
                        return Err(missing_operand(env.plan, op, nodes[side]));
                    }
                    arithmetic(op, a, b).map_err(fail(id))
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
        let boxed: Box<str> = key.into();
        let (plain, group) = match self.node(base) {
            Node::Root => (Operand::Root(boxed, id), Base::Root),
            Node::Local(v) => return Some(Operand::Local(*v as usize, boxed, id)),
            Node::Cached { slot, expr } => (
                Operand::Slot(self.slot(*slot, *expr), boxed, id),
                Base::Slot(*slot),
            ),
            _ => return None,
        };
        Some(match self.group(group, base, key) {
            Some((group, index)) => Operand::Grouped(group, index, Box::new(plain)),
            None => plain,
        })
    }

    /// The group that reads `key` of `base` (node `node`) with the object's other keys, and
    /// the key's index in it; `None` when the plan reads no other key of that object.
    pub(super) fn group(
        &mut self,
        base: Base,
        node: NodeId,
        key: &str,
    ) -> Option<(Arc<Group>, usize)> {
        let index = self.keys.get(&base)?.iter().position(|k| &**k == key)?;
        if let Some(g) = self.groups.get(&base) {
            return Some((g.clone(), index));
        }
        let object = match (base, self.node(node)) {
            (Base::Slot(slot), Node::Cached { expr, .. }) => {
                GroupBase::Slot(self.slot(slot, *expr))
            }
            _ => GroupBase::Root,
        };
        let keys: Box<[Box<str>]> = self.keys[&base].clone().into();
        let first = self.slots.len();
        self.slots.extend(keys.iter().map(|_| None));
        let done = self.slots.len();
        self.slots.push(None);
        let group = Arc::new(Group::new(object, keys, first, done));
        self.groups.insert(base, group.clone());
        Some((group, index))
    }

    /// A node as an operand: in place when it is a key read [`Compiler::keyed`] takes.
    pub(super) fn operand(&mut self, id: NodeId) -> Operand {
        if self.payments.contains(&id) {
            return Operand::Code(self.code(id));
        }
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
                if let Some(early) = absent_argument(env.plan, builtin, 0, a, &v) {
                    return early;
                }
            }
            let values = std::slice::from_ref(&v);
            (builtin.eval)(values).map_err(|e| call_failed(env.plan, id, builtin, &[a], values, e))
        })
    }

    /// A call of a built-in on an element variable alone, where the plan makes several such
    /// calls of it (`consumer_address(co)`, read for six keys of a J2 segment and twice in each
    /// of the J1 and J2 filters): the last result is kept with the element it was computed for,
    /// and given again to any of these calls on that element (built-ins are pure; the element
    /// is a node of this document, compared by address). Explain mode computes it each time,
    /// as every other node.
    fn element_call(&mut self, id: NodeId, builtin: &'static Builtin, a: NodeId, v: usize) -> Code {
        let plain = self.call1(id, builtin, a);
        // Two slots of the document's state, shared by the built-in's calls: the element, and
        // the result computed for it.
        let element = match self.memos.get(builtin.name) {
            Some(s) => *s,
            None => {
                let s = self.slots.len();
                self.slots.extend([None, None]);
                self.memos.insert(builtin.name, s);
                s
            }
        };
        let result = element + 1;
        Box::new(move |env| {
            let Value::Json(e) = env.locals[v] else {
                return plain(env);
            };
            if env.trace.is_some() {
                return plain(env);
            }
            if let (Some(Value::Json(k)), Some(r)) = (&env.slots[element], &env.slots[result]) {
                if std::ptr::eq(*k, e) {
                    return Ok(r.clone());
                }
            }
            let r = plain(env)?;
            env.slots[element] = Some(Value::Json(e));
            env.slots[result] = Some(r.clone());
            Ok(r)
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
                if let Some(early) = absent_argument(env.plan, builtin, 0, a, &va) {
                    return early;
                }
            }
            let vb = cb.eval(env)?;
            if required[1] {
                if let Some(early) = absent_argument(env.plan, builtin, 1, b, &vb) {
                    return early;
                }
            }
            let values = [va, vb];
            (builtin.eval)(&values)
                .map_err(|e| call_failed(env.plan, id, builtin, &[a, b], &values, e))
        })
    }

    /// The closure giving a node's yes or no: absent values are "no"; a value that is not
    /// yes/no is an error of the node.
    pub(super) fn test(&mut self, id: NodeId) -> Test {
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
                let x = self.operand(*x);
                // A set of texts only (`status in ["13", "61", ...]`, most sets a mapping
                // writes): a text value is equal to one exactly when the strings are, so its
                // text is read once and looked for among them, instead of a general comparison
                // per member.
                let texts: Option<Vec<&str>> = set
                    .iter()
                    .map(|s| match s {
                        Value::Text(t) => Some(&**t),
                        _ => None,
                    })
                    .collect();
                let texts = texts.map(|t| TextSet::new(&t));
                let set = set.clone();
                match texts {
                    Some(texts) => Box::new(move |env| {
                        let v = x.eval(env)?;
                        Ok(match text_of(&v) {
                            Some(t) => texts.contains(t),
                            None => set.iter().any(|s| equals_constant(&v, s)),
                        })
                    }),
                    None => Box::new(move |env| {
                        let v = x.eval(env)?;
                        Ok(set.iter().any(|s| equals_constant(&v, s)))
                    }),
                }
            }
            Node::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b) => {
                let ne = *op == BinOp::Ne;
                // A comparison with a constant, on either side (`loanRole == "..."`,
                // `1 == active`), keeps the constant in the closure and reads the other side
                // in place (equality is symmetric).
                match (self.node(*a), self.node(*b)) {
                    (_, Node::Const(c)) | (Node::Const(c), _) => {
                        let other = if matches!(self.node(*b), Node::Const(_)) {
                            *a
                        } else {
                            *b
                        };
                        let (x, c) = (self.operand(other), c.clone());
                        Box::new(move |env| Ok(equals_constant(&x.eval(env)?, &c) != ne))
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

/// Per built-in, how many calls of it `plan` makes with an element variable as its only
/// argument.
fn element_calls(plan: &Plan) -> HashMap<&'static str, u32> {
    let mut n = HashMap::new();
    for node in &plan.nodes {
        if let Node::Call { builtin, args, .. } = node {
            if let [a] = args.as_slice() {
                if matches!(plan.nodes.get(*a as usize), Some(Node::Local(_))) {
                    *n.entry(builtin.name).or_insert(0) += 1;
                }
            }
        }
    }
    n
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
