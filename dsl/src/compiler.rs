//! The compiler: lowers the checked tree into an `engine` plan.
//!
//! What it does for speed: identical expressions become one node (hash-consing); every path
//! into the document and every built-in call that does not depend on an element variable is
//! a cached node, computed at most once per document; constant sub-expressions are computed
//! here; `let`s are lowered only when something live uses them, so dead ones vanish; tables
//! become hash maps; and constant fields are written into the segment templates now, so per
//! document only the computed fields are written.

use std::collections::HashMap;

use metro2_engine::layout::Field;
use metro2_engine::plan::{
    ConstantField, FieldWrite, LetNode, MatchArm, Node, NodeId, ParamSpec, Plan, RulePlan,
    SegmentPlan, Skip, Table, TableDefault,
};
use metro2_engine::value::Value;
use metro2_engine::{field, FieldError, FieldValue};

use crate::checker::{Checked, HExpr, HKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::LineIndex;

struct Compiler<'c> {
    checked: &'c Checked,
    /// The file's text (run-time messages quote expressions from it).
    source: &'c str,
    lines: LineIndex,
    plan: Plan,
    /// Locals each node depends on (empty: the node is the same for the whole document).
    deps: Vec<Vec<u32>>,
    interned: HashMap<String, NodeId>,
    lets: HashMap<u32, NodeId>,
    diags: Vec<Diagnostic>,
}

/// Compiles a checked file. Returns the plan and the diagnostics only the compiler can give
/// (constants that do not fit their fields).
pub fn compile(checked: &Checked, source: &str, file_name: &str) -> (Plan, Vec<Diagnostic>) {
    let mut c = Compiler {
        checked,
        source,
        lines: LineIndex::new(source),
        plan: Plan {
            source_name: file_name.to_string(),
            locals: checked.locals,
            params: checked
                .params
                .iter()
                .map(|p| ParamSpec {
                    name: p.name.clone(),
                    ty: p.ty.clone(),
                })
                .collect(),
            ..Plan::default()
        },
        deps: Vec::new(),
        interned: HashMap::new(),
        lets: HashMap::new(),
        diags: Vec::new(),
    };
    c.tables();
    for s in &checked.skips {
        let cond = c.lower(&s.cond);
        c.constant_condition(cond, &s.cond, false);
        c.plan.skips.push(Skip {
            cond,
            reason: s.reason.clone(),
            line: s.line,
        });
    }
    for s in &checked.segments {
        c.segment(s);
    }
    for r in &checked.rules {
        let cond = c.lower(&r.cond);
        c.constant_condition(cond, &r.cond, true);
        c.plan.rules.push(RulePlan {
            id: r.id.clone(),
            severity: r.severity,
            message: r.message.clone(),
            cond,
            line: r.line,
        });
    }
    c.uncache_single_uses();
    (c.plan, c.diags)
}

/// Compiles one checked expression into a plan of its own (no segments): for evaluating
/// constant expressions such as built-in examples.
pub fn compile_expr(checked: &Checked, source: &str, h: &HExpr) -> (Plan, NodeId) {
    let mut c = Compiler {
        checked,
        source,
        lines: LineIndex::new(source),
        plan: Plan {
            locals: checked.locals,
            ..Plan::default()
        },
        deps: Vec::new(),
        interned: HashMap::new(),
        lets: HashMap::new(),
        diags: Vec::new(),
    };
    let id = c.lower(h);
    (c.plan, id)
}

