//! Which `let` a failure happened in, worked out only when something fails.
//!
//! A let read in several places is a cached slot, and a failure inside it leaves through the
//! slot's closure (`Env::fill`), which is told here. A let read in one place only is computed
//! where it is read and leaves no mark when it runs, so its part is found afterwards in the
//! plan: the nodes between the expression that was running (a slot's or a statement's) and the
//! node that failed. Nothing of this runs while a document maps: the closures are unchanged,
//! and the search is paid by failures alone.

use std::collections::HashMap;

use super::env::Fail;
use super::program::Program;
use super::{Node, NodeId, Plan};

/// How far the let of a failure is known.
#[derive(Debug, Clone, Copy)]
pub(super) enum Place {
    /// Not yet: the failing node is looked for from the expression it left.
    Node,
    /// Not yet, and the node is a value read, not what failed (a missing argument): it is
    /// looked for as with `Node`, but a let it is does not count (`f(amt)` failing for a
    /// missing `amt` fails in the reader, not in `amt`).
    Read,
    /// Not yet: it left the cached slot of this number, which is looked for instead.
    Slot(u32),
    /// Known: it happened in the let of this index of [`Plan::lets`].
    Let(u32),
}

/// A failure leaving slot `s` (dense, of `prog`): if it happened in a let, it says which now,
/// while the slot's expression is known.
#[cold]
pub(super) fn left_slot(plan: &Plan, prog: &Program, s: usize, mut e: Box<Fail>) -> Box<Fail> {
    if matches!(e.place, Place::Let(_)) {
        return e;
    }
    let Some(&Some((slot, expr))) = prog.origins.get(s) else {
        return e;
    };
    let inner = enclosing_let(plan, expr, &e);
    let own = || {
        plan.lets.iter().position(|l| {
            matches!(plan.nodes.get(l.node as usize), Some(Node::Cached { slot: t, .. }) if *t == slot)
        })
    };
    e.place = match inner.or_else(own) {
        Some(l) => Place::Let(l as u32),
        None => Place::Slot(slot),
    };
    e
}

/// The let a failure happened in, for the expression `root` it left (a field's, a skip's, a
/// rule's): `None` outside any let, or when it cannot be told which (see [`enclosing_let`]).
#[cold]
pub(super) fn let_of(plan: &Plan, root: NodeId, e: &Fail) -> Option<usize> {
    match e.place {
        Place::Let(l) => Some(l as usize),
        _ => enclosing_let(plan, root, e),
    }
}

/// What reaching the failure from a node says about the let it is in.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Reach {
    /// The failure is not under this node.
    No,
    /// It is, inside this let (the innermost on the way), or none.
    Yes(Option<usize>),
    /// It is, by ways through different lets: which one ran is not known.
    Unsure,
}

impl Reach {
    fn and(self, other: Reach) -> Reach {
        match (self, other) {
            (Reach::No, x) | (x, Reach::No) => x,
            (Reach::Yes(a), Reach::Yes(b)) if a == b => Reach::Yes(a),
            _ => Reach::Unsure,
        }
    }
}

/// The innermost let between `root` and where `e` left (its node, or the cached node of the
/// slot it came out of), not entering other slots (a failure inside one has been placed on its
/// way out). When the failure can be reached through different lets, none is named: a wrong
/// let would send the analyst to the wrong line.
fn enclosing_let(plan: &Plan, root: NodeId, e: &Fail) -> Option<usize> {
    let is_target = |n: NodeId| match e.place {
        Place::Slot(s) => {
            matches!(plan.nodes.get(n as usize), Some(Node::Cached { slot, .. }) if *slot == s)
        }
        _ => n == e.node,
    };
    let let_at = |n: NodeId| plan.lets.iter().position(|l| l.node == n);
    let mut reach: HashMap<NodeId, Reach> = HashMap::new();
    // Depth first without recursing: a chain of lets each read once is one long expression.
    let mut stack = vec![(root, false)];
    while let Some((n, children_done)) = stack.pop() {
        if reach.contains_key(&n) {
            continue;
        }
        let Some(node) = plan.nodes.get(n as usize) else {
            reach.insert(n, Reach::No);
            continue;
        };
        let below = if is_target(n) {
            Reach::Yes(None)
        } else if matches!(node, Node::Cached { .. }) {
            Reach::No
        } else if !children_done {
            stack.push((n, true));
            stack.extend(
                node.children()
                    .into_iter()
                    .filter(|c| !reach.contains_key(c))
                    .map(|c| (c, false)),
            );
            continue;
        } else {
            node.children().iter().fold(Reach::No, |r, c| {
                r.and(reach.get(c).copied().unwrap_or(Reach::No))
            })
        };
        let read = matches!(e.place, Place::Read) && n == e.node;
        let here = match below {
            Reach::Yes(None) if !read => Reach::Yes(let_at(n)),
            other => other,
        };
        reach.insert(n, here);
    }
    match reach.get(&root) {
        Some(Reach::Yes(l)) => *l,
        _ => None,
    }
}
