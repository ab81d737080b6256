//! Diagnostics: the registry of stable codes, one diagnostic, and a file's list of them with
//! renderers (miette, plain text at a fixed width for snapshots, JSON for editors and CI).
//!
//! Codes are never reused: a check that is retired keeps its number, unused.

use std::fmt;

use crate::span::{LineIndex, Span};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file cannot be compiled.
    Error,
    /// The file compiles, but something is probably wrong.
    Warning,
}

macro_rules! codes {
    ($($variant:ident = $code:literal, $sev:ident, $title:literal;)*) => {
        /// The stable diagnostic codes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(#[doc = $title] $variant,)*
        }

        impl Code {
            /// Every code, in number order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// `M2M001`, ...
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The severity a diagnostic with this code has.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }

            /// What the code is about, in a few words.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title,)* }
            }
        }
    };
}

codes! {
    Syntax = "M2M001", Error, "syntax error";
    Version = "M2M002", Error, "missing or unsupported version line";
    UnknownSegment = "M2M003", Error, "unknown segment";
    UnknownField = "M2M004", Error, "unknown field";
    UnknownRoot = "M2M005", Error, "unknown path root";
    UnknownFunction = "M2M006", Error, "unknown function";
    UnknownTable = "M2M007", Error, "unknown table";
    UnknownType = "M2M008", Error, "unknown type";
    AssignedTwice = "M2M009", Error, "field assigned twice";
    RequiredUnassigned = "M2M010", Error, "required field left unassigned";
    FieldType = "M2M011", Error, "value does not fit the field's type";
    TooWide = "M2M012", Error, "constant wider than its field";
    ArgCount = "M2M013", Error, "wrong number of arguments";
    ArgType = "M2M014", Error, "wrong argument type";
    NotExhaustive = "M2M015", Error, "match does not cover every value";
    UnusedLet = "M2M016", Warning, "unused let";
    UnusedParam = "M2M017", Warning, "unused param";
    UnusedTable = "M2M018", Warning, "unused table";
    Unreachable = "M2M019", Warning, "unreachable arm";
    DefinedTwice = "M2M020", Error, "name defined twice";
    OperatorType = "M2M021", Error, "operator applied to the wrong types";
    NotCondition = "M2M022", Error, "condition is not yes/no";
    SegmentShape = "M2M023", Error, "segment used in a way its kind does not allow";
    NoBase = "M2M024", Error, "no base segment";
    FramingField = "M2M025", Error, "framing or reserved field assigned";
    RuleIdTwice = "M2M026", Error, "rule id used twice";
    UseBeforeDefine = "M2M027", Error, "name used before it is defined";
    TableValue = "M2M028", Error, "table key or value is not a constant of one type";
    BadLiteral = "M2M029", Error, "invalid literal";
    UnknownProperty = "M2M030", Error, "unknown property";
    SegmentRead = "M2M031", Error, "segment fields read outside a rule";
    TooDeep = "M2M032", Error, "expression nested too deeply";
    LetTooDeep = "M2M033", Error, "let built on lets too deeply";
    UnknownKey = "M2M034", Warning, "key not among the LoanPro object's keys";
    TableKeyTwice = "M2M035", Error, "table key listed twice with different values";
    ConstantCondition = "M2M036", Warning, "rule or skip condition is always true or always false";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Its code (which fixes its severity).
    pub code: Code,
    /// The headline.
    pub message: String,
    /// The primary place.
    pub span: Span,
    /// The label under the primary place.
    pub label: String,
    /// Other places, each with its label.
    pub related: Vec<(Span, String)>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with a labelled span.
    pub fn new(
        code: Code,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            span,
            label: label.into(),
            related: Vec::new(),
            help: None,
        }
    }

    /// Adds help.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds help when there is some.
    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// Adds a related place.
    pub fn related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }

    /// Its severity.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
}

/// The diagnostics of one file, with the source they point into.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    /// The file's name as given to `compile`.
    pub file_name: String,
    /// The file's text.
    pub source: String,
    /// The diagnostics, in source order.
    pub items: Vec<Diagnostic>,
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_plain(100))
    }
}

