//! `ends_with(text, suffix)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "ends_with",
        params: vec![param("text", Type::Text), param("suffix", Type::Text)],
        ret: Type::Bool,
        doc: "Whether the text ends with the suffix.",
        examples: &[(
            "ends_with(\"payment.status.reversed\", \".reversed\")",
            "true",
        )],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    Ok(Value::Bool(
        args[0].as_text()?.ends_with(args[1].as_text()?),
    ))
}
