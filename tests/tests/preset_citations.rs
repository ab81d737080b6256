//! The preset's doc comments, skip reasons and error texts cite derivations.md by section
//! (`§4 rule 3`); the copy shipped in `docs/derivations.md` must hold every section and rule
//! they cite, so an analyst who follows a citation from `metro2 explain` or `metro2 records`
//! finds it.

use std::collections::BTreeSet;

fn read(path: &str) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    std::fs::read_to_string(format!("{root}/{path}")).expect("a file of the repository")
}

/// Every `§N` and `§N rule M` of a text.
fn citations(text: &str) -> BTreeSet<(u32, Option<u32>)> {
    let mut out = BTreeSet::new();
    for (at, _) in text.match_indices('§') {
        let rest = &text[at + '§'.len_utf8()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let Ok(section) = digits.parse() else {
            continue;
        };
        let rule = rest[digits.len()..].strip_prefix(" rule ").and_then(|r| {
            r.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .ok()
        });
        out.insert((section, rule));
    }
    out
}

/// The numbered rules (`1. ...`) of the section headed `## N. ...`.
fn section(doc: &str, n: u32) -> Option<&str> {
    let head = format!("\n## {n}. ");
    let start = doc.find(&head)? + 1;
    let end = doc[start + 1..]
        .find("\n## ")
        .map_or(doc.len(), |e| start + 1 + e);
    Some(&doc[start..end])
}

#[test]
fn every_section_and_rule_the_preset_cites_is_in_the_shipped_derivations() {
    let doc = read("docs/derivations.md");
    let preset = read("presets/loanpro.m2map");
    let cited = citations(&preset);
    assert!(cited.len() > 10, "the preset cites sections: {cited:?}");
    for (n, rule) in cited {
        let text = section(&doc, n).unwrap_or_else(|| panic!("§{n} is not in docs/derivations.md"));
        if let Some(r) = rule {
            assert!(
                text.contains(&format!("\n{r}. ")),
                "§{n} rule {r} is not in docs/derivations.md"
            );
        }
    }
}

#[test]
fn citations_are_read_with_their_rule() {
    let c = citations("see §4 rule 3, §12 and § alone; §7.");
    assert_eq!(
        c.into_iter().collect::<Vec<_>>(),
        vec![(4, Some(3)), (7, None), (12, None)]
    );
}
