//! Key reads of LoanPro objects (M2M034): a key the object does not have is a warning with
//! "did you mean", wherever the object's shape can be followed (paths from the document's
//! keys, lets, `first`/`last`/`where`/`??`, element variables); where it cannot, nothing is said.

use std::path::Path;

use m2map::Code;

mod common;

/// The diagnostics of a file with `items` (lets, segments) and a base segment of constants
/// with `fields`.
fn check(items: &str, fields: &[(&str, &str)]) -> m2map::Diagnostics {
    let source = format!(
        "m2map 1\nparam as_of: date\n{items}\n{}",
        common::base_segment(fields)
    );
    m2map::check(&source, "t.m2map")
}

/// The messages of the M2M034 warnings of a file.
fn unknown_keys(items: &str, fields: &[(&str, &str)]) -> Vec<String> {
    check(items, fields)
        .items
        .iter()
        .filter(|d| d.code == Code::UnknownKey)
        .map(|d| d.message.clone())
        .collect()
}

/// The keys M2M034 warns about (the text between the second pair of backquotes, or the first
/// when the subject is not written).
fn keys(items: &str, fields: &[(&str, &str)]) -> Vec<String> {
    unknown_keys(items, fields)
        .iter()
        .map(|m| {
            let i = m.find("no key `").expect(m) + "no key `".len();
            m[i..i + m[i..].find('`').unwrap()].to_string()
        })
        .collect()
}

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn the_preset_and_the_valid_fixtures_check_clean() {
    let mut files = vec![repo().join("presets/loanpro.m2map")];
    for e in std::fs::read_dir(repo().join("fixtures/m2map/valid")).unwrap() {
        files.push(e.unwrap().path());
    }
    for f in files {
        let source = std::fs::read_to_string(&f).unwrap();
        let d = m2map::check(&source, &f.to_string_lossy());
        assert!(d.is_empty(), "{}", d.render_plain(100));
    }
}

#[test]
fn the_audit_s_misspellings_are_warned_with_a_suggestion() {
    let found = unknown_keys(
        "let primary = first(Customers where loanRole == \"loan.customerRole.primary\") ?? first(Customers)\n\
         segment j2 for each co in Customers where it.active == 1 { surname = co.lastName }",
        &[
            ("highest_credit", "dollars(loanpro_money(LoanSetup.loanAmmount))"),
            ("date_of_birth", "loanpro_date(primary.birthdate)"),
        ],
    );
    assert_eq!(
        found,
        [
            "`it` (a customer) has no key `active` in LoanPro's loan documents",
            "`LoanSetup` has no key `loanAmmount` in LoanPro's loan documents (did you mean `loanAmount`?)",
            "`primary` (a customer) has no key `birthdate` in LoanPro's loan documents (did you mean `birthDate`?)",
        ]
    );
    // A warning: the file still compiles.
    let d = check(
        "",
        &[(
            "highest_credit",
            "dollars(loanpro_money(LoanSetup.loanAmmount))",
        )],
    );
    assert!(!d.has_errors(), "{}", d.render_plain(100));
    assert_eq!(d.warning_count(), 2, "{}", d.render_plain(100)); // and as_of unused
}

#[test]
fn keys_are_case_sensitive() {
    assert_eq!(keys("let _a = LoanSetup.LoanAmount", &[]), ["LoanAmount"]);
    assert_eq!(keys("let _a = LoanSettings.ecoaCode", &[]), ["ecoaCode"]);
    assert!(keys("let _a = LoanSettings.ECOACode", &[]).is_empty());
}

