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
    Ok(Value::text_with(|buf| upper_into(s, buf)))
}

/// `s` in upper case, appended to `buf`.
pub(crate) fn upper_into(s: &str, buf: &mut String) {
    if s.is_ascii() {
        let start = buf.len();
        buf.push_str(s);
        buf[start..].make_ascii_uppercase();
    } else {
        buf.extend(s.chars().flat_map(char::to_uppercase));
    }
}
