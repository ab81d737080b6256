//! The Elasticsearch-style query of `Autopal.Search()`, evaluated on a loan's own fields.

use std::cmp::Ordering;

use serde_json::Value;

use super::odata::number;

/// Whether `loan` matches `query` (the body's `query` object). Unknown clauses are errors, so
/// a client relying on one notices.
pub fn matches(query: &Value, loan: &Value) -> Result<bool, String> {
    let Value::Object(q) = query else {
        return Err("a query clause must be an object".into());
    };
    let mut all = true;
    for (kind, arg) in q {
        let ok = match kind.as_str() {
            "match_all" => true,
            "bool" => bool_query(arg, loan)?,
            "range" => range(arg, loan)?,
            "term" | "match" | "match_phrase" => single(arg, loan, kind != "term")?,
            "terms" => terms(arg, loan)?,
            "exists" => {
                let field = arg.get("field").and_then(Value::as_str).unwrap_or("");
                loan.get(field).is_some_and(|v| !v.is_null())
            }
            other => return Err(format!("unsupported query clause {other:?}")),
        };
        all &= ok;
    }
    Ok(all)
}

fn clauses(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(other) => vec![other],
        None => Vec::new(),
    }
}

fn bool_query(arg: &Value, loan: &Value) -> Result<bool, String> {
    for c in clauses(arg.get("must"))
        .into_iter()
        .chain(clauses(arg.get("filter")))
    {
        if !matches(c, loan)? {
            return Ok(false);
        }
    }
    for c in clauses(arg.get("must_not")) {
        if matches(c, loan)? {
            return Ok(false);
        }
    }
    let should = clauses(arg.get("should"));
    if !should.is_empty() {
        let mut any = false;
        for c in should {
            any |= matches(c, loan)?;
        }
        return Ok(any);
    }
    Ok(true)
}

/// The one `field: spec` pair of a clause.
fn field_spec(arg: &Value) -> Result<(&str, &Value), String> {
    arg.as_object()
        .and_then(|o| o.iter().next())
        .map(|(k, v)| (k.as_str(), v))
        .ok_or_else(|| "a clause needs one field".to_owned())
}

fn range(arg: &Value, loan: &Value) -> Result<bool, String> {
    let (field, spec) = field_spec(arg)?;
    let Some(value) = loan.get(field).and_then(number) else {
        return Ok(false);
    };
    let Value::Object(bounds) = spec else {
        return Err(format!("range on {field} needs bounds"));
    };
    for (op, bound) in bounds {
        let Some(b) = number(bound) else {
            if op == "format" || op == "time_zone" {
                continue;
            }
            return Err(format!(
                "range bound {op} of {field} is not a number or a date"
            ));
        };
        let ord = value.partial_cmp(&b).unwrap_or(Ordering::Equal);
        let ok = match op.as_str() {
            "gt" => ord == Ordering::Greater,
            "gte" => ord != Ordering::Less,
            "lt" => ord == Ordering::Less,
            "lte" => ord != Ordering::Greater,
            _ => return Err(format!("unknown range bound {op}")),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn same(a: &Value, b: &Value, loose: bool) -> bool {
    if let (Some(x), Some(y)) = (number(a), number(b)) {
        return x == y;
    }
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if loose {
        text(a).eq_ignore_ascii_case(&text(b))
    } else {
        text(a) == text(b)
    }
}

fn single(arg: &Value, loan: &Value, loose: bool) -> Result<bool, String> {
    let (field, spec) = field_spec(arg)?;
    let wanted = spec
        .get("value")
        .or_else(|| spec.get("query"))
        .unwrap_or(spec);
    Ok(loan.get(field).is_some_and(|v| same(v, wanted, loose)))
}

fn terms(arg: &Value, loan: &Value) -> Result<bool, String> {
    let (field, spec) = field_spec(arg)?;
    let Value::Array(options) = spec else {
        return Err(format!("terms on {field} needs a list"));
    };
    Ok(loan
        .get(field)
        .is_some_and(|v| options.iter().any(|o| same(v, o, false))))
}