#[test]
fn the_shape_is_followed_through_lets_lists_and_elements() {
    let cases: &[(&str, &str)] = &[
        // Roots and nested objects.
        ("let _a = LoanSettings.closeDate", "closeDate"),
        ("let _a = doc.LoanSetup.payments", "payments"),
        ("let _a = first(Customers).PrimaryAddress.zip", "zip"),
        ("let _a = first(Customers).MailAddress.adress1", "adress1"),
        // A let, and a let of a let.
        ("let s = LoanSetup\nlet t = s\nlet _a = t.term", "term"),
        // first, last, an index, `.results`.
        ("let _a = last(Payments).amout", "amout"),
        ("let _a = Payments[0].amout", "amout"),
        ("let _a = Payments.results[0].amout", "amout"),
        ("let _a = first(StatusArchive.results).payof", "payof"),
        // `where`: `it`, bare names, the filtered list.
        ("let _a = Payments where it.actve == 1", "actve"),
        ("let _a = Payments where actve == 1", "actve"),
        ("let _a = first(Payments where active == 1).dat", "dat"),
        ("let p = Payments where active == 1\nlet _a = last(p).dat", "dat"),
        // Per-element arguments.
        ("let _a = any(Customers, loanrole == \"x\")", "loanrole"),
        ("let _a = sum(Payments, money(it.amont))", "amont"),
        // `??` with the same shape or an empty side, `if`, `match`.
        ("let c = first(Customers) ?? none\nlet _a = c.ssn2", "ssn2"),
        ("let ph = first(Customers).Phones ?? []\nlet _a = first(ph where it.isprimary == 1)", "isprimary"),
        ("let c = if true then first(Customers) else last(Customers)\nlet _a = c.frstName", "frstName"),
        ("let c = match 1 { 1 => first(Customers), _ => none }\nlet _a = c.frstName", "frstName"),
        // The built-ins that return a LoanPro object.
        ("let _a = consumer_address(first(Customers)).zipcod", "zipcod"),
        ("let _a = status_row(StatusArchive, as_of).pay_off", "pay_off"),
        // A list envelope read as an object.
        ("let _a = Customers.firstName", "firstName"),
        ("let _a = first(Customers).Phones.phone", "phone"),
        // A `for each` variable, and `it` in its body.
        ("let cos = Customers where loanRole == \"x\"\nsegment j1 for each co in cos { surname = co.lastname }", "lastname"),
        ("segment j1 for each co in Customers { surname = it.lastname }", "lastname"),
        ("segment j1 for each co in Customers where co.Phones.reslts == none { surname = \"S\" }", "reslts"),
    ];
    for (items, key) in cases {
        assert_eq!(keys(items, &[]), [*key], "{items}");
    }
}

#[test]
fn nothing_is_said_where_the_shape_is_unknown_or_the_key_is_known() {
    let cases = [
        "let _a = doc.someCustomKey",
        "let _a = Transactions.whatever",
        "let _a = first(Notes).anything",
        "let _a = LoanSettings.CustomFieldValues.results",
        "let _a = first(LoanSettings.CustomFieldValues).customFieldValue",
        "let _a = __metadata.uri",
        "let _a = LoanSetup.__metadata.type",
        "let _a = first(Customers).__metadata.uri",
        "let _a = LoanSetup.__deferred",
        "let _a = Customers.results",
        "let _a = Customers.__next",
        "let _a = first(Payments where active == 1 and amount > 0).reverseDate",
        "let c = first(Customers) ?? LoanSetup\nlet _a = c.anything",
        "let _a = (first(Customers) ?? first(Customers)).ssn",
        "let x = 1\nlet _a = first(Customers where x == 1).ssn",
    ];
    for items in cases {
        let d = check(items, &[]);
        let found: Vec<_> = d
            .items
            .iter()
            .filter(|d| d.code == Code::UnknownKey)
            .collect();
        assert!(found.is_empty(), "{items}:\n{}", d.render_plain(100));
    }
}

#[test]
fn a_document_value_or_none_is_still_a_document_value() {
    // `x ?? none` once had the type of `none`, so reading a key of it was an error.
    let d = check("let c = first(Customers) ?? none\nlet _a = c.ssn", &[]);
    assert!(!d.has_errors(), "{}", d.render_plain(100));
}

#[test]
fn every_key_the_preset_reads_is_known() {
    // The preset checks clean (above); this says why: each of its reads follows a shape.
    let preset = std::fs::read_to_string(repo().join("presets/loanpro.m2map")).unwrap();
    let broken = preset.replace("primary.birthDate", "primary.birthdate");
    let d = m2map::check(&broken, "p.m2map");
    assert_eq!(d.items.len(), 1, "{}", d.render_plain(100));
    assert_eq!(d.items[0].code, Code::UnknownKey);
}

#[test]
fn the_bench_mapping_checks_clean_too() {
    let source = std::fs::read_to_string(repo().join("dsl/benches/bench.m2map")).unwrap();
    let d = m2map::check(&source, "bench.m2map");
    assert!(
        d.items.iter().all(|d| !matches!(
            d.code,
            Code::UnknownKey | Code::TableKeyTwice | Code::ConstantCondition
        )),
        "{}",
        d.render_plain(100)
    );
}
