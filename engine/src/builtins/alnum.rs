//! `alnum(text)`.
use super::prelude::*;
use crate::clean::codes::alnum_into;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "alnum",
        params: vec![param("text", Type::Text)],
        ret: Type::Text,
        doc: "The text upper-cased with every character other than A-Z and 0-9 removed (account numbers).",
        examples: &[("alnum(\"LN-000123\")", "\"LN000123\""), ("alnum(\"a b/c\")", "\"ABC\"")],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let s = args[0].as_text()?;
    Ok(Value::text_with(|buf| alnum_into(s, buf)))
}
