//! Folding letters to A–Z (derivations.md §1).

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Appends `c` folded: accented letters to their base letter (É → E, Ñ → N, Å → A), and the
/// letters that do not decompose spelled out (Ø → O, Æ → AE, Œ → OE, ß → SS, Ł → L, Đ → D,
/// Þ → TH, in either case). Every other character is appended unchanged; the callers decide
/// what an "other character" becomes.
pub fn fold_char_into(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c);
        return;
    }
    if let Some(spelled) = spell_out(c) {
        out.push_str(spelled);
        return;
    }
    decompose_canonical(c, |d| {
        if !is_combining_mark(d) {
            match spell_out(d) {
                Some(s) => out.push_str(s),
                None => out.push(d),
            }
        }
    });
}

/// The letters that have no canonical decomposition but a customary spelling in A–Z.
fn spell_out(c: char) -> Option<&'static str> {
    Some(match c {
        'Ø' => "O",
        'ø' => "o",
        'Æ' => "AE",
        'æ' => "ae",
        'Œ' => "OE",
        'œ' => "oe",
        'ß' => "ss",
        'ẞ' => "SS",
        'Ł' => "L",
        'ł' => "l",
        'Đ' => "D",
        'đ' => "d",
        'Þ' => "TH",
        'þ' => "th",
        _ => return None,
    })
}

/// `text` with every letter folded (see [`fold_char_into`]).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        fold_char_into(c, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_fold_to_the_base_letter() {
        assert_eq!(fold("ÉÑÅéñåÇüÖ"), "ENAenaCuO");
        assert_eq!(fold("Björn"), "Bjorn");
        assert_eq!(fold("Ñandú"), "Nandu");
        assert_eq!(fold("İstanbul"), "Istanbul");
        assert_eq!(
            fold("Ǆ"),
            "Ǆ",
            "a compatibility ligature is not an accented letter"
        );
    }

    #[test]
    fn letters_without_decomposition_are_spelled_out() {
        assert_eq!(fold("ØøÆæŒœßẞŁłĐđÞþ"), "OoAEaeOEoessSSLlDdTHth");
        assert_eq!(fold("Łódź"), "Lodz");
        assert_eq!(fold("Søren Kierkegård"), "Soren Kierkegard");
    }

    #[test]
    fn other_characters_pass_through_for_the_caller() {
        assert_eq!(fold("a.b'c#5 ı"), "a.b'c#5 ı");
        assert_eq!(fold("日本"), "日本");
    }
}
