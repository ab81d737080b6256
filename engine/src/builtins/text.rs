//! `text(value)`.
use std::sync::{Arc, OnceLock};

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
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    Ok(match &args[0] {
        Value::Text(s) => Value::Text(s.clone()),
        // A digit is shared, not allocated: a Payment History Profile turns 24 month buckets
        // into text per loan.
        Value::Int(n @ 0..=9) => {
            static DIGITS: OnceLock<[Arc<str>; 10]> = OnceLock::new();
            let digits = DIGITS.get_or_init(|| std::array::from_fn(|i| Arc::from(i.to_string())));
            Value::Text(digits[*n as usize].clone())
        }
        // Formatted on the stack: one allocation (the text's), not a `String` and then a copy.
        Value::Int(n) => {
            use std::io::Write;
            let mut buf = [0u8; 20];
            let mut w = &mut buf[..];
            write!(w, "{n}").expect("an i64 fits in 20 bytes");
            let len = 20 - w.len();
            Value::text(std::str::from_utf8(&buf[..len]).expect("digits are UTF-8"))
        }
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
