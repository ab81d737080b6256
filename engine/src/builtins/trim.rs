//! `trim(text)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "trim",
        params: vec![param("text", Type::Text)],
        ret: Type::Text,
        doc: "The text without leading and trailing spaces.",
        examples: &[("trim(\"  77 Elm St \")", "\"77 Elm St\"")],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    Ok(Value::text(args[0].as_text()?.trim()))
}
