//! `digits(text)`.
use super::prelude::*;
use crate::clean::codes::digits_into;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "digits",
        params: vec![param("text", Type::Text)],
        ret: Type::Text,
        doc: "Only the digits of the text, in order (phone numbers, ZIP codes).",
        examples: &[
            ("digits(\"(512) 555-0100\")", "\"5125550100\""),
            ("digits(\"none\")", "\"\""),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let s = args[0].as_text()?;
    Ok(Value::text_with(|buf| digits_into(s, buf)))
}
