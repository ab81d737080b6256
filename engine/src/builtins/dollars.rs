//! `dollars(amount)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "dollars",
        params: vec![param("amount", Type::Money)],
        ret: Type::Int,
        doc: "Money in whole dollars: the cents dropped (truncated toward zero), negative amounts as 0 (derivations.md §1).",
        examples: &[
            ("dollars(\"386.66\")", "386"),
            ("dollars(12.999)", "12"),
            ("dollars(-5.00)", "0"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    dollars_of(args[0].as_decimal()?).map(Value::Int)
}

/// An amount in whole dollars: cents dropped, a negative amount 0.
pub(crate) fn dollars_of(amount: Decimal) -> Result<i64, ValueError> {
    let d = amount.trunc();
    if d.is_sign_negative() {
        return Ok(0);
    }
    i64::try_from(d).map_err(|_| ValueError::new(format!("{d} dollars is too large")))
}
