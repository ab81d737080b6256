//! `any(list, condition)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "any",
        params: vec![
            param("list", Type::List(Box::new(Type::Any))),
            per_element("condition", Type::Bool, true),
        ],
        ret: Type::Bool,
        doc: "Whether the condition holds for some element; without a condition, whether the list has any element.",
        examples: &[
            ("any([1, 2, 3], it > 2)", "true"),
            ("any([1, 2, 3], it > 3)", "false"),
            ("any([])", "false"),
        ],
        eval,
        fold: Some(FOLD),
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    match args.get(1) {
        None => Ok(Value::Bool(args[0].list_len()? > 0)),
        Some(results) => FOLD.over(results),
    }
}

/// Decided by the first yes.
const FOLD: Fold = Fold {
    init: || Value::Bool(false),
    step: |acc, v| {
        let yes = v.as_bool()?;
        *acc = Value::Bool(yes);
        Ok(yes)
    },
    sum: false,
};
