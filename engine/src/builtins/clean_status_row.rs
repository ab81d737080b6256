//! `status_row(rows, as_of)`.
use super::clean_read::read_date;
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "status_row",
        params: vec![param("rows", Type::Json), param("as_of", Type::Date)],
        ret: Type::Optional(Box::new(Type::Json)),
        doc: "The newest StatusArchive row (derivations.md §6): the row with the latest date on or before as_of, the last of them on a tie; none when there is none.",
        examples: &[
            ("status_row([], 2026-10-31)", "none"),
        ],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let as_of = args[1]
        .as_date()?
        .ok_or_else(|| ValueError::new("status_row: as_of is required"))?;
    let rows = args[0]
        .iter_list()
        .map_err(|e| ValueError::new(format!("StatusArchive: {e}")))?;
    let mut best: Option<(NaiveDate, Value<'d>)> = None;
    for (i, row) in rows.enumerate() {
        let date = read_date(&row.get("date")?)
            .map_err(|e| ValueError::new(format!("StatusArchive[{i}].date: {e}")))?;
        if let Some(d) = date.filter(|d| *d <= as_of) {
            if best.as_ref().is_none_or(|(b, _)| d >= *b) {
                best = Some((d, row));
            }
        }
    }
    Ok(best.map_or(Value::Null, |(_, row)| row))
}
