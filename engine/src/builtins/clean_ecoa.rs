//! `ecoa(text)`.
use super::clean_read::scalar_text;
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "ecoa",
        params: vec![optional("text", Type::Any)],
        ret: Type::Optional(Box::new(Type::Text)),
        doc: "An explicit ECOA code from loan.ecoacodes.X (derivations.md §8): X, or none when not set (0, \"\", missing, none); the mapping supplies the default.",
        examples: &[
            ("ecoa(\"loan.ecoacodes.2\")", "\"2\""),
            ("ecoa(\"loan.ecoacodes.0\")", "none"),
            ("ecoa(none)", "none"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let text = match args.first() {
        Some(v) => scalar_text(v)?,
        None => None,
    };
    Ok(text
        .as_deref()
        .and_then(crate::clean::codes::ecoa_code)
        .map_or(Value::Null, Value::text))
}
