//! The interpreter: evaluates a plan over one document.

use std::sync::Arc;

use super::ops::{binary, compare, equals, truthy};
use super::{
    Finding, MapError, Node, NodeId, Outcome, Params, Pattern, Plan, SegmentPlan, TableDefault,
};
use crate::field::{encode, parse_date, parse_timestamp, FieldValue};
use crate::json::{self, Doc};
use crate::layout::{Field, FieldType, SegmentKind};
use crate::record::DataRecord;
use crate::segment::Segment;
use crate::value::{json_list, Value, ValueError};
use sonic_rs::{JsonContainerTrait, JsonValueTrait};

/// A failure inside an expression, located by the node that failed. Boxed in results, so the
/// interpreter's `Result`s are no larger than a value (failures are rare; every node returns).
struct Fail {
    message: String,
    node: NodeId,
}

type R<'d> = Result<Value<'d>, Box<Fail>>;

impl Fail {
    /// A failure of `node`, boxed as results carry it.
    fn at(node: NodeId, message: impl Into<String>) -> Box<Fail> {
        Box::new(Fail {
            message: message.into(),
            node,
        })
    }
}

/// How one field got its value (explain mode).
#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldTrace {
    /// `base`, `j1[0]`, ...
    pub segment: String,
    /// The field's key.
    pub key: &'static str,
    /// The field's bytes as written.
    pub text: String,
    /// The assignment's `.m2map` line (0 when the mapping does not assign the field).
    pub line: u32,
    /// The expression as written.
    pub source: String,
    /// The branches taken (`if`, `match` arms, table entries, `??` defaults), in order.
    pub branches: Vec<String>,
    /// Whether the value was computed at compile time.
    pub constant: bool,
}

/// The outcome of one document with the story of every field.
#[derive(Debug, Clone)]
pub struct Explained {
    /// What mapping gave.
    pub outcome: Outcome,
    /// Every assigned field of every produced segment, in record order.
    pub fields: Vec<FieldTrace>,
}

struct Frame<'p, 'd> {
    plan: &'p Plan,
    doc: &'d Doc,
    params: Vec<Value<'d>>,
    slots: Vec<Option<Value<'d>>>,
    locals: Vec<Value<'d>>,
    record: Option<&'p DataRecord>,
    trace: Option<Vec<String>>,
    /// Explain mode: the branches taken while computing each cached slot, replayed when a
    /// later field uses the slot.
    slot_notes: Vec<Vec<String>>,
    /// Arguments of the built-in calls in progress.
    stack: Vec<Value<'d>>,
}

impl Plan {
    /// Maps one document. Never panics on any input: every failure is an
    /// [`Outcome::Error`] naming the document's id, the field and the `.m2map` line.
    pub fn eval(&self, doc: &Doc, params: &Params) -> Outcome {
        self.run(doc, params, None)
    }

    /// Maps one document and records how each field got its value: the line, the expression
    /// and the branches taken (including those taken inside the lets it uses).
    pub fn explain(&self, doc: &Doc, params: &Params) -> Explained {
        let mut fields = Vec::new();
        let outcome = self.run(doc, params, Some(&mut fields));
        Explained { outcome, fields }
    }

