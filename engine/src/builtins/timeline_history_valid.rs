//! `history_valid(profile)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "history_valid",
        params: vec![param("profile", Type::Text)],
        ret: Type::Bool,
        doc: "Whether a Payment History Profile is 24 characters of 0–6 with B only as trailing fill (derivations.md §7).",
        examples: &[
            ("history_valid(\"10000BBBBBBBBBBBBBBBBBBB\")", "true"),
            ("history_valid(\"1B000BBBBBBBBBBBBBBBBBBB\")", "false"),
            ("history_valid(\"10000\")", "false"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let p = args[0].as_text()?;
    let digits = p.trim_end_matches('B');
    Ok(Value::Bool(
        p.len() == 24 && digits.bytes().all(|b| (b'0'..=b'6').contains(&b)),
    ))
}
