//! Trailer rules: every total recomputed from the records and compared with the trailer.

use super::{rules, Finding, Loc};
use crate::layout::SegmentKind;
use crate::reader::Shape;
use crate::trailer::Totals;

fn number(b: &[u8]) -> Option<u64> {
    b.iter().try_fold(0u64, |a, d| {
        d.is_ascii_digit().then(|| a * 10 + u64::from(d - b'0'))
    })
}

/// Compares the trailer's counters with `totals` (computed from the records read) and its block
/// count with the file's shape.
pub(crate) fn check(
    trailer: &[u8],
    loc: Loc,
    totals: &Totals,
    shape: &Shape,
    out: &mut Vec<Finding>,
) {
    let layout = SegmentKind::Trailer.layout();
    for (key, want) in totals.iter() {
        let Some(f) = layout.field(key) else { continue };
        // A counter that is not digits is already reported as a field finding.
        let Some(have) = number(&trailer[f.range()]) else {
            continue;
        };
        if have != want {
            out.push(Finding::new(
                &rules::TOTAL_MISMATCH,
                loc.record,
                SegmentKind::Trailer,
                Some(f.key),
                loc.offset + f.offset(),
                format!(
                    "trailer {} ({}) is {have}, but the records give {want}",
                    f.key, f.name
                ),
            ));
        }
    }
    let Some(f) = layout.field("block_count") else {
        return;
    };
    let Some(have) = number(&trailer[f.range()]) else {
        return;
    };
    let (ok, want) = if shape.blocked {
        (
            have == shape.blocks as u64,
            format!("{} blocks", shape.blocks),
        )
    } else {
        // Unblocked files have no blocks; 0 and the number of physical records (what other
        // tools write: base records + 2) are both accepted.
        (
            have == 0 || have == shape.records as u64,
            format!("0 or {} (one per physical record)", shape.records),
        )
    };
    if !ok {
        out.push(Finding::new(
            &rules::BLOCK_COUNT_MISMATCH,
            loc.record,
            SegmentKind::Trailer,
            Some(f.key),
            loc.offset + f.offset(),
            format!("trailer block_count is {have}, but the file holds {want}"),
        ));
    }
}
