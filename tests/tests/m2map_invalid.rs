//! Every invalid mapping fixture, checked and rendered as plain text at a fixed width: one
//! snapshot per file. Each file is named for the diagnostic code it demonstrates
//! (`m2m012_constant_too_wide.m2map`), and every code has a file.

use std::path::Path;

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/m2map/invalid")
}

#[test]
fn every_invalid_fixture_renders_its_code() {
    insta::glob!("../../fixtures/m2map/invalid", "*.m2map", |path| {
        let source = std::fs::read_to_string(path).unwrap();
        let name = format!("invalid/{}", path.file_name().unwrap().to_string_lossy());
        let diags = m2map::check(&source, &name);
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let code = stem[..6].to_ascii_uppercase();
        assert!(
            diags.items.iter().any(|d| d.code.as_str() == code),
            "{name} does not report {code}:\n{}",
            diags.render_plain(100)
        );
        // One file, one diagnostic: the fixture demonstrates its code and nothing else.
        assert_eq!(diags.items.len(), 1, "{name}:\n{}", diags.render_plain(100));
        insta::assert_snapshot!(diags.render_plain(100));
    });
}

#[test]
fn every_code_has_a_fixture() {
    let names: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .to_ascii_uppercase()
        })
        .collect();
    for code in m2map::Code::ALL {
        assert!(
            names.iter().any(|n| n.starts_with(code.as_str())),
            "no fixture for {code} ({})",
            code.title()
        );
    }
}

#[test]
fn json_diagnostics_locate_the_problem() {
    let path = fixtures().join("m2m012_constant_too_wide.m2map");
    let source = std::fs::read_to_string(path).unwrap();
    let json = m2map::check(&source, "x.m2map").to_json();
    assert_eq!(json[0]["code"], "M2M012");
    assert_eq!(json[0]["severity"], "error");
    assert_eq!(json[0]["line"], 21);
    assert_eq!(json[0]["column"], 33);
}

/// The preset with one line changed by `edit` (given the line, `None` to delete it), at the
/// first line for which `pick` holds.
fn preset_with(pick: impl Fn(&str) -> bool, edit: impl Fn(&str) -> Option<String>) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../presets/loanpro.m2map");
    let preset = std::fs::read_to_string(path).unwrap();
    let at = preset.lines().position(&pick).expect("the line");
    let mut lines: Vec<String> = preset.lines().map(String::from).collect();
    match edit(&lines[at]) {
        Some(l) => lines[at] = l,
        None => {
            lines.remove(at);
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn a_slip_in_the_preset_is_one_diagnostic_at_its_place() {
    // A quote missing after `"13`: reported there, not at the line's last quote, and the
    // let is read as meant (its use in an `if` is not "text").
    let src = preset_with(
        |l| l.starts_with("let off_schedule = status in [\"13\", \"61\""),
        |l| Some(l.replacen("[\"13\", \"61\"", "[\"13, \"61\"", 1)),
    );
    let diags = m2map::check(&src, "q4.m2map");
    assert_eq!(diags.items.len(), 1, "{}", diags.render_plain(100));
    let d = &diags.items[0];
    assert_eq!(d.message, "this text is not closed: add `\"` after `13`");
    let line = src
        .lines()
        .position(|l| l.starts_with("let off_schedule"))
        .unwrap();
    let col = src.lines().nth(line).unwrap().find("\"13").unwrap();
    assert_eq!(diags.line_col(d), (line as u32 + 1, col as u32 + 1));

    // The `}` of `let status = match` deleted: one diagnostic naming the match, none for
    // the uses of `status`.
    let preset = preset_with(|_| true, |l| Some(l.to_string()));
    let open = preset
        .lines()
        .position(|l| l.starts_with("let status = match"))
        .unwrap();
    let close = open + preset.lines().skip(open).position(|l| l == "}").unwrap();
    let src: String = preset
        .lines()
        .enumerate()
        .filter(|(i, _)| *i != close)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let diags = m2map::check(&src, "q5.m2map");
    assert_eq!(diags.items.len(), 1, "{}", diags.render_plain(100));
    let d = &diags.items[0];
    assert_eq!(
        d.message,
        format!("`match` opened at line {} is not closed", open + 1)
    );
    assert_eq!(diags.line_col(d).0 as usize, close, "at the last arm");
}
