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
