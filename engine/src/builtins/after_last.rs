//! `after_last(text, separator)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "after_last",
        params: vec![param("text", Type::Text), param("separator", Type::Text)],
        ret: Type::Text,
        doc: "The part of the text after the last separator (all of it when there is none): LoanPro's enumeration codes.",
        examples: &[
            ("after_last(\"loan.creditstatus.97\", \".\")", "\"97\""),
            ("after_last(\"geo.state.CA\", \".\")", "\"CA\""),
            ("after_last(\"plain\", \".\")", "\"plain\""),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let s = args[0].as_text()?;
    let sep = args[1].as_text()?;
    Ok(Value::text(after_last_of(s, sep)))
}

/// The part of `s` after the last `sep` (all of `s` when there is none, or `sep` is empty).
pub(crate) fn after_last_of<'a>(s: &'a str, sep: &str) -> &'a str {
    match s.rfind(sep) {
        Some(i) if !sep.is_empty() => &s[i + sep.len()..],
        _ => s,
    }
}
