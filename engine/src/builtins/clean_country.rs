//! `country(text)`.
use super::clean_read::scalar_text;
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "country",
        params: vec![param("text", Type::Any)],
        ret: Type::Text,
        doc: "Country code (derivations.md §8): US for company.country.usa, blank otherwise.",
        examples: &[
            ("country(\"company.country.usa\")", "\"US\""),
            ("country(\"company.country.can\")", "\"\""),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let text = scalar_text(&args[0])?.unwrap_or_default();
    Ok(Value::text(crate::clean::codes::country(&text)))
}
