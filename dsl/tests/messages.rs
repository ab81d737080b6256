//! What diagnostics say and where they point: a byte order mark is not text, the snippet's
//! header and the headline count columns alike, one mistake is one error, and syntax errors
//! name only what a reader can write.

use m2map::Code;

mod common;

fn minimal() -> String {
    format!("m2map 1\n{}", common::base_segment(&[]))
}

#[test]
fn a_leading_byte_order_mark_is_skipped() {
    let plain = minimal();
    let with_bom = format!("\u{feff}{plain}");
    let diags = m2map::check(&with_bom, "bom.m2map");
    assert!(diags.is_empty(), "{}", diags.render_plain(100));
    assert!(m2map::compile(&with_bom, "bom.m2map").is_ok());
    assert_eq!(
        m2map::format(&with_bom).unwrap(),
        m2map::format(&plain).unwrap()
    );
    // Only at the start: elsewhere it is text the grammar does not know.
    let inside = plain.replacen("segment", "\u{feff}segment", 1);
    assert!(m2map::check(&inside, "bom.m2map").has_errors());
}

#[test]
fn the_snippet_header_counts_columns_in_characters_like_the_headline() {
    let source = "m2map 1\nparam as_of: date\nlet a = \"ééééé\" + bogus_fn(1)\n";
    let diags = m2map::check(source, "col.m2map");
    let d = diags
        .items
        .iter()
        .find(|d| d.code == Code::UnknownFunction)
        .unwrap();
    assert_eq!(diags.line_col(d), (3, 19));
    let text = diags.render_plain(100);
    assert!(text.contains("(col.m2map:3:19)"), "{text}");
    assert!(text.contains("╭─[col.m2map:3:19]"), "{text}");
    assert!(!text.contains(":3:24"), "{text}");
    let json = diags.to_json();
    let j = json
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["code"] == "M2M006")
        .unwrap();
    assert_eq!(
        (j["line"].as_u64(), j["column"].as_u64()),
        (Some(3), Some(19))
    );
}

#[test]
fn one_type_mistake_is_one_error() {
    let source = format!(
        "m2map 1\n{}",
        common::base_segment(&[("processing_indicator", "\"abc\"")])
    );
    let diags = m2map::check(&source, "typeerr.m2map");
    let codes: Vec<Code> = diags.items.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::FieldType], "{}", diags.render_plain(100));
}

#[test]
fn syntax_errors_name_no_grammar_internals() {
    let cases = [
        format!("{}segment base {{\n", minimal()),
        format!("{}segment j1 {{\n  surname = (\n", minimal()),
        format!("{}table t {{\n  \"a\" =>\n", minimal()),
        format!("{}let x = \nlet y = 1 +\n", minimal()),
        "m2map 1\n@@@\n".to_string(),
    ];
    for source in cases {
        let diags = m2map::check(&source, "bad.m2map");
        assert!(
            diags.items.iter().any(|d| d.code == Code::Syntax),
            "{source}"
        );
        for d in &diags.items {
            for text in [&d.message, &d.label] {
                assert!(
                    !text.contains("bad_") && !text.contains("_strict") && !text.contains("EOI"),
                    "{text}"
                );
            }
        }
    }
}

#[test]
fn a_date_is_compared_only_with_a_text_that_is_a_date() {
    let diags = |cond: &str| {
        let source = format!(
            "m2map 1\nlet opened = date(LoanSetup.contractDate)\nskip when {cond} \"x\"\n{}",
            common::base_segment(&[])
        );
        m2map::check(&source, "d.m2map")
    };
    for cond in [
        "opened == \"06/10/2025\"",
        "opened == \"soon\"",
        "opened > \"soon\"",
        "\"2025-6-1\" <= opened",
        "opened != \"\"",
        "opened in [\"2025-06-10\", \"soon\"]",
        "match opened { \"soon\" => true, _ => false }",
        "opened == \"2025-02-30\"",
    ] {
        let d = diags(cond);
        let codes: Vec<_> = d.items.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [Code::OperatorType],
            "{cond}:\n{}",
            d.render_plain(100)
        );
    }
    // A text the engine reads as a date is accepted.
    for cond in [
        "opened == \"2025-06-10\"",
        "opened < \"2025-06-10\"",
        "opened in [\"2025-06-10\"]",
        "match opened { \"2025-06-10\" => true, _ => false }",
    ] {
        let d = diags(cond);
        assert!(d.is_empty(), "{cond}:\n{}", d.render_plain(100));
    }
    let d = &diags("opened == \"06/10/2025\"").items[0];
    assert!(d.message.ends_with("never equal"), "{}", d.message);
    assert!(
        d.help.as_deref().unwrap().ends_with("`2025-06-10`"),
        "{:?}",
        d.help
    );
    let d = &diags("opened > \"soon\"").items[0];
    assert!(
        d.message.ends_with("would fail every loan"),
        "{}",
        d.message
    );
}

