//! Which quote of a line lacks its partner. A line with an odd number of `"` has one text not
//! closed (or not opened), but pairing its quotes from the left blames the last one whatever
//! the slip: in `["13, "61", "62"]` the quote missing is after `13`, and pairing from the
//! left makes `"13, "` a text and leaves the `"` before `]` alone.
//!
//! Every place the missing quote could go (a boundary between a word, a space and
//! punctuation) is a candidate. A candidate is scored by how much its texts read as code
//! (`, "`, `=>`, `==`, brackets) and the code between them as words (`paid status`); the
//! best-scored candidates are then tried in the statement around the line, and the first
//! with which it parses is the slip. When none parses (the statement has another mistake),
//! the best score is taken as it is.

use super::edit;
use super::{Grammar, Rule};
use pest::Parser as _;

/// The quote whose partner is missing, and where the partner goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Missing {
    /// The quote written.
    pub quote: usize,
    /// Where the missing `"` goes (before the byte at this offset).
    pub at: usize,
    /// Whether the missing `"` opens the text (`quote` then closes it).
    pub opens: bool,
    /// Whether no quote is missing but `quote` is one too many (`dollars("x)`).
    pub extra: bool,
}

/// How many candidates are tried in the statement at most: each try is a parse.
const TRIES: usize = 40;

/// The missing quote of the line `text[start..end]` (no line break), whose quotes (paired
/// from the left, up to a comment) are an odd number. `text` is the whole file.
pub(super) fn locate(text: &str, start: usize, end: usize) -> Option<Missing> {
    let quotes = quotes(text, start, end);
    if quotes.len().is_multiple_of(2) {
        return None;
    }
    let b = text.as_bytes();
    let indent = start + (text[start..end].len() - text[start..end].trim_start().len());
    let mut candidates: Vec<(u32, Missing)> = (indent.max(1)..=end)
        .filter(|&p| boundary(b, p, end))
        .map(|p| {
            let m = missing(&quotes, p);
            // A text rarely starts or ends with a space.
            let inner = if m.opens { b.get(p) } else { b.get(p - 1) };
            let spaced = u32::from(matches!(inner, Some(b' ' | b'\t')));
            (score(text, start, end, &with(&quotes, p), p) + spaced, m)
        })
        .collect();
    // Or one quote too many: taking it out costs a little more than adding one.
    for (k, &q) in quotes.iter().enumerate() {
        let mut rest = quotes.clone();
        rest.remove(k);
        let m = Missing {
            quote: q,
            at: q,
            opens: false,
            extra: true,
        };
        candidates.push((score(text, start, end, &rest, usize::MAX) + 1, m));
    }
    candidates.sort_by_key(|(s, m)| (*s, m.at));
    let (lo, hi, rule, suffix) = statement(text, start, end);
    for (_, m) in candidates.iter().take(TRIES) {
        let chunk = if m.extra {
            format!("{} {}{suffix}", &text[lo..m.quote], &text[m.quote + 1..hi])
        } else {
            format!("{}\"{}{suffix}", &text[lo..m.at], &text[m.at..hi])
        };
        if Grammar::parse(rule, &chunk).is_ok() {
            return Some(*m);
        }
    }
    candidates.first().map(|(_, m)| *m)
}

/// The quotes of a line, paired from the left (`\` escaping inside a text), up to a `#`
/// comment outside texts.
fn quotes(text: &str, start: usize, end: usize) -> Vec<usize> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = start;
    let mut open = false;
    while i < end {
        match b[i] {
            b'"' => {
                out.push(i);
                open = !open;
            }
            b'\\' if open => i += 1,
            b'#' if !open => break,
            _ => {}
        }
        i += 1;
    }
    out
}

/// Whether a quote could be missing before byte `p`: a change between a word, spaces and
/// punctuation (next to a quote too: `""` is the empty text).
fn boundary(b: &[u8], p: usize, end: usize) -> bool {
    #[derive(PartialEq)]
    enum Class {
        Word,
        Space,
        Other,
    }
    let class = |c: u8| match c {
        c if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c >= 0x80 => Class::Word,
        b' ' | b'\t' | b'\r' => Class::Space,
        _ => Class::Other,
    };
    let prev = b[p - 1];
    p == end || class(prev) != class(b[p]) || class(prev) == Class::Other
}

