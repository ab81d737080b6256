//! `int(value)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "int",
        params: vec![param("value", Type::Any)],
        ret: Type::Int,
        doc: "Reads a whole number from a number or from text of one (\"36\", \"0012\"); an error for fractions.",
        examples: &[("int(\"036\")", "36"), ("int(\"12.00\")", "12"), ("int(7)", "7")],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    args[0].as_int().map(Value::Int)
}
