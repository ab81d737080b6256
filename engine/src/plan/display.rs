//! The plan in readable text, for reviewers (`metro2 plan`).

use std::fmt::{self, Write as _};

use super::{Node, NodeId, Pattern, Plan, TableDefault};
use crate::value::Value;

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "plan of {}", self.source_name)?;
        writeln!(
            f,
            "  {} nodes, {} cached slots, {} element variables",
            self.nodes.len(),
            self.slots,
            self.locals
        )?;
        if !self.params.is_empty() {
            writeln!(f, "\nparams")?;
            for (i, p) in self.params.iter().enumerate() {
                writeln!(f, "  p{i} {}: {}", p.name, p.ty)?;
            }
        }
        let mut slots: Vec<(u32, NodeId)> = self
            .nodes
            .iter()
            .filter_map(|n| match n {
                Node::Cached { slot, expr } => Some((*slot, *expr)),
                _ => None,
            })
            .collect();
        slots.sort_unstable();
        slots.dedup_by_key(|s| s.0);
        if !slots.is_empty() {
            writeln!(
                f,
                "\nslots (each computed at most once per document, on first use)"
            )?;
            // One width for every `$N`, so the names and expressions line up past `$9`.
            let width = slots
                .iter()
                .map(|(slot, _)| format!("${slot}").len())
                .max()
                .unwrap_or(0);
            for (slot, expr) in slots {
                let name = self
                    .slot_names
                    .get(slot as usize)
                    .map(String::as_str)
                    .unwrap_or("");
                let label = format!("${slot}");
                writeln!(f, "  {label:<width$} {name:<28} = {}", self.expr(expr))?;
            }
        }
        let payments = super::counted::payments_reads(self);
        let mut objects: Vec<_> = super::scan::keys_by_base(self, &payments)
            .into_iter()
            .collect();
        if !objects.is_empty() {
            objects.sort_by_key(|(base, _)| match base {
                super::scan::Base::Root => None,
                super::scan::Base::Slot(s) => Some(*s),
            });
            writeln!(
                f,
                "\nobjects read in one pass (the keys read of each are found in one scan, on first use)"
            )?;
            for (base, keys) in objects {
                let name = match base {
                    super::scan::Base::Root => "the document".to_string(),
                    super::scan::Base::Slot(s) => format!("${s}"),
                };
                writeln!(f, "  {name}: {}", keys.join(", "))?;
            }
        }
        if !payments.is_empty() {
            writeln!(
                f,
                "\nthe document's Payments are read only by delinquency(): their rows are read \
                 straight from the text into counted payments, not parsed into nodes"
            )?;
        }
        if !self.tables.is_empty() {
            writeln!(f, "\ntables (hash lookups)")?;
            for (i, t) in self.tables.iter().enumerate() {
                let default = match &t.default {
                    TableDefault::None => "no default: error".to_string(),
                    TableDefault::Value(v) => format!("_ => {}", lit(v)),
                    TableDefault::Error(m) => format!("_ => error {m:?}"),
                };
                let n = t.text.len() + t.ints.len();
                let keys = if n == 1 { "key" } else { "keys" };
                writeln!(f, "  t{i} {}: {n} {keys}; {default}", t.name)?;
            }
        }
        for s in &self.skips {
            writeln!(
                f,
                "\nskip when {}  => {:?}  (line {})",
                self.expr(s.cond),
                s.reason,
                s.line
            )?;
        }
        for s in &self.segments {
            write!(f, "\nsegment {} (line {})", s.kind, s.line)?;
            if let Some((list, var)) = s.each {
                write!(f, " for each @{var} in {}", self.expr(list))?;
            }
            if let Some(c) = s.when {
                write!(f, " when {}", self.expr(c))?;
            }
            writeln!(
                f,
                "\n  template: {} bytes, {} constant fields folded in",
                s.template.len(),
                s.constants.len()
            )?;
            for c in &s.constants {
                let text = String::from_utf8_lossy(&s.template[c.field.range()]);
                writeln!(
                    f,
                    "  const {:<34} [{:>3}..{:>3}] {:?}  (line {})",
                    c.field.key,
                    c.field.start,
                    c.field.end(),
                    text,
                    c.line
                )?;
            }
            for w in &s.writes {
                writeln!(
                    f,
                    "  write {:<34} [{:>3}..{:>3}] <- {}  (line {})",
                    w.field.key,
                    w.field.start,
                    w.field.end(),
                    self.expr(w.expr),
                    w.line
                )?;
            }
        }
        for r in &self.rules {
            writeln!(
                f,
                "\nrule {} {}: {}  (line {})",
                r.id,
                r.severity.name(),
                self.expr(r.cond),
                r.line
            )?;
        }
        Ok(())
    }
}

