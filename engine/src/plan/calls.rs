//! Calls of built-ins: arguments, the none and missing rules, per-element arguments.

use std::sync::Arc;

use super::code::Code;
use super::env::{fail, Env, Fail, R};
use super::{NodeId, Plan};
use crate::builtins::Builtin;
use crate::value::{json_list, Value, ValueError};
use sonic_rs::JsonValueTrait;

/// Evaluates a built-in call's arguments onto the stack (from `base`) and calls it.
#[inline(never)]
pub(super) fn call<'d>(
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
            if let Some(early) = absent_argument(env.plan, builtin, i, *a, &v) {
                return early;
            }
        }
        env.stack.push(v);
    }
    let values = &env.stack[base..];
    (builtin.eval)(values).map_err(|e| {
        let nodes: Vec<NodeId> = args.iter().map(|(a, _)| *a).collect();
        call_failed(env.plan, id, builtin, &nodes, values, e)
    })
}

/// What a call gives when its required argument `i` is absent: an error when missing (the
/// mapping gave no default), none when null; `None` when the argument is there.
#[inline]
pub(super) fn absent_argument<'d>(
    plan: &Plan,
    builtin: &Builtin,
    i: usize,
    node: NodeId,
    v: &Value<'d>,
) -> Option<R<'d>> {
    match v {
        Value::Missing => Some(Err(missing_argument(plan, builtin, i, node))),
        Value::Null => Some(Ok(Value::Null)),
        Value::Json(j) if j.is_null() => Some(Ok(Value::Null)),
        _ => None,
    }
}

/// The failure of a call whose required argument `i` (node `node`) is missing. It names the
/// argument as the analyst wrote it (`surname(): primary.lastName is missing`), which is what
/// they can look for in the file; the built-in's own name for it only when the plan does not
/// know the text.
#[cold]
fn missing_argument(plan: &Plan, builtin: &Builtin, i: usize, node: NodeId) -> Box<Fail> {
    // A variadic built-in's later arguments share its last parameter's name.
    let unknown = match builtin.params.get(i).or(builtin.params.last()) {
        Some(p) => format!("the argument `{}`", p.name),
        None => "an argument".to_string(),
    };
    let message = is_missing(plan, node, &unknown);
    Fail::of_value(node, format!("{}(): {message}", builtin.name))
}

/// The failure of arithmetic `op` whose operand `node` is missing, naming it as written.
#[cold]
pub(super) fn missing_operand(plan: &Plan, op: super::BinOp, node: NodeId) -> Box<Fail> {
    let message = is_missing(plan, node, "a value");
    Fail::of_value(node, format!("`{}`: {message}", op.symbol()))
}

/// `X is missing (give a default with ??)`, X the expression `node` as the analyst wrote it,
/// or `unknown` where the plan does not know its text.
pub(super) fn is_missing(plan: &Plan, node: NodeId, unknown: &str) -> String {
    let what = match plan.text_of(node) {
        "" => unknown.to_string(),
        text => written(text),
    };
    format!("{what} is missing (give a default with `??`)")
}

/// An expression's text as messages quote it: a path (`primary.lastName`, `Payments[0].id`)
/// as it is, anything else between backticks so the sentence around it still reads.
fn written(text: &str) -> String {
    let path = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'));
    if path {
        text.to_string()
    } else {
        format!("`{text}`")
    }
}

/// The failure of the call `id` of `builtin` on arguments `values` (of nodes `nodes`): the
/// built-in's own message, unless it failed because an argument is missing (`date()` takes a
/// missing one and says so), when the argument is named as written, as a required one is.
#[cold]
pub(super) fn call_failed(
    plan: &Plan,
    id: NodeId,
    builtin: &Builtin,
    nodes: &[NodeId],
    values: &[Value<'_>],
    e: ValueError,
) -> Box<Fail> {
    if e.0.contains("missing") {
        let missing = values.iter().position(|v| matches!(v, Value::Missing));
        if let Some((i, node)) = missing.and_then(|i| Some((i, *nodes.get(i)?))) {
            return missing_argument(plan, builtin, i, node);
        }
    }
    builtin_failed(id, builtin)(e)
}

/// Names the built-in in its failure.
pub(super) fn builtin_failed(
    id: NodeId,
    builtin: &Builtin,
) -> impl Fn(ValueError) -> Box<Fail> + '_ {
    move |e| Fail::at(id, format!("{}(): {}", builtin.name, e.0))
}

/// A per-element argument: its value for each element of the call's first argument.
pub(super) fn per_element<'d>(
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
            out.reserve(other.list_len().unwrap_or(0));
            let mut seen: Vec<(Value<'d>, usize)> = Vec::with_capacity(4);
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

/// Whether a list element is a scalar whose equality is plain (see [`same_scalar`]).
pub(super) fn is_scalar(v: &Value<'_>) -> bool {
    matches!(
        v,
        Value::Int(_) | Value::Bool(_) | Value::Null | Value::Missing
    )
}

/// Two list elements that are the same scalar of the same kind (an int is not a decimal or a
/// text here): per-element results are shared only between such elements.
pub(super) fn same_scalar(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Null, Value::Null) | (Value::Missing, Value::Missing) => true,
        _ => false,
    }
}
