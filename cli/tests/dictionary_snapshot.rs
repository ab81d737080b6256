//! The data dictionary of the shipped preset, as `metro2 dictionary presets/loanpro.m2map`
//! prints it, kept as a snapshot: a change to the preset shows to its reviewer as the change an
//! analyst reads (a field's source, rule or positions, a table's entries), one row a line.

#[test]
fn the_presets_dictionary() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let file = "presets/loanpro.m2map";
    let source = std::fs::read_to_string(root.join(file)).unwrap();
    let compiled = m2map::compile(&source, file).unwrap_or_else(|d| panic!("{d}"));
    let dictionary = metro2::commands::dictionary::build(file, &source, &compiled);
    insta::assert_snapshot!(metro2::commands::dictionary::markdown(&dictionary));
}
