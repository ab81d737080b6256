//! Whether a plan reads the document's `Payments` only to give them to `delinquency`, so a
//! document can be parsed with its payment rows read straight into counted payments
//! ([`crate::loan`]).
//!
//! The plan is an expression graph; of the nodes its statements reach, this finds those
//! reading `Payments` of the document and checks every reader of them (through the cached
//! nodes of a `let` or a path) is the second argument of a two-argument `delinquency` call,
//! and that the document itself is read only key by key, never whole (a built-in given the
//! document could see its payments).

use super::{Node, NodeId, Plan};

/// The nodes reading `Payments` of the document, when that is all the plan reads them for
/// (and it reads them); empty otherwise.
pub(super) fn payments_reads(plan: &Plan) -> Vec<NodeId> {
    let n = plan.nodes.len();
    let is_root = |id: NodeId| matches!(plan.nodes.get(id as usize), Some(Node::Root));
    let roots: Vec<NodeId> = plan
        .skips
        .iter()
        .map(|s| s.cond)
        .chain(plan.segments.iter().flat_map(|sp| {
            sp.each
                .map(|(list, _)| list)
                .into_iter()
                .chain(sp.when)
                .chain(sp.writes.iter().map(|w| w.expr))
        }))
        .chain(plan.rules.iter().map(|r| r.cond))
        .collect();
    // The nodes the statements reach (the compiler leaves others behind, never run).
    let mut reached = vec![false; n];
    let mut stack = roots.clone();
    while let Some(id) = stack.pop() {
        match reached.get_mut(id as usize) {
            Some(r) if !*r => {
                *r = true;
                stack.extend(plan.nodes[id as usize].children());
            }
            _ => {}
        }
    }
    // The nodes whose value is the payments: the reads, and the cached nodes over them.
    let mut payments: Vec<bool> = plan
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            reached[i]
                && matches!(node, Node::Get { base, key } if &**key == "Payments" && is_root(*base))
        })
        .collect();
    let reads: Vec<NodeId> = (0..n as NodeId).filter(|i| payments[*i as usize]).collect();
    if reads.is_empty() {
        return reads;
    }
    loop {
        let mut grew = false;
        for (i, node) in plan.nodes.iter().enumerate() {
            if let Node::Cached { expr, .. } = node {
                if reached[i] && payments[*expr as usize] && !payments[i] {
                    payments[i] = true;
                    grew = true;
                }
            }
        }
        if !grew {
            break;
        }
    }
    let is_payments = |id: NodeId| payments.get(id as usize).copied().unwrap_or(false);
    for (i, node) in plan.nodes.iter().enumerate() {
        if !reached[i] || payments[i] {
            continue;
        }
        for (position, child) in node.children().into_iter().enumerate() {
            let allowed = if is_root(child) {
                matches!(node, Node::Get { .. })
            } else if is_payments(child) {
                position == 1 && is_delinquency_call(node)
            } else {
                true
            };
            if !allowed {
                return Vec::new();
            }
        }
    }
    // A statement whose whole expression is the document or the payments.
    if roots.iter().any(|r| is_root(*r) || is_payments(*r)) {
        return Vec::new();
    }
    reads
}

/// `delinquency(setup, payments)`, its arguments plain (not per element).
fn is_delinquency_call(n: &Node) -> bool {
    matches!(n, Node::Call { builtin, args, .. }
        if builtin.name == "delinquency"
            && args.len() == 2
            && !builtin.params.iter().any(|p| p.per_element))
}
