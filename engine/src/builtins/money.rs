//! `money(value)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "money",
        params: vec![param("value", Type::Any)],
        ret: Type::Money,
        doc: "Reads an amount exactly (LoanPro's \"386.66\" text or a JSON number as written) in whole cents: digits past the cents are dropped.",
        examples: &[("money(\"386.669\")", "386.66"), ("money(12)", "12")],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    money_of(&args[0]).map(Value::Decimal)
}

/// The amount of a value that is not absent, in whole cents (what `money` gives).
pub(crate) fn money_of(v: &Value<'_>) -> Result<Decimal, ValueError> {
    Ok(v.as_decimal()?.trunc_with_scale(2))
}
