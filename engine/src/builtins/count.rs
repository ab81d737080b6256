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
        fold: Some(FOLD),
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    // What the fold gives, without walking the list.
    Ok(Value::Int(args[0].list_len()? as i64))
}

/// One more per element.
const FOLD: Fold = Fold {
    init: || Value::Int(0),
    step: |acc, _| {
        if let Value::Int(n) = acc {
            *n += 1;
        }
        Ok(false)
    },
    sum: false,
};
