//! `min(a, b)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "min",
        params: vec![param("a", Type::Decimal), param("b", Type::Decimal)],
        ret: Type::Decimal,
        doc: "The smaller of two numbers (an int when both are ints).",
        examples: &[("min(12, 3)", "3"), ("min(1.5, 2)", "1.5")],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    if let (Value::Int(a), Value::Int(b)) = (&args[0], &args[1]) {
        return Ok(Value::Int(*a.min(b)));
    }
    Ok(Value::Decimal(
        args[0].as_decimal()?.min(args[1].as_decimal()?),
    ))
}