    fn run(&self, doc: &Doc, params: &Params, mut traces: Option<&mut Vec<FieldTrace>>) -> Outcome {
        let err = |field: Option<String>, line: u32, message: String| {
            Outcome::Error(MapError {
                document_id: document_id(doc),
                field,
                file: self.source_name.clone(),
                line,
                message,
            })
        };
        let mut param_values = Vec::with_capacity(self.params.len());
        for p in &self.params {
            match params.get(&p.name) {
                Some(v) => param_values.push(v.clone()),
                None => return err(None, 0, format!("the parameter `{}` was not given", p.name)),
            }
        }
        let mut f = Frame {
            plan: self,
            doc,
            params: param_values,
            slots: vec![None; self.slots as usize],
            locals: vec![Value::Missing; self.locals as usize],
            record: None,
            trace: traces.as_ref().map(|_| Vec::new()),
            slot_notes: Vec::new(),
            stack: Vec::with_capacity(16),
        };
        for s in &self.skips {
            match f.eval(s.cond).and_then(|v| f.cond(&v, s.cond)) {
                Ok(true) => {
                    return Outcome::Skipped {
                        reason: s.reason.clone(),
                        line: s.line,
                    }
                }
                Ok(false) => {}
                Err(e) => return err(Some("skip".into()), self.line_of(e.node), e.message),
            }
        }
        let mut base: Option<Segment> = None;
        let mut appended: Vec<Segment> = Vec::new();
        for sp in &self.segments {
            if let Some(c) = sp.when {
                match f.eval(c).and_then(|v| f.cond(&v, c)) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(e) => {
                        return err(
                            Some(format!("{} (when)", sp.kind)),
                            self.line_of(e.node),
                            e.message,
                        )
                    }
                }
            }
            match sp.each {
                None => {
                    let label = sp.kind.name().to_string();
                    match f.segment(sp, &label, traces.as_deref_mut()) {
                        Ok(seg) if sp.kind == SegmentKind::Base => base = Some(seg),
                        Ok(seg) => appended.push(seg),
                        Err((field, line, message)) => return err(Some(field), line, message),
                    }
                }
                Some((list, var)) => {
                    let items = match f
                        .eval(list)
                        .and_then(|v| v.as_list().map_err(|e| Fail::at(list, e.0)))
                    {
                        Ok(items) => items,
                        Err(e) => {
                            return err(
                                Some(format!("{} (for each)", sp.kind)),
                                self.line_of(e.node),
                                e.message,
                            )
                        }
                    };
                    for item in items {
                        f.locals[var as usize] = item;
                        let n = appended.iter().filter(|s| s.kind() == sp.kind).count();
                        let label = format!("{}[{n}]", sp.kind);
                        match f.segment(sp, &label, traces.as_deref_mut()) {
                            Ok(seg) => appended.push(seg),
                            Err((field, line, message)) => return err(Some(field), line, message),
                        }
                    }
                }
            }
        }
        let mut record = DataRecord::new(base.unwrap_or_else(|| Segment::blank(SegmentKind::Base)));
        for s in appended {
            record.push(s);
        }
        record.set_rdw();
        if let Some(t) = traces {
            // Order the traces as the record's segments are written (J1s, then J2s, ...).
            t.sort_by_key(|ft| {
                let kind = ft.segment.split('[').next().unwrap_or("");
                SegmentKind::from_name(kind).map(|k| {
                    if k == SegmentKind::Base {
                        0
                    } else {
                        1 + SegmentKind::APPENDED
                            .iter()
                            .position(|a| *a == k)
                            .unwrap_or(0)
                    }
                })
            });
        }
        let mut findings = Vec::new();
        if !self.rules.is_empty() {
            let mut rf = Frame {
                plan: self,
                doc,
                params: f.params.clone(),
                slots: std::mem::take(&mut f.slots),
                locals: std::mem::take(&mut f.locals),
                record: Some(&record),
                trace: None,
                slot_notes: Vec::new(),
                stack: Vec::new(),
            };
            for r in &self.rules {
                match rf.eval(r.cond).and_then(|v| rf.cond(&v, r.cond)) {
                    Ok(true) => {}
                    Ok(false) => findings.push(Finding {
                        rule: r.id.clone(),
                        severity: r.severity,
                        message: r.message.clone(),
                        line: r.line,
                    }),
                    Err(e) => {
                        return err(
                            Some(format!("rule {}", r.id)),
                            self.line_of(e.node),
                            e.message,
                        )
                    }
                }
            }
        }
        Outcome::Mapped { record, findings }
    }
}

static NO_DOCUMENT: Doc = Doc::new();

