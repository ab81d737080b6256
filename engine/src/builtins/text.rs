//! `text(value)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "text",
        params: vec![param("value", Type::Any)],
        ret: Type::Text,
        doc: "The value as text (numbers as written, dates as YYYY-MM-DD).",
        examples: &[
            ("text(36)", "\"36\""),
            ("text(2026-10-31)", "\"2026-10-31\""),
        ],
        eval,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    Ok(match &args[0] {
        Value::Text(s) => Value::Text(s.clone()),
        v @ (Value::List(_) | Value::Opaque(_)) => {
            return Err(ValueError::new(format!(
                "cannot write {} as text",
                v.kind()
            )))
        }
        Value::Json(j)
            if sonic_rs::JsonValueTrait::is_object(*j)
                || sonic_rs::JsonValueTrait::is_array(*j) =>
        {
            return Err(ValueError::new(format!(
                "cannot write a JSON {} as text",
                crate::value::json_kind(j)
            )))
        }
        v => Value::text(v.display()),
    })
}
