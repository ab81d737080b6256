//! `count(list)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "count",
        params: vec![param("list", Type::List(Box::new(Type::Any)))],
        ret: Type::Int,
        doc: "The number of elements of a list.",
        examples: &[("count([1, 2, 3])", "3"), ("count([])", "0")],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    Ok(Value::Int(args[0].list_len()? as i64))
}