impl Plan {
    /// Evaluates a node that reads neither the document nor parameters nor element variables
    /// (the compiler's constant folding). Errors are returned as text.
    pub fn eval_constant(&self, id: NodeId) -> Result<Value<'static>, String> {
        let mut f = Frame {
            plan: self,
            doc: &NO_DOCUMENT,
            params: vec![Value::Missing; self.params.len()],
            slots: vec![None; self.slots as usize],
            locals: vec![Value::Missing; self.locals as usize],
            record: None,
            trace: None,
            slot_notes: Vec::new(),
            stack: Vec::new(),
        };
        f.eval(id).map_err(|e| e.message)
    }
}

/// The document's `id` as text.
pub(crate) fn document_id(doc: &Doc) -> Option<String> {
    let id = doc.as_object()?.get(&"id")?;
    match json::node(id) {
        json::Node::String(s) => Some(s.to_string()),
        json::Node::Number(n) => json::number_text(n).map(|t| t.into_owned()),
        _ => None,
    }
}

impl<'p, 'd> Frame<'p, 'd> {
    fn segment(
        &mut self,
        sp: &SegmentPlan,
        label: &str,
        mut traces: Option<&mut Vec<FieldTrace>>,
    ) -> Result<Segment, (String, u32, String)> {
        let mut seg = Segment::from_bytes(sp.kind, sp.template.clone())
            .unwrap_or_else(|| Segment::blank(sp.kind));
        for w in &sp.writes {
            if let Some(t) = self.trace.as_mut() {
                t.clear();
            }
            let at =
                |line: u32, message: String| (format!("{label}.{}", w.field.key), line, message);
            let v = self
                .eval(w.expr)
                .map_err(|e| at(self.plan.line_of(e.node).max(w.line), e.message))?;
            write_field(w.field, &v, &mut seg.as_bytes_mut()[w.field.range()])
                .map_err(|m| at(w.line, m))?;
            if let Some(t) = traces.as_deref_mut() {
                t.push(FieldTrace {
                    segment: label.to_string(),
                    key: w.field.key,
                    text: String::from_utf8_lossy(seg.raw(w.field)).into_owned(),
                    line: w.line,
                    source: w.source.clone(),
                    branches: {
                        let mut seen = std::collections::HashSet::new();
                        let mut b = self.trace.as_mut().map(std::mem::take).unwrap_or_default();
                        b.retain(|n| seen.insert(n.clone()));
                        b
                    },
                    constant: false,
                });
            }
        }
        if let Some(t) = traces {
            for c in &sp.constants {
                t.push(FieldTrace {
                    segment: label.to_string(),
                    key: c.field.key,
                    text: String::from_utf8_lossy(seg.raw(c.field)).into_owned(),
                    line: c.line,
                    source: c.source.clone(),
                    branches: Vec::new(),
                    constant: true,
                });
            }
            let n = t.len();
            let start = n - sp.writes.len() - sp.constants.len();
            t[start..]
                .sort_by_key(|ft| sp.kind.layout().field(ft.key).map(|f| f.index).unwrap_or(0));
        }
        Ok(seg)
    }

    fn fail(node: NodeId) -> impl Fn(ValueError) -> Box<Fail> {
        move |e| Fail::at(node, e.0)
    }

    fn cond(&self, v: &Value<'d>, node: NodeId) -> Result<bool, Box<Fail>> {
        truthy(v).map_err(Self::fail(node))
    }

    /// Records a branch in explain mode; the text is only built when someone reads it.
    fn note(&mut self, node: NodeId, what: impl FnOnce() -> String) {
        if let Some(t) = self.trace.as_mut() {
            t.push(format!("line {}: {}", self.plan.line_of(node), what()));
        }
    }

