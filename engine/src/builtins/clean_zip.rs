//! `zip(text)`.
use super::clean_read::scalar_text;
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "zip",
        params: vec![param("text", Type::Any)],
        ret: Type::Text,
        doc: "Postal code (derivations.md §8): the ZIP's digits when there are 5 or 9 of them, blank otherwise.",
        examples: &[
            ("zip(\"80202-1234\")", "\"802021234\""),
            ("zip(83814)", "\"83814\""),
            ("zip(\"8021\")", "\"\""),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let text = scalar_text(&args[0])?.unwrap_or_default();
    Ok(Value::text(crate::clean::codes::zip(&text)))
}
