//! Operators on runtime values: comparison, equality and arithmetic, with LoanPro's shapes
//! (numbers as text, `/Date(N)/` strings) read where the other side says what is meant.

use std::cmp::Ordering;

use rust_decimal::Decimal;

use super::{BinOp, Pattern};
use crate::json::{self, Node};
use crate::value::{Value, ValueError};

/// A borrowed view of a scalar, so comparisons never allocate (a JSON string is compared in
/// place, not copied into a text value first).
enum Scalar<'a> {
    Absent,
    Text(&'a str),
    Int(i64),
    Dec(Decimal),
    Date(chrono::NaiveDate),
    Bool(bool),
    Other(&'a Value<'a>),
}

fn scalar<'a>(v: &'a Value<'a>) -> Scalar<'a> {
    match v {
        Value::Missing | Value::Null => Scalar::Absent,
        Value::Text(s) => Scalar::Text(s),
        Value::Int(n) => Scalar::Int(*n),
        Value::Decimal(d) => Scalar::Dec(*d),
        Value::Date(d) => Scalar::Date(*d),
        Value::Bool(b) => Scalar::Bool(*b),
        Value::Json(j) => match json::node(j) {
            Node::Null => Scalar::Absent,
            Node::String(s) => Scalar::Text(s),
            Node::Bool(b) => Scalar::Bool(b),
            Node::Number(n) => match json::number_i64(n) {
                Some(i) => Scalar::Int(i),
                None => match json::number_text(n).and_then(|t| t.parse::<Decimal>().ok()) {
                    Some(d) => Scalar::Dec(d),
                    None => Scalar::Other(v),
                },
            },
            _ => Scalar::Other(v),
        },
        other => Scalar::Other(other),
    }
}

/// Whether two values are equal. Missing and null are equal to each other (so `x == none`
/// holds for both) and to nothing else; a text compared with a number or a date is read as one.
pub fn equals(a: &Value<'_>, b: &Value<'_>) -> bool {
    // Two texts (codes, statuses, roles: most comparisons a mapping makes) are equal as
    // strings; read in place, without decoding either side's kind further.
    if let (Some(x), Some(y)) = (text_of(a), text_of(b)) {
        return x == y;
    }
    scalars_equal(a, b)
}

/// [`equals`] of a document node and a constant: the usual pairs (a JSON string and a text,
/// a JSON integer and an int: `loanRole == "..."`, `active == 1`) read the node once;
/// anything else takes [`equals`].
pub fn node_equals(x: &crate::json::Doc, c: &Value<'_>) -> bool {
    use sonic_rs::JsonValueTrait;
    match c {
        Value::Text(t) => {
            if let Some(s) = x.as_str() {
                return s == &**t;
            }
        }
        Value::Int(n) => {
            if let Some(i) = x
                .as_raw_number()
                .and_then(|r| r.as_str().parse::<i64>().ok())
            {
                return i == *n;
            }
        }
        _ => {}
    }
    equals(&Value::Json(x), c)
}

/// [`equals`] of a value and a constant: a document node through [`node_equals`].
#[inline]
pub fn equals_constant(v: &Value<'_>, c: &Value<'_>) -> bool {
    match v {
        Value::Json(x) => node_equals(x, c),
        v => equals(v, c),
    }
}

/// [`equals`] read through each side's scalar view: the general rule, which for two texts is
/// their string equality.
fn scalars_equal(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (scalar(a), scalar(b)) {
        (Scalar::Absent, Scalar::Absent) => true,
        (Scalar::Absent, _) | (_, Scalar::Absent) => false,
        (Scalar::Text(x), Scalar::Text(y)) => x == y,
        (Scalar::Int(x), Scalar::Int(y)) => x == y,
        (Scalar::Bool(x), Scalar::Bool(y)) => x == y,
        (Scalar::Bool(x), Scalar::Int(n)) | (Scalar::Int(n), Scalar::Bool(x)) => i64::from(x) == n,
        (Scalar::Other(x), Scalar::Other(y)) => x == y,
        _ => matches!(compare(a, b), Ok(Some(Ordering::Equal))),
    }
}

/// A value's text when it is one (a text value or a JSON string), read in place.
#[inline]
pub fn text_of<'a>(v: &'a Value<'_>) -> Option<&'a str> {
    match v {
        Value::Text(s) => Some(s),
        Value::Json(j) => sonic_rs::JsonValueTrait::as_str(*j),
        _ => None,
    }
}

