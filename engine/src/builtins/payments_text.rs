//! A loan's counted payments read straight from the JSON text of its `Payments` value, for a
//! plan that reads `Payments` only to give it to `delinquency` ([`crate::loan`]).
//!
//! Nearly all of a LoanPro loan document is its payments (42 rows of 6 to 13 keys in the
//! benchmark's loans), and `delinquency` reads five keys of each row and nothing else. Parsed
//! into a document first, every row is built as a tree of nodes and then searched key by key;
//! read here, each row's five fields are taken as the parser passes them and the rest is
//! skipped (validated, not built). The reading is [`super::timeline_delinquency`]'s plain-row
//! reader over text: the same fields, forms and first-of-duplicate-keys rule, and the same
//! counted payments. Anything that reader leaves to the general path (a field in another form,
//! a string with escapes, a row that is not an object, a deferred list) makes this one give up
//! (`None`), and the document is parsed and read the general way, which words the errors.
use super::payment_fields::{set_field, Field, ABSENT_ROW};
use super::payment_template::{Mark, Slot, Template};
use super::timeline_delinquency::counted;
use crate::clean::date::loanpro_day_of;
use crate::clean::money::Cents;
use crate::loan::cursor::{digit_run, Cursor};
use crate::timeline::{Day, PaymentRow};
use crate::value::Value;

/// The type name of the counted payments a [`crate::loan::Loan`] gives for `Payments`.
pub const COUNTED_PAYMENTS: &str = "counted payments";

/// The counted payments of a loan, as `delinquency` builds its timeline from them: (day,
/// amount) in the rows' order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CountedPayments(pub Vec<(Day, Cents)>);

impl CountedPayments {
    /// The counted payments a value holds (what a [`crate::loan::Loan`] gives for its
    /// `Payments` when they were read from the text); `None` for any other value.
    pub fn of<'v>(v: &'v Value<'_>) -> Option<&'v CountedPayments> {
        match v {
            Value::Opaque(o) if o.type_name() == COUNTED_PAYMENTS => o.downcast(),
            _ => None,
        }
    }
}

/// Reads a `Payments` value (null, a list of rows, or LoanPro's `{"results": [...]}`) at the
/// cursor: one counted payment per row that counts. `None` means "read it the general way".
pub(crate) fn counted_payments(c: &mut Cursor<'_>) -> Option<Vec<(Day, Cents)>> {
    match c.next_token()? {
        b'n' => (c.value()? == "null").then(Vec::new),
        b'[' => rows(c),
        b'{' => {
            // The first `results`, which must be a list, as `json_list` reads.
            c.eat(b'{')?;
            let mut found = None;
            if !c.eat_if(b'}') {
                loop {
                    let (key, escaped) = c.string()?;
                    c.eat(b':')?;
                    if escaped {
                        return None;
                    }
                    if key == "results" && found.is_none() {
                        found = Some(rows(c)?);
                    } else {
                        c.value()?;
                    }
                    if !c.eat_if(b',') {
                        c.eat(b'}')?;
                        break;
                    }
                }
            }
            found
        }
        _ => None,
    }
}

/// A list of payment rows.
fn rows(c: &mut Cursor<'_>) -> Option<Vec<(Day, Cents)>> {
    rows_counting_templated(c).map(|(out, _)| out)
}

/// [`rows`], and how many rows were read against the row before them (`payment_template.rs`).
fn rows_counting_templated<'a>(c: &mut Cursor<'a>) -> Option<(Vec<(Day, Cents)>, usize)> {
    c.eat(b'[')?;
    let mut out = Vec::with_capacity(64);
    let mut templated = 0;
    if c.eat_if(b']') {
        return Some((out, templated));
    }
    let mut template = Template::empty();
    let mut marks: Vec<Mark> = Vec::with_capacity(8);
    loop {
        c.next_token()?;
        if let Some(payment) = template.read(c) {
            templated += 1;
            out.extend(payment);
        } else {
            let start = c.at();
            marks.clear();
            let r = row(c, &mut marks)?;
            template.learn(c.since(start), start, &marks, r);
            out.extend(counted(&r));
        }
        if !c.eat_if(b',') {
            c.eat(b']')?;
            return Some((out, templated));
        }
    }
}

/// Where a row's key puts its value: the index of its field in [`row`]'s order (status,
/// active, date, reverseDate, amount), or none.
const NOT_READ: usize = usize::MAX;