impl std::error::Error for Diagnostics {}

impl Diagnostics {
    /// An empty list for a file.
    pub fn new(file_name: &str, source: &str) -> Diagnostics {
        Diagnostics {
            file_name: file_name.to_string(),
            source: source.to_string(),
            items: Vec::new(),
        }
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity() == Severity::Error)
    }

    /// The number of errors.
    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity() == Severity::Error)
            .count()
    }

    /// The number of warnings.
    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// 1-based line and column of a diagnostic's primary span.
    pub fn line_col(&self, d: &Diagnostic) -> (u32, u32) {
        LineIndex::new(&self.source).line_col(&self.source, d.span.start)
    }

    /// Renders every diagnostic with miette, without colour, wrapped at `width` columns (what
    /// snapshots and non-terminal output use).
    pub fn render_plain(&self, width: usize) -> String {
        self.render(
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
                .with_width(width)
                .with_links(false),
        )
    }

    /// Renders every diagnostic with miette in colour (terminals).
    pub fn render_color(&self, width: usize) -> String {
        self.render(
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode())
                .with_width(width)
                .with_links(false),
        )
    }

    fn render(&self, handler: miette::GraphicalReportHandler) -> String {
        let named = CharColumns(miette::NamedSource::new(
            &self.file_name,
            self.source.clone(),
        ));
        let index = LineIndex::new(&self.source);
        let mut out = String::new();
        for d in &self.items {
            let excerpt = Excerpt::of_long_line(&self.file_name, &self.source, &index, d);
            let report = Report {
                d,
                source: match &excerpt {
                    Some(e) => e,
                    None => &named,
                },
                line_col: self.line_col(d),
                file: &self.file_name,
                window: excerpt
                    .as_ref()
                    .map(|e| (e.offset, e.offset + e.text.len())),
            };
            if handler.render_report(&mut out, &report).is_err() {
                out.push_str(&format!("{}: {}\n", d.code, d.message));
            }
        }
        out
    }

    /// One JSON object per diagnostic, for editors and CI: its file, code, severity, message,
    /// place (`line`, `column`, `end_line`, `end_column`, 1-based), label, `related` places
    /// (each `{line, column, end_line, end_column, label}`) and help.
    pub fn to_json(&self) -> serde_json::Value {
        let index = LineIndex::new(&self.source);
        let items: Vec<serde_json::Value> = self
            .items
            .iter()
            .map(|d| {
                let (line, column) = index.line_col(&self.source, d.span.start);
                let (end_line, end_column) = index.line_col(&self.source, d.span.end);
                // The other places the diagnostic points at ("first listed here").
                let related: Vec<serde_json::Value> = d
                    .related
                    .iter()
                    .map(|(span, label)| {
                        let (line, column) = index.line_col(&self.source, span.start);
                        let (end_line, end_column) = index.line_col(&self.source, span.end);
                        serde_json::json!({
                            "line": line,
                            "column": column,
                            "end_line": end_line,
                            "end_column": end_column,
                            "label": label,
                        })
                    })
                    .collect();
                serde_json::json!({
                    "file": self.file_name,
                    "code": d.code.as_str(),
                    "severity": d.severity(),
                    "message": d.message,
                    "line": line,
                    "column": column,
                    "end_line": end_line,
                    "end_column": end_column,
                    "label": d.label,
                    "related": related,
                    "help": d.help,
                })
            })
            .collect();
        serde_json::Value::Array(items)
    }

    /// Sorts by position (then code) so output is stable.
    pub fn sort(&mut self) {
        self.items.sort_by_key(|d| (d.span.start, d.code));
        self.items.dedup();
    }
}

/// The file for miette, with the column of the snippet's header counted in characters, as the
/// headline and the JSON count it: miette counts bytes, which puts the header of a line with
/// accented letters further right than the place an analyst counts to.
struct CharColumns(miette::NamedSource<String>);

