//! `loanpro_date(value)`.
use super::clean_read::read_date;
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "loanpro_date",
        params: vec![optional("value", Type::Any)],
        ret: Type::Optional(Box::new(Type::Date)),
        doc: "A LoanPro date exactly as derivations.md §1 reads it: \"/Date(N)/\" is the UTC day of N seconds since 1970 (negative N before 1970); none for null, missing, \"\", /Date(0)/ and N at or before year 1; any other form is an error.",
        examples: &[
            ("loanpro_date(\"/Date(1427829732)/\")", "2015-03-31"),
            ("loanpro_date(\"/Date(-62169984000)/\")", "none"),
            ("loanpro_date(\"\")", "none"),
            ("loanpro_date(none)", "none"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    match args.first() {
        None => Ok(Value::Null),
        Some(v) => Ok(read_date(v)?.map_or(Value::Null, Value::Date)),
    }
}
