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
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    Ok(match &args[0] {
        Value::List(l) => l.first().cloned().unwrap_or(Value::Null),
        Value::Json(j) => crate::value::json_list(j)?
            .first()
            .map(Value::Json)
            .unwrap_or(Value::Null),
        other => other.as_list()?.into_iter().next().unwrap_or(Value::Null),
    })
}
