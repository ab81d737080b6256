//! `starts_with(text, prefix)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "starts_with",
        params: vec![param("text", Type::Text), param("prefix", Type::Text)],
        ret: Type::Bool,
        doc: "Whether the text starts with the prefix.",
        examples: &[(
            "starts_with(\"loan.class.mortgage\", \"loan.class.\")",
            "true",
        )],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    Ok(Value::Bool(
        args[0].as_text()?.starts_with(args[1].as_text()?),
    ))
}
