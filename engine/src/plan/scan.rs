//! Objects scanned once: every key the plan reads of the same object (the document, or a
//! cached slot such as `LoanSetup` or the primary customer) is found in one pass over that
//! object's keys, the first time any of them is read.
//!
//! A parsed document's object is a flat list of pairs, so reading `.key` is a scan from its
//! first key, and reading five keys of one object scans it five times; sonic-rs decodes every
//! key it passes (about fifty instructions each, `callgrind`). A group scans once and keeps every
//! key it reads in a slot of the document's state, so later reads are a slot read. Only reads
//! whose value is exactly what `Value::get` gives are kept: when the object is not a plain
//! JSON object (none, a list, a `__deferred` stub with a key absent), a read falls back to
//! `Value::get` itself, so its value and its error stay as they were. Explain mode always reads
//! through `Value::get`, so its traces do not change.

use std::collections::HashMap;

use super::env::{Env, Fail};
use super::{Node, NodeId, Plan};
use crate::json::{self, Doc};
use crate::value::Value;

/// The object a group reads: the document, or a cached slot (by the plan's slot number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Base {
    /// The document.
    Root,
    /// A cached node's value.
    Slot(u32),
}

/// The most keys one group keeps (a bit each in the scan's mask), and the longest (a bit per
/// length in the group's mask of lengths); reads of other keys of the object read on their own.
const MAX_KEYS: usize = 64;

/// The keys the plan reads in place from each object it reads two or more keys of, in the
/// order they first appear in the plan.
///
/// `skip` are reads left out: the document's `Payments` when they may come counted instead
/// (`counted.rs`).
pub(super) fn keys_by_base(plan: &Plan, skip: &[NodeId]) -> HashMap<Base, Vec<Box<str>>> {
    let mut by_base: HashMap<Base, Vec<Box<str>>> = HashMap::new();
    for (id, node) in plan.nodes.iter().enumerate() {
        let Node::Get { base, key } = node else {
            continue;
        };
        // (Any copy of the read the statements do not reach is left out too.)
        if skip.contains(&(id as NodeId))
            || skip.iter().any(|s| match &plan.nodes[*s as usize] {
                Node::Get { base: b, key: k } => {
                    k == key
                        && matches!(plan.nodes[*b as usize], Node::Root)
                        && matches!(plan.nodes[*base as usize], Node::Root)
                }
                _ => false,
            })
        {
            continue;
        }
        let base = match plan.nodes[*base as usize] {
            Node::Root => Base::Root,
            Node::Cached { slot, .. } => Base::Slot(slot),
            _ => continue,
        };
        let keys = by_base.entry(base).or_default();
        if keys.len() < MAX_KEYS && key.len() < 64 && !keys.iter().any(|k| k == key) {
            keys.push(key.clone());
        }
    }
    by_base.retain(|_, keys| keys.len() >= 2);
    by_base
}

/// A compiled group: where its slots are in the document's state.
pub(super) struct Group {
    /// The object read.
    pub(super) base: GroupBase,
    /// The keys, in slot order.
    pub(super) keys: Box<[Box<str>]>,
    /// The dense slot of the first key; key `i` is in slot `first + i`.
    pub(super) first: usize,
    /// The dense slot marking the group scanned (holds `Bool(true)` once it is).
    pub(super) done: usize,
    /// Bit `n` set when a key is `n` bytes long: most of an object's keys are passed over on
    /// their length alone, without comparing their text.
    lengths: u64,
}

impl Group {
    /// A group of `keys` (each shorter than 64 bytes) of `base`, kept from slot `first` on.
    pub(super) fn new(base: GroupBase, keys: Box<[Box<str>]>, first: usize, done: usize) -> Group {
        let lengths = keys.iter().fold(0u64, |m, k| m | 1 << k.len());
        Group {
            base,
            keys,
            first,
            done,
            lengths,
        }
    }

    /// The index of key `k` in the group.
    #[inline]
    fn index(&self, k: &str) -> Option<usize> {
        let n = k.len();
        if n >= 64 || self.lengths & (1 << n) == 0 {
            return None;
        }
        self.keys
            .iter()
            .position(|key| key.len() == n && key.as_bytes() == k.as_bytes())
    }
}

/// The object a compiled group reads.
#[derive(Clone, Copy)]
pub(super) enum GroupBase {
    /// The document.
    Root,
    /// A dense slot.
    Slot(usize),
}

/// The value of key `index` of `group`: its slot when already filled (the common read), else
/// through [`scanned`]; `None` when the key must be read with `Value::get`.
#[inline(always)]
pub(super) fn grouped<'d>(
    env: &mut Env<'_, 'd>,
    group: &Group,
    index: usize,
) -> Result<Option<Value<'d>>, Box<Fail>> {
    match &env.slots[group.first + index] {
        Some(v) => Ok(Some(v.clone())),
        None => scanned(env, group, index),
    }
}

/// The value of key `index` of `group`, scanning the group's object first when no key of it
/// has been read yet; `None` when the key must be read with `Value::get` (see the module's
/// documentation).
#[inline(never)]
fn scanned<'d>(
    env: &mut Env<'_, 'd>,
    group: &Group,
    index: usize,
) -> Result<Option<Value<'d>>, Box<Fail>> {
    if env.slots[group.done].is_none() {
        let base = match group.base {
            GroupBase::Root => Value::Json(env.doc),
            GroupBase::Slot(s) => env.slot(s)?.clone(),
        };
        if let Value::Json(j) = base {
            fill(env, j, group);
        }
        env.slots[group.done] = Some(Value::Bool(true));
    }
    Ok(env.slots[group.first + index].clone())
}

/// One pass over `j`'s keys, keeping the first value of each of the group's keys; absent keys
/// are missing, as `Value::get` reads them, unless the object is a `__deferred` stub (its
/// absent keys are errors, left to `Value::get`).
fn fill<'d>(env: &mut Env<'_, 'd>, j: &'d Doc, group: &Group) {
    let json::Node::Object(o) = json::node(j) else {
        return;
    };
    let n = group.keys.len();
    let all: u64 = if n == 64 { u64::MAX } else { (1 << n) - 1 };
    let mut found: u64 = 0;
    for (k, v) in o.iter() {
        let Some(i) = group.index(k) else {
            continue;
        };
        if found & (1 << i) == 0 {
            found |= 1 << i;
            env.slots[group.first + i] = Some(Value::Json(v));
            if found == all {
                return;
            }
        }
    }
    if o.contains_key(&"__deferred") {
        return;
    }
    for i in 0..n {
        if found & (1 << i) == 0 {
            env.slots[group.first + i] = Some(Value::Missing);
        }
    }
}
