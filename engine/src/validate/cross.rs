//! Cross-field rules (rules.md): status against amount past due and balance, payment rating,
//! date of first delinquency, payment history, portfolio type against account type and terms
//! duration, SSN or date of birth, dates against the activity date and the date opened, and the
//! appended segments' own consistency (K2, K3, L1, deferred terms and K4).

use std::ops::Range;
use std::sync::LazyLock;

use super::fields::{date_bytes, DateBytes};
use super::{rules, Finding, Loc, RecordContext};
use crate::codes::{self as lists, is_one_of, trim_end as trim};
use crate::layout::SegmentKind;

/// Byte ranges of the base fields the rules read, resolved once.
struct Base {
    time_stamp: Range<usize>,
    portfolio_type: Range<usize>,
    account_type: Range<usize>,
    date_opened: Range<usize>,
    terms_duration: Range<usize>,
    terms_frequency: Range<usize>,
    account_status: Range<usize>,
    payment_rating: Range<usize>,
    payment_history_profile: Range<usize>,
    compliance_condition_code: Range<usize>,
    current_balance: Range<usize>,
    amount_past_due: Range<usize>,
    original_charge_off_amount: Range<usize>,
    date_of_account_information: Range<usize>,
    date_of_first_delinquency: Range<usize>,
    date_closed: Range<usize>,
    date_of_last_payment: Range<usize>,
    consumer_information_indicator: Range<usize>,
    date_of_birth: Range<usize>,
}

fn range(kind: SegmentKind, key: &str) -> Range<usize> {
    kind.layout()
        .field(key)
        .map(|f| f.range())
        .unwrap_or_else(|| panic!("layout {kind} has no field {key}"))
}

static BASE: LazyLock<Base> = LazyLock::new(|| {
    let r = |k| range(SegmentKind::Base, k);
    Base {
        time_stamp: r("time_stamp"),
        portfolio_type: r("portfolio_type"),
        account_type: r("account_type"),
        date_opened: r("date_opened"),
        terms_duration: r("terms_duration"),
        terms_frequency: r("terms_frequency"),
        account_status: r("account_status"),
        payment_rating: r("payment_rating"),
        payment_history_profile: r("payment_history_profile"),
        compliance_condition_code: r("compliance_condition_code"),
        current_balance: r("current_balance"),
        amount_past_due: r("amount_past_due"),
        original_charge_off_amount: r("original_charge_off_amount"),
        date_of_account_information: r("date_of_account_information"),
        date_of_first_delinquency: r("date_of_first_delinquency"),
        date_closed: r("date_closed"),
        date_of_last_payment: r("date_of_last_payment"),
        consumer_information_indicator: r("consumer_information_indicator"),
        date_of_birth: r("date_of_birth"),
    }
});

/// A whole number from digits, `None` when the field holds anything else (reported elsewhere).
fn amount(b: &[u8]) -> Option<u64> {
    b.iter().try_fold(0u64, |a, d| {
        d.is_ascii_digit().then(|| a * 10 + u64::from(d - b'0'))
    })
}

/// The trimmed text of a field for a message or a code lookup, without allocating (fields that
/// are not ASCII are reported elsewhere and show as `?`).
fn text(b: &[u8]) -> &str {
    std::str::from_utf8(trim(b)).unwrap_or("?")
}

fn show_date(v: u32) -> String {
    format!("{:02}/{:02}/{:04}", (v / 100) % 100, v % 100, v / 10_000)
}

/// Reports findings for one record, knowing where its base segment starts.
struct Out<'a> {
    out: &'a mut Vec<Finding>,
    loc: Loc,
    kind: SegmentKind,
}

impl Out<'_> {
    fn push(&mut self, rule: &'static rules::Rule, key: &'static str, msg: String) {
        let f = self.kind.layout().field(key);
        let offset = self.loc.offset + f.map_or(0, |f| f.offset());
        let field = f.map(|f| f.key);
        self.out.push(Finding::new(
            rule,
            self.loc.record,
            self.kind,
            field,
            offset,
            msg,
        ));
    }
}

