//! Which nodes of a plan compute from a consumer's identity (an SSN or a date of birth), so
//! that a failure there is reported without the value it could not read, whatever field the
//! value was meant for: a template that runs `int(primary.ssn)` in a rule, or writes an SSN
//! into the wrong field, must not put the number into an error message or a log.

use super::{Node, NodeId, Plan};

/// Per node of `plan`, whether its value may hold or derive from an identity: it reads a
/// document key that holds one ([`crate::identity::is_identity_key`]), a produced identity
/// field, or an element of a list that does, directly or through any let, argument or branch.
pub(super) fn identity_nodes(plan: &Plan) -> Vec<bool> {
    let n = plan.nodes.len();
    let mut sensitive = vec![false; n];
    let mut vars: Vec<u32> = Vec::new();
    let bindings = bindings(plan);
    // To a fixed point: a let (a `Cached` node) or an element variable may be defined after
    // the nodes that read it, so one pass in node order is not enough. Each pass only turns
    // flags on, so it ends within as many passes as there are nodes, in practice two or three.
    loop {
        let mut changed = false;
        for &(list, var) in &bindings {
            if sensitive[list as usize] && !vars.contains(&var) {
                vars.push(var);
                changed = true;
            }
        }
        for id in 0..n {
            if sensitive[id] {
                continue;
            }
            let node = &plan.nodes[id];
            let own = match node {
                Node::Get { key, .. } => crate::identity::is_identity_key(key),
                Node::SegField { field, .. } => crate::identity::is_identity(field.key),
                Node::Local(v) => vars.contains(v),
                _ => false,
            };
            if own || node.children().iter().any(|c| sensitive[*c as usize]) {
                sensitive[id] = true;
                changed = true;
            }
        }
        if !changed {
            return sensitive;
        }
    }
}

/// Every list an element variable runs over: `where`, per-element arguments, `for each`.
fn bindings(plan: &Plan) -> Vec<(NodeId, u32)> {
    let mut out = Vec::new();
    for node in &plan.nodes {
        match node {
            Node::Where { list, var, .. } => out.push((*list, *var)),
            Node::Call { args, var, .. } if args.len() > 1 => out.push((args[0], *var)),
            _ => {}
        }
    }
    for sp in &plan.segments {
        if let Some((list, var)) = sp.each {
            out.push((list, var));
        }
    }
    out
}
