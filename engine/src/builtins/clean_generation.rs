//! `generation(text)`.
use super::clean_read::scalar_text;
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "generation",
        params: vec![param("text", Type::Any)],
        ret: Type::Text,
        doc: "Generation code from customer.generationCode.X (derivations.md §8): jr → J, sr → S, ii…ix → 2…9, blank otherwise.",
        examples: &[
            ("generation(\"customer.generationCode.jr\")", "\"J\""),
            ("generation(\"customer.generationCode.iii\")", "\"3\""),
            ("generation(\"customer.generationCode.none\")", "\"\""),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let text = scalar_text(&args[0])?.unwrap_or_default();
    Ok(Value::text(crate::clean::codes::generation_code(&text)))
}
