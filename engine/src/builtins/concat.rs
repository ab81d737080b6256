//! `concat(a, b)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "concat",
        params: vec![param("a", Type::Text), param("b", Type::Text)],
        ret: Type::Text,
        doc: "The two texts one after the other.",
        examples: &[("concat(\"AB\", \"12\")", "\"AB12\"")],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    Ok(Value::text(format!(
        "{}{}",
        args[0].as_text()?,
        args[1].as_text()?
    )))
}
