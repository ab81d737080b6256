//! Code-list rules: every coded field holds a code of its list (codes.md), the payment history
//! profile holds only history characters, terms duration is LOC, REV or a number.

use std::sync::LazyLock;

use super::{rules, Finding, Loc};
use crate::codes::{self as lists, CodeList};
use crate::layout::{Field, SegmentKind};

/// The bytes with trailing blanks removed.
pub(crate) fn trim(b: &[u8]) -> &[u8] {
    lists::trim_end(b)
}

/// The rule reporting a value outside each list.
fn rule_for(list: &'static CodeList) -> &'static rules::Rule {
    let table: [(&CodeList, &rules::Rule); 21] = [
        (&lists::ACCOUNT_STATUS, &rules::CODE_ACCOUNT_STATUS),
        (&lists::PAYMENT_RATING, &rules::CODE_PAYMENT_RATING),
        (&lists::PORTFOLIO_TYPE, &rules::CODE_PORTFOLIO_TYPE),
        (&lists::ACCOUNT_TYPE, &rules::CODE_ACCOUNT_TYPE),
        (&lists::TERMS_FREQUENCY, &rules::CODE_TERMS_FREQUENCY),
        (&lists::SPECIAL_COMMENT, &rules::CODE_SPECIAL_COMMENT),
        (
            &lists::COMPLIANCE_CONDITION,
            &rules::CODE_COMPLIANCE_CONDITION,
        ),
        (&lists::ECOA, &rules::CODE_ECOA),
        (
            &lists::CONSUMER_INFORMATION,
            &rules::CODE_CONSUMER_INFORMATION,
        ),
        (&lists::GENERATION, &rules::CODE_GENERATION),
        (&lists::INTEREST_TYPE, &rules::CODE_INTEREST_TYPE),
        (&lists::CORRECTION, &rules::CODE_CORRECTION),
        (&lists::PROCESSING, &rules::CODE_PROCESSING),
        (&lists::ADDRESS_INDICATOR, &rules::CODE_ADDRESS_INDICATOR),
        (&lists::RESIDENCE, &rules::CODE_RESIDENCE),
        (
            &lists::CREDITOR_CLASSIFICATION,
            &rules::CODE_CREDITOR_CLASSIFICATION,
        ),
        (&lists::PURCHASED_SOLD, &rules::CODE_PURCHASED_SOLD),
        (&lists::AGENCY, &rules::CODE_AGENCY),
        (
            &lists::SPECIALIZED_PAYMENT,
            &rules::CODE_SPECIALIZED_PAYMENT,
        ),
        (&lists::CHANGE_INDICATOR, &rules::CODE_CHANGE_INDICATOR),
        (&lists::PAYMENT_HISTORY, &rules::CODE_PAYMENT_HISTORY),
    ];
    table
        .iter()
        .find(|(l, _)| std::ptr::eq(*l, list))
        .map(|(_, r)| *r)
        .unwrap_or(&rules::CODE_ACCOUNT_STATUS)
}

struct Coded {
    field: &'static Field,
    list: &'static CodeList,
    rule: &'static rules::Rule,
    required: bool,
}

static CODED: LazyLock<Vec<(SegmentKind, Vec<Coded>)>> = LazyLock::new(|| {
    SegmentKind::ALL
        .into_iter()
        .map(|k| {
            let v = lists::CODED_FIELDS
                .iter()
                .filter(|(kind, _, _)| *kind == k)
                .filter_map(|(_, key, list)| {
                    let field = k.layout().field(key)?;
                    Some(Coded {
                        field,
                        list,
                        rule: rule_for(list),
                        required: field.required == crate::layout::Requirement::Required,
                    })
                })
                .collect();
            (k, v)
        })
        .collect()
});

struct BaseCodes {
    php: &'static Field,
    terms: &'static Field,
}

static BASE: LazyLock<Option<BaseCodes>> = LazyLock::new(|| {
    let l = SegmentKind::Base.layout();
    Some(BaseCodes {
        php: l.field("payment_history_profile")?,
        terms: l.field("terms_duration")?,
    })
});

/// Checks the coded fields of one segment.
pub(crate) fn check_segment(kind: SegmentKind, seg: &[u8], loc: Loc, out: &mut Vec<Finding>) {
    let Some((_, coded)) = CODED.iter().find(|(k, _)| *k == kind) else {
        return;
    };
    for c in coded {
        let v = &seg[c.field.range()];
        if c.list.contains(v) {
            continue;
        }
        let blank = v.iter().all(|b| *b == b' ');
        if blank && c.required {
            // Reported once, as a missing required field.
            continue;
        }
        let numeric = c.field.ty != crate::layout::FieldType::Alphanumeric;
        if numeric && !v.iter().all(u8::is_ascii_digit) {
            // Reported once, as a numeric field holding something else.
            continue;
        }
        out.push(Finding::new(
            c.rule,
            loc.record,
            kind,
            Some(c.field.key),
            loc.offset + c.field.offset(),
            format!(
                "{} {} {:?} is not a code of the {} list",
                kind.name(),
                c.field.key,
                String::from_utf8_lossy(v),
                c.list.name
            ),
        ));
    }
    if kind == SegmentKind::Base {
        if let Some(b) = BASE.as_ref() {
            history_characters(b.php, seg, loc, out);
            terms_duration(b.terms, seg, loc, out);
        }
    }
}

/// The payment history characters as a byte table: 24 lookups per record instead of list
/// scans.
static HISTORY_CHARS: LazyLock<[bool; 256]> = LazyLock::new(|| {
    let mut t = [false; 256];
    for (c, _) in lists::PAYMENT_HISTORY.codes {
        t[usize::from(c.as_bytes()[0])] = true;
    }
    t
});

fn history_characters(f: &'static Field, seg: &[u8], loc: Loc, out: &mut Vec<Finding>) {
    let v = &seg[f.range()];
    for (i, b) in v.iter().enumerate() {
        if !HISTORY_CHARS[usize::from(*b)] {
            out.push(Finding::new(
                &rules::CODE_PAYMENT_HISTORY,
                loc.record,
                SegmentKind::Base,
                Some(f.key),
                loc.offset + f.offset() + i,
                format!(
                    "base payment_history_profile month {} holds {:?}; allowed are 0-6, B, D, E, G, H, J, K, L",
                    i + 1,
                    char::from(*b)
                ),
            ));
            return;
        }
    }
}

fn terms_duration(f: &'static Field, seg: &[u8], loc: Loc, out: &mut Vec<Finding>) {
    let v = &seg[f.range()];
    let t = trim(v);
    let ok = t.is_empty() // reported as a missing required field
        || t == b"LOC"
        || t == b"REV"
        || t.iter().all(u8::is_ascii_digit);
    if !ok {
        out.push(Finding::new(
            &rules::CODE_TERMS_DURATION,
            loc.record,
            SegmentKind::Base,
            Some(f.key),
            loc.offset + f.offset(),
            format!(
                "base terms_duration {:?} is neither LOC, REV nor a number of months or years",
                String::from_utf8_lossy(v)
            ),
        ));
    }
}