impl Compiler<'_> {
    /// A cached node evaluated once per document gains nothing from its slot: it is computed
    /// in place instead. Nodes evaluated more than once keep it: read from several places, or
    /// from one place that is itself evaluated more than once (a table lookup in a `let` and
    /// again in a rule, both around the same call), or inside a loop (a `where`, a per-element
    /// argument, a repeated segment), which would recompute them.
    fn uncache_single_uses(&mut self) {
        let n = self.plan.nodes.len();
        // How often a document evaluates each node (2 stands for "more than once"), and
        // whether it runs once per element of a loop.
        let mut evals = vec![0u32; n];
        let mut in_loop = vec![false; n];
        let mut top = |id: NodeId, looped: bool| {
            evals[id as usize] = (evals[id as usize] + 1).min(2);
            in_loop[id as usize] |= looped;
        };
        for s in &self.plan.skips {
            top(s.cond, false);
        }
        for r in &self.plan.rules {
            top(r.cond, false);
        }
        for s in &self.plan.segments {
            if let Some((list, _)) = s.each {
                top(list, false);
            }
            if let Some(w) = s.when {
                top(w, false);
            }
            for w in &s.writes {
                top(w.expr, s.each.is_some());
            }
        }
        // A node is pushed after the nodes it reads, so going down the ids meets every
        // parent before its children, with its own count complete.
        for i in (0..n).rev() {
            if evals[i] == 0 && !in_loop[i] {
                continue;
            }
            if let Node::Cached { expr, .. } = self.plan.nodes[i] {
                if evals[i] > 1 || in_loop[i] {
                    // Kept: its expression runs once per document, wherever it is read.
                    let e = expr as usize;
                    evals[e] = (evals[e] + 1).min(2);
                    continue;
                }
                self.plan.nodes[i] = self.plan.nodes[expr as usize].clone();
            }
            // A node that reads an element variable runs once per element, and so do all its
            // children; otherwise only a `where` condition and a per-element argument do (the
            // list itself is computed once).
            let all_looped = !self.deps[i].is_empty() || in_loop[i];
            let node = &self.plan.nodes[i];
            let looped_children: Vec<(NodeId, bool)> = match node {
                Node::Where { list, cond, .. } => vec![(*list, all_looped), (*cond, true)],
                Node::Call { builtin, args, .. } => args
                    .iter()
                    .zip(builtin.params.iter())
                    .map(|(a, p)| (*a, all_looped || p.per_element))
                    .collect(),
                _ => node
                    .children()
                    .into_iter()
                    .map(|c| (c, all_looped))
                    .collect(),
            };
            for (c, looped) in looped_children {
                let c = c as usize;
                evals[c] = (evals[c] + evals[i]).min(2);
                in_loop[c] |= looped;
            }
        }
    }

    fn tables(&mut self) {
        for t in &self.checked.tables {
            let mut table = Table {
                name: t.name.clone(),
                default_line: t.line,
                ..Table::default()
            };
            for (key, value, line) in &t.arms {
                match key {
                    None => {
                        if matches!(table.default, TableDefault::None) {
                            table.default = match value {
                                Ok(v) => TableDefault::Value(v.clone()),
                                Err(m) => TableDefault::Error(m.clone()),
                            };
                            table.default_line = *line;
                        }
                    }
                    Some(k) => {
                        let idx = table.values.len() as u32;
                        table.values.push((value.clone(), *line));
                        // The first arm for a key wins (later duplicates were reported).
                        match k {
                            Value::Int(n) => {
                                table.ints.entry(*n).or_insert(idx);
                            }
                            Value::Bool(b) => {
                                table.text.entry(b.to_string().into()).or_insert(idx);
                            }
                            other => {
                                table.text.entry(other.display().into()).or_insert(idx);
                            }
                        }
                    }
                }
            }
            self.plan.tables.push(table);
        }
    }

    fn segment(&mut self, s: &crate::checker::HSegment) {
        let each = s.each.as_ref().map(|(list, var)| (self.lower(list), *var));
        let when = s.when.as_ref().map(|w| self.lower(w));
        let mut template = s.kind.layout().blank();
        let mut writes = Vec::new();
        let mut constants = Vec::new();
        for f in &s.fields {
            let node = self.lower(&f.value);
            if let Node::Const(v) = &self.plan.nodes[node as usize] {
                let v = v.clone();
                match encode_constant(f.field, &v, &mut template[f.field.range()]) {
                    Ok(()) => {
                        constants.push(ConstantField {
                            field: f.field,
                            line: f.line,
                            source: f.source.clone(),
                        });
                        continue;
                    }
                    Err(e) => {
                        self.constant_error(f.field, &v, e, f.span);
                        continue;
                    }
                }
            }
            writes.push(FieldWrite {
                field: f.field,
                expr: node,
                line: f.line,
                source: f.source.clone(),
            });
        }
        writes.sort_by_key(|w| w.field.index);
        constants.sort_by_key(|c| c.field.index);
        self.plan.segments.push(SegmentPlan {
            kind: s.kind,
            template,
            each,
            when,
            writes,
            constants,
            line: s.line,
        });
    }

    /// A rule's (`rule`) or skip's condition that folded to a constant does the same for every
    /// loan: a warning (M2M036) saying what. A condition with a part the checker rejected is
    /// left alone (that part stands in as none).
    fn constant_condition(&mut self, cond: NodeId, h: &HExpr, rule: bool) {
        let Some(v) = self.const_of(cond) else {
            return;
        };
        let holds = match v {
            Value::Null | Value::Missing => false,
            Value::Bool(b) => *b,
            _ => return,
        };
        // Through the lets it reads too: a let whose value could not be read (a syntax error)
        // folds to none as well.
        let mut stack = vec![h];
        let mut seen = std::collections::HashSet::new();
        while let Some(x) = stack.pop() {
            match x.kind {
                HKind::Error => return,
                HKind::Let(i) if seen.insert(i) => {
                    if let Some(l) = self.checked.lets.get(i as usize) {
                        stack.push(&l.value);
                    }
                }
                _ => {}
            }
            stack.extend(crate::checker::children(x));
        }
        let always = if holds { "true" } else { "false" };
        let (what, help) = if rule {
            (
                "rule",
                "a rule states what must hold for each record: compare the record's fields (`base.account_status == ...`) or the loan's values",
            )
        } else {
            (
                "skip",
                "a skip names the loans to leave out: compare the loan's values (`deleted == 1`)",
            )
        };
        let effect = match (rule, holds) {
            (true, false) => "the rule fails every record",
            (true, true) => "the rule never fails",
            (false, true) => "every loan is skipped",
            (false, false) => "no loan is ever skipped",
        };
        self.diags.push(
            Diagnostic::new(
                Code::ConstantCondition,
                h.span,
                format!("this {what}'s condition is always {always}: {effect}"),
                format!("always {always}"),
            )
            .help(help),
        );
    }

    fn constant_error(&mut self, f: &Field, v: &Value<'_>, e: ConstError, span: crate::span::Span) {
        let d = match e {
            ConstError::Field(FieldError::TooWide { need, width, .. }) => {
                let numeric = f.ty == metro2_engine::layout::FieldType::Numeric;
                let unit = if numeric { "digit" } else { "character" };
                let units = |n: usize| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
                let help = if numeric {
                    format!(
                        "use a number of at most {} (up to {}), or compute it",
                        units(width),
                        "9".repeat(width)
                    )
                } else {
                    format!("shorten it to {} or fewer", units(width))
                };
                Diagnostic::new(
                    Code::TooWide,
                    span,
                    format!(
                        "{} is {} wide; `{}` holds {}",
                        show(v),
                        units(need),
                        f.key,
                        units(width)
                    ),
                    units(need),
                )
                .help(help)
            }
            ConstError::Field(other) => Diagnostic::new(
                Code::FieldType,
                span,
                format!("{} cannot be written into `{}`: {other}", show(v), f.key),
                "does not fit the field",
            ),
            ConstError::Missing => return,
        };
        self.diags.push(d);
    }

    fn push(&mut self, node: Node, line: u32, deps: Vec<u32>) -> NodeId {
        // Identical nodes are shared. The key is the node's Debug text, which is faithful for
        // everything but engine objects (shown by type name only): those are never shared.
        let key = match &node {
            Node::Const(v) if holds_opaque(v) => None,
            n => Some(format!("{n:?}")),
        };
        if let Some(id) = key.as_ref().and_then(|k| self.interned.get(k)) {
            return *id;
        }
        let id = self.plan.nodes.len() as NodeId;
        self.plan.nodes.push(node);
        self.plan.lines.push(line);
        // Its text is set by the `lower` that made it (or `lower_let`).
        self.plan.texts.push(Box::from(""));
        self.deps.push(deps);
        if let Some(key) = key {
            self.interned.insert(key, id);
        }
        id
    }

    fn constant(&mut self, v: Value<'static>, line: u32) -> NodeId {
        self.push(Node::Const(v), line, Vec::new())
    }

    fn is_const(&self, id: NodeId) -> bool {
        matches!(self.plan.nodes[id as usize], Node::Const(_))
    }

    fn const_of(&self, id: NodeId) -> Option<&Value<'static>> {
        match &self.plan.nodes[id as usize] {
            Node::Const(v) => Some(v),
            _ => None,
        }
    }

    /// Wraps a document-invariant node so it is computed once per document.
    fn cached(&mut self, id: NodeId, name: String, line: u32) -> NodeId {
        if !self.deps[id as usize].is_empty() || self.is_const(id) {
            return id;
        }
        if let Node::Cached { .. } = self.plan.nodes[id as usize] {
            return id;
        }
        let key = format!("cache {id}");
        if let Some(c) = self.interned.get(&key) {
            return *c;
        }
        let slot = self.plan.slots;
        self.plan.slots += 1;
        self.plan.slot_names.push(name);
        let c = self.push(Node::Cached { slot, expr: id }, line, Vec::new());
        self.interned.insert(key, c);
        c
    }

    /// Computes a node whose inputs are all constants, now.
    fn fold(&mut self, id: NodeId) -> NodeId {
        match self.plan.eval_constant(id) {
            Ok(v) => {
                let line = self.plan.line_of(id);
                self.constant(v, line)
            }
            // A constant expression that fails fails for every document: leave it to run time,
            // where the error names the document and the line.
            Err(_) => id,
        }
    }

    fn union(&self, ids: &[NodeId], minus: Option<u32>) -> Vec<u32> {
        let mut out: Vec<u32> = ids
            .iter()
            .flat_map(|i| self.deps[*i as usize].iter().copied())
            .filter(|v| Some(*v) != minus)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Lowers an expression, and gives the nodes made for it (not those of its parts, which
    /// have theirs) its text as written.
    fn lower(&mut self, h: &HExpr) -> NodeId {
        let before = self.plan.texts.len();
        let id = self.lower_node(h);
        if self.plan.texts[before..].iter().any(|t| t.is_empty()) {
            let text = written(h.span.text(self.source));
            for t in &mut self.plan.texts[before..] {
                if t.is_empty() {
                    *t = text.clone();
                }
            }
        }
        id
    }

    fn lower_node(&mut self, h: &HExpr) -> NodeId {
        let line = self.lines.line(h.span.start);
        match &h.kind {
            HKind::Const(v) => self.constant(v.clone(), line),
            HKind::Error => self.constant(Value::Null, line),
            HKind::Param(i) => self.push(Node::Param(*i), line, Vec::new()),
            HKind::Root => self.push(Node::Root, line, Vec::new()),
            HKind::Local(v) => self.push(Node::Local(*v), line, vec![*v]),
            HKind::Let(i) => self.lower_let(*i, line),
            HKind::Get(base, key) => {
                let b = self.lower(base);
                let deps = self.union(&[b], None);
                let id = self.push(
                    Node::Get {
                        base: b,
                        key: key.as_str().into(),
                    },
                    line,
                    deps,
                );
                let name = format!("path {}", self.plan.expr(id));
                self.cached(id, name, line)
            }
            HKind::Index(base, idx) => {
                let b = self.lower(base);
                let i = self.lower(idx);
                let deps = self.union(&[b, i], None);
                let id = self.push(Node::Index { base: b, index: i }, line, deps);
                if self.is_const(b) && self.is_const(i) {
                    return self.fold(id);
                }
                let name = format!("path {}", self.plan.expr(id));
                self.cached(id, name, line)
            }
            HKind::Where(list, cond, var) => {
                let l = self.lower(list);
                let c = self.lower(cond);
                let deps = self.union(&[l, c], Some(*var));
                let id = self.push(
                    Node::Where {
                        list: l,
                        cond: c,
                        var: *var,
                    },
                    line,
                    deps,
                );
                let name = format!("filter {}", self.plan.expr(l));
                self.cached(id, name, line)
            }
            HKind::Call(b, args, var) => {
                let ids: Vec<NodeId> = args.iter().map(|a| self.lower(a)).collect();
                let per_element = b.params.iter().any(|p| p.per_element);
                let deps = self.union(&ids, per_element.then_some(*var));
                let all_const = ids.iter().all(|i| self.is_const(*i));
                let id = self.push(
                    Node::Call {
                        builtin: b,
                        args: ids,
                        var: *var,
                    },
                    line,
                    deps,
                );
                if all_const && b.is_pure() {
                    return self.fold(id);
                }
                let name = format!("call {}()", b.name);
                self.cached(id, name, line)
            }
            HKind::Not(x) => {
                let x = self.lower(x);
                let deps = self.union(&[x], None);
                let id = self.push(Node::Not(x), line, deps);
                self.fold_if_const(id, &[x])
            }
            HKind::Neg(x) => {
                let x = self.lower(x);
                let deps = self.union(&[x], None);
                let id = self.push(Node::Neg(x), line, deps);
                self.fold_if_const(id, &[x])
            }
            HKind::Binary(op, a, b) => {
                let a = self.lower(a);
                let b = self.lower(b);
                let deps = self.union(&[a, b], None);
                let id = self.push(Node::Binary(*op, a, b), line, deps);
                self.fold_if_const(id, &[a, b])
            }
            HKind::And(a, b) | HKind::Or(a, b) | HKind::Implies(a, b) => {
                let la = self.lower(a);
                let lb = self.lower(b);
                // A constant left side decides alone, or leaves the right side.
                if let Some(v) = self.const_of(la).cloned() {
                    let yes = matches!(v, Value::Bool(true));
                    let decided = match &h.kind {
                        HKind::And(..) => (!yes).then_some(false),
                        HKind::Or(..) => yes.then_some(true),
                        _ => (!yes).then_some(true),
                    };
                    if let Some(d) = decided {
                        return self.constant(Value::Bool(d), line);
                    }
                }
                let deps = self.union(&[la, lb], None);
                let node = match &h.kind {
                    HKind::And(..) => Node::And(la, lb),
                    HKind::Or(..) => Node::Or(la, lb),
                    _ => Node::Implies(la, lb),
                };
                let id = self.push(node, line, deps);
                self.fold_if_const(id, &[la, lb])
            }
            HKind::Coalesce(a, b) => {
                let la = self.lower(a);
                if let Some(v) = self.const_of(la) {
                    if !v.is_absent() {
                        return la;
                    }
                    return self.lower(b);
                }
                let lb = self.lower(b);
                let deps = self.union(&[la, lb], None);
                self.push(Node::Coalesce(la, lb), line, deps)
            }
            HKind::If(c, t, e) => {
                let lc = self.lower(c);
                if let Some(v) = self.const_of(lc) {
                    return if matches!(v, Value::Bool(true)) {
                        self.lower(t)
                    } else {
                        self.lower(e)
                    };
                }
                let lt = self.lower(t);
                let le = self.lower(e);
                let deps = self.union(&[lc, lt, le], None);
                self.push(Node::If(lc, lt, le), line, deps)
            }
            HKind::Match(s, arms) => {
                let ls = self.lower(s);
                let mut ids = vec![ls];
                let mut parms = Vec::new();
                for a in arms {
                    let v = self.lower(&a.value);
                    ids.push(v);
                    parms.push(MatchArm {
                        patterns: a.patterns.clone(),
                        value: v,
                        label: a.label.clone(),
                    });
                }
                let deps = self.union(&ids, None);
                let id = self.push(
                    Node::Match {
                        scrutinee: ls,
                        arms: parms,
                    },
                    line,
                    deps,
                );
                if self.is_const(ls) {
                    return self.fold(id);
                }
                id
            }
            HKind::In(x, items) => {
                let lx = self.lower(x);
                let ids: Vec<NodeId> = items.iter().map(|i| self.lower(i)).collect();
                let mut all = vec![lx];
                all.extend(&ids);
                let deps = self.union(&all, None);
                let consts: Option<Vec<Value<'static>>> =
                    ids.iter().map(|i| self.const_of(*i).cloned()).collect();
                let id = match consts {
                    Some(set) => self.push(Node::InSet(lx, set), line, deps),
                    None => self.push(Node::InList(lx, ids), line, deps),
                };
                self.fold_if_const(id, &[lx])
            }
            HKind::List(items) => {
                let ids: Vec<NodeId> = items.iter().map(|i| self.lower(i)).collect();
                let deps = self.union(&ids, None);
                let id = self.push(Node::List(ids.clone()), line, deps);
                self.fold_if_const(id, &ids)
            }
            HKind::Table(t, key) => {
                let k = self.lower(key);
                let deps = self.union(&[k], None);
                let id = self.push(Node::Table { table: *t, key: k }, line, deps);
                self.fold_if_const(id, &[k])
            }
            HKind::SegField(kind, f) => {
                let id = self.push(
                    Node::SegField {
                        kind: *kind,
                        field: f,
                    },
                    line,
                    Vec::new(),
                );
                // Only rules read segments, once the record is written, so a field read by
                // several rules is decoded once (the preset's rules read account_status nine
                // times).
                self.cached(id, format!("field {kind}.{}", f.key), line)
            }
        }
    }

    /// Let `i`, read on `line`, lowered on first use. A let may use only the lets above it,
    /// so the lets it builds on are lowered first, deepest first, each with its own lets
    /// already done: lowering a let never recurses into another, and a chain of lets as long
    /// as M2M033 allows costs no stack here.
    fn lower_let(&mut self, i: u32, line: u32) -> NodeId {
        if let Some(id) = self.lets.get(&i) {
            return *id;
        }
        // Depth first, each let's uses in the order they are written, as lowering them where
        // they are met would: the same lets end up in the same slots.
        let mut stack = vec![(i, line, let_uses(&self.checked.lets[i as usize].value))];
        while let Some((j, _, uses)) = stack.last_mut() {
            let j = *j;
            if let Some((used, at)) = uses.pop() {
                if used < j && !self.lets.contains_key(&used) {
                    let value = &self.checked.lets[used as usize].value;
                    let at = self.lines.line(at);
                    stack.push((used, at, let_uses(value)));
                }
                continue;
            }
            let (_, at, _) = stack.pop().expect("the loop's own entry");
            if self.lets.contains_key(&j) {
                continue;
            }
            let l = &self.checked.lets[j as usize];
            let inner = self.lower(&l.value);
            let id = self.cached(inner, format!("let {}", l.name), at);
            self.lets.insert(j, id);
            // Where it is read, a let is written as its name.
            if self.plan.texts[id as usize].is_empty() {
                self.plan.texts[id as usize] = l.name.as_str().into();
            }
            // A constant cannot fail, and is shared with every other use of the value.
            if !self.is_const(id) {
                self.plan.lets.push(LetNode {
                    node: id,
                    name: l.name.clone(),
                    line: l.line,
                });
            }
        }
        self.lets[&i]
    }

    fn fold_if_const(&mut self, id: NodeId, inputs: &[NodeId]) -> NodeId {
        if inputs.iter().all(|i| self.is_const(*i)) {
            self.fold(id)
        } else {
            id
        }
    }
}

/// The lets an expression uses, each with the offset it is read at, last written first (to be
/// popped in the order they are written).
fn let_uses(h: &HExpr) -> Vec<(u32, usize)> {
    let mut uses = Vec::new();
    let mut todo = vec![h];
    while let Some(h) = todo.pop() {
        if let HKind::Let(i) = h.kind {
            uses.push((i, h.span.start));
        }
        todo.extend(crate::checker::children(h).into_iter().rev());
    }
    uses.reverse();
    uses
}

/// The longest expression text a plan keeps, in characters: a message names an argument, it
/// does not reprint a page of the file.
const TEXT_MAX: usize = 60;

/// An expression's text as a message quotes it: on one line, cut at [`TEXT_MAX`] characters.
fn written(text: &str) -> Box<str> {
    crate::span::one_line_cut(text, TEXT_MAX).into()
}

fn holds_opaque(v: &Value<'_>) -> bool {
    match v {
        Value::Opaque(_) => true,
        Value::List(items) => items.iter().any(holds_opaque),
        _ => false,
    }
}

enum ConstError {
    Field(FieldError),
    Missing,
}

fn show(v: &Value<'_>) -> String {
    match v {
        Value::Text(s) => format!("{s:?}"),
        other => other.display(),
    }
}

/// Writes a constant into the template, as the plan would at run time.
fn encode_constant(f: &Field, v: &Value<'_>, out: &mut [u8]) -> Result<(), ConstError> {
    let fv = match v {
        Value::Null => FieldValue::Empty,
        Value::Text(s) => FieldValue::Text(s),
        Value::Int(n) => FieldValue::Int(*n),
        Value::Decimal(d) if d.fract().is_zero() => match i64::try_from(*d) {
            Ok(n) => FieldValue::Int(n),
            Err(_) => return Err(ConstError::Missing),
        },
        Value::Date(d) => FieldValue::Date(*d),
        _ => return Err(ConstError::Missing),
    };
    field::encode(f, &fv, out).map_err(ConstError::Field)
}
