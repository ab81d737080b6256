//! `history_profile(months, char)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "history_profile",
        params: vec![
            param("months", Type::List(Box::new(Type::Any))),
            per_element("char", Type::Text, false),
        ],
        ret: Type::Text,
        doc: "The Payment History Profile: one character per month, computed per element of the months list (each `it` is a month's bucket or none), joined in order. Each result must be exactly one character.",
        examples: &[
            ("history_profile([\"1\", \"0\", \"B\"], it)", "\"10B\""),
            ("history_profile([1, 0, none], it ?? \"B\")", "\"10B\""),
            // Repeated months share one evaluation per distinct bucket (plan/eval.rs).
            ("history_profile([1, 0, 1, none, 0, none], if it == none then \"B\" else text(it + 1))", "\"212B1B\""),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    // A program list (what `history_char[...]` per month gives) is read in place, not copied.
    let owned;
    let chars: &[Value<'d>] = match &args[1] {
        Value::List(l) => l,
        other => {
            owned = other.as_list()?;
            &owned
        }
    };
    let mut out = String::with_capacity(chars.len());
    for (i, c) in chars.iter().enumerate() {
        let s = match c {
            Value::Int(n) if (0..=9).contains(n) => {
                out.push(char::from(b'0' + *n as u8));
                continue;
            }
            other => other
                .as_text()
                .map_err(|e| ValueError::new(format!("history_profile: month {}: {e}", i + 1)))?,
        };
        let mut it = s.chars();
        match (it.next(), it.next()) {
            (Some(ch), None) => out.push(ch),
            _ => {
                return Err(ValueError::new(format!(
                    "history_profile: month {} gives {s:?}, not one character",
                    i + 1
                )))
            }
        }
    }
    Ok(Value::text(out))
}