/// Rules that look at one segment alone (base, J1, J2, K2, K3, L1).
pub(crate) fn check_segment(
    kind: SegmentKind,
    seg: &[u8],
    loc: Loc,
    activity: Option<u32>,
    out: &mut Vec<Finding>,
) {
    let mut o = Out { out, loc, kind };
    match kind {
        SegmentKind::Base | SegmentKind::J1 | SegmentKind::J2 => {
            person(kind, seg, activity, &mut o)
        }
        SegmentKind::K2 => {
            let name_blank = trim(&seg[3..33]).is_empty();
            match seg[2] {
                b'9' if !name_blank => o.push(
                    &rules::K2_NAME_INDICATOR,
                    "purchased_from_sold_to_name",
                    "k2 purchased_from_sold_to_name must be blank when the indicator is 9 (remove previously reported K2)".into(),
                ),
                b'1' | b'2' if name_blank => o.push(
                    &rules::K2_NAME_INDICATOR,
                    "purchased_from_sold_to_name",
                    format!(
                        "k2 purchased_from_sold_to_name is blank, but indicator {} needs the name of the company the account was {}",
                        char::from(seg[2]),
                        if seg[2] == b'1' { "purchased from" } else { "sold to" }
                    ),
                ),
                _ => {}
            }
        }
        SegmentKind::K3 => {
            let number_blank = trim(&seg[4..22]).is_empty();
            match &seg[2..4] {
                b"00" if !number_blank => o.push(
                    &rules::K3_ACCOUNT_AGENCY,
                    "account_number",
                    "k3 account_number must be blank when the agency identifier is 00 (MIN only)".into(),
                ),
                b"01" | b"02" if number_blank => o.push(
                    &rules::K3_ACCOUNT_AGENCY,
                    "account_number",
                    "k3 account_number is blank, but agency identifier 01 (Fannie Mae) or 02 (Freddie Mac) needs the agency's account number".into(),
                ),
                _ => {}
            }
        }
        SegmentKind::L1 => {
            let acct = !trim(&seg[3..33]).is_empty();
            let id = !trim(&seg[33..53]).is_empty();
            let (want_acct, want_id) = match seg[2] {
                b'1' => (true, false),
                b'2' => (false, true),
                b'3' => (true, true),
                _ => return,
            };
            let ci = char::from(seg[2]);
            if acct != want_acct {
                o.push(
                    &rules::L1_CHANGE_FIELDS,
                    "new_consumer_account_number",
                    format!(
                        "l1 new_consumer_account_number must be {} with change indicator {ci}",
                        if want_acct { "reported" } else { "blank" }
                    ),
                );
            }
            if id != want_id {
                o.push(
                    &rules::L1_CHANGE_FIELDS,
                    "new_identification_number",
                    format!(
                        "l1 new_identification_number must be {} with change indicator {ci}",
                        if want_id { "reported" } else { "blank" }
                    ),
                );
            }
        }
        _ => {}
    }
}

/// SSN or date of birth, and a date of birth no later than the activity date.
/// SSN, date of birth and ECOA ranges of base, J1 and J2, resolved once.
type PersonRanges = (Range<usize>, Range<usize>, usize);

static PERSON: LazyLock<[PersonRanges; 3]> = LazyLock::new(|| {
    let p = |k| {
        (
            range(k, "social_security_number"),
            range(k, "date_of_birth"),
            range(k, "ecoa_code").start,
        )
    };
    [p(SegmentKind::Base), p(SegmentKind::J1), p(SegmentKind::J2)]
});

fn person(kind: SegmentKind, seg: &[u8], activity: Option<u32>, o: &mut Out<'_>) {
    let slot = match kind {
        SegmentKind::Base => 0,
        SegmentKind::J1 => 1,
        _ => 2,
    };
    let (ssn, dob, ecoa) = &PERSON[slot];
    let s = &seg[ssn.clone()];
    let has_ssn = s.iter().all(u8::is_ascii_digit)
        && !s.iter().all(|b| *b == b'0')
        && !s.iter().all(|b| *b == b'9');
    // Nine digits that are no fill, yet no number the SSA issues: an ITIN (9xx) or a made-up
    // number, which a bureau would match to the wrong person or to no one. The message never
    // shows the number.
    if has_ssn
        && std::str::from_utf8(s)
            .ok()
            .and_then(crate::clean::codes::ssn)
            .is_none()
    {
        o.push(
            &rules::SSN_NOT_ISSUED,
            "social_security_number",
            format!(
                "{} social_security_number is not a number the SSA issues (area 000, 666 or 900-999, group 00 or serial 0000: an ITIN or a made-up number); zero-fill it and give the date of birth",
                kind.name()
            ),
        );
    }
    let d = date_bytes(&seg[dob.clone()]);
    let business_or_deleted = matches!(seg[*ecoa], b'W' | b'Z');
    if !has_ssn && !matches!(d, DateBytes::Date(_)) && !business_or_deleted {
        o.push(
            &rules::SSN_OR_DOB,
            "social_security_number",
            format!(
                "{} consumer has neither a social security number nor a date of birth; without an SSN the date of birth is required",
                kind.name()
            ),
        );
    }
    if kind != SegmentKind::Base {
        if let (Some(a), DateBytes::Date(v)) = (activity, d) {
            if v > a {
                o.push(
                    &rules::DATE_AFTER_ACTIVITY,
                    "date_of_birth",
                    format!(
                        "{} date_of_birth is later than the header's activity date {}",
                        kind.name(),
                        show_date(a)
                    ),
                );
            }
        }
    }
}

