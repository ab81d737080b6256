//! `last(list)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "last",
        params: vec![param("list", Type::List(Box::new(Type::Any)))],
        ret: Type::Optional(Box::new(Type::Elem)),
        doc: "The last element of a list; none when it is empty.",
        examples: &[("last([3, 4])", "4"), ("last([])", "none")],
        eval,
        fold: Some(FOLD),
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    // What the fold gives, without walking the list.
    Ok(match &args[0] {
        Value::List(l) => l.last().cloned().unwrap_or(Value::Null),
        Value::Json(j) => crate::value::json_list(j)?
            .last()
            .map(Value::Json)
            .unwrap_or(Value::Null),
        other => other.as_list()?.pop().unwrap_or(Value::Null),
    })
}

/// Every element replaces the one before.
const FOLD: Fold = Fold {
    init: || Value::Null,
    step: |acc, v| {
        *acc = v.clone();
        Ok(false)
    },
    sum: false,
};