/// Orders two values of comparable kinds: `Ok(None)` when one is absent; an error when the
/// kinds cannot be compared.
pub fn compare(a: &Value<'_>, b: &Value<'_>) -> Result<Option<Ordering>, ValueError> {
    let dec = |s: &str| s.trim().parse::<Decimal>().ok();
    let date = |s: &str| Value::text(s).as_date();
    Ok(Some(match (scalar(a), scalar(b)) {
        (Scalar::Absent, _) | (_, Scalar::Absent) => return Ok(None),
        (Scalar::Int(x), Scalar::Int(y)) => x.cmp(&y),
        (Scalar::Date(x), Scalar::Date(y)) => x.cmp(&y),
        (Scalar::Date(x), Scalar::Text(t)) => match date(t)? {
            Some(y) => x.cmp(&y),
            None => return Ok(None),
        },
        (Scalar::Text(t), Scalar::Date(y)) => match date(t)? {
            Some(x) => x.cmp(&y),
            None => return Ok(None),
        },
        (Scalar::Text(x), Scalar::Text(y)) => x.cmp(y),
        (Scalar::Bool(x), Scalar::Bool(y)) => x.cmp(&y),
        (Scalar::Int(x), Scalar::Dec(y)) => Decimal::from(x).cmp(&y),
        (Scalar::Dec(x), Scalar::Int(y)) => x.cmp(&Decimal::from(y)),
        (Scalar::Dec(x), Scalar::Dec(y)) => x.cmp(&y),
        (Scalar::Text(t), Scalar::Int(y)) => match dec(t) {
            Some(x) => x.cmp(&Decimal::from(y)),
            None => return Err(not_number(t)),
        },
        (Scalar::Text(t), Scalar::Dec(y)) => match dec(t) {
            Some(x) => x.cmp(&y),
            None => return Err(not_number(t)),
        },
        (Scalar::Int(x), Scalar::Text(t)) => match dec(t) {
            Some(y) => Decimal::from(x).cmp(&y),
            None => return Err(not_number(t)),
        },
        (Scalar::Dec(x), Scalar::Text(t)) => match dec(t) {
            Some(y) => x.cmp(&y),
            None => return Err(not_number(t)),
        },
        _ => {
            return Err(ValueError::new(format!(
                "cannot compare {} with {}",
                a.kind(),
                b.kind()
            )))
        }
    }))
}

fn not_number(t: &str) -> ValueError {
    ValueError::new(format!(
        "{t:?} is not a number, so it cannot be compared with one"
    ))
}

/// Applies a binary operator. Arithmetic on a missing operand is an error; on a null one the
/// result is null. Comparisons with an absent side are false (`==`/`!=` treat missing and
/// null as equal to `none`).
pub fn binary<'d>(op: BinOp, a: Value<'d>, b: Value<'d>) -> Result<Value<'d>, ValueError> {
    match op {
        BinOp::Eq => return Ok(Value::Bool(equals(&a, &b))),
        BinOp::Ne => return Ok(Value::Bool(!equals(&a, &b))),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let Some(ord) = compare(&a, &b)? else {
                return Ok(Value::Bool(false));
            };
            return Ok(Value::Bool(match op {
                BinOp::Lt => ord == Ordering::Less,
                BinOp::Le => ord != Ordering::Greater,
                BinOp::Gt => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            }));
        }
        _ => {}
    }
    if missing_side(&a, &b).is_some() {
        return Err(ValueError::new(format!(
            "`{}` on a missing value (give a default with `??`)",
            op.symbol()
        )));
    }
    arithmetic(op, a, b)
}

/// Which operand of an arithmetic operator is missing (0 the left), if one is: that is an
/// error, which the plan reports naming the operand as written.
#[inline]
pub fn missing_side(a: &Value<'_>, b: &Value<'_>) -> Option<usize> {
    if matches!(a, Value::Missing) {
        Some(0)
    } else if matches!(b, Value::Missing) {
        Some(1)
    } else {
        None
    }
}

/// [`binary`] for `+ - * /` on operands neither of which is missing ([`missing_side`]).
pub fn arithmetic<'d>(op: BinOp, a: Value<'d>, b: Value<'d>) -> Result<Value<'d>, ValueError> {
    let a = a.resolve();
    let b = b.resolve();
    if a.is_absent() || b.is_absent() {
        return Ok(Value::Null);
    }
    let overflow = || ValueError::new(format!("`{}` overflows", op.symbol()));
    match (op, &a, &b) {
        (BinOp::Sub, Value::Date(x), Value::Date(y)) => Ok(Value::Int((*x - *y).num_days())),
        (BinOp::Add, Value::Int(x), Value::Int(y)) => {
            x.checked_add(*y).map(Value::Int).ok_or_else(overflow)
        }
        (BinOp::Sub, Value::Int(x), Value::Int(y)) => {
            x.checked_sub(*y).map(Value::Int).ok_or_else(overflow)
        }
        (BinOp::Mul, Value::Int(x), Value::Int(y)) => {
            x.checked_mul(*y).map(Value::Int).ok_or_else(overflow)
        }
        _ => {
            let x = number(&a, op)?;
            let y = number(&b, op)?;
            let r = match op {
                BinOp::Add => x.checked_add(y),
                BinOp::Sub => x.checked_sub(y),
                BinOp::Mul => x.checked_mul(y),
                _ => {
                    if y.is_zero() {
                        return Err(ValueError::new("division by zero"));
                    }
                    x.checked_div(y)
                }
            };
            r.map(|d| Value::Decimal(d.normalize()))
                .ok_or_else(overflow)
        }
    }
}

