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
        fold: Some(FOLD),
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    FOLD.over(args.get(1).unwrap_or(&args[0]))
}

/// Absent amounts count as nothing.
const FOLD: Fold = Fold {
    init: || Value::Decimal(Decimal::ZERO),
    step: |acc, v| {
        if v.is_absent() {
            return Ok(false);
        }
        let Value::Decimal(total) = acc else {
            return Err(ValueError::new("the sum is not a number"));
        };
        *total = add_to_sum(*total, v.as_decimal()?)?;
        Ok(false)
    },
    sum: true,
};

/// `total + amount`, exactly; an error when the sum overflows.
pub(crate) fn add_to_sum(total: Decimal, amount: Decimal) -> Result<Decimal, ValueError> {
    total
        .checked_add(amount)
        .ok_or_else(|| ValueError::new("the sum overflows"))
}
