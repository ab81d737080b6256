//! `account_number(text)`.
use super::clean_read::scalar_text;
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "account_number",
        params: vec![param("text", Type::Any)],
        ret: Type::Text,
        doc: "Consumer Account Number from displayId (derivations.md §1): upper-cased, every character other than A–Z and 0–9 removed.",
        examples: &[
            ("account_number(\"LN-000123\")", "\"LN000123\""),
            ("account_number(\"ab 12/c\")", "\"AB12C\""),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let text = scalar_text(&args[0])?.unwrap_or_default();
    Ok(Value::text(crate::clean::codes::account_number(&text)))
}