#[test]
fn one_wrong_table_value_or_key_is_one_error_wherever_it_is() {
    let errors = |table: &str| {
        let source = format!(
            "m2map 1\n{table}\n{}",
            common::base_segment(&[("account_status", "t[1]")])
        );
        let d = m2map::check(&source, "t.m2map");
        d.items
            .iter()
            .map(|d| (d.code, d.message.clone()))
            .collect::<Vec<_>>()
    };
    let one = |message: &str| vec![(Code::TableValue, message.to_string())];
    // The preset's `open_status` with `1 => 71` instead of `"71"`.
    assert_eq!(
        errors("table t {\n 0 => \"11\"\n 1 => 71\n 2 => \"78\"\n 3 => \"80\"\n 4 => \"82\"\n 5 => \"83\"\n 6 => \"84\"\n}"),
        one("the table's values are text, this one is int")
    );
    // The first value is the odd one: the others are not reported against it.
    assert_eq!(
        errors("table t {\n 0 => 11\n 1 => \"71\"\n 2 => \"78\"\n _ => \"00\"\n}"),
        one("the table's values are text, this one is int")
    );
    // The same for keys.
    assert_eq!(
        errors("table t {\n \"0\" => \"11\"\n 1 => \"71\"\n 2 => \"78\"\n}"),
        one("the table's keys are int, this one is text")
    );
    // `none` fits any type.
    assert!(errors("table t {\n 0 => \"11\"\n 1 => none\n _ => \"78\"\n}").is_empty());
}

