//! A misspelt item keyword (`segmnet base {`, `lett x = 1`), found before pest runs. pest
//! cannot know the line starts an item, so it swallows it with the lines after it up to the
//! next item, and the segment's fields, the let's or table's name, are lost to the rest of
//! the file. A line that has the shape of an item after a word close to its keyword is
//! reported once at the word, and repaired in the text pest parses (as long as it was).

use super::edit;
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// A repaired line: where it starts, its text as meant, and the diagnostic.
pub(super) struct Misspelt {
    pub start: usize,
    pub fixed: String,
    pub diag: Diagnostic,
}

pub(super) const ITEMS: &[&str] = &["param", "let", "table", "segment", "skip", "rule"];

/// Every line of `text` that starts with a misspelt item keyword.
pub(super) fn misspelt(text: &str) -> Vec<Misspelt> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split('\n') {
        if let Some(m) = line_slip(line, start) {
            out.push(m);
        }
        start += line.len() + 1;
    }
    out
}

fn line_slip(line: &str, start: usize) -> Option<Misspelt> {
    let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
    let rest = &line[indent..];
    let word_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let word = &rest[..word_len];
    if word.len() < 2 || ITEMS.contains(&word) {
        return None;
    }
    let after = &rest[word_len..];
    if !after.starts_with([' ', '\t']) {
        return None;
    }
    let kw = ITEMS.iter().copied().find(|kw| {
        let limit = if kw.len() >= 5 { 2 } else { 1 };
        crate::diagnostics::edit_distance(&word.to_ascii_lowercase(), kw) <= limit
            && shape_of(kw, after.trim_start())
    })?;
    let fixed = edit::replace(line, indent, word_len, kw)?;
    let at = start + indent;
    let diag = Diagnostic::new(
        Code::Syntax,
        Span::new(at, at + word_len),
        format!("`{word}` is not a statement: did you mean `{kw}`?"),
        format!("write `{kw}`"),
    );
    Some(Misspelt { start, fixed, diag })
}

/// Whether `rest` (the line after the keyword) has the shape of the item `kw`.
fn shape_of(kw: &str, rest: &str) -> bool {
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || (kw == "rule" && c == '-')))
        .unwrap_or(rest.len());
    if name_len == 0 || rest.starts_with(|c: char| c.is_ascii_digit() && kw != "rule") {
        return kw == "skip" && rest.starts_with("when");
    }
    let name = &rest[..name_len];
    let after = rest[name_len..].trim_start();
    match kw {
        "let" => after.starts_with('=') && !after.starts_with("=="),
        "param" => after.starts_with(':'),
        "table" => after.starts_with('{'),
        "segment" => {
            after.starts_with('{') || after.starts_with("for ") || after.starts_with("when ")
        }
        "skip" => name == "when",
        "rule" => after.starts_with("error ") || after.starts_with("warning "),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_shaped_like_an_item_after_a_near_keyword_is_that_item() {
        for (line, fixed) in [
            ("segmnet base {", "segment base {"),
            ("lett code = 1", "let  code = 1"),
            ("tabel states {", "table states {"),
            ("tabl states {", "table states{"),
            (
                "sgement j1 for each co in Customers {",
                "segment j1 for each co in Customers {",
            ),
            ("parm as_of: date", "param as_of:date"),
            ("rul F-1 error \"m\":", "rule F-1 error\"m\":"),
        ] {
            let m = misspelt(line);
            assert_eq!(m.len(), 1, "{line}");
            assert_eq!(m[0].fixed, fixed);
        }
        // Not items: a field, an expression going on, a word too far from any keyword.
        for line in ["  lett = 1", "  and total = 1", "kind base {", "lett"] {
            assert!(misspelt(line).is_empty(), "{line}");
        }
    }
}
