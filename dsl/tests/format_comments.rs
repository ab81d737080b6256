//! `metro2 fmt` keeps every comment: on every mapping file of the repository, and on the
//! preset with comments inserted at random line ends and on lines of their own, formatting
//! writes each comment exactly once, keeps the code, and formatting again changes nothing.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

/// The example of the issue this test came with: comments inside a list, before `match` arms
/// and after a short `if`.
const EXAMPLE: &str = r#"m2map 1
param as_of: date

let codes = [
  "11", # current
  # the paid ones
  "13",
  "97" # charged off
]

let status = match loan.x {
  # comment before arm
  "a" => "11",
  "b" => "13", # trailing on arm
  # before default
  _ => "97"
}

segment base {
  surname = if status in codes then "A" else "B" # trail
  first_name = "C"
}
"#;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

/// Every `.m2map` file under `dir`, at any depth.
fn mapping_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            mapping_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "m2map") {
            out.push(path);
        }
    }
}

/// The parts of a source the formatter may not change, found without its help: the `#`
/// comments (`##` doc comments are code), and the code without whitespace and commas (the
/// formatter chooses both), text literals kept whole.
fn split(src: &str) -> (Vec<String>, String) {
    let mut comments = Vec::new();
    let mut code = String::new();
    let mut chars = src.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                code.push(c);
                while let Some((_, c)) = chars.next() {
                    code.push(c);
                    match c {
                        '\\' => {
                            if let Some((_, escaped)) = chars.next() {
                                code.push(escaped);
                            }
                        }
                        '"' | '\n' => break,
                        _ => {}
                    }
                }
            }
            '#' => {
                let end = src[i..].find('\n').map_or(src.len(), |n| i + n);
                let text = &src[i..end];
                if text.starts_with("##") {
                    code.extend(text.chars().filter(|c| !c.is_whitespace()));
                } else {
                    comments.push(text.trim_end().to_string());
                }
                while chars.peek().is_some_and(|(j, _)| *j < end) {
                    chars.next();
                }
            }
            c if c.is_whitespace() || c == ',' => {}
            c => code.push(c),
        }
    }
    comments.sort();
    (comments, code)
}

/// Formats `src` and checks what every formatting must keep; returns the formatted text.
fn check_keeps_everything(what: &str, src: &str) -> Result<String, TestCaseError> {
    let once = m2map::format(src)
        .map_err(|d| TestCaseError::fail(format!("{what}: {}", d.render_plain(100))))?;
    let twice = m2map::format(&once)
        .map_err(|d| TestCaseError::fail(format!("{what}: output: {}", d.render_plain(100))))?;
    prop_assert_eq!(&twice, &once, "{}: formatting again changed it", what);
    let (comments_in, code_in) = split(src);
    let (comments_out, code_out) = split(&once);
    prop_assert_eq!(comments_out, comments_in, "{}: the comments changed", what);
    prop_assert_eq!(code_out, code_in, "{}: the code changed", what);
    Ok(once)
}

#[test]
fn every_mapping_file_formats_once_for_all_and_keeps_its_comments() {
    let mut files = Vec::new();
    for dir in ["presets", "fixtures", "dsl"] {
        mapping_files(&repo().join(dir), &mut files);
    }
    files.sort();
    let mut formatted = 0;
    for path in &files {
        let src = std::fs::read_to_string(path).unwrap();
        if m2map::format(&src).is_err() {
            // The fixtures of syntax errors: the formatter refuses them.
            continue;
        }
        check_keeps_everything(&path.display().to_string(), &src).unwrap();
        formatted += 1;
    }
    assert!(
        formatted >= 30 && files.iter().any(|f| f.ends_with("presets/loanpro.m2map")),
        "only {formatted} of {} files: {files:?}",
        files.len()
    );
    check_keeps_everything("the example", EXAMPLE).unwrap();
}

/// The preset with `# cN` comments inserted: `(line, trailing, indent)` puts one at the end
/// of that line, or on a line of its own (indented by `indent` spaces) before it.
fn with_comments(preset: &str, inserts: &[(usize, bool, usize)]) -> String {
    let lines: Vec<&str> = preset.lines().collect();
    let mut before = vec![Vec::new(); lines.len()];
    let mut after = vec![Vec::new(); lines.len()];
    for (n, &(line, trailing, indent)) in inserts.iter().enumerate() {
        let line = line % lines.len();
        if trailing {
            after[line].push(n);
        } else {
            before[line].push(format!("{}# c{n}", " ".repeat(indent)));
        }
    }
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        for own in &before[i] {
            out.push_str(own);
            out.push('\n');
        }
        out.push_str(line);
        // Two comments at one line's end are one comment; the last insert wins.
        if let Some(n) = after[i].last() {
            out.push_str(&format!(" # c{n}"));
        }
        out.push('\n');
    }
    out
}

/// The places between two tokens of `src` (outside text literals and comments): its spaces,
/// and the places after an opening bracket or a comma.
fn token_gaps(src: &str) -> Vec<usize> {
    let mut gaps = Vec::new();
    let mut in_string = false;
    let mut in_comment = false;
    let mut escaped = false;
    for (i, c) in src.char_indices() {
        match c {
            '\n' => (in_string, in_comment) = (false, false),
            _ if in_comment => {}
            _ if in_string => match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            },
            '"' => in_string = true,
            '#' => in_comment = true,
            ' ' => gaps.push(i),
            '(' | '[' | '{' | ',' => gaps.push(i + 1),
            _ => {}
        }
    }
    gaps
}

/// The preset with `# cN` comments inserted between tokens: `(gap, own_line)` puts one at
/// the end of the line there (the rest of the line goes to the next), or on a line of its own.
fn with_comments_between_tokens(preset: &str, inserts: &[(usize, bool)]) -> String {
    let gaps = token_gaps(preset);
    let mut at: Vec<(usize, String)> = inserts
        .iter()
        .enumerate()
        .map(|(n, &(gap, own_line))| {
            let text = if own_line {
                format!("\n# c{n}\n")
            } else {
                format!(" # c{n}\n")
            };
            (gaps[gap % gaps.len()], text)
        })
        .collect();
    // From the end, so that every offset is still where it was found.
    at.sort_by_key(|(offset, _)| std::cmp::Reverse(*offset));
    let mut out = preset.to_string();
    for (offset, text) in at {
        out.insert_str(offset, &text);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn comments_anywhere_in_the_preset_are_kept_exactly_once(
        inserts in prop::collection::vec((0..10_000usize, any::<bool>(), 0..5usize), 1..16)
    ) {
        let preset = std::fs::read_to_string(repo().join("presets/loanpro.m2map")).unwrap();
        let src = with_comments(&preset, &inserts);
        check_keeps_everything("the preset with comments", &src)?;
    }

    #[test]
    fn comments_between_any_two_tokens_of_the_preset_are_kept_exactly_once(
        inserts in prop::collection::vec((0..100_000usize, any::<bool>()), 1..12)
    ) {
        let preset = std::fs::read_to_string(repo().join("presets/loanpro.m2map")).unwrap();
        let src = with_comments_between_tokens(&preset, &inserts);
        check_keeps_everything("the preset with comments between tokens", &src)?;
    }
}
