//! `len(text)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "len",
        params: vec![param("text", Type::Text)],
        ret: Type::Int,
        doc: "The number of characters of a text.",
        examples: &[("len(\"83814\")", "5"), ("len(\"\")", "0")],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    Ok(Value::Int(args[0].as_text()?.chars().count() as i64))
}
