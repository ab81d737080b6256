//! Folding calls: `first`, `last`, `count`, `sum`, `any`, `all` over a document's list
//! (and its `where` filter) without building lists of values; and `where` itself.

use std::sync::Arc;

use super::calls::{absent_argument, builtin_failed, per_element};
use super::code::{Code, Compiler, Operand, Test};
use super::env::{fail, Env, Fail, R};
use super::{Node, NodeId, Plan};
use crate::builtins::{add_to_sum, money_of, Builtin, Fold};
use crate::json::Doc;
use crate::value::{json_list, Value};
use rust_decimal::Decimal;
use sonic_rs::JsonValueTrait;

/// A call the plan folds: its fold, its list and its per-element argument.
pub(super) struct Folded {
    /// The built-in's fold.
    pub(super) fold: Fold,
    /// The list argument (a `where` when it is filtered).
    pub(super) list: NodeId,
    /// The per-element argument, when the built-in has one.
    pub(super) each: Option<NodeId>,
}

/// Whether node `id` is a call the plan folds, and how: a folding built-in over its per-element
/// results, or over a filtered list's elements (`any(list)` alone is not a fold: it asks for
/// the length; a list read straight off the document builds nothing, so only a filtered one
/// is worth folding). Whether it folds at run time depends on the list's value: a document's
/// list folds, a list of values built by the program goes through the plain call.
pub(super) fn folded(plan: &Plan, id: NodeId) -> Option<Folded> {
    let Node::Call { builtin, args, .. } = &plan.nodes[id as usize] else {
        return None;
    };
    let fold = builtin.fold?;
    let per_element = builtin.params.get(1).is_some_and(|p| p.per_element);
    match args.as_slice() {
        [list] if !per_element && matches!(plan.nodes[*list as usize], Node::Where { .. }) => {
            Some(Folded {
                fold,
                list: *list,
                each: None,
            })
        }
        [list, each] if per_element => Some(Folded {
            fold,
            list: *list,
            each: Some(*each),
        }),
        _ => None,
    }
}

impl Compiler<'_> {
    /// A call of a folding built-in: `first|last|count(list)` or `sum|any|all(list, each:
    /// expr)`, where the list may be `list where cond`. Over a JSON list the elements (or the
    /// per-element results) are folded as they come, the filter keeping borrowed elements, so
    /// the call builds no list of values. The order of evaluation, and so which failure is
    /// reported, is the plain call's: the whole filter, then each result in order, then the
    /// fold's own failure.
    pub(super) fn fold_call(
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
        let summed = match (fold.sum, each) {
            (true, Some(e)) => self.summed(e),
            _ => None,
        };
        let each = each.map(|e| self.code(e));
        let var = var as usize;
        Box::new(move |env| {
            let items = source(env)?;
            let items = match &filter {
                Some((source_node, cond, filter_var)) => {
                    if let Value::Json(j) = &items {
                        if !j.is_null() {
                            let elements = json_list(j).map_err(fail(*source_node))?;
                            let kept = kept_elements(env, elements, cond, *filter_var)?;
                            if let Some(summed) = &summed {
                                return sum_each(env, id, builtin, kept.into_iter(), summed, var);
                            }
                            let each = each.as_ref();
                            return fold_each(env, id, builtin, fold, kept.into_iter(), each, var);
                        }
                    }
                    filter_items(env, *source_node, items, cond, *filter_var)?
                }
                None => {
                    if let Some(early) = absent_argument(env.plan, builtin, 0, list, &items) {
                        return early;
                    }
                    items
                }
            };
            match (&items, &each) {
                (Value::Json(j), Some(each)) => {
                    // As a per-element argument reads it.
                    let elements = json_list(j).map_err(fail(list))?;
                    if let Some(summed) = &summed {
                        return sum_each(env, id, builtin, elements.iter(), summed, var);
                    }
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
}

/// `money(arg)` as the per-element argument of a `sum` folded over a document's list (what
/// summing LoanPro amounts is): each amount is read as `money` reads it and added as a decimal,
/// without making a value of it. Any other argument folds through `sum`'s step.
pub(super) struct Summed {
    /// The argument, read in place.
    arg: Operand,
    /// The argument's node (its failure's place).
    arg_node: NodeId,
    /// The call's node (money's failure's place).
    call: NodeId,
    /// `money`.
    money: &'static Builtin,
}

impl Compiler<'_> {
    /// The [`Summed`] form of a `sum`'s per-element argument `each`, when it is `money(x)`.
    fn summed(&mut self, each: NodeId) -> Option<Summed> {
        let Node::Call { builtin, args, .. } = self.node(each) else {
            return None;
        };
        let money: &'static Builtin = builtin;
        if money.name != "money" || args.len() != 1 || money.params[0].optional {
            return None;
        }
        let arg_node = args[0];
        Some(Summed {
            arg: self.operand(arg_node),
            arg_node,
            call: each,
            money,
        })
    }
}

/// [`fold_each`] for `sum` over `money(...)`: the running total is a decimal, and each amount
/// is added as it is read. Failures come as `fold_each` gives them: an element's own failure
/// at once, the sum's (an overflow) after the last element.
fn sum_each<'d>(
    env: &mut Env<'_, 'd>,
    id: NodeId,
    builtin: &'static Builtin,
    elements: impl Iterator<Item = &'d Doc>,
    each: &Summed,
    var: usize,
) -> R<'d> {
    let mut total = Decimal::ZERO;
    let mut failed = None;
    for e in elements {
        env.locals[var] = Value::Json(e);
        let v = each.arg.eval(env)?;
        // `money(none)` is none, which the sum skips; a missing argument fails.
        if let Some(early) = absent_argument(env.plan, each.money, 0, each.arg_node, &v) {
            early?;
            continue;
        }
        let amount = money_of(&v).map_err(builtin_failed(each.call, each.money))?;
        if failed.is_none() {
            match add_to_sum(total, amount) {
                Ok(t) => total = t,
                Err(e) => failed = Some(e),
            }
        }
    }
    match failed {
        Some(e) => Err(builtin_failed(id, builtin)(e)),
        None => Ok(Value::Decimal(total)),
    }
}

/// `list where cond`: the elements for which `cond` holds.
#[inline(never)]
pub(super) fn filter<'d>(
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
            kept = kept_elements(env, elements, cond, var)?
                .into_iter()
                .map(Value::Json)
                .collect();
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

/// The JSON elements for which `cond` holds, each bound to element variable `var` in turn.
fn kept_elements<'d>(
    env: &mut Env<'_, 'd>,
    elements: &'d [Doc],
    cond: &Test,
    var: usize,
) -> Result<Vec<&'d Doc>, Box<Fail>> {
    let mut kept = Vec::with_capacity(elements.len());
    for e in elements {
        env.locals[var] = Value::Json(e);
        if cond(env)? {
            kept.push(e);
        }
    }
    Ok(kept)
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