/// The quotes with one at `p` added, in order.
fn with(quotes: &[usize], p: usize) -> Vec<usize> {
    let mut q = quotes.to_vec();
    let k = q.partition_point(|&x| x < p);
    q.insert(k, p);
    q
}

/// What a quote added at `p` means: it closes the text opened just before it, or opens the
/// one closed just after it.
fn missing(quotes: &[usize], p: usize) -> Missing {
    let k = quotes.partition_point(|&x| x < p);
    if k % 2 == 1 {
        Missing {
            quote: quotes[k - 1],
            at: p,
            opens: false,
            extra: false,
        }
    } else {
        Missing {
            quote: quotes[k],
            at: p,
            opens: true,
            extra: false,
        }
    }
}

/// The words that may stand next to another word or a text in code.
const KEYWORDS: &[&str] = &[
    "m2map", "param", "let", "table", "segment", "for", "each", "in", "where", "when", "skip",
    "rule", "error", "warning", "if", "then", "else", "match", "and", "or", "not", "implies",
    "none", "true", "false",
];

/// How unlikely a pairing of the line's quotes (`q`, an even number, one of them the quote
/// added before byte `added`) is: texts that read as code, code that reads as words, texts
/// next to values.
fn score(text: &str, start: usize, end: usize, q: &[usize], added: usize) -> u32 {
    // The added quote takes no byte: what follows it starts at its offset.
    let past = |q: usize| if q == added { q } else { q + 1 };
    let mut s = 0;
    let mut from = start;
    for pair in q.chunks(2) {
        let (open, close) = (pair[0], pair[1]);
        s += code_like(&text[past(open)..close]);
        let gap = &text[from..open];
        s += word_like(gap);
        // A word or text just before the opening quote, or just after the closing one.
        let before = gap.trim_end();
        if from > start && before.is_empty() {
            s += 2;
        } else if let Some(w) = last_word(before) {
            if !KEYWORDS.contains(&w) && !w.chars().all(|c| c.is_ascii_digit()) {
                s += 2;
            }
        }
        from = past(close);
    }
    let rest = &text[from..end];
    s += word_like(rest);
    for pair in q.chunks(2) {
        let after = text[past(pair[1])..end].trim_start();
        if let Some(w) = first_word(after) {
            if !KEYWORDS.contains(&w) {
                s += 2;
            }
        }
    }
    s
}

