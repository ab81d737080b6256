//! `first(list)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "first",
        params: vec![param("list", Type::List(Box::new(Type::Any)))],
        ret: Type::Optional(Box::new(Type::Elem)),
        doc: "The first element of a list; none when it is empty.",
        examples: &[("first([3, 4])", "3"), ("first([])", "none")],
        eval,
        fold: Some(FOLD),
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    FOLD.over(&args[0])
}

/// Decided by the first element.
const FOLD: Fold = Fold {
    init: || Value::Null,
    step: |acc, v| {
        *acc = v.clone();
        Ok(true)
    },
    sum: false,
};