impl miette::SourceCode for CharColumns {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let contents = self
            .0
            .read_span(span, context_lines_before, context_lines_after)?;
        let source = self.0.inner();
        let Some(before) = source.get(..span.offset()) else {
            return Ok(contents);
        };
        // With context lines miette gives no column (0); only the span's own line has one.
        if context_lines_before > 0 || contents.column() == 0 {
            return Ok(contents);
        }
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count();
        Ok(Box::new(miette::MietteSpanContents::new_named(
            contents.name().unwrap_or_default().to_string(),
            contents.data(),
            *contents.span(),
            contents.line(),
            column,
            contents.line_count(),
        )))
    }
}

/// How long a line may be before its snippet shows only a window of it around the place: a
/// generated or pasted line can be tens of kilobytes, and the snippet would repeat all of it.
const LONG_LINE: usize = 160;
/// How much of a long line the window shows before the place, and in all (bytes, give or take a
/// character).
const WINDOW_BEFORE: usize = 40;
const WINDOW: usize = 120;

/// The part of a long line around a diagnostic's place, marked `…` where it was cut, standing
/// for the whole file: it answers miette with the real line number and column, and keeps the
/// file's byte offsets so the labels need no translation.
struct Excerpt {
    name: String,
    text: String,
    /// The file offset the excerpt's first byte stands at (the `…` ends where the window starts).
    offset: usize,
    /// 0-based line of the place.
    line: usize,
    /// 0-based column of the place, in characters.
    column: usize,
}

impl Excerpt {
    /// The excerpt for `d`, when its place is on a line longer than [`LONG_LINE`].
    fn of_long_line(
        name: &str,
        source: &str,
        index: &LineIndex,
        d: &Diagnostic,
    ) -> Option<Excerpt> {
        let start = d.span.start.min(source.len());
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        if line_end - line_start <= LONG_LINE {
            return None;
        }
        let floor = |mut i: usize| {
            while !source.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let from = floor(start.saturating_sub(WINDOW_BEFORE).max(line_start));
        // A cut shorter than the `…` that marks it is no cut (and leaves no room for the mark).
        let from = if from - line_start <= "…".len() {
            line_start
        } else {
            from
        };
        let to = floor((from + WINDOW).min(line_end).max(start));
        let before = if from > line_start { "…" } else { "" };
        let after = if to < line_end { "…" } else { "" };
        Some(Excerpt {
            name: name.to_string(),
            text: format!("{before}{}{after}", &source[from..to]),
            offset: from - before.len(),
            line: index.line(start) as usize - 1,
            column: source[line_start..start].chars().count(),
        })
    }
}

impl miette::SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        _span: &miette::SourceSpan,
        _context_lines_before: usize,
        _context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            self.text.as_bytes(),
            (self.offset, self.text.len()).into(),
            self.line,
            self.column,
            1,
        )))
    }
}

struct Report<'a> {
    d: &'a Diagnostic,
    source: &'a dyn miette::SourceCode,
    line_col: (u32, u32),
    file: &'a str,
    /// The file range an excerpt shows, when the place is on a long line: labels are cut to it.
    window: Option<(usize, usize)>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.d.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The headline names the place so it survives when labels are not shown (logs, CI).
        write!(
            f,
            "{} ({}:{}:{})",
            self.d.message, self.file, self.line_col.0, self.line_col.1
        )
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.d.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity() {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.d
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let (lo, hi) = self.window.unwrap_or((0, usize::MAX));
        let start = self.d.span.start;
        let primary = miette::LabeledSpan::new_primary_with_span(
            Some(self.d.label.clone()),
            (start, self.d.span.end.min(hi).max(start) - start),
        );
        // In an excerpt, a related place outside the window has no line to stand on.
        let related = self
            .d
            .related
            .iter()
            .filter(move |(s, _)| s.start >= lo && s.end <= hi)
            .map(|(s, l)| miette::LabeledSpan::new_with_span(Some(l.clone()), (s.start, s.len())));
        Some(Box::new(std::iter::once(primary).chain(related)))
    }
}

/// The closest of `candidates` to `name`, when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(&name.to_ascii_lowercase(), &c.to_ascii_lowercase());
        let limit = (name.len().max(c.len()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| format!("did you mean `{c}`?"))
}