/// Rules over the whole record: base fields against each other, and against appended segments.
pub(crate) fn check_record(
    bytes: &[u8],
    spans: &[(SegmentKind, usize)],
    ctx: &RecordContext,
    activity: Option<u32>,
    out: &mut Vec<Finding>,
) {
    let b = &*BASE;
    let base = &bytes[..426];
    let mut o = Out {
        out,
        loc: Loc {
            record: ctx.record,
            offset: ctx.offset,
        },
        kind: SegmentKind::Base,
    };
    let status = trim(&base[b.account_status.clone()]);
    let status_known = lists::ACCOUNT_STATUS.contains(status);
    let rating = base[b.payment_rating.start];
    let balance = amount(&base[b.current_balance.clone()]);
    let past_due = amount(&base[b.amount_past_due.clone()]);
    let charge_off = amount(&base[b.original_charge_off_amount.clone()]);
    let st = text(status);
    let st_desc = lists::ACCOUNT_STATUS.describe(st).unwrap_or("");
    let deleting = status == b"DA" || status == b"DF";

    if status_known && !deleting {
        let ccc_xa = &base[b.compliance_condition_code.clone()] == b"XA";
        if let Some(apd) = past_due {
            if is_one_of(status, lists::DELINQUENT_STATUSES) && apd == 0 && !ccc_xa {
                o.push(&rules::STATUS_WITHOUT_PAST_DUE, "amount_past_due", format!(
                    "account status {st} ({st_desc}) with amount past due 0: a delinquent account reports the amount 30 or more days past due"));
            }
            if is_one_of(status, lists::NOT_PAST_DUE_STATUSES) && apd > 0 {
                o.push(&rules::STATUS_WITH_PAST_DUE, "amount_past_due", format!(
                    "account status {st} ({st_desc}) with amount past due {apd}: this status reports no amount past due"));
            }
            // CFPB evaluator Status-APD-3 (rules.md §1): a surrendered or repossessed auto or
            // lease on an installment portfolio still owes what was past due.
            let surrendered = status == b"95" || status == b"96";
            let auto_or_lease = matches!(&base[b.account_type.clone()], b"00" | b"13" | b"3A");
            if surrendered && base[b.portfolio_type.start] == b'I' && auto_or_lease && apd == 0 {
                o.push(&rules::SURRENDER_WITHOUT_PAST_DUE, "amount_past_due", format!(
                    "account status {st} ({st_desc}) on an installment account of type {} with amount past due 0: a surrendered or repossessed auto or lease reports the amount past due",
                    text(&base[b.account_type.clone()])));
            }
        }
        if let Some(bal) = balance {
            if is_one_of(status, lists::PAID_STATUSES) && bal > 0 {
                o.push(&rules::PAID_WITH_BALANCE, "current_balance", format!(
                    "account status {st} ({st_desc}) with current balance {bal}: a paid or closed account reports a zero balance"));
            }
            if is_one_of(status, lists::DELINQUENT_STATUSES) && bal == 0 {
                o.push(&rules::DELINQUENT_WITHOUT_BALANCE, "current_balance", format!(
                    "account status {st} ({st_desc}) with current balance 0: a delinquent account has a balance"));
            }
            if (status == b"95" || status == b"96") && bal == 0 {
                o.push(&rules::SURRENDER_WITHOUT_BALANCE, "current_balance", format!(
                    "account status {st} ({st_desc}) with current balance 0: use a paid status (61 or 63) once nothing is owed"));
            }
        }
        let needs_rating = is_one_of(status, lists::RATING_STATUSES);
        if needs_rating && rating == b' ' {
            o.push(&rules::RATING_MISSING, "payment_rating", format!(
                "account status {st} ({st_desc}) needs a payment rating (0-6, G or L) and it is blank"));
        } else if !needs_rating && rating != b' ' {
            o.push(&rules::RATING_FORBIDDEN, "payment_rating", format!(
                "payment rating {:?} with account status {st}: only statuses 05, 13, 65, 88, 89, 94 and 95 carry a payment rating",
                char::from(rating)));
        }
        let dofd = date_bytes(&base[b.date_of_first_delinquency.clone()]);
        let has_dofd = matches!(dofd, DateBytes::Date(_));
        let closed_with_delinquency =
            (status == b"05" || status == b"13") && matches!(rating, b'1'..=b'6' | b'G' | b'L');
        if !has_dofd && (is_one_of(status, lists::DOFD_STATUSES) || closed_with_delinquency) {
            let why = if closed_with_delinquency {
                format!(
                    "account status {st} with payment rating {}",
                    char::from(rating)
                )
            } else {
                format!("account status {st} ({st_desc})")
            };
            o.push(&rules::DOFD_MISSING, "date_of_first_delinquency", format!(
                "{why} requires the date of first delinquency (the first 30-day delinquency that led to it); it is zero-filled"));
        }
        let current = status == b"11" || ((status == b"05" || status == b"13") && rating == b'0');
        let bankrupt = is_one_of(
            &base[b.consumer_information_indicator.clone()],
            lists::BANKRUPTCY_CII,
        );
        if current && !has_dofd && bankrupt {
            // CRRG DOFD hierarchy rule 3 (rules.md §4): the bankruptcy petition or notification
            // date, which the bureaus purge by.
            o.push(&rules::DOFD_MISSING_BANKRUPTCY, "date_of_first_delinquency", format!(
                "account status {st}{} is current with consumer information indicator {}: the date of first delinquency must be the bankruptcy petition (or notification) date, and it is zero-filled",
                if status == b"11" { String::new() } else { " with payment rating 0".into() },
                text(&base[b.consumer_information_indicator.clone()])));
        }
        if current && has_dofd && !bankrupt {
            o.push(&rules::DOFD_FORBIDDEN, "date_of_first_delinquency", format!(
                "account status {st}{} is current, so the date of first delinquency is zero-filled (unless a bankruptcy indicator is reported)",
                if status == b"11" { String::new() } else { " with payment rating 0".into() }));
        }
        if let Some(oca) = charge_off {
            let charged_off = status == b"64" || status == b"97";
            if oca > 0 && !charged_off {
                o.push(&rules::CHARGE_OFF_AMOUNT_STATUS, "original_charge_off_amount", format!(
                    "original charge-off amount {oca} with account status {st}: only charge-offs (64, 97) report it"));
            }
            if oca == 0 && charged_off {
                o.push(&rules::CHARGE_OFF_AMOUNT_MISSING, "original_charge_off_amount", format!(
                    "account status {st} ({st_desc}) with original charge-off amount 0: report the amount charged to loss"));
            }
        }
    }

    history_b(
        &base[b.payment_history_profile.clone()],
        &mut o,
        b.payment_history_profile.start,
    );
    portfolio(b, base, &mut o);
    dates(b, base, activity, &mut o);

    if base[b.terms_frequency.start] == b'D' {
        let deferred = spans.iter().any(|(k, s)| {
            *k == SegmentKind::K4 && matches!(date_bytes(&bytes[s + 4..s + 12]), DateBytes::Date(_))
        });
        if !deferred {
            o.push(&rules::DEFERRED_WITHOUT_K4, "terms_frequency",
                "terms frequency D (deferred) needs a K4 segment with the deferred payment start date".into());
        }
    }
}

