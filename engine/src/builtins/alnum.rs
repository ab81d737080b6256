//! `alnum(text)`.
use super::prelude::*;

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

/// The ASCII letters and digits of `s`, upper-cased, appended to `buf`.
pub(crate) fn alnum_into(s: &str, buf: &mut String) {
    buf.extend(
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase()),
    )
}
