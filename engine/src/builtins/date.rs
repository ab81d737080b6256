//! `date(value)`.
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "date",
        params: vec![optional("value", Type::Any)],
        ret: Type::Optional(Box::new(Type::Date)),
        doc: "Reads a date: LoanPro's \"/Date(N)/\" (UTC day of N seconds since 1970) or \"YYYY-MM-DD\"; none for LoanPro's empty forms (null, \"\", /Date(0)/, year-1 sentinels).",
        examples: &[
            ("date(\"/Date(1427829732)/\")", "2015-03-31"),
            ("date(\"/Date(-62169984000)/\")", "none"),
            ("date(\"\")", "none"),
            ("date(\"2026-10-31\")", "2026-10-31"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    match args.first() {
        None | Some(Value::Missing) => Err(ValueError::new("date(): the value is missing")),
        Some(v) => Ok(v.as_date()?.map(Value::Date).unwrap_or(Value::Null)),
    }
}
