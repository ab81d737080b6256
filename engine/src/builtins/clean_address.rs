//! `address(text, width)`.
use super::clean_read::{scalar_text, width_arg};
use super::prelude::*;
use crate::clean::text::{clean_text_into, TextKind};

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "address",
        params: vec![param("text", Type::Any), param("width", Type::Int)],
        ret: Type::Text,
        doc: "An address line or city as derivations.md §1 cleans it: letters folded and upper-cased, every other character but the hyphen turned into a space, runs of spaces folded, trimmed, cut to width.",
        examples: &[
            ("address(\"400 N. Main St., Apt #5\", 32)", "\"400 N MAIN ST APT 5\""),
            ("address(\"Coeur d'Alene\", 20)", "\"COEUR D ALENE\""),
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
        clean_text_into(&text, TextKind::Address, width, buf)
    }))
}
