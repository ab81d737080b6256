//! The parser, checker and formatter never panic, whatever the text: arbitrary strings, and
//! token soups close enough to the language to get deep into the grammar and the checker.

use proptest::prelude::*;

const TOKENS: &[&str] = &[
    "m2map 1\n",
    "param ",
    "let ",
    "table ",
    "segment ",
    "skip when ",
    "rule R-1 error \"m\": ",
    "for each ",
    " in ",
    " where ",
    " when ",
    "base",
    "j1",
    "k1",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "=",
    "=>",
    ",",
    ":",
    ".",
    "..=",
    "..",
    "_",
    "|",
    "+",
    "-",
    "*",
    "/",
    "==",
    "!=",
    "<",
    ">=",
    "??",
    "and",
    "or",
    "not",
    "implies",
    "if",
    "then",
    "else",
    "match",
    "none",
    "true",
    "\"x\"",
    "\"a\\\"b\"",
    "12",
    "3.50",
    "2026-02-30",
    "2026-10-31",
    "999999999999999999999",
    "as_of",
    "date",
    "text",
    "surname",
    "city",
    "state",
    "LoanSetup",
    "Customers",
    "payment",
    "it",
    "first",
    "sum",
    "any",
    "dollars",
    "money",
    "upper",
    "delinquency",
    "x",
    "\n",
    " ",
    "# c\n",
    "## d\n",
    "error \"e {value}\"",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..80).prop_map(|v| v.concat())
}

fn exercise(src: &str) {
    let diags = m2map::check(src, "prop.m2map");
    let _ = diags.render_plain(80);
    let _ = diags.to_json();
    if let Ok(once) = m2map::format(src) {
        let twice = m2map::format(&once).expect("formatted text parses");
        assert_eq!(once, twice, "not idempotent on {src:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_text(src in ".{0,200}") {
        exercise(&src);
    }

    #[test]
    fn token_soup(src in soup()) {
        exercise(&src);
    }

    #[test]
    fn a_valid_prefix_then_soup(src in soup()) {
        let full = format!("m2map 1\nparam as_of: date\nsegment base {{\n  surname = {src}\n}}\n");
        exercise(&full);
    }
}