fn lit(v: &Value<'_>) -> String {
    match v {
        Value::Text(s) => format!("{s:?}"),
        Value::Date(d) => d.format("%Y-%m-%d").to_string(),
        Value::List(l) => {
            let items: Vec<String> = l.iter().map(lit).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.display(),
    }
}

impl Plan {
    /// One node as text: cached slots appear as `$N`, element variables as `@N`.
    pub fn expr(&self, id: NodeId) -> String {
        let mut s = String::new();
        self.write_expr(&mut s, id);
        s
    }

    fn write_expr(&self, out: &mut String, id: NodeId) {
        let Some(node) = self.nodes.get(id as usize) else {
            out.push('?');
            return;
        };
        let list = |this: &Plan, out: &mut String, items: &[NodeId]| {
            for (i, a) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                this.write_expr(out, *a);
            }
        };
        match node {
            Node::Const(v) => out.push_str(&lit(v)),
            Node::Param(i) => {
                let _ = write!(
                    out,
                    "{}",
                    self.params
                        .get(*i as usize)
                        .map(|p| p.name.as_str())
                        .unwrap_or("?")
                );
            }
            Node::Root => out.push_str("doc"),
            Node::Local(v) => {
                let _ = write!(out, "@{v}");
            }
            Node::Cached { slot, .. } => {
                let _ = write!(out, "${slot}");
            }
            Node::Get { base, key } => {
                if !matches!(self.nodes.get(*base as usize), Some(Node::Root)) {
                    self.operand(out, *base);
                    out.push('.');
                }
                out.push_str(key);
            }
            Node::Index { base, index } => {
                self.operand(out, *base);
                out.push('[');
                self.write_expr(out, *index);
                out.push(']');
            }
            Node::Where { list, cond, var } => {
                out.push('(');
                self.write_expr(out, *list);
                let _ = write!(out, " where @{var}: ");
                self.write_expr(out, *cond);
                out.push(')');
            }
            Node::Call { builtin, args, var } => {
                out.push_str(builtin.name);
                out.push('(');
                for (i, (a, p)) in args.iter().zip(&builtin.params).enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    if p.per_element {
                        let _ = write!(out, "each @{var}: ");
                    }
                    self.write_expr(out, *a);
                }
                out.push(')');
            }
            Node::Not(x) => {
                out.push_str("not ");
                self.operand(out, *x);
            }
            Node::Neg(x) => {
                out.push('-');
                self.operand(out, *x);
            }
            Node::Binary(op, a, b) => self.infix(out, op.symbol(), *a, *b),
            Node::And(a, b) => self.infix(out, "and", *a, *b),
            Node::Or(a, b) => self.infix(out, "or", *a, *b),
            Node::Implies(a, b) => self.infix(out, "implies", *a, *b),
            Node::Coalesce(a, b) => self.infix(out, "??", *a, *b),
            Node::If(c, t, e) => {
                out.push_str("if ");
                self.write_expr(out, *c);
                out.push_str(" then ");
                self.write_expr(out, *t);
                out.push_str(" else ");
                self.write_expr(out, *e);
            }
            Node::Match { scrutinee, arms } => {
                out.push_str("match ");
                self.write_expr(out, *scrutinee);
                out.push_str(" { ");
                for arm in arms {
                    let pats: Vec<String> = arm
                        .patterns
                        .iter()
                        .map(|p| match p {
                            Pattern::Any => "_".to_string(),
                            Pattern::Value(v) => lit(v),
                            Pattern::Range { lo, hi, inclusive } => format!(
                                "{}{}{}",
                                lit(lo),
                                if *inclusive { "..=" } else { ".." },
                                lit(hi)
                            ),
                        })
                        .collect();
                    let _ = write!(out, "{} => ", pats.join(" | "));
                    self.write_expr(out, arm.value);
                    out.push_str("  ");
                }
                out.push('}');
            }
            Node::InSet(x, set) => {
                self.operand(out, *x);
                let items: Vec<String> = set.iter().map(lit).collect();
                let _ = write!(out, " in set[{}]", items.join(", "));
            }
            Node::InList(x, items) => {
                self.operand(out, *x);
                out.push_str(" in [");
                list(self, out, items);
                out.push(']');
            }
            Node::List(items) => {
                out.push('[');
                list(self, out, items);
                out.push(']');
            }
            Node::Table { table, key } => {
                let name = self
                    .tables
                    .get(*table as usize)
                    .map(|t| t.name.as_str())
                    .unwrap_or("?");
                let _ = write!(out, "{name}[");
                self.write_expr(out, *key);
                out.push(']');
            }
            Node::SegField { kind, field } => {
                let _ = write!(out, "{kind}.{}", field.key);
            }
        }
    }

    /// An infix operation, in brackets: the listing reads without knowing the precedences.
    fn infix(&self, out: &mut String, op: &str, a: NodeId, b: NodeId) {
        out.push('(');
        self.operand(out, a);
        let _ = write!(out, " {op} ");
        self.operand(out, b);
        out.push(')');
    }

    /// An operand of an operator: in brackets when it is written without its own and would
    /// otherwise run into the operator (`x in set[...]`, `not x`, `if`, `match`), so that
    /// `(a in [..]) == b` is not listed as `a in set[..] == b`, which reads as `a in (.. == b)`.
    fn operand(&self, out: &mut String, id: NodeId) {
        let open = matches!(
            self.nodes.get(id as usize),
            Some(
                Node::InSet(..)
                    | Node::InList(..)
                    | Node::Not(_)
                    | Node::If(..)
                    | Node::Match { .. }
            )
        );
        if open {
            out.push('(');
            self.write_expr(out, id);
            out.push(')');
        } else {
            self.write_expr(out, id);
        }
    }
}