/// The edit distance between two words, a swap of two neighbouring letters (`thne`, `surnmae`)
/// counting one edit, as a typo does.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Two rows back, for the swap.
    let mut before: Vec<usize> = Vec::new();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && *ca == b[j - 1] && a[i - 1] == *cb {
                cur[j + 1] = cur[j + 1].min(before[j - 1] + 1);
            }
        }
        before = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swap_of_neighbours_is_one_edit() {
        assert_eq!(edit_distance("thne", "then"), 1);
        assert_eq!(edit_distance("segmnet", "segment"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("état", "etat"), 1);
    }

    #[test]
    fn codes_are_unique_and_numbered_in_order() {
        let mut seen = std::collections::HashSet::new();
        for (i, c) in Code::ALL.iter().enumerate() {
            assert!(seen.insert(c.as_str()));
            assert_eq!(c.as_str(), format!("M2M{:03}", i + 1));
        }
    }

    fn one(source: &str, span: Span, related: Option<Span>) -> String {
        let mut ds = Diagnostics::new("f.m2map", source);
        let mut d = Diagnostic::new(Code::ALL[0], span, "msg", "here");
        if let Some(r) = related {
            d = d.related(r, "there");
        }
        ds.items.push(d);
        ds.render_plain(100)
    }

    #[test]
    fn a_long_line_is_shown_as_a_window_around_the_place() {
        let line = format!("let x = {}", "\"é\" + ".repeat(10_000));
        let source = format!("m2map 1\n{line}\nlet y = 1\n");
        // The 5,000th `"é"`: 8 + 4,999 * 6 characters (7 bytes each) into the line.
        let start = source.find("let x").unwrap() + 8 + 4_999 * "\"é\" + ".len();
        let out = one(&source, Span::new(start, start + 4), None);
        assert!(out.len() < 2_000, "{} bytes:\n{out}", out.len());
        let column = 8 + 4_999 * 6 + 1;
        assert!(out.contains(&format!("[f.m2map:2:{column}]")), "{out}");
        let shown = out.lines().find(|l| l.starts_with(" 2 │ ")).unwrap();
        assert!(
            shown.starts_with(" 2 │ …") && shown.ends_with('…'),
            "{shown}"
        );
        let caret = out.lines().find(|l| l.contains('┬')).unwrap();
        // The underline starts under the place's opening quote.
        let at = caret.chars().position(|c| c == '─').unwrap();
        assert_eq!(shown.chars().nth(at), Some('"'), "{shown}\n{caret}");
        assert!(out.contains("here"), "{out}");
    }

    #[test]
    fn a_window_starts_at_the_line_when_the_place_is_near_it_and_drops_far_related_places() {
        let source = format!("m2map 1\nlet x = {}1\n", "2 + ".repeat(100));
        let start = source.find("let").unwrap();
        let far = source.len() - 3;
        let out = one(
            &source,
            Span::new(start, start + 3),
            Some(Span::new(far, far + 1)),
        );
        let shown = out.lines().find(|l| l.starts_with(" 2 │ ")).unwrap();
        assert!(
            shown.starts_with(" 2 │ let x = 2 + ") && shown.ends_with('…'),
            "{shown}"
        );
        assert!(!out.contains("there"), "{out}");
        assert!(out.contains("[f.m2map:2:1]"), "{out}");
    }

    #[test]
    fn a_short_line_is_shown_whole_with_its_neighbours() {
        let source = "m2map 1\nlet x = 1 + 2\nlet y = 3\n";
        let start = source.find("1 +").unwrap();
        let out = one(source, Span::new(start, start + 1), None);
        assert!(out.contains(" 1 │ m2map 1"), "{out}");
        assert!(out.contains(" 2 │ let x = 1 + 2\n"), "{out}");
        assert!(out.contains(" 3 │ let y = 3"), "{out}");
    }

    #[test]
    fn suggestions_catch_typos_only() {
        assert_eq!(
            did_you_mean("surnme", ["surname", "city"]).as_deref(),
            Some("did you mean `surname`?")
        );
        assert_eq!(did_you_mean("zzzz", ["surname", "city"]), None);
    }
}
