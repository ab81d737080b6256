//! `lower(text)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "lower",
        params: vec![param("text", Type::Text)],
        ret: Type::Text,
        doc: "The text in lower case.",
        examples: &[("lower(\"JR\")", "\"jr\"")],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    Ok(Value::text(args[0].as_text()?.to_lowercase()))
}
