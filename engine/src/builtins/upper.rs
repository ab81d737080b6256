//! `upper(text)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "upper",
        params: vec![param("text", Type::Text)],
        ret: Type::Text,
        doc: "The text in upper case.",
        examples: &[("upper(\"Elm st\")", "\"ELM ST\"")],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let s = args[0].as_text()?;
    Ok(Value::text_with(|buf| {
        if s.is_ascii() {
            buf.push_str(s);
            buf.make_ascii_uppercase();
        } else {
            buf.extend(s.chars().flat_map(char::to_uppercase));
        }
    }))
}
