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
        fold: Some(FOLD),
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    FOLD.over(&args[1])
}

/// Decided by the first no.
const FOLD: Fold = Fold {
    init: || Value::Bool(true),
    step: |acc, v| {
        let yes = v.as_bool()?;
        *acc = Value::Bool(yes);
        Ok(!yes)
    },
    sum: false,
};
