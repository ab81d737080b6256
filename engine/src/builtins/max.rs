//! `max(a, b)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "max",
        params: vec![param("a", Type::Decimal), param("b", Type::Decimal)],
        ret: Type::Decimal,
        doc: "The larger of two numbers (an int when both are ints).",
        examples: &[("max(0, -3)", "0"), ("max(1.5, 2)", "2")],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    if let (Value::Int(a), Value::Int(b)) = (&args[0], &args[1]) {
        return Ok(Value::Int(*a.max(b)));
    }
    Ok(Value::Decimal(
        args[0].as_decimal()?.max(args[1].as_decimal()?),
    ))
}
