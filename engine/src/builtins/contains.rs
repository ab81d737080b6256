//! `contains(text, part)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "contains",
        params: vec![param("text", Type::Text), param("part", Type::Text)],
        ret: Type::Bool,
        doc: "Whether the text contains the part.",
        examples: &[("contains(\"payment.status.reversed\", \"revers\")", "true")],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    Ok(Value::Bool(args[0].as_text()?.contains(args[1].as_text()?)))
}
