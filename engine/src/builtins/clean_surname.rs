//! `surname(text, width)`.
use super::clean_read::{scalar_text, width_arg};
use super::prelude::*;
use crate::clean::text::{clean_text_into, TextKind};

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "surname",
        params: vec![param("text", Type::Any), param("width", Type::Int)],
        ret: Type::Text,
        doc: "A surname as derivations.md §1 cleans it: letters folded to A–Z (É → E, Ø → O, ß → SS, ...), upper-case, every other character but space and hyphen dropped, runs of spaces folded, trimmed, then cut to width.",
        examples: &[
            ("surname(\"van der  Berg\", 25)", "\"VAN DER BERG\""),
            ("surname(\"St. John\", 25)", "\"ST JOHN\""),
            ("surname(\"Müller-Łukasz\", 25)", "\"MULLER-LUKASZ\""),
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
        clean_text_into(&text, TextKind::Surname, width, buf)
    }))
}