/// One payment row, as it reads (its payment is [`counted`] of it), its `{` at the cursor:
/// each value read in one pass that changes from row to row (a date, a reversal date or an
/// amount in its plain form, any value passed over) marked in `marks` for the template the
/// row becomes (`payment_template.rs`).
fn row<'a>(c: &mut Cursor<'a>, marks: &mut Vec<Mark>) -> Option<PaymentRow<'a>> {
    c.eat(b'{')?;
    // Each field read into the row as `set_field` reads it, from the first of its keys (as
    // `Value::get` reads); bit `i` of `seen` is set once field `i` is. No list of fields in
    // between: moving them into one and matching them again cost about 90 instructions a row.
    let mut r = ABSENT_ROW;
    let mut seen = 0u8;
    let mut deferred = false;
    if !c.eat_if(b'}') {
        c.eat(b'"')?;
        loop {
            // (The key's opening quote is read.)
            let i = match known_key(c.rest()) {
                Some((i, len)) => {
                    c.advance(len);
                    i
                }
                None => match c.string_after_quote()? {
                    (_, true) => return None,
                    (key, false) => {
                        deferred |= key == "__deferred";
                        NOT_READ
                    }
                },
            };
            c.eat(b':')?;
            let first = i < 5 && seen & (1 << i) == 0;
            if first {
                seen |= 1 << i;
            }
            // The forms LoanPro writes are read in one pass, straight into the row; anything
            // else as any value.
            let token = c.next_token()?;
            let start = c.at();
            let (read, slot) = match (first, i, token) {
                (true, 0, b'"') => (known_status(c).map(|s| r.status = Some(s)), None),
                (true, 1, b'1') => (active_one(c).map(|()| r.active = true), None),
                (true, 2, b'"') => (loanpro_date(c).map(|d| r.date = d), Some(Slot::Date)),
                (true, 3, b'"') => (
                    loanpro_date(c).map(|d| r.reverse_date = d),
                    Some(Slot::ReverseDate),
                ),
                (true, 4, b'"') => (
                    plain_amount(c).map(|a| r.amount = a),
                    Some(Slot::AmountDigits),
                ),
                // Every field reads `null` as absent, which the row holds until it is set.
                (_, _, b'n') => (c.literal("null"), None),
                // A value not read (an `id`, a later duplicate): passed over.
                (false, _, b'1'..=b'9') => (passed_number(c), Some(Slot::Passed)),
                _ => (None, None),
            };
            match (read, slot) {
                (Some(()), Some(slot)) => marks.push(Mark {
                    start,
                    end: c.at(),
                    slot,
                }),
                (Some(()), None) => {}
                (None, _) => {
                    let value = scalar(c)?;
                    if first {
                        set_field(&mut r, i, value)?;
                    } else if !matches!(token, b'n' | b't' | b'f') {
                        // Passed over as any value: a string, a container, another number.
                        marks.push(Mark {
                            start,
                            end: c.at(),
                            slot: Slot::Passed,
                        });
                    }
                }
            }
            // The next key's comma and quote, in compact JSON one two-byte compare.
            if c.rest().starts_with(b",\"") {
                c.advance(2);
                continue;
            }
            if !c.eat_if(b',') {
                c.eat(b'}')?;
                break;
            }
            c.eat(b'"')?;
        }
    }
    if deferred && seen != 0b1_1111 {
        return None;
    }
    Some(r)
}

/// A key the row reader reads (or, for `id`, knows it passes over), at the start of `rest`
/// (just after its opening quote), with its closing quote: its field's index ([`NOT_READ`]
/// for `id`) and the bytes to pass over. Compared with constants
/// (a few integer compares each), since every row repeats the same keys; any other key,
/// including one of these written with an escape, is `None` and read as a string.
#[inline]
fn known_key(rest: &[u8]) -> Option<(usize, usize)> {
    // Each compare has a constant length, so it is a few integer compares, not a call.
    let known = match rest.first()? {
        b'd' if rest.starts_with(b"date\"") => (2, 5),
        b'a' if rest.starts_with(b"amount\"") => (4, 7),
        b'a' if rest.starts_with(b"active\"") => (1, 7),
        b's' if rest.starts_with(b"status\"") => (0, 7),
        b'r' if rest.starts_with(b"reverseDate\"") => (3, 12),
        // Every LoanPro row has an `id`, which is not read: passed over like the keys that
        // are, instead of being scanned as an unknown key.
        b'i' if rest.starts_with(b"id\"") => (NOT_READ, 3),
        _ => return None,
    };
    Some(known)
}

