//! `all(list, condition)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "all",
        params: vec![
            param("list", Type::List(Box::new(Type::Any))),
            per_element("condition", Type::Bool, false),
        ],
        ret: Type::Bool,
        doc: "Whether the condition holds for every element (true for an empty list).",
        examples: &[
            ("all([1, 2, 3], it > 0)", "true"),
            ("all([1, 2, 3], it > 1)", "false"),
        ],
        eval,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    for v in args[1].iter_list()? {
        if !v.as_bool()? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}
