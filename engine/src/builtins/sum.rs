//! `sum(list, amount)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "sum",
        params: vec![
            param("list", Type::List(Box::new(Type::Any))),
            per_element("amount", Type::Decimal, true),
        ],
        ret: Type::Decimal,
        doc: "The exact sum of the amounts computed per element (or of the elements themselves); 0 for an empty list.",
        examples: &[
            ("sum([1, 2.5])", "3.5"),
            ("sum([\"1.10\", \"2.20\"], money(it))", "3.30"),
            ("sum([])", "0"),
        ],
        eval,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let mut total = Decimal::ZERO;
    for v in args.get(1).unwrap_or(&args[0]).iter_list()? {
        if v.is_absent() {
            continue;
        }
        total = total
            .checked_add(v.as_decimal()?)
            .ok_or_else(|| ValueError::new("the sum overflows"))?;
    }
    Ok(Value::Decimal(total))
}
