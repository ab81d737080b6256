//! `round_half_up(number)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "round_half_up",
        params: vec![param("number", Type::Decimal)],
        ret: Type::Int,
        doc: "The nearest whole number, halves away from zero (terms duration, derivations.md §6).",
        examples: &[
            ("round_half_up(35.5)", "36"),
            ("round_half_up(35.49)", "35"),
            ("round_half_up(78 * 12 / 26)", "36"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let d = args[0]
        .as_decimal()?
        .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    i64::try_from(d)
        .map(Value::Int)
        .map_err(|_| ValueError::new(format!("{d} is too large")))
}
