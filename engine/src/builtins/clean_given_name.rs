//! `given_name(text, width)`.
use super::clean_read::{scalar_text, width_arg};
use super::prelude::*;
use crate::clean::text::{clean_text_into, TextKind};

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "given_name",
        params: vec![param("text", Type::Any), param("width", Type::Int)],
        ret: Type::Text,
        doc: "A first or middle name as derivations.md §1 cleans it: like a surname, then each space between words becomes a hyphen (\"Mary Ann\" → MARY-ANN), cut to width.",
        examples: &[
            ("given_name(\"Mary Ann\", 20)", "\"MARY-ANN\""),
            ("given_name(\"Björn\", 20)", "\"BJORN\""),
            ("given_name(\"J.R.\", 20)", "\"JR\""),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let width = width_arg(&args[1])?;
    let text = scalar_text(&args[0])?.unwrap_or_default();
    // Cleaned into the shared scratch buffer: one allocation, the value's own.
    Ok(Value::text_with(|buf| {
        clean_text_into(&text, TextKind::GivenName, width, buf)
    }))
}