    /// Evaluates a built-in call's arguments onto the stack (from `base`) and calls it.
    #[inline(never)]
    fn call(
        &mut self,
        id: NodeId,
        builtin: &'static crate::builtins::Builtin,
        args: &[NodeId],
        var: u32,
        base: usize,
    ) -> R<'d> {
        for (p, a) in builtin.params.iter().zip(args) {
            if p.per_element {
                let first = self.stack.get(base).cloned().unwrap_or(Value::Missing);
                let mut out = Vec::new();
                match &first {
                    v if v.is_absent() => {}
                    Value::Json(j) => {
                        let elements = json_list(j).map_err(Self::fail(args[0]))?;
                        out.reserve(elements.len());
                        for e in elements {
                            self.locals[var as usize] = Value::Json(e);
                            out.push(self.eval(*a)?);
                        }
                    }
                    other => {
                        // Built-ins are pure and the element is the only thing that changes
                        // between elements, so an element equal to an earlier scalar one gives
                        // the same result: a Payment History Profile's 24 months hold two or
                        // three distinct buckets, and each is evaluated once instead of per
                        // month. Explain mode evaluates every element for its branch notes.
                        let memo = self.trace.is_none();
                        let mut seen: Vec<(Value<'d>, usize)> = Vec::new();
                        for item in other.iter_list().map_err(Self::fail(args[0]))? {
                            if memo {
                                if let Some((_, i)) =
                                    seen.iter().find(|(v, _)| same_scalar(v, &item))
                                {
                                    let r = out[*i].clone();
                                    out.push(r);
                                    continue;
                                }
                                if is_scalar(&item) {
                                    seen.push((item.clone(), out.len()));
                                }
                            }
                            self.locals[var as usize] = item;
                            out.push(self.eval(*a)?);
                        }
                    }
                }
                self.stack.push(Value::List(Arc::new(out)));
                continue;
            }
            let v = self.eval(*a)?;
            if !p.optional {
                match v {
                    Value::Missing => {
                        return Err(Fail::at(
                            *a,
                            format!(
                                "{}(): the argument `{}` is missing (give a default with `??`)",
                                builtin.name, p.name
                            ),
                        ))
                    }
                    Value::Null => return Ok(Value::Null),
                    Value::Json(j) if j.is_null() => return Ok(Value::Null),
                    _ => {}
                }
            }
            self.stack.push(v);
        }
        (builtin.eval)(&self.stack[base..])
            .map_err(|e| Fail::at(id, format!("{}(): {}", builtin.name, e.0)))
    }

