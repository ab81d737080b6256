//! The state of one document's evaluation, and the failures the closures return.

use super::place::Place;
use super::program::Program;
use super::{NodeId, Plan};
use crate::json::Doc;
use crate::record::DataRecord;
use crate::value::{Value, ValueError};

/// A failure inside an expression, located by the node that failed. Boxed in results, so the
/// closures' `Result`s are no larger than a value (failures are rare; every closure returns).
pub(super) struct Fail {
    pub(super) message: String,
    pub(super) node: NodeId,
    /// Which `let` it happened in, as far as it has been worked out on the way out
    /// (`place.rs`).
    pub(super) place: Place,
}

impl Fail {
    /// A failure of `node`, boxed as results carry it.
    pub(super) fn at(node: NodeId, message: impl Into<String>) -> Box<Fail> {
        Box::new(Fail {
            message: message.into(),
            node,
            place: Place::Node,
        })
    }

    /// A failure over the value of `node` (missing where it is read): it is placed where it
    /// is read, not in the let `node` may be.
    pub(super) fn of_value(node: NodeId, message: impl Into<String>) -> Box<Fail> {
        Box::new(Fail {
            message: message.into(),
            node,
            place: Place::Read,
        })
    }
}

/// What a value closure returns.
pub(super) type R<'d> = Result<Value<'d>, Box<Fail>>;

/// Maps a value error to a failure of `node`.
pub(super) fn fail(node: NodeId) -> impl Fn(ValueError) -> Box<Fail> {
    move |e| Fail::at(node, e.0)
}

/// The state of one document's evaluation.
pub(super) struct Env<'e, 'd> {
    /// The plan (lines for messages, tables).
    pub(super) plan: &'e Plan,
    /// Its closures (the slots' closures are called through it).
    pub(super) prog: &'e Program,
    /// The document being mapped.
    pub(super) doc: &'d Doc,
    /// The document's `Payments` already counted, when they were read from its text
    /// ([`crate::loan::Loan`]).
    pub(super) payments: Option<&'d Value<'static>>,
    /// The parameters' values, in the plan's order.
    pub(super) params: &'e [Value<'static>],
    /// Cached values, each computed on first use.
    pub(super) slots: Vec<Option<Value<'d>>>,
    /// The element variables' current elements.
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
        payments: Option<&'d Value<'static>>,
        params: &'e [Value<'static>],
        explain: bool,
    ) -> Env<'e, 'd> {
        Env {
            plan,
            prog,
            doc,
            payments,
            params,
            slots: vec![None; prog.slot_count()],
            locals: vec![Value::Missing; plan.locals as usize],
            record: None,
            trace: explain.then(Vec::new),
            slot_notes: Vec::new(),
            stack: Vec::new(),
        }
    }

    /// Records a branch in explain mode; the text is only built when someone reads it.
    pub(super) fn note(&mut self, node: NodeId, what: impl FnOnce() -> String) {
        if let Some(t) = self.trace.as_mut() {
            t.push(format!("line {}: {}", self.plan.line_of(node), what()));
        }
    }

    /// The value of a cached slot, computed on first use.
    pub(super) fn slot(&mut self, s: usize) -> Result<&Value<'d>, Box<Fail>> {
        if self.slots[s].is_none() {
            self.fill(s)?;
        } else if self.trace.is_some() {
            if let (Some(t), Some(notes)) = (self.trace.as_mut(), self.slot_notes.get(s)) {
                t.extend(notes.iter().cloned());
            }
        }
        Ok(self.slots[s].as_ref().unwrap_or(&Value::Missing))
    }

    /// Explain mode: the value a `let` took, after the branches that decided it, so an analyst
    /// reads `let status = "71"` beside the fields that use it. A value computed from an SSN or
    /// a date of birth is not shown.
    #[cold]
    fn note_let(&mut self, s: usize, v: &Value<'d>) {
        // A customer object or a timeline in a few words says nothing the fields do not.
        let scalar = match v {
            Value::List(_) | Value::Opaque(_) => false,
            Value::Json(j) => !matches!(
                crate::json::node(j),
                crate::json::Node::Object(_) | crate::json::Node::Array(_)
            ),
            _ => true,
        };
        if !scalar {
            return;
        }
        let Some(&Some((slot, node))) = self.prog.origins.get(s) else {
            return;
        };
        let Some(name) = self
            .plan
            .slot_names
            .get(slot as usize)
            .and_then(|n| n.strip_prefix("let "))
        else {
            return;
        };
        let shown = if self.prog.is_sensitive(self.plan, node) {
            "(hidden: computed from an identity)".to_string()
        } else {
            v.brief()
        };
        let line = self.plan.line_of(node);
        if let Some(t) = self.trace.as_mut() {
            t.push(format!("line {line}: let {name} = {shown}"));
        }
    }

    /// Computes slot `s` (kept out of line: it runs once per slot and document).
    #[inline(never)]
    fn fill(&mut self, s: usize) -> Result<(), Box<Fail>> {
        let mark = self.trace.as_ref().map(Vec::len);
        let (plan, prog) = (self.plan, self.prog);
        let v = match prog.slot(s) {
            // On the way out of a slot, a failure learns which let it happened in (only when
            // something failed: the value's path is untouched).
            Some(code) => code(self).map_err(|e| super::place::left_slot(plan, prog, s, e))?,
            None => Value::Missing,
        };
        if self.trace.is_some() {
            self.note_let(s, &v);
        }
        self.slots[s] = Some(v);
        if let (Some(t), Some(mark)) = (self.trace.as_ref(), mark) {
            if self.slot_notes.len() <= s {
                self.slot_notes.resize(s + 1, Vec::new());
            }
            // Once each: a slot that reads another slot twice (a let built on the one before
            // in two places) would otherwise hold its notes twice, and a chain of such lets
            // twice as many at every link.
            let mut seen = std::collections::HashSet::new();
            self.slot_notes[s] = t[mark..]
                .iter()
                .filter(|n| seen.insert(n.as_str()))
                .cloned()
                .collect();
        }
        Ok(())
    }
}