/// `B` (no history before this time) may only fill the oldest months.
fn history_b(php: &[u8], o: &mut Out<'_>, start: usize) {
    let Some(first_b) = php.iter().position(|c| *c == b'B') else {
        return;
    };
    if let Some(i) = php[first_b..].iter().position(|c| *c != b'B') {
        let month = first_b + i;
        let f = o.loc.offset + start + month;
        o.out.push(Finding::new(
            &rules::HISTORY_B_EMBEDDED,
            o.loc.record,
            SegmentKind::Base,
            Some("payment_history_profile"),
            f,
            format!(
                "payment history profile has B (no history) in month {} followed by history in month {}: B only fills the oldest months",
                first_b + 1,
                month + 1
            ),
        ));
    }
}

fn portfolio(b: &Base, base: &[u8], o: &mut Out<'_>) {
    let pt = base[b.portfolio_type.start];
    let at = &base[b.account_type.clone()];
    let at_s = text(at);
    if !lists::PORTFOLIO_TYPE.contains(&[pt]) {
        return;
    }
    if pt == b'C' && lists::ACCOUNT_TYPE.contains(at) && !lists::LINE_OF_CREDIT_TYPES.contains(&at)
    {
        o.push(&rules::LINE_OF_CREDIT_TYPE, "account_type", format!(
            "account type {at_s} ({}) with portfolio type C (line of credit): portfolio C takes account types 15, 43, 47, 89, 7A or 9B",
            lists::ACCOUNT_TYPE.describe(at_s).unwrap_or("")));
    } else if let Some((_, usual)) = lists::USUAL_PORTFOLIO.iter().find(|(t, _)| *t == at) {
        if *usual != pt {
            o.push(
                &rules::PORTFOLIO_UNUSUAL,
                "portfolio_type",
                format!(
                "account type {at_s} ({}) belongs under portfolio type {} ({}), but the record has {} ({})",
                lists::ACCOUNT_TYPE.describe(at_s).unwrap_or(""),
                char::from(*usual),
                lists::PORTFOLIO_TYPE.describe(&char::from(*usual).to_string()).unwrap_or(""),
                char::from(pt),
                lists::PORTFOLIO_TYPE.describe(&char::from(pt).to_string()).unwrap_or("")),
            );
        }
    }
    let td = trim(&base[b.terms_duration.clone()]);
    if td.is_empty() {
        return;
    }
    let numeric = td.iter().all(u8::is_ascii_digit);
    if !(numeric || td == b"LOC" || td == b"REV") {
        return;
    }
    let (ok, want) = match pt {
        b'C' => (td == b"LOC", "LOC"),
        b'R' => (td == b"REV", "REV"),
        b'O' => (td == b"001", "001"),
        b'I' => (numeric, "the number of months"),
        b'M' => (numeric, "the number of years"),
        _ => (true, ""),
    };
    if !ok {
        o.push(
            &rules::TERMS_DURATION_PORTFOLIO,
            "terms_duration",
            format!(
                "terms duration {} with portfolio type {}: this portfolio type reports {want}",
                text(td),
                char::from(pt)
            ),
        );
    }
}