/// The status nearly every LoanPro payment row has, at the cursor (its opening quote next),
/// compared as a constant (three integer compares) instead of scanned as any string; `None`,
/// with the cursor unmoved, for any other value.
#[inline]
fn known_status(c: &mut Cursor<'_>) -> Option<&'static str> {
    const SUCCESS: &str = "payment.status.success";
    let rest = c.rest().strip_prefix(b"\"")?;
    let after = rest.strip_prefix(SUCCESS.as_bytes())?.first();
    (after == Some(&b'"')).then(|| {
        c.advance(SUCCESS.len() + 2);
        SUCCESS
    })
}

/// `active` written as the number `1` at the cursor, then the end of the pair: active, as
/// [`set_field`] reads `Number("1")`. `None`, with the cursor unmoved, for any other value
/// (`10`, `1.0`, `1e0`), which [`scalar`] reads.
#[inline]
fn active_one(c: &mut Cursor<'_>) -> Option<()> {
    matches!(c.rest(), [b'1', b',' | b'}', ..]).then(|| c.advance(1))
}

/// A whole number at the cursor (a row's `id`, not read), passed over; `None`, with the
/// cursor unmoved, when it has a fraction or an exponent, which [`scalar`] checks.
#[inline]
fn passed_number(c: &mut Cursor<'_>) -> Option<()> {
    whole_number(c.rest()).map(|n| c.advance(n))
}

/// The length of the whole number `rest` starts with (`1`-`9`, then digits, then neither a
/// fraction nor an exponent: the ids and `active` of every row); `None` for any other
/// number or value, which the full number grammar reads.
#[inline]
fn whole_number(rest: &[u8]) -> Option<usize> {
    let (b'1'..=b'9', digits) = rest.split_first()? else {
        return None;
    };
    let n = 1 + digit_run(digits);
    (!matches!(rest.get(n), Some(b'.' | b'e' | b'E'))).then_some(n)
}

/// An amount string in LoanPro's form at the cursor (its opening quote next), read in one
/// pass: `"[-]D.DD"` with 1 to 13 digits D, which [`parse_money`] reads as the same cents.
/// `None`, with the cursor unmoved, for any other string.
#[inline]
pub(super) fn plain_amount(c: &mut Cursor<'_>) -> Option<Cents> {
    let rest = c.rest().strip_prefix(b"\"")?;
    let (cents, n) = amount_digits(rest)?;
    if rest.get(n) != Some(&b'"') {
        return None;
    }
    c.advance(n + 2);
    Some(cents)
}

/// The `[-]D.DD` of a [`plain_amount`] (1 to 13 digits D) at the start of `rest`, and its
/// length; what follows is not looked at.
#[inline]
pub(super) fn amount_digits(rest: &[u8]) -> Option<(Cents, usize)> {
    let negative = rest.first() == Some(&b'-');
    let digits = &rest[usize::from(negative)..];
    // The whole digits read and summed in one pass (finding where they end first, then
    // summing them, went over them twice).
    let mut cents = 0i64;
    let mut whole = 0;
    while let Some(d) = digits.get(whole).map(|b| b.wrapping_sub(b'0')) {
        if d > 9 || whole == 13 {
            break;
        }
        cents = cents * 10 + i64::from(d);
        whole += 1;
    }
    let [b'.', d1 @ b'0'..=b'9', d2 @ b'0'..=b'9', ..] = digits.get(whole..)? else {
        return None;
    };
    if whole == 0 {
        return None;
    }
    let cents = cents * 100 + i64::from(d1 - b'0') * 10 + i64::from(d2 - b'0');
    let n = usize::from(negative) + whole + 3;
    Some((Cents(if negative { -cents } else { cents }), n))
}

/// A LoanPro date string at the cursor (its opening quote next), read in one pass:
/// `"/Date(N)/"` with `N` an optional minus and 1 to 18 digits, as
/// [`crate::clean::date::loanpro_day`] reads it. `None`, with the cursor unmoved, for any
/// other string (the empty date, a date too late), which the general reading takes.
#[inline]
pub(super) fn loanpro_date(c: &mut Cursor<'_>) -> Option<Option<Day>> {
    const HEAD: &[u8] = b"\"/Date(";
    let rest = c.rest();
    let digits = rest.strip_prefix(HEAD)?;
    // The form of every date from 2001-09-09 to 2286-11-20: ten digits, read eight at a time.
    if digits.get(10..13) == Some(b")/\"") {
        if let Some(day) = ten_digit_day(digits) {
            c.advance(HEAD.len() + 13);
            return Some(day);
        }
    }
    let (negative, digits) = match digits.split_first() {
        Some((b'-', d)) => (true, d),
        _ => (false, digits),
    };
    let len = digit_run(digits);
    if !(1..=18).contains(&len) || !digits[len..].starts_with(b")/\"") {
        return None;
    }
    let magnitude = digits[..len]
        .iter()
        .fold(0i64, |n, b| n * 10 + i64::from(b - b'0'));
    let day = loanpro_day_of(if negative { -magnitude } else { magnitude })?;
    c.advance(HEAD.len() + usize::from(negative) + len + 3);
    Some(day)
}

/// The day of the ten digits `N` of a `/Date(N)/` at the start of `digits`, as
/// [`loanpro_date`] reads them (what follows them is not looked at); `None` when they are not
/// ten digits or the day is after the last one Metro 2 can write.
#[inline]
pub(super) fn ten_digit_day(digits: &[u8]) -> Option<Option<Day>> {
    let n = ten_digits(digits.get(..10)?.try_into().ok()?)?;
    loanpro_day_of(n)
}

/// Ten ASCII digits as their number; `None` when one is not a digit. The first eight are
/// checked and summed as one 64-bit word (the usual SWAR parse of eight digits), which takes a
/// third of the instructions of a digit at a time.
#[inline]
fn ten_digits(b: &[u8; 10]) -> Option<i64> {
    const ZEROS: u64 = u64::from_le_bytes([b'0'; 8]);
    const HIGH: u64 = u64::from_le_bytes([0xF0; 8]);
    let word = u64::from_le_bytes(b[..8].try_into().expect("eight bytes"));
    // Each byte is a digit when its high half is 3 and adding 6 does not carry out of its low
    // half (no carry crosses bytes once every high half is 3).
    if word & HIGH != ZEROS || word.wrapping_add(u64::from_le_bytes([6; 8])) & HIGH != ZEROS {
        return None;
    }
    let [d8 @ b'0'..=b'9', d9 @ b'0'..=b'9'] = [b[8], b[9]] else {
        return None;
    };
    // The first digit is the lowest byte: pairs, then fours, then the eight.
    let v = word - ZEROS;
    let v = v.wrapping_mul(10).wrapping_add(v >> 8);
    const LOW: u64 = 0x0000_00FF_0000_00FF;
    let v = (v & LOW)
        .wrapping_mul(100 + (1_000_000 << 32))
        .wrapping_add(((v >> 16) & LOW).wrapping_mul(1 + (10_000 << 32)))
        >> 32;
    Some(v as i64 * 100 + i64::from(d8 - b'0') * 10 + i64::from(d9 - b'0'))
}

/// A value not read (of a key not read, or a later copy of one that is) passed over as the row
/// reader passes it over: `null`, a whole number, or any value [`scalar`] reads.
#[inline]
pub(super) fn passed_value(c: &mut Cursor<'_>) -> Option<()> {
    passed_number(c).or_else(|| scalar(c).map(drop))
}

/// A value (after whitespace), checked, as the plain readers tell values apart.
#[inline]
fn scalar<'a>(c: &mut Cursor<'a>) -> Option<Field<'a>> {
    Some(match c.next_token()? {
        b'"' => {
            c.advance(1);
            match c.string_after_quote()? {
                (s, false) => Field::String(s),
                (_, true) => Field::Other,
            }
        }
        b'n' => {
            c.literal("null")?;
            Field::Null
        }
        b't' => {
            c.literal("true")?;
            Field::Bool(true)
        }
        b'f' => {
            c.literal("false")?;
            Field::Bool(false)
        }
        b'{' | b'[' => {
            c.value()?;
            Field::Other
        }
        b'1'..=b'9' => Field::Number(match whole_number(c.rest()) {
            Some(n) => c.take(n),
            None => c.number()?,
        }),
        _ => Field::Number(c.number()?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clean::date::loanpro_day;
    use crate::clean::money::parse_money;
    use crate::timeline::PaymentRow;

    fn read(text: &str) -> Option<Vec<(Day, Cents)>> {
        let mut c = Cursor::new(text);
        let out = counted_payments(&mut c)?;
        c.at_end().then_some(out)
    }

    #[test]
    fn reads_loanpro_rows() {
        let rows = r#"{"results": [
            {"id": 1, "date": "/Date(1768435200)/", "amount": "100.00", "active": 1, "reverseDate": null, "status": "payment.status.success"},
            {"id": 2, "date": "/Date(1771545600)/", "amount": 100.5, "active": true},
            {"id": 3, "date": "/Date(1771545600)/", "amount": "100.00", "active": 1, "reverseDate": "/Date(1772000000)/"},
            {"id": 5, "date": "/Date(1771545600)/", "amount": "100.00", "active": 0}
        ]}"#;
        let jan15 = 1_768_435_200 / 86_400;
        let feb20 = 1_771_545_600 / 86_400;
        assert_eq!(
            read(rows),
            Some(vec![
                (jan15 as Day, Cents(10_000)),
                (feb20 as Day, Cents(10_050))
            ])
        );
        assert_eq!(read("null"), Some(vec![]));
        assert_eq!(read("[]"), Some(vec![]));
    }

    /// Each row read alone, as a list of one row.
    fn each_alone<R: AsRef<str>>(rows: &[R]) -> Vec<Option<Vec<(Day, Cents)>>> {
        rows.iter()
            .map(|r| read(&format!("[{}]", r.as_ref())))
            .collect()
    }

    /// How many rows read alone give a payment.
    fn paying(alone: &[Option<Vec<(Day, Cents)>>]) -> usize {
        alone
            .iter()
            .filter(|r| r.as_ref().is_some_and(|v| !v.is_empty()))
            .count()
    }

    #[test]
    fn a_row_reads_the_same_whatever_the_row_before_it() {
        // Nothing of one row carries over to the next: every row gives what it gives read
        // alone, whatever its keys, their order and the row before it.
        let rows = [
            r#"{"active":1,"amount":"10.00","date":"/Date(1768435200)/","id":1,"status":"payment.status.success"}"#,
            r#"{"active":1,"amount":"20.00","date":"/Date(1768521600)/","id":2,"status":"payment.status.success"}"#,
            r#"{"amount":"30.00","active":1,"date":"/Date(1768608000)/","id":3}"#,
            r#"{"active":1,"amount":"40.00","dateX":"/Date(1768694400)/","date":"/Date(1768780800)/"}"#,
            r#"{"active":1,"amount":"50.00","date":"/Date(1768867200)/","reverseDate":"/Date(1768953600)/"}"#,
            r#"{"active":1,"amountPaidByTheCustomerToday":"1.00","amount":"60.00","date":"/Date(1769040000)/"}"#,
            r#"{"active":1,"amountPaidByTheCustomerToday":"1.00","amount":"70.00","date":"/Date(1769126400)/"}"#,
            r#"{"active":0,"amount":"80.00","date":"/Date(1769212800)/"}"#,
            r#"{"active":1,"amount":"90.00","date":"/Date(1769299200)/","__deferred":{"uri":"x"}}"#,
            r#"{"active":1,"amount":"95.00","date":"/Date(1769299200)/","__deferredX":1,"status":"s"}"#,
            r#"{"active":1,"amount":"99.00","date":"/Date(1769385600)/","id":9,"status":"payment.status.success"}"#,
            r#"{"date":"/Date(1769472000)/","amount":"1.00","active":true}"#,
            r#"{"active":1,"amount":"2.00","date":"/Date(1769558400)/", "id":10}"#,
        ];
        let alone = each_alone(&rows);
        assert!(paying(&alone) >= 10);
        // Every run of consecutive rows (a declined row declines its list).
        for start in 0..rows.len() {
            for end in start + 1..=rows.len() {
                let together = read(&format!("[{}]", rows[start..end].join(",")));
                let each: Option<Vec<(Day, Cents)>> =
                    alone[start..end].iter().try_fold(Vec::new(), |mut all, r| {
                        all.extend(r.clone()?);
                        Some(all)
                    });
                assert_eq!(together, each, "rows {start}..{end}");
            }
        }
    }

    /// A row in LoanPro's shape, its values given in order: `__metadata`'s uri, `id`, `date`,
    /// `amount`, `active`, `reverseDate`, `status`, `created`.
    fn loanpro_row(v: [&str; 8]) -> String {
        format!(
            r#"{{"__metadata":{{"uri":{},"type":"Entity.Payment"}},"id":{},"date":{},"amount":{},"active":{},"reverseDate":{},"status":{},"created":{},"paymentTypeId":1}}"#,
            v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
        )
    }

    #[test]
    fn rows_read_against_the_row_before_read_as_they_read_alone() {
        let plain = [
            r#""u/Payments(id=1)""#,
            "1",
            r#""/Date(1768435200)/""#,
            r#""100.00""#,
            "1",
            "null",
            r#""payment.status.success""#,
            r#""/Date(1768435200)/""#,
        ];
        // Each value in turn in other forms: the template's own forms with other values, and
        // forms its readers decline (read key by key instead), valid or not.
        let others: [&[&str]; 8] = [
            &[r#""u/Payments(id=22)""#, "null", "7", r#""A""#, "[]"],
            &[
                "22",
                "0",
                "1.5",
                "-1",
                "1e3",
                r#""x""#,
                "null",
                r#"{"a":1}"#,
                "[1]",
                "01",
                "tru",
            ],
            &[
                r#""/Date(1768521600)/""#,
                r#""/Date(0)/""#,
                r#""/Date(-62169984000)/""#,
                r#""""#,
                "null",
                r#""2026-01-01""#,
                "5",
                r#""/Date(1768521600)/ ""#,
                r#""/Date(176852160)/""#,
                r#""/Date(17685216000)/""#,
                r#""/Date(1768521600) /""#,
                r#""/Date(9999999999)/""#,
                r#""/Date(0000000000)/""#,
            ],
            &[
                r#""-3.00""#,
                r#""0.00""#,
                r#""1e2""#,
                "100.5",
                "null",
                r#""3,00""#,
                r#""100.0""#,
                r#""100.001""#,
                r#""1234567890123.99""#,
                r#""12345678901234.99""#,
                r#""-0.07""#,
            ],
            &["0", "true", "10", "1.0", "null"],
            &[
                r#""/Date(1768521600)/""#,
                r#""/Date(0)/""#,
                r#""/Date(1768608000)/""#,
                r#""/Date(176860800)/""#,
                r#""/Date(0000000000)/""#,
                r#""""#,
                "0",
            ],
            &[
                r#""payment.status.reversed""#,
                r#""payment.status.success ""#,
                r#""payment.status.success""#,
                "null",
            ],
            &[r#""/Date(1768521600)/""#, "12", r#""a"b""#, "null", "{}"],
        ];
        let mut rows = vec![loanpro_row(plain)];
        for (i, forms) in others.iter().enumerate() {
            for form in *forms {
                let mut v = plain;
                v[i] = form;
                rows.push(loanpro_row(v));
            }
        }
        // The same keys in another layout: whitespace, another order, one more, one less, a
        // second `date`, `__deferred`.
        let base = loanpro_row(plain);
        rows.extend([
            base.replace(r#""date":"#, r#""date": "#),
            base.replace(r#","active":1"#, "")
                .replace(r#""id":1,"#, r#""id":1,"active":1,"#),
            base.replace(r#""paymentTypeId":1"#, r#""paymentTypeId":1,"note":"n""#),
            base.replace(r#","paymentTypeId":1"#, ""),
            base.replace(
                r#""paymentTypeId":1"#,
                r#""paymentTypeId":1,"date":"/Date(0)/""#,
            ),
            base.replace(
                r#""paymentTypeId":1"#,
                r#""paymentTypeId":1,"__deferred":{}"#,
            ),
        ]);
        let alone = each_alone(&rows);
        assert!(alone.iter().filter(|r| r.is_none()).count() >= 5);
        assert!(paying(&alone) >= 20);
        // Every row after every row, and after itself.
        for (i, a) in rows.iter().enumerate() {
            for (j, b) in rows.iter().enumerate() {
                let want = match (&alone[i], &alone[j]) {
                    (Some(x), Some(y)) => Some([x.clone(), y.clone()].concat()),
                    _ => None,
                };
                assert_eq!(read(&format!("[{a},{b}]")), want, "{a}\nthen {b}");
            }
        }
        // Rows of the template's forms are read against it: all but the first.
        let same: Vec<String> = (0..5)
            .map(|k| {
                let (uri, id, day, amount) = (
                    format!(r#""u/Payments(id={k})""#),
                    format!("{}", 100 + k),
                    format!(r#""/Date({})/""#, 1_768_435_200 + 86_400 * k),
                    format!(r#""{k}.50""#),
                );
                let mut v = plain;
                v[0] = &uri;
                v[1] = &id;
                v[2] = &day;
                v[3] = &amount;
                v[7] = &day;
                loanpro_row(v)
            })
            .collect();
        let text = format!("[{}]", same.join(", "));
        let (out, templated) = rows_counting_templated(&mut Cursor::new(&text)).expect("reads");
        assert_eq!(templated, 4);
        let days: Vec<Day> = out.iter().map(|p| p.0).collect();
        assert_eq!(
            days,
            (0..5)
                .map(|k| 1_768_435_200 / 86_400 + k)
                .collect::<Vec<_>>()
        );
        assert_eq!(out[3].1, Cents(350));
    }

    /// What the one-pass readers make of a JSON string, beside what the general readers make
    /// of its characters; the one-pass reader must leave the cursor where it was when it
    /// declines.
    fn one_pass<T>(
        quoted: &str,
        read: impl Fn(&mut Cursor<'_>) -> Option<T>,
    ) -> (Option<T>, usize) {
        let mut c = Cursor::new(quoted);
        let got = read(&mut c);
        (got, c.at())
    }

    #[test]
    fn one_pass_amounts_read_as_parse_money_reads_them() {
        for text in [
            "0.00",
            "1.00",
            "-12.34",
            "133.58",
            "1234567890123.99",
            "12345678901234.99",
            "1.0",
            "1.000",
            ".50",
            "-.50",
            "1e2",
            "",
            "-",
            "+1.00",
            "1.0a",
            "01.00",
            "1.00\\u0030",
        ] {
            let quoted = format!("\"{text}\",");
            let (got, at) = one_pass(&quoted, plain_amount);
            match got {
                Some(cents) => {
                    assert_eq!(Ok(cents), parse_money(text), "{text}");
                    assert_eq!(at, quoted.len() - 1, "{text}: past the closing quote");
                }
                None => assert_eq!(at, 0, "{text}: unmoved"),
            }
        }
        // The plain forms are read here, not left to the general reader.
        assert_eq!(one_pass("\"133.58\"", plain_amount).0, Some(Cents(13_358)));
        assert_eq!(one_pass("\"-0.07\"", plain_amount).0, Some(Cents(-7)));
    }

    #[test]
    fn one_pass_dates_read_as_loanpro_day_reads_them() {
        for text in [
            "/Date(1762473600)/",
            "/Date(0000000000)/",
            "/Date(9999999999)/",
            "/Date(12345678a0)/",
            "/Date(1234567890/",
            "/Date(1234567890)",
            "/Date(1234567890)/x",
            "/Date(-62169984000)/",
            "/Date(0)/",
            "/Date(-0)/",
            "/Date(253402300799)/",
            "/Date(253402300800)/",
            "/Date(123456789012345678)/",
            "/Date(1234567890123456789)/",
            "/Date()/",
            "/Date(-)/",
            "/Date(12a)/",
            "/Date(12)",
            "/Date(12)/x",
            "2026-01-01",
            "",
        ] {
            let quoted = format!("\"{text}\"");
            let (got, at) = one_pass(&quoted, loanpro_date);
            match got {
                Some(day) => {
                    assert_eq!(Ok(day), loanpro_day(text).map_err(drop), "{text}");
                    assert_eq!(at, quoted.len(), "{text}: past the closing quote");
                }
                None => assert_eq!(at, 0, "{text}: unmoved"),
            }
        }
        assert_eq!(
            one_pass("\"/Date(1762473600)/\"", loanpro_date).0,
            Some(Some(1_762_473_600 / 86_400))
        );
        assert_eq!(one_pass("\"/Date(0)/\"", loanpro_date).0, Some(None));
    }

    #[test]
    fn ten_digits_read_as_a_digit_at_a_time() {
        let one_at_a_time = |b: &[u8; 10]| {
            b.iter().try_fold(0i64, |n, d| {
                d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
            })
        };
        let mut texts: Vec<[u8; 10]> = vec![
            *b"0000000000",
            *b"9999999999",
            *b"1762473600",
            *b"0123456789",
            *b"9876543210",
        ];
        // Every position holding each byte around the digits, and a walk of values.
        for at in 0..10 {
            for byte in [
                b'/', b'0', b'5', b'9', b':', b' ', b'a', 0x80, 0xB9, 0xFF, 0x29, 0x3F,
            ] {
                let mut t = *b"1234567890";
                t[at] = byte;
                texts.push(t);
            }
        }
        let mut n: u64 = 7;
        for _ in 0..2_000 {
            n = n.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let text = format!("{:010}", n % 10_000_000_000);
            texts.push(text.as_bytes().try_into().unwrap());
        }
        for t in &texts {
            assert_eq!(
                ten_digits(t),
                one_at_a_time(t),
                "{:?}",
                String::from_utf8_lossy(t)
            );
        }
    }

    #[test]
    fn whole_numbers_read_as_the_number_grammar_reads_them() {
        for text in [
            "1",
            "7,",
            "12345001}",
            "10",
            "1.5",
            "1e3",
            "1E-3,",
            "12.0e1",
            "0",
            "-1",
            "01",
            "1.",
            "1e",
            "9x",
        ] {
            let (mut fast, mut full) = (Cursor::new(text), Cursor::new(text));
            let got = scalar(&mut fast);
            let want = full.number().map(Field::Number);
            assert_eq!(got, want, "{text}");
            if got.is_some() {
                assert_eq!(fast.at(), full.at(), "{text}");
            }
        }
    }

    /// A value reader that compares a constant, as the row it makes: the field it reads set
    /// in the absent row (none for a value passed over).
    type ValueReader = for<'c, 't> fn(&'c mut Cursor<'t>) -> Option<PaymentRow<'t>>;

    #[test]
    fn constant_values_read_as_any_value_reads_them() {
        // The status, `active` and `id` compared as constants stop where `scalar` stops and
        // make the row `set_field` makes of what it reads, or decline with the cursor unmoved.
        let readers: [(&str, usize, ValueReader); 3] = [
            ("status", 0, |c| {
                known_status(c).map(|s| PaymentRow {
                    status: Some(s),
                    ..ABSENT_ROW
                })
            }),
            ("active", 1, |c| {
                active_one(c).map(|()| PaymentRow {
                    active: true,
                    ..ABSENT_ROW
                })
            }),
            ("id", NOT_READ, |c| passed_number(c).map(|()| ABSENT_ROW)),
        ];
        let mut read = 0;
        for (name, i, reader) in readers {
            for text in [
                "\"payment.status.success\",",
                "\"payment.status.success\"}",
                "\"payment.status.successful\",",
                "\"payment.status.succes\",",
                "\"payment.status.success\\u0020\",",
                "1,",
                "1}",
                "1 ,",
                "10,",
                "1.0,",
                "1e0}",
                "12345001,",
                "12345001.5,",
                "12345001E2}",
                "7}",
            ] {
                let mut c = Cursor::new(text);
                let got = reader(&mut c);
                let at = c.at();
                let mut general = Cursor::new(text);
                let want = scalar(&mut general);
                match got {
                    Some(row) => {
                        read += 1;
                        assert_eq!(at, general.at(), "{name} {text}: where it stops");
                        let want = want.unwrap_or_else(|| panic!("{name} {text}: not a value"));
                        if i == NOT_READ {
                            assert!(matches!(want, Field::Number(_)), "{text}");
                        }
                        let mut from_general = ABSENT_ROW;
                        assert_eq!(set_field(&mut from_general, i, want), Some(()));
                        assert_eq!(row, from_general, "{name} {text}");
                    }
                    None => assert_eq!(at, 0, "{name} {text}: unmoved"),
                }
            }
        }
        // status twice, active twice, id on the six whole numbers.
        assert_eq!(read, 10);
    }

    #[test]
    fn leaves_the_rest_to_the_general_reader() {
        for text in [
            r#"{"__deferred": {"uri": "u"}}"#,
            r#"{"results": null}"#,
            r#"[null]"#,
            r#"["a row"]"#,
            r#"[{"date": 5, "amount": "1.00", "active": 1}]"#,
            r#"[{"date": "/Date(x)/", "amount": "1.00", "active": 1}]"#,
            r#"[{"date": "/Date(1768435200)/", "amount": "3,00", "active": 1}]"#,
            r#"[{"date": "/Date(1768435200)/", "amount": "1.00", "status": "a\u0020b"}]"#,
            r#"[{"date": "/Date(1768435200)/", "amount": "1.00", "active": [1]}]"#,
            r#"[{"__deferred": {"uri": "u"}}]"#,
            r#"[{"date": "/Date(1768435200)/", "amount": "1.00"} x]"#,
            "7",
        ] {
            assert_eq!(read(text), None, "{text}");
        }
    }
}
