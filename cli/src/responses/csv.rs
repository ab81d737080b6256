//! The CSV form of a responses file (RFC 4180: comma separated, double-quoted cells may hold
//! commas, quotes doubled, and line breaks; a header row names the columns, in any order).

use super::model::{from_cells, Rejection};
use super::{FileError, Parsed};

/// The columns a file may have; the first five are required.
pub const COLUMNS: [&str; 7] = [
    "bureau",
    "account_number",
    "period",
    "outcome",
    "date",
    "code",
    "message",
];
const REQUIRED: usize = 5;

/// One record of the file with the line it starts on.
#[derive(Debug, PartialEq, Eq)]
struct Record {
    line: usize,
    cells: Vec<String>,
}

/// Parses a CSV responses file.
pub fn parse(text: &str) -> Result<Parsed, FileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let records = split(text)?;
    let mut records = records.into_iter();
    let header = records.next().ok_or(FileError::Empty)?;
    let columns = header_columns(&header)?;
    let mut parsed = Parsed::default();
    for record in records {
        if record.cells.len() != columns.len() {
            parsed.rejected.push(Rejection {
                line: record.line,
                problems: vec![format!(
                    "{} cells where the header has {}",
                    record.cells.len(),
                    columns.len()
                )],
            });
            continue;
        }
        let get = |name: &str| {
            columns
                .iter()
                .position(|c| c == name)
                .map(|i| record.cells[i].trim())
                .filter(|s| !s.is_empty())
        };
        match from_cells(record.line, get) {
            Ok(r) => parsed.accepted.push(r),
            Err(e) => parsed.rejected.push(e),
        }
    }
    Ok(parsed)
}

fn header_columns(header: &Record) -> Result<Vec<String>, FileError> {
    let columns: Vec<String> = header.cells.iter().map(|c| normalise(c)).collect();
    let unknown: Vec<&String> = columns
        .iter()
        .filter(|c| !COLUMNS.contains(&c.as_str()))
        .collect();
    if !unknown.is_empty() {
        return Err(FileError::Header(format!(
            "line {}: unknown column(s) {}; the columns are {}",
            header.line,
            unknown
                .iter()
                .map(|c| format!("{c:?}"))
                .collect::<Vec<_>>()
                .join(", "),
            COLUMNS.join(", ")
        )));
    }
    let missing: Vec<&str> = COLUMNS[..REQUIRED]
        .iter()
        .copied()
        .filter(|c| !columns.iter().any(|h| h == c))
        .collect();
    if !missing.is_empty() {
        return Err(FileError::Header(format!(
            "line {}: missing column(s) {}",
            header.line,
            missing.join(", ")
        )));
    }
    if let Some(dup) = columns
        .iter()
        .enumerate()
        .find(|(i, c)| columns[..*i].contains(c))
    {
        return Err(FileError::Header(format!(
            "line {}: column {:?} appears twice",
            header.line, dup.1
        )));
    }
    Ok(columns)
}

/// Lower-cases a header cell and accepts `Consumer Account Number`/`account-number` spellings.
fn normalise(cell: &str) -> String {
    let n: String = cell
        .trim()
        .chars()
        .map(|c| {
            if c == ' ' || c == '-' {
                '_'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    match n.as_str() {
        "consumer_account_number" => "account_number".to_string(),
        _ => n,
    }
}

/// Splits the text into records, skipping blank lines. A quoted cell may span lines; the record
/// keeps the line it starts on.
fn split(text: &str) -> Result<Vec<Record>, FileError> {
    let mut records = Vec::new();
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut line = 1usize;
    let mut start_line = 1usize;
    let mut chars = text.chars().peekable();
    let mut in_quotes = false;
    let mut quote_line = 0usize;
    let mut touched = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    cell.push('\n');
                }
                _ => cell.push(c),
            }
            continue;
        }
        match c {
            '"' if cell.trim().is_empty() => {
                cell.clear();
                in_quotes = true;
                quote_line = line;
                touched = true;
            }
            ',' => cells.push(std::mem::take(&mut cell)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                end_record(&mut records, &mut cells, &mut cell, start_line, touched);
                touched = false;
                line += 1;
                start_line = line;
            }
            _ => cell.push(c),
        }
    }
    if in_quotes {
        return Err(FileError::Syntax(format!(
            "line {quote_line}: a quoted cell is never closed"
        )));
    }
    end_record(&mut records, &mut cells, &mut cell, start_line, touched);
    Ok(records)
}

fn end_record(
    records: &mut Vec<Record>,
    cells: &mut Vec<String>,
    cell: &mut String,
    line: usize,
    touched: bool,
) {
    // A line of spaces is blank too; `touched` keeps a lone `""` as a (one empty cell) record.
    let blank = cells.is_empty() && cell.trim().is_empty() && !touched;
    cells.push(std::mem::take(cell));
    let cells = std::mem::take(cells);
    if !blank {
        records.push(Record { line, cells });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::responses::model::Outcome;

    #[test]
    fn splits_quotes_commas_and_line_breaks() {
        let r = split("a,\"b,c\",\"d\"\"e\"\r\n\n\"multi\nline\",x\n").unwrap();
        assert_eq!(
            r,
            vec![
                Record {
                    line: 1,
                    cells: vec!["a".into(), "b,c".into(), "d\"e".into()]
                },
                Record {
                    line: 3,
                    cells: vec!["multi\nline".into(), "x".into()]
                },
            ]
        );
    }

    #[test]
    fn unclosed_quote_names_its_line() {
        let e = split("a,b\n\"open,\nmore").unwrap_err();
        assert_eq!(e.to_string(), "line 2: a quoted cell is never closed");
    }

    #[test]
    fn good_rows_are_kept_and_bad_rows_named_by_line() {
        let text = "Bureau,Consumer Account Number,period,outcome,code,message,date\n\
            equifax,A1,2026-10,accepted,,,2026-11-02\n\
            experian,A2,2026-10,nope,E1,\"bad, very\",2026-11-02\n\
            \n\
            transunion,A3,2026-10,disputed,D,\"two\nlines\",2026-11-03\n\
            innovis,A4,2026-10\n";
        let p = parse(text).unwrap();
        assert_eq!(p.accepted.len(), 2);
        assert_eq!(p.accepted[0].line, 2);
        assert_eq!(p.accepted[1].line, 5);
        assert_eq!(p.accepted[1].outcome, Outcome::Disputed);
        assert_eq!(p.accepted[1].message.as_deref(), Some("two\nlines"));
        let lines: Vec<usize> = p.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![3, 7]);
        assert!(p.rejected[0].to_string().contains("outcome \"nope\""));
        assert!(p.rejected[1]
            .to_string()
            .contains("3 cells where the header has 7"));
    }

    #[test]
    fn header_problems_fail_the_file() {
        let e = parse("bureau,account,period,outcome,date\n").unwrap_err();
        assert!(
            e.to_string().contains("unknown column(s) \"account\""),
            "{e}"
        );
        let e = parse("bureau,period,outcome,date\n").unwrap_err();
        assert!(
            e.to_string().contains("missing column(s) account_number"),
            "{e}"
        );
        assert!(matches!(parse("\n\n"), Err(FileError::Empty)));
    }
}
