//! A bureau response: what a bureau said about one account in one reported period.

use chrono::NaiveDate;

use crate::export::bureau::Bureau;

/// What the bureau did with the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Loaded without error.
    Accepted,
    /// Not loaded: the record has to be fixed and sent again.
    Rejected,
    /// The consumer disputes the account (the furnisher must investigate, FCRA §623(b)).
    Disputed,
    /// The bureau corrected or the furnisher confirmed a correction.
    Corrected,
}

impl Outcome {
    /// Every outcome.
    pub const ALL: [Outcome; 4] = [
        Outcome::Accepted,
        Outcome::Rejected,
        Outcome::Disputed,
        Outcome::Corrected,
    ];

    /// The lower-case name used in files and the store.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Rejected => "rejected",
            Outcome::Disputed => "disputed",
            Outcome::Corrected => "corrected",
        }
    }

    /// Parses a name, ignoring case.
    pub fn parse(text: &str) -> Option<Outcome> {
        let t = text.trim();
        Outcome::ALL
            .into_iter()
            .find(|o| o.name().eq_ignore_ascii_case(t))
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One valid response row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The line of the file the row starts on (1-based).
    pub line: usize,
    /// The bureau that answered.
    pub bureau: Bureau,
    /// The Metro 2 consumer account number the response is about.
    pub account_number: String,
    /// The reported period, `YYYY-MM`.
    pub period: String,
    /// The outcome.
    pub outcome: Outcome,
    /// The bureau's code, when it gave one.
    pub code: Option<String>,
    /// The bureau's message, when it gave one.
    pub message: Option<String>,
    /// When the bureau answered.
    pub date: NaiveDate,
}

/// A row that was not imported, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The line of the file (1-based).
    pub line: usize,
    /// Every problem found on the row.
    pub problems: Vec<String>,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.problems.join("; "))
    }
}

/// The longest consumer account number Metro 2 holds (base segment field 7, 30 bytes).
pub const MAX_ACCOUNT_NUMBER: usize = 30;

/// Builds a response from named text cells, collecting every problem of the row rather than the
/// first. `get` returns a cell by its column name (already trimmed; `None` when absent/blank).
pub fn from_cells<'a>(
    line: usize,
    get: impl Fn(&str) -> Option<&'a str>,
) -> Result<Response, Rejection> {
    let mut problems = Vec::new();
    let bureau = match get("bureau") {
        None => {
            problems.push("bureau is missing".to_string());
            None
        }
        Some(b) => Bureau::parse(b).or_else(|| {
            problems.push(format!(
                "bureau {b:?} is not one of equifax, experian, transunion, innovis"
            ));
            None
        }),
    };
    let account_number = match get("account_number") {
        None => {
            problems.push("account_number is missing".to_string());
            None
        }
        Some(a) if a.chars().count() > MAX_ACCOUNT_NUMBER => {
            problems.push(format!(
                "account_number {a:?} is longer than {MAX_ACCOUNT_NUMBER} characters"
            ));
            None
        }
        Some(a) => Some(a.to_string()),
    };
    let period = match get("period") {
        None => {
            problems.push("period is missing".to_string());
            None
        }
        Some(p) => parse_period(p).or_else(|| {
            problems.push(format!("period {p:?} is not YYYY-MM"));
            None
        }),
    };
    let outcome = match get("outcome") {
        None => {
            problems.push("outcome is missing".to_string());
            None
        }
        Some(o) => Outcome::parse(o).or_else(|| {
            problems.push(format!(
                "outcome {o:?} is not one of accepted, rejected, disputed, corrected"
            ));
            None
        }),
    };
    let date = match get("date") {
        None => {
            problems.push("date is missing".to_string());
            None
        }
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .ok()
            .filter(|_| d.len() == 10)
            .or_else(|| {
                problems.push(format!("date {d:?} is not a YYYY-MM-DD date"));
                None
            }),
    };
    match (bureau, account_number, period, outcome, date) {
        (Some(bureau), Some(account_number), Some(period), Some(outcome), Some(date))
            if problems.is_empty() =>
        {
            Ok(Response {
                line,
                bureau,
                account_number,
                period,
                outcome,
                code: get("code").map(str::to_string),
                message: get("message").map(str::to_string),
                date,
            })
        }
        _ => Err(Rejection { line, problems }),
    }
}

/// Checks and normalises a `YYYY-MM` period.
pub fn parse_period(text: &str) -> Option<String> {
    let (y, m) = text.split_once('-')?;
    if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let month: u32 = m.parse().ok()?;
    let year: i32 = y.parse().ok()?;
    ((1..=12).contains(&month) && year >= crate::sync::runner::FIRST_YEAR).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn row(pairs: &[(&'static str, &'static str)]) -> Result<Response, Rejection> {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        from_cells(3, |k| map.get(k).copied())
    }

    #[test]
    fn a_complete_row() {
        let r = row(&[
            ("bureau", "Equifax"),
            ("account_number", "LN-0001"),
            ("period", "2026-10"),
            ("outcome", "REJECTED"),
            ("code", "E101"),
            ("date", "2026-11-05"),
        ])
        .unwrap();
        assert_eq!(r.bureau, Bureau::Equifax);
        assert_eq!(r.outcome, Outcome::Rejected);
        assert_eq!(r.code.as_deref(), Some("E101"));
        assert_eq!(r.message, None);
        assert_eq!(r.line, 3);
    }

    #[test]
    fn every_problem_is_reported() {
        let e = row(&[
            ("bureau", "equifx"),
            ("period", "2026-13"),
            ("outcome", "maybe"),
            ("date", "2026-02-30"),
        ])
        .unwrap_err();
        assert_eq!(e.problems.len(), 5, "{e}");
        let text = e.to_string();
        assert!(text.starts_with("line 3: bureau \"equifx\""), "{text}");
        assert!(text.contains("account_number is missing"));
        assert!(text.contains("period \"2026-13\" is not YYYY-MM"));
        assert!(text.contains("date \"2026-02-30\""));
    }

    #[test]
    fn periods() {
        assert_eq!(parse_period("2026-01").as_deref(), Some("2026-01"));
        assert_eq!(parse_period("2026-1"), None);
        assert_eq!(parse_period("2026-00"), None);
        assert_eq!(parse_period("26-01"), None);
        assert_eq!(parse_period("2026/01"), None);
        assert_eq!(parse_period("0000-01"), None);
        assert_eq!(parse_period("1969-12"), None);
        assert_eq!(parse_period("1970-01").as_deref(), Some("1970-01"));
    }

    #[test]
    fn long_account_numbers_are_refused() {
        let e = row(&[
            ("bureau", "innovis"),
            ("account_number", "1234567890123456789012345678901"),
            ("period", "2026-10"),
            ("outcome", "accepted"),
            ("date", "2026-11-05"),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("longer than 30"));
    }
}