fn dates(b: &Base, base: &[u8], activity: Option<u32>, o: &mut Out<'_>) {
    let date_of = |r: &Range<usize>| match date_bytes(&base[r.start..r.start + 8]) {
        DateBytes::Date(v) => Some(v),
        _ => None,
    };
    if let Some(a) = activity {
        let fields: [(&'static str, &Range<usize>, &str); 6] = [
            ("time_stamp", &b.time_stamp, "time stamp"),
            ("date_opened", &b.date_opened, "date opened"),
            (
                "date_of_account_information",
                &b.date_of_account_information,
                "date of account information",
            ),
            (
                "date_of_first_delinquency",
                &b.date_of_first_delinquency,
                "date of first delinquency",
            ),
            ("date_closed", &b.date_closed, "date closed"),
            (
                "date_of_last_payment",
                &b.date_of_last_payment,
                "date of last payment",
            ),
        ];
        for (key, r, name) in fields {
            if let Some(v) = date_of(r) {
                if v > a {
                    o.push(
                        &rules::DATE_AFTER_ACTIVITY,
                        key,
                        format!(
                            "{name} {} is later than the header's activity date {}",
                            show_date(v),
                            show_date(a)
                        ),
                    );
                }
            }
        }
        {
            if let Some(v) = date_of(&b.date_of_birth) {
                if v > a {
                    o.push(
                        &rules::DATE_AFTER_ACTIVITY,
                        "date_of_birth",
                        format!(
                            "base date_of_birth is later than the header's activity date {}",
                            show_date(a)
                        ),
                    );
                }
            }
        }
    }
    if let Some(opened) = date_of(&b.date_opened) {
        for (key, r, name) in [
            (
                "date_of_account_information",
                &b.date_of_account_information,
                "date of account information",
            ),
            ("date_closed", &b.date_closed, "date closed"),
        ] {
            if let Some(v) = date_of(r) {
                if v < opened {
                    o.push(
                        &rules::DATE_BEFORE_OPENED,
                        key,
                        format!(
                            "{name} {} is before the date opened {}",
                            show_date(v),
                            show_date(opened)
                        ),
                    );
                }
            }
        }
    }
}
