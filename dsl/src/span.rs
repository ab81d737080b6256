//! Byte spans into the source and their line/column form.

/// A byte range of the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// The spanned text.
    pub fn text(self, source: &str) -> &str {
        source.get(self.start..self.end).unwrap_or("")
    }

    /// Its length in bytes.
    pub fn len(self) -> usize {
        self.end - self.start
    }

    /// Whether it covers no byte.
    pub fn is_empty(self) -> bool {
        self.end == self.start
    }
}

impl From<pest::Span<'_>> for Span {
    fn from(s: pest::Span<'_>) -> Span {
        Span::new(s.start(), s.end())
    }
}

/// Finds lines and columns of byte offsets.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes a source text.
    pub fn new(source: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based line and column (in characters, counting bytes as ASCII is the norm here).
    pub fn line_col(&self, source: &str, offset: usize) -> (u32, u32) {
        let line = self.starts.partition_point(|s| *s <= offset).max(1);
        let start = self.starts[line - 1];
        let col = source
            .get(start..offset.min(source.len()))
            .map(|s| s.chars().count())
            .unwrap_or(0);
        (line as u32, col as u32 + 1)
    }

    /// The byte offsets where the lines start, the first 0.
    pub fn starts(&self) -> &[usize] {
        &self.starts
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> u32 {
        self.starts.partition_point(|s| *s <= offset).max(1) as u32
    }
}

/// An expression's text on one line, as messages, the dictionary and `explain` show it:
/// comments out, each run of spaces and line breaks outside texts one space (a text keeps its
/// own spaces).
pub fn one_line(text: &str) -> String {
    one_line_cut(text, usize::MAX)
}

/// [`one_line`], cut at `max` characters with `…`.
pub fn one_line_cut(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    let (mut quoted, mut escaped, mut space) = (false, false, false);
    let mut n = 0;
    while let Some(c) = chars.next() {
        if !quoted && c == '#' {
            // A comment runs to the end of its line.
            while chars.next_if(|c| *c != '\n').is_some() {}
            space = true;
            continue;
        }
        if !quoted && c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
            n += 1;
        }
        space = false;
        if n >= max {
            out.push('…');
            break;
        }
        out.push(c);
        n += 1;
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod one_line_tests {
    use super::{one_line, one_line_cut};

    #[test]
    fn comments_go_and_texts_keep_their_spaces() {
        let text = "t[1] # a note\n  +  \"a  b\" # another\n  + 2";
        assert_eq!(one_line(text), "t[1] + \"a  b\" + 2");
        assert_eq!(one_line("\"a # b\"  x"), "\"a # b\" x");
        assert_eq!(one_line_cut("abcdef", 3), "abc…");
    }
}
