//! `phone(text)`.
use super::clean_read::scalar_text;
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "phone",
        params: vec![param("text", Type::Any)],
        ret: Type::Optional(Box::new(Type::Text)),
        doc: "Telephone number (derivations.md §8): the digits when there are 10, or 11 beginning with the country code 1 (dropped); none (zeros) otherwise.",
        examples: &[
            ("phone(\"(512) 555-0100\")", "\"5125550100\""),
            ("phone(\"1-512-555-0100\")", "\"5125550100\""),
            ("phone(\"555-0100\")", "none"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let text = scalar_text(&args[0])?.unwrap_or_default();
    Ok(crate::clean::codes::phone(&text).map_or(Value::Null, Value::text))
}