/// How much the content of a text reads as code.
fn code_like(content: &str) -> u32 {
    let b = content.as_bytes();
    let mut s = 0;
    for (i, c) in b.iter().enumerate() {
        let next = b.get(i + 1).copied();
        s += match (c, next) {
            (b'=', Some(b'>')) => 3,
            (b'=' | b'!', Some(b'=')) | (b'?', Some(b'?')) => 2,
            (b',', _) => {
                let after = content[i + 1..].trim_start();
                u32::from(after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')) * 2
            }
            (b'(' | b')' | b'[' | b']', _) => 1,
            _ => 0,
        };
    }
    s
}

/// How much code reads as words: two names side by side, neither a keyword.
fn word_like(code: &str) -> u32 {
    let mut s = 0;
    let mut prev: Option<&str> = None;
    for token in code.split([' ', '\t']) {
        if token.is_empty() {
            continue;
        }
        let word = token.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if let (Some(p), true) = (prev, word) {
            if !KEYWORDS.contains(&p) && !KEYWORDS.contains(&token) {
                s += 2;
            }
        }
        prev = word.then_some(token);
    }
    s
}

fn last_word(code: &str) -> Option<&str> {
    let w = code
        .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()?;
    (!w.is_empty() && code.ends_with(w)).then_some(w)
}

fn first_word(code: &str) -> Option<&str> {
    let w = code
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()?;
    (!w.is_empty()).then_some(w)
}

/// The statement around the line `text[start..end]`, as the parser's recovery splits them:
/// its range, the rule that reads it alone and what to add after it (a segment's first line
/// is tried with a `}`).
fn statement(text: &str, start: usize, end: usize) -> (usize, usize, Rule, &'static str) {
    let index = crate::span::LineIndex::new(text);
    let lines = index.starts();
    let here = lines.partition_point(|&l| l <= start) - 1;
    let line = |k: usize| {
        let s = lines[k];
        let e = lines.get(k + 1).map(|n| n - 1).unwrap_or(text.len());
        text[s..e].trim_start_matches([' ', '\t'])
    };
    let head = (0..=here)
        .rev()
        .find_map(|k| item_kw(line(k)).map(|kw| (k, kw)));
    let Some((head, kw)) = head else {
        return (start, end, Rule::item_strict, "");
    };
    // A statement of a block ends where the next one, the block's `}` or the next item
    // starts; an item where the next item (or its `##` lines) starts.
    let next = |is_stmt: &dyn Fn(&str) -> bool, block: bool| {
        (here + 1..lines.len())
            .find(|&k| {
                let l = line(k);
                is_stmt(l)
                    || (block && l.starts_with('}'))
                    || l.starts_with("##")
                    || item_kw(l).is_some()
            })
            .map(|k| lines[k])
            .unwrap_or(text.len())
    };
    match kw {
        "segment" | "table" if head == here => (start, end, Rule::item_strict, "\n}"),
        "segment" | "table" => {
            let is_stmt: &dyn Fn(&str) -> bool = if kw == "segment" {
                &starts_assignment
            } else {
                &starts_arm
            };
            let from = (head + 1..=here)
                .rev()
                .find(|&k| is_stmt(line(k)))
                .unwrap_or(here);
            let rule = if kw == "segment" {
                Rule::assignment_strict
            } else {
                Rule::table_arm_strict
            };
            (lines[from], next(is_stmt, true), rule, "")
        }
        _ => (lines[head], next(&|_| false, false), Rule::item_strict, ""),
    }
}

/// The item keyword a line (without its indent) starts with.
pub(super) fn item_kw(line: &str) -> Option<&'static str> {
    super::keywords::ITEMS.iter().copied().find(|kw| {
        line.starts_with(kw)
            && !line[kw.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Whether a line (without its indent) starts a field assignment `name = `.
fn starts_assignment(line: &str) -> bool {
    let name = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(line.len());
    let rest = line[name..].trim_start_matches([' ', '\t']);
    name > 0
        && !line.starts_with(|c: char| c.is_ascii_digit())
        && rest.starts_with('=')
        && !rest[1..].starts_with(['=', '>'])
}

/// Whether a line (without its indent) starts a table arm.
fn starts_arm(line: &str) -> bool {
    line.starts_with(|c: char| c == '_' || c == '"' || c == '-' || c.is_ascii_digit())
        || ["none", "true", "false"]
            .iter()
            .any(|w| line.starts_with(w))
}

/// The repair of a [`Missing`] quote in the line `text[start..end]`, as long as the line:
/// the quote added and a space it does not need taken out, or else the text shortened by its
/// last character to make room for it.
pub(super) fn repair(text: &str, start: usize, end: usize, m: Missing) -> String {
    let line = &text[start..end];
    if m.extra {
        let mut out = line.to_string();
        out.replace_range(m.quote - start..m.quote - start + 1, " ");
        return out;
    }
    if let Some(fixed) = edit::replace(line, m.at - start, 0, "\"") {
        return fixed;
    }
    let (from, to, inner) = if m.opens {
        (m.at, m.quote + 1, &text[m.at..m.quote])
    } else {
        (m.quote, m.at, &text[m.quote + 1..m.at])
    };
    let keep = inner
        .char_indices()
        .last()
        .map(|(k, _)| &inner[..k])
        .unwrap_or("");
    let keep = keep.trim_end_matches('\\');
    let mut with = format!("\"{keep}\"");
    let mut out = line.to_string();
    if with.len() > to - from {
        // `"` alone with no room for `""`: without it the line reads as code at least.
        out.replace_range(m.quote - start..m.quote - start + 1, " ");
        return out;
    }
    while with.len() < to - from {
        with.push(' ');
    }
    out.replace_range(from - start..to - start, &with);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the quote is missing in `line` (a `let`), shown as the line with it added.
    fn fixed(line: &str) -> String {
        let text = format!("m2map 1\n{line}\n");
        let start = 8;
        let m = locate(&text, start, start + line.len()).expect("a quote is missing");
        if m.extra {
            let at = m.quote - start;
            return format!("{}{}", &line[..at], &line[at + 1..]);
        }
        let at = m.at - start;
        format!("{}\"{}", &line[..at], &line[at..])
    }

    #[test]
    fn the_missing_quote_is_where_the_line_reads_as_code() {
        for (broken, meant) in [
            (
                r#"let x = s in ["13, "61", "62"]"#,
                r#"let x = s in ["13", "61", "62"]"#,
            ),
            (
                r#"let x = s in [13", "61", "62"]"#,
                r#"let x = s in ["13", "61", "62"]"#,
            ),
            (
                r#"let x = s in ["13", "61, "62"]"#,
                r#"let x = s in ["13", "61", "62"]"#,
            ),
            (
                r#"let x = s in ["13", "61", "62]"#,
                r#"let x = s in ["13", "61", "62"]"#,
            ),
            (
                r#"let x = concat(a, ", ", b")"#,
                r#"let x = concat(a, ", ", "b")"#,
            ),
            // `", "` or `","`: either way the text opened after `a,` is the one.
            (
                r#"let x = concat(a, ", , b)"#,
                r#"let x = concat(a, "," , b)"#,
            ),
            (
                r#"let x = if a == "x then "y" else "z""#,
                r#"let x = if a == "x" then "y" else "z""#,
            ),
            (
                r#"let x = if a == "x" then "y else "z""#,
                r#"let x = if a == "x" then "y" else "z""#,
            ),
            (
                r#"let x = first(C where r == "loan.primary) ?? first(C)"#,
                r#"let x = first(C where r == "loan.primary") ?? first(C)"#,
            ),
            (r#"let x = upper(a ?? ")"#, r#"let x = upper(a ?? "")"#),
            (r#"let x = "JANE"#, r#"let x = "JANE""#),
            // One too many: what the text would hold reads as code.
            (
                r#"let x = dollars("loanpro_money(LoanSetup.loanAmount))"#,
                r#"let x = dollars(loanpro_money(LoanSetup.loanAmount))"#,
            ),
            (
                r#"let x = s in ["13", "61"", "62"]"#,
                r#"let x = s in ["13", "61", "62"]"#,
            ),
            (r#"let x = JANE""#, r#"let x = "JANE""#),
            (
                r#"skip when deleted == 1 "deleted in LoanPro"#,
                r#"skip when deleted == 1 "deleted in LoanPro""#,
            ),
            (
                r#"skip when deleted == 1 deleted in LoanPro""#,
                r#"skip when deleted == 1 "deleted in LoanPro""#,
            ),
            (
                r#"rule R-1 error paid, no balance": s == "13""#,
                r#"rule R-1 error "paid, no balance": s == "13""#,
            ),
            (
                r#"rule R-1 error "paid, no balance: s == "13""#,
                r#"rule R-1 error "paid, no balance": s == "13""#,
            ),
            (
                r#"let x = match s { "a => 1, "b" => 2, _ => 3 }"#,
                r#"let x = match s { "a" => 1, "b" => 2, _ => 3 }"#,
            ),
            (
                r#"let x = match s { "a" => 1, b" => 2, _ => 3 }"#,
                r#"let x = match s { "a" => 1, "b" => 2, _ => 3 }"#,
            ),
            (
                r#"let x = s in ["13", "61"] and t == "a, b"#,
                r#"let x = s in ["13", "61"] and t == "a, b""#,
            ),
        ] {
            assert_eq!(fixed(broken), meant, "{broken}");
        }
    }

    #[test]
    fn a_statement_is_tried_as_the_parser_splits_it() {
        let text =
            "m2map 1\nsegment base {\n  a = 1\n  b = if x\n    then \"y else \"z\"\n  c = 2\n}\n";
        let start = text.find("    then").unwrap();
        let end = start + text[start..].find('\n').unwrap();
        let m = locate(text, start, end).unwrap();
        assert_eq!(&text[m.at..m.at + 5], " else");
        let (lo, hi, rule, _) = statement(text, start, end);
        assert_eq!(&text[lo..hi], "  b = if x\n    then \"y else \"z\"\n");
        assert_eq!(rule, Rule::assignment_strict);
    }
}