#[test]
fn a_table_key_listed_twice_is_an_error_when_its_values_differ() {
    let diags = |arms: &str| {
        let source = format!(
            "m2map 1\ntable t {{\n{arms}\n}}\n{}",
            common::base_segment(&[("account_status", "t[\"x\"]")])
        );
        m2map::check(&source, "t.m2map")
    };
    let d = diags(" \"61\" => \"61\"\n \"97\" => \"97\"\n \"61\" => \"64\"\n _ => \"\"");
    assert_eq!(d.items.len(), 1, "{}", d.render_plain(100));
    let e = &d.items[0];
    assert_eq!(e.code, Code::TableKeyTwice);
    assert_eq!(
        e.message,
        "the key \"61\" is listed twice, with \"61\" and with \"64\"; only the first is used"
    );
    assert!(d.has_errors());
    // The JSON gives the first arm's place too.
    let json = d.to_json();
    let related = json[0]["related"].as_array().unwrap();
    assert_eq!(related.len(), 1, "{json}");
    assert_eq!(
        (related[0]["line"].as_u64(), related[0]["column"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(related[0]["label"], "\"61\" gives \"61\"");
    // An `error` arm against a value is a different value too.
    let d = diags(" \"61\" => \"61\"\n \"61\" => error \"no\"\n _ => \"\"");
    assert_eq!(
        d.items[0].code,
        Code::TableKeyTwice,
        "{}",
        d.render_plain(100)
    );
    // The same value twice is only a warning, naming the key.
    let d = diags(" \"1\" => \"61\"\n \"1\" => \"61\"\n _ => \"\"");
    assert_eq!(d.items.len(), 1, "{}", d.render_plain(100));
    assert_eq!(d.items[0].code, Code::Unreachable);
    assert!(!d.has_errors());
    assert!(
        d.items[0]
            .message
            .starts_with("the key \"1\" is listed twice"),
        "{}",
        d.items[0].message
    );
}

#[test]
fn a_rule_or_skip_whose_condition_is_constant_is_a_warning_saying_what_it_does() {
    let diags = |items: &str| {
        let source = format!("m2map 1\n{items}\n{}", common::base_segment(&[]));
        m2map::check(&source, "c.m2map")
    };
    for (items, message) in [
        (
            "rule LP-ALWAYS error \"always\": 1 == 2",
            "this rule's condition is always false: the rule fails every record",
        ),
        (
            "rule R warning \"x\": true or base.account_status == \"11\"",
            "this rule's condition is always true: the rule never fails",
        ),
        (
            "skip when 1 == 1 \"x\"",
            "this skip's condition is always true: every loan is skipped",
        ),
        (
            "skip when upper(\"a\") == \"b\" \"x\"",
            "this skip's condition is always false: no loan is ever skipped",
        ),
    ] {
        let d = diags(items);
        assert_eq!(d.items.len(), 1, "{items}:\n{}", d.render_plain(100));
        assert_eq!(d.items[0].code, Code::ConstantCondition);
        assert_eq!(d.items[0].message, message);
        assert!(!d.has_errors());
    }
    // Conditions that read the record or the loan say nothing; nor does one already wrong.
    for items in [
        "rule R error \"x\": base.current_balance == 0",
        "skip when deleted == 1 \"x\"",
        "skip when nosuchname == 1 \"x\"",
    ] {
        let d = diags(items);
        assert!(
            d.items.iter().all(|d| d.code != Code::ConstantCondition),
            "{items}:\n{}",
            d.render_plain(100)
        );
    }
}

#[test]
fn wording_articles_units_and_which_let_to_move() {
    let one = |items: &str, fields: &[(&str, &str)]| {
        let source = format!("m2map 1\n{items}\n{}", common::base_segment(fields));
        let d = m2map::check(&source, "w.m2map");
        assert_eq!(d.items.len(), 1, "{}", d.render_plain(100));
        d.items[0].clone()
    };
    let d = one("", &[("processing_indicator", "12")]);
    assert_eq!(d.code, Code::TooWide);
    assert_eq!(
        d.message,
        "12 is 2 digits wide; `processing_indicator` holds 1 digit"
    );
    assert_eq!(
        d.help.as_deref(),
        Some("use a number of at most 1 digit (up to 9), or compute it")
    );
    let d = one(
        "",
        &[(
            "account_status",
            "match int(LoanSetup.loanTerm) { 12 => \"11\" }",
        )],
    );
    assert_eq!(d.label, "an int may match no arm");
    let d = one("", &[("account_status", "1.5")]);
    assert!(d.message.starts_with("a decimal value"), "{}", d.message);
    let d = one("let total = fee + 1\nlet fee = 2\nlet _t = total", &[]);
    assert_eq!(
        d.help.as_deref(),
        Some("a let may only use the lets above it: move `let total` below `let fee` (line 3), or `let fee` above it")
    );
}

#[test]
fn an_unknown_field_without_a_close_name_gets_the_segments_fields_or_where_it_belongs() {
    let help = |field: &str| {
        let src = format!(
            "{}segment j1 when true {{\n  surname = \"S\"\n  first_name = \"F\"\n  {field} = \"X\"\n}}\n",
            minimal()
        );
        let diags = m2map::check(&src, "j1.m2map");
        let d = diags
            .items
            .iter()
            .find(|d| d.code == Code::UnknownField)
            .unwrap_or_else(|| panic!("{}", diags.render_plain(100)));
        d.help.clone().unwrap_or_default()
    };
    // An address field: J1 has none, J2 does.
    assert!(
        help("city").contains("reported in a J2 segment"),
        "{}",
        help("city")
    );
    // Nothing close: the fields J1 has.
    let h = help("zzzqq");
    assert!(
        h.starts_with("the j1 segment's fields: surname, first_name"),
        "{h}"
    );
}
