//! `ssn(text)`.
use super::clean_read::scalar_text;
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "ssn",
        params: vec![param("text", Type::Any)],
        ret: Type::Optional(Box::new(Type::Text)),
        doc: "Social Security Number (derivations.md §8): the value when it is exactly nine digits the SSA can issue (area not 000, 666, 900–999; group not 00; serial not 0000); none (zeros) otherwise.",
        examples: &[
            ("ssn(\"652186018\")", "\"652186018\""),
            ("ssn(\"912345678\")", "none"),
            ("ssn(\"12345\")", "none"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let text = scalar_text(&args[0])?.unwrap_or_default();
    Ok(crate::clean::codes::ssn(&text).map_or(Value::Null, Value::text))
}
