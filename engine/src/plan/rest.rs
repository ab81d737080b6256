//! The other failures of a document whose segments could not be written.
//!
//! The first failure decides that the record is not sent; the analyst then fixes the mapping
//! (or the loan) and maps again. Reporting one field at a time made that a round per field, so
//! once a field has failed the rest of the segments are evaluated too, only to see what else
//! fails. This runs after a failure only: a document that maps does none of it.
//!
//! Skips and rules are not gone on with: after a failing skip it is not known whether the loan
//! is to be reported at all, and rules read the record, which a failed document does not have.

use std::collections::HashMap;

use super::env::{Env, Fail};
use super::eval::{field_failed, write_failed, write_field, Failed, SegmentLabel};
use super::{NodeId, OtherFailure, SegmentPlan};
use crate::layout::SegmentKind;
use crate::segment::Segment;

/// Where a document's segments are gone on with after a failure.
#[derive(Debug, Clone, Copy)]
pub(super) struct Resume {
    /// The segment block.
    segment: usize,
    /// In a `for each` block, the element.
    item: usize,
    /// The field write of that element (or of the single segment).
    field: usize,
    /// Whether the failure was in a field of `segment` (its `when` and list were computed).
    within: bool,
}

impl Resume {
    /// From the start of segment block `segment` (the one before failed in its `when` or its
    /// `for each` list).
    pub(super) fn segment(segment: usize) -> Resume {
        Resume {
            segment,
            item: 0,
            field: 0,
            within: false,
        }
    }

    /// From write `field` of element `item` of block `segment` (the write before failed).
    pub(super) fn field(segment: usize, item: usize, field: usize) -> Resume {
        Resume {
            segment,
            item,
            field,
            within: true,
        }
    }
}

/// Every failure of the document's segments from `from` on, in record order, the segments
/// already `written` numbering the repeated ones (`j1[2]`) as a successful run would have.
#[cold]
#[inline(never)]
pub(super) fn failures_from(
    env: &mut Env<'_, '_>,
    from: Resume,
    written: &[Segment],
) -> Vec<OtherFailure> {
    let (plan, prog) = (env.plan, env.prog);
    // A failed document has no field story to tell (explain shows the failure alone).
    env.trace = None;
    let mut numbered: HashMap<SegmentKind, usize> = HashMap::new();
    for s in written {
        *numbered.entry(s.kind()).or_default() += 1;
    }
    let mut out = Vec::new();
    for si in from.segment..plan.segments.len() {
        let (sp, code) = (&plan.segments[si], &prog.segments[si]);
        let resumed = from.within && si == from.segment;
        if let (Some(when), Some(node), false) = (&code.when, sp.when, resumed) {
            match when(env) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    out.push(statement(env, sp, "when", node, *e));
                    continue;
                }
            }
        }
        let Some((list, var)) = sp.each else {
            let start = if resumed { from.field } else { 0 };
            fields(env, si, SegmentLabel(sp.kind, None), start, &mut out);
            continue;
        };
        // When resumed, the list is computed again (it did not fail the first time).
        let listed = code.each.as_ref().map(|each| each(env));
        let items = match listed
            .unwrap_or(Ok(crate::value::Value::Missing))
            .and_then(|v| v.as_list().map_err(|e| Fail::at(list, e.0)))
        {
            Ok(items) => items,
            Err(e) => {
                out.push(statement(env, sp, "for each", list, *e));
                continue;
            }
        };
        for (ii, item) in items.into_iter().enumerate() {
            if resumed && ii < from.item {
                continue;
            }
            let n = numbered.entry(sp.kind).or_default();
            let label = SegmentLabel(sp.kind, Some(*n));
            *n += 1;
            let start = if resumed && ii == from.item {
                from.field
            } else {
                0
            };
            env.locals[var as usize] = item;
            fields(env, si, label, start, &mut out);
        }
    }
    out
}

/// The failures of the field writes of block `si` from write `start` on, for the segment
/// `label` (the element, if any, already bound).
fn fields(
    env: &mut Env<'_, '_>,
    si: usize,
    label: SegmentLabel,
    start: usize,
    out: &mut Vec<OtherFailure>,
) {
    let (plan, prog) = (env.plan, env.prog);
    let (sp, code) = (&plan.segments[si], &prog.segments[si]);
    for (w, code) in sp.writes.iter().zip(&code.writes).skip(start) {
        let failed = match code(env) {
            Err(e) => field_failed(plan, prog, label, w, *e),
            Ok(v) => {
                // Written into a copy of the field's bytes: only whether it fits is wanted.
                let mut bytes = sp.template[w.field.range()].to_vec();
                match write_field(w.field, &v, &mut bytes) {
                    Ok(()) => continue,
                    Err(m) => write_failed(plan, prog, label, w, &v, m),
                }
            }
        };
        out.push(other(failed));
    }
}

/// The failure of a segment block's `when` or `for each` (`what`), whose expression is `root`.
fn statement(
    env: &Env<'_, '_>,
    sp: &SegmentPlan,
    what: &str,
    root: NodeId,
    e: Fail,
) -> OtherFailure {
    let (line, message) = env.plan.located(env.prog, root, sp.line, e, false);
    OtherFailure {
        field: format!("{} ({what})", sp.kind),
        line,
        message,
    }
}

fn other((field, line, message): Failed) -> OtherFailure {
    OtherFailure {
        field,
        line,
        message,
    }
}
