//! `state(text)`.
use super::clean_read::scalar_text;
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "state",
        params: vec![param("text", Type::Any)],
        ret: Type::Text,
        doc: "State from LoanPro's geo.state.XX (derivations.md §8): XX when it is two letters, blank otherwise.",
        examples: &[
            ("state(\"geo.state.CA\")", "\"CA\""),
            ("state(\"California\")", "\"\""),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let text = scalar_text(&args[0])?.unwrap_or_default();
    Ok(Value::text(crate::clean::codes::state(&text)))
}
