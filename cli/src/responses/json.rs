//! The JSON form of a responses file: an array of objects with the CSV columns as keys.
//!
//! Rows are numbered by the line their `{` is on, so a rejection points into the file. Values
//! are strings; `account_number` and `code` may also be numbers.

use serde_json::Value;

use super::csv::COLUMNS;
use super::model::{from_cells, Rejection};
use super::{FileError, Parsed};

/// Parses a JSON responses file.
pub fn parse(text: &str) -> Result<Parsed, FileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = serde_json::from_str(text).map_err(|e| {
        FileError::Syntax(format!("line {}, column {}: {}", e.line(), e.column(), e))
    })?;
    let Value::Array(items) = value else {
        return Err(FileError::Syntax(
            "line 1: the file must be a JSON array of response objects".to_string(),
        ));
    };
    let lines = element_lines(text);
    debug_assert_eq!(lines.len(), items.len());
    let mut parsed = Parsed::default();
    for (i, item) in items.iter().enumerate() {
        let line = lines.get(i).copied().unwrap_or(1);
        let Value::Object(map) = item else {
            parsed.rejected.push(Rejection {
                line,
                problems: vec!["the row is not a JSON object".to_string()],
            });
            continue;
        };
        let mut problems: Vec<String> = map
            .keys()
            .filter(|k| !COLUMNS.contains(&k.as_str()))
            .map(|k| format!("unknown key {k:?}"))
            .collect();
        let mut cells: Vec<(&str, String)> = Vec::new();
        // Known keys whose value has the wrong type: present, so not also "missing".
        let mut mistyped: Vec<String> = Vec::new();
        for (k, v) in map.iter().filter(|(k, _)| COLUMNS.contains(&k.as_str())) {
            match v {
                Value::Null => {}
                Value::String(s) => cells.push((k, s.trim().to_string())),
                Value::Number(n) if k == "account_number" || k == "code" => {
                    cells.push((k, n.to_string()))
                }
                _ => {
                    problems.push(format!("{k} must be a string, not {}", kind(v)));
                    mistyped.push(format!("{k} is missing"));
                }
            }
        }
        let get = |name: &str| {
            cells
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        };
        match from_cells(line, get) {
            Ok(r) if problems.is_empty() => parsed.accepted.push(r),
            Ok(_) => parsed.rejected.push(Rejection { line, problems }),
            Err(e) => {
                problems.extend(e.problems.into_iter().filter(|p| !mistyped.contains(p)));
                parsed.rejected.push(Rejection { line, problems });
            }
        }
    }
    Ok(parsed)
}

/// What a JSON value is, in a rejection's words.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The 1-based line on which each element of the top-level array starts. The text is known to
/// be valid JSON, so a scan that tracks strings and nesting is enough.
fn element_lines(text: &str) -> Vec<usize> {
    let mut lines = Vec::new();
    let mut line = 1usize;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut expecting = false;
    for b in text.bytes() {
        if b == b'\n' {
            line += 1;
        }
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if expecting && !b.is_ascii_whitespace() && b != b']' {
            lines.push(line);
            expecting = false;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth == 1 {
                    expecting = true;
                }
            }
            b']' | b'}' => depth -= 1,
            b',' if depth == 1 => expecting = true,
            _ => {}
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_lines_follow_the_opening_brace() {
        let text = "[\n  {\"a\": \"x,{]\\\"\"},\n\n  {\"b\": [1,\n 2]},\n  3\n]";
        assert_eq!(element_lines(text), vec![2, 4, 6]);
        assert_eq!(element_lines("[]"), Vec::<usize>::new());
        assert_eq!(element_lines("[{},{}]"), vec![1, 1]);
    }

    #[test]
    fn rows_are_checked_one_by_one() {
        let text = r#"[
  {"bureau": "equifax", "account_number": 12345, "period": "2026-10",
   "outcome": "accepted", "date": "2026-11-02"},
  {"bureau": "experian", "account_number": "A2", "period": "2026-10",
   "outcome": "rejected", "date": "2026-11-02", "extra": 7},
  "not an object",
  {"bureau": "transunion", "account_number": "A3", "period": 202610,
   "outcome": "disputed", "date": "2026-11-02", "code": null}
]"#;
        let p = parse(text).unwrap();
        assert_eq!(p.accepted.len(), 1);
        assert_eq!(p.accepted[0].account_number, "12345");
        assert_eq!(p.accepted[0].line, 2);
        let rejected: Vec<String> = p.rejected.iter().map(ToString::to_string).collect();
        assert_eq!(rejected.len(), 3);
        // An unknown key is reported once, whatever its value.
        assert_eq!(rejected[0], "line 4: unknown key \"extra\"");
        assert_eq!(rejected[1], "line 6: the row is not a JSON object");
        // A mistyped period is not also missing.
        assert_eq!(rejected[2], "line 7: period must be a string, not a number");
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let e = parse("[\n{\"bureau\": }]").unwrap_err();
        assert!(e.to_string().starts_with("line 2, column 12"), "{e}");
        let e = parse("{}").unwrap_err();
        assert!(e.to_string().contains("JSON array"));
    }
}
