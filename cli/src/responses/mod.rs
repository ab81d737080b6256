//! Bureau responses: what each bureau said about the accounts of a file (accepted, rejected,
//! disputed, corrected), imported from a CSV or JSON file whose format is documented in
//! `docs/bureau-responses.md`. Bad rows are rejected with their line numbers; good rows are kept.

pub mod csv;
pub mod import;
pub mod json;
pub mod model;

pub use model::{Outcome, Rejection, Response};

/// The rows of a file, sorted into good and bad.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// Valid rows, in file order.
    pub accepted: Vec<Response>,
    /// Invalid rows, in file order.
    pub rejected: Vec<Rejection>,
}

/// A problem with the file as a whole (nothing is imported).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// The file has no header row / no content.
    #[error("the file is empty")]
    Empty,
    /// The CSV header row is wrong.
    #[error("{0}")]
    Header(String),
    /// The file cannot be read as CSV or JSON.
    #[error("{0}")]
    Syntax(String),
}

/// The two file forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
}

impl Format {
    /// Picks the format from the file name (`.json`, `.csv`), else from the first character.
    pub fn detect(path: &std::path::Path, text: &str) -> Format {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("json") => Format::Json,
            Some("csv") => Format::Csv,
            _ if text
                .trim_start_matches('\u{feff}')
                .trim_start()
                .starts_with('[') =>
            {
                Format::Json
            }
            _ => Format::Csv,
        }
    }
}

/// Parses a responses file in the given format.
pub fn parse(format: Format, text: &str) -> Result<Parsed, FileError> {
    match format {
        Format::Csv => csv::parse(text),
        Format::Json => json::parse(text),
    }
}