    #[inline(never)]
    fn index_node(&mut self, id: NodeId, base: NodeId, index: NodeId) -> R<'d> {
        let b = self.eval(base)?;
        let i = self.eval(index)?.as_int().map_err(Self::fail(id))?;
        if b.is_absent() {
            return Ok(Value::Missing);
        }
        let Ok(i) = usize::try_from(i) else {
            return Ok(Value::Missing);
        };
        Ok(match &b {
            Value::List(l) => l.get(i).cloned().unwrap_or(Value::Missing),
            Value::Json(j) => json_list(j)
                .map_err(Self::fail(id))?
                .get(i)
                .map(Value::Json)
                .unwrap_or(Value::Missing),
            other => return Err(Fail::at(id, format!("cannot index {}", other.kind()))),
        })
    }

    #[inline(never)]
    fn where_node(&mut self, _id: NodeId, list: NodeId, cond: NodeId, var: u32) -> R<'d> {
        let items = self.eval(list)?;
        let mut kept = Vec::new();
        match &items {
            v if v.is_absent() => {}
            // JSON lists are walked in place; only the kept elements are collected.
            Value::Json(j) => {
                let elements = json_list(j).map_err(Self::fail(list))?;
                kept.reserve(elements.len());
                for e in elements {
                    self.locals[var as usize] = Value::Json(e);
                    let c = self.eval(cond)?;
                    if self.cond(&c, cond)? {
                        kept.push(Value::Json(e));
                    }
                }
            }
            other => {
                for item in other.iter_list().map_err(Self::fail(list))? {
                    self.locals[var as usize] = item.clone();
                    let c = self.eval(cond)?;
                    if self.cond(&c, cond)? {
                        kept.push(item);
                    }
                }
            }
        }
        Ok(Value::List(Arc::new(kept)))
    }

    #[inline(never)]
    fn match_node(&mut self, id: NodeId, scrutinee: NodeId, arms: &'p [super::MatchArm]) -> R<'d> {
        let v = self.eval(scrutinee)?;
        for arm in arms {
            for p in &arm.patterns {
                if matches_pattern(&v, p).map_err(Self::fail(id))? {
                    self.note(id, || format!("match arm `{}`", arm.label));
                    return self.eval(arm.value);
                }
            }
        }
        Err(Fail::at(
            id,
            format!("no arm of the match covers {}", v.display()),
        ))
    }

    #[inline(never)]
    fn table_node(&mut self, id: NodeId, table: u32, key: NodeId) -> R<'d> {
        let plan = self.plan;
        let k = self.eval(key)?;
        let t = &plan.tables[table as usize];
        // JSON strings are looked up in place: no copy per lookup.
        let k = match k {
            Value::Json(j) if j.is_str() => {
                let s = j.as_str().unwrap_or_default();
                if let Some(i) = t.text.get(s) {
                    let (v, line) = &t.values[*i as usize];
                    if self.trace.is_some() {
                        self.note(id, || format!("table {}[{s}] (line {line})", t.name));
                    }
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
            self.note(id, || {
                format!("table {}[{}] (line {line})", t.name, k.display())
            });
            return match v {
                Ok(v) => Ok(v.clone()),
                Err(m) => Err(Fail::at(id, m.replace("{value}", &k.display()))),
            };
        }
        match &t.default {
            TableDefault::Value(v) => {
                self.note(id, || {
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

    fn eval(&mut self, id: NodeId) -> R<'d> {
        let plan = self.plan;
        match &plan.nodes[id as usize] {
            Node::Const(v) => Ok(v.clone()),
            Node::Param(i) => Ok(self.params[*i as usize].clone()),
            Node::Root => Ok(Value::Json(self.doc)),
            Node::Local(v) => Ok(self.locals[*v as usize].clone()),
            Node::Cached { slot, expr } => {
                let s = *slot as usize;
                if let Some(v) = &self.slots[s] {
                    let v = v.clone();
                    if let (Some(t), Some(notes)) = (self.trace.as_mut(), self.slot_notes.get(s)) {
                        t.extend(notes.iter().cloned());
                    }
                    return Ok(v);
                }
                let mark = self.trace.as_ref().map(Vec::len);
                let v = self.eval(*expr)?;
                self.slots[s] = Some(v.clone());
                if let (Some(t), Some(mark)) = (self.trace.as_ref(), mark) {
                    if self.slot_notes.len() <= s {
                        self.slot_notes.resize(s + 1, Vec::new());
                    }
                    self.slot_notes[s] = t[mark..].to_vec();
                }
                Ok(v)
            }
            Node::Get { base, key } => {
                let b = self.eval(*base)?;
                b.get(key).map_err(Self::fail(id))
            }
            Node::Index { base, index } => self.index_node(id, *base, *index),
            Node::Where { list, cond, var } => self.where_node(id, *list, *cond, *var),
            Node::Call { builtin, args, var } => {
                // Arguments go on a stack shared by every call, so a call allocates nothing.
                let base = self.stack.len();
                let r = self.call(id, builtin, args, *var, base);
                self.stack.truncate(base);
                r
            }
            Node::Not(x) => {
                let v = self.eval(*x)?;
                Ok(Value::Bool(!self.cond(&v, *x)?))
            }
            Node::Neg(x) => {
                let v = self.eval(*x)?.resolve();
                Ok(match v {
                    Value::Int(n) => Value::Int(
                        n.checked_neg()
                            .ok_or_else(|| Fail::at(id, "negation overflows"))?,
                    ),
                    v if v.is_absent() => Value::Null,
                    v => Value::Decimal(-v.as_decimal().map_err(Self::fail(id))?),
                })
            }
            Node::Binary(op, a, b) => {
                let a = self.eval(*a)?;
                let b = self.eval(*b)?;
                binary(*op, a, b).map_err(Self::fail(id))
            }
            Node::And(a, b) => {
                let va = self.eval(*a)?;
                if !self.cond(&va, *a)? {
                    return Ok(Value::Bool(false));
                }
                let vb = self.eval(*b)?;
                Ok(Value::Bool(self.cond(&vb, *b)?))
            }
            Node::Or(a, b) => {
                let va = self.eval(*a)?;
                if self.cond(&va, *a)? {
                    return Ok(Value::Bool(true));
                }
                let vb = self.eval(*b)?;
                Ok(Value::Bool(self.cond(&vb, *b)?))
            }
            Node::Implies(a, b) => {
                let va = self.eval(*a)?;
                if !self.cond(&va, *a)? {
                    return Ok(Value::Bool(true));
                }
                let vb = self.eval(*b)?;
                Ok(Value::Bool(self.cond(&vb, *b)?))
            }
            Node::Coalesce(a, b) => {
                let va = self.eval(*a)?;
                if va.is_absent() {
                    self.note(id, || "`??` took the default".into());
                    self.eval(*b)
                } else {
                    Ok(va)
                }
            }
            Node::If(c, t, e) => {
                let vc = self.eval(*c)?;
                if self.cond(&vc, *c)? {
                    self.note(id, || "if → then".into());
                    self.eval(*t)
                } else {
                    self.note(id, || "if → else".into());
                    self.eval(*e)
                }
            }
            Node::Match { scrutinee, arms } => self.match_node(id, *scrutinee, arms),
            Node::InSet(x, set) => {
                let v = self.eval(*x)?;
                Ok(Value::Bool(set.iter().any(|s| equals(&v, s))))
            }
            Node::InList(x, items) => {
                let v = self.eval(*x)?;
                for i in items {
                    let w = self.eval(*i)?;
                    if equals(&v, &w) {
                        return Ok(Value::Bool(true));
                    }
                }
                Ok(Value::Bool(false))
            }
            Node::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.eval(*i)?);
                }
                Ok(Value::List(Arc::new(out)))
            }
            Node::Table { table, key } => self.table_node(id, *table, *key),
            Node::SegField { kind, field } => {
                let Some(record) = self.record else {
                    return Ok(Value::Null);
                };
                let seg = match kind {
                    SegmentKind::Base => Some(&record.base),
                    k => record.appended().find(|s| s.kind() == *k),
                };
                Ok(match seg {
                    Some(s) => decode_field(field, s.raw(field)),
                    None => Value::Null,
                })
            }
        }
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

/// Writes a value into a field's bytes, as the layout says. A missing value is an error (the
/// mapping gave no default); none writes the field's empty fill.
pub(crate) fn write_field(field: &Field, v: &Value<'_>, out: &mut [u8]) -> Result<(), String> {
    let date_field = matches!(field.ty, FieldType::Date | FieldType::Timestamp);
    let fv = match v {
        Value::Missing => {
            return Err("the value is missing from the document (give a default with `??`)".into())
        }
        Value::Null => FieldValue::Empty,
        Value::Json(j) if j.is_null() => FieldValue::Empty,
        Value::Text(_) | Value::Json(_) if date_field && v.as_text().is_ok() => {
            match v.as_date().map_err(|e| e.0)? {
                Some(d) => FieldValue::Date(d),
                None => FieldValue::Empty,
            }
        }
        Value::Text(s) => FieldValue::Text(s),
        Value::Json(j) if j.is_str() => FieldValue::Text(j.as_str().unwrap_or_default()),
        Value::Int(n) => FieldValue::Int(*n),
        Value::Decimal(_) => FieldValue::Int(v.as_int().map_err(|e| e.0)?),
        Value::Json(j) if j.is_number() => FieldValue::Int(v.as_int().map_err(|e| e.0)?),
        Value::Date(d) => FieldValue::Date(*d),
        other => {
            return Err(format!(
                "{} cannot be written into a field",
                match other {
                    Value::Json(j) => format!("a JSON {}", crate::value::json_kind(j)),
                    o => format!("a {}", o.kind()),
                }
            ))
        }
    };
    encode(field, &fv, out).map_err(|e| e.to_string())
}