fn number(v: &Value<'_>, op: BinOp) -> Result<Decimal, ValueError> {
    match v {
        Value::Int(_) | Value::Decimal(_) | Value::Text(_) => v.as_decimal(),
        other => Err(ValueError::new(format!(
            "`{}` needs numbers, got {}",
            op.symbol(),
            other.kind()
        ))),
    }
}

/// Whether a value counts as "yes" in a condition: absent values are "no"; anything that is
/// not yes/no is an error.
pub fn truthy(v: &Value<'_>) -> Result<bool, ValueError> {
    if v.is_absent() {
        return Ok(false);
    }
    v.as_bool()
}

/// Whether a value matches a `match` arm's pattern.
pub fn matches_pattern(v: &Value<'_>, p: &Pattern) -> Result<bool, ValueError> {
    Ok(match p {
        Pattern::Any => true,
        Pattern::Value(c) => equals(v, c),
        Pattern::Range { lo, hi, inclusive } => {
            let (Some(a), Some(b)) = (compare(v, lo)?, compare(v, hi)?) else {
                return Ok(false);
            };
            a.is_ge() && if *inclusive { b.is_le() } else { b.is_lt() }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::from_serde;
    use serde_json::json;

    #[test]
    fn loanpro_text_numbers_compare_as_numbers() {
        let j = from_serde(&json!("36"));
        assert!(equals(&Value::Json(&j), &Value::Int(36)));
        let j = from_serde(&json!("386.66"));
        assert_eq!(
            binary(BinOp::Mul, Value::Json(&j), Value::Int(2)).unwrap(),
            Value::Decimal("773.32".parse().unwrap())
        );
    }

    #[test]
    fn absent_values() {
        assert!(equals(&Value::Missing, &Value::Null));
        assert!(!equals(&Value::Int(0), &Value::Null));
        assert_eq!(
            binary(BinOp::Lt, Value::Null, Value::Int(1)).unwrap(),
            Value::Bool(false)
        );
        assert!(binary(BinOp::Add, Value::Missing, Value::Int(1)).is_err());
        assert_eq!(
            binary(BinOp::Add, Value::Null, Value::Int(1)).unwrap(),
            Value::Null
        );
    }

    use proptest::strategy::Strategy;

    proptest::proptest! {
        #[test]
        fn a_node_compares_with_a_constant_as_the_general_rule_says(
            text in "-?[0-9]{1,3}(\\.[0-9]{0,2})?|[a-z ]{0,3}|1e0|01|true|null",
            constant in proptest::prop_oneof![
                (-3i64..3).prop_map(Value::Int),
                "[a-z0-9 ]{0,2}".prop_map(Value::text),
                proptest::strategy::Just(Value::Null),
                proptest::strategy::Just(Value::Bool(true)),
            ],
            as_json in proptest::bool::ANY,
        ) {
            // As JSON when it parses (`01` and `1.` do not), else as a string.
            let string = format!("{text:?}");
            let doc = match crate::json::parse(&text) {
                Ok(d) if as_json => d,
                _ => crate::json::parse(&string).unwrap(),
            };
            proptest::prop_assert_eq!(
                node_equals(&doc, &constant),
                scalars_equal(&Value::Json(&doc), &constant)
            );
        }

        /// `equals` compares two texts as strings before anything else: whenever a value has a
        /// text, that is exactly what the general rule (`scalars_equal`) gives.
        #[test]
        fn two_texts_are_equal_exactly_as_the_general_rule_says(
            a in "[0-9a-zA-Z .\\-]{0,6}",
            b in "[0-9a-zA-Z .\\-]{0,6}",
            shape in 0usize..4,
        ) {
            let doc = from_serde(&match shape {
                0 => json!(a.clone()),
                1 => json!(a.parse::<i64>().unwrap_or(7)),
                2 => json!(null),
                _ => json!(a.is_empty()),
            });
            let constant = Value::text(b.as_str());
            for v in [Value::Json(&doc), Value::text(a.as_str()), Value::Int(a.len() as i64)] {
                if let Some(t) = text_of(&v) {
                    proptest::prop_assert_eq!(t == b, scalars_equal(&v, &constant));
                    proptest::prop_assert_eq!(t == b, equals(&v, &constant));
                }
            }
        }
    }

    #[test]
    fn int_division_is_exact() {
        assert_eq!(
            binary(BinOp::Div, Value::Int(936), Value::Int(26)).unwrap(),
            Value::Decimal(Decimal::from(36))
        );
        assert!(binary(BinOp::Div, Value::Int(1), Value::Int(0)).is_err());
    }
}
