//! `loanpro_money(value)`.
use super::clean_read::read_money;
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "loanpro_money",
        params: vec![optional("value", Type::Any)],
        ret: Type::Optional(Box::new(Type::Money)),
        doc: "An amount exactly as derivations.md §1 reads it, string or JSON number text (never a binary float), digits past the cents dropped toward zero; none for null, missing and \"\".",
        examples: &[
            ("loanpro_money(\"386.669\")", "386.66"),
            ("loanpro_money(12)", "12.00"),
            ("loanpro_money(\"\")", "none"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    match args.first() {
        None => Ok(Value::Null),
        Some(v) => Ok(read_money(v)?.map_or(Value::Null, |c| Value::Decimal(c.to_decimal()))),
    }
}
