//! Names and addresses (derivations.md §1): folded, upper-case A–Z and 0–9, cut to the field.

use super::letters::fold_char_into;

/// Which clean-up of §1 a text gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A surname: other characters dropped, spaces kept (`VAN DER BERG`).
    Surname,
    /// A first or middle name: other characters dropped, then each space becomes a hyphen
    /// (`MARY-ANN`).
    GivenName,
    /// An address line or city: other characters become spaces (`400 N MAIN ST APT 5`).
    Address,
}

/// Cleans `text` as §1 says for its kind, then cuts it to `width` characters (names and
/// addresses are the only values cut rather than refused).
pub fn clean_text(text: &str, kind: TextKind, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    clean_text_into(text, kind, width, &mut out);
    out
}

/// [`clean_text`] appended to `out`, for a caller that reuses one buffer.
pub fn clean_text_into(text: &str, kind: TextKind, width: usize, out: &mut String) {
    // Folding keeps ASCII as it is, and nearly every LoanPro name and address is ASCII: those
    // skip the folded copy.
    if text.is_ascii() {
        return keep(text, kind, width, out);
    }
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        fold_char_into(c, &mut folded);
    }
    keep(&folded, kind, width, out)
}

/// Whether an address line is empty after [`address`]'s clean-up, without building it.
pub fn address_is_blank(text: &str) -> bool {
    if text.is_ascii() {
        // Kept are letters (upper-cased), digits and hyphens; everything else becomes a space,
        // and spaces alone trim to nothing.
        return !text.bytes().any(|b| b.is_ascii_alphanumeric() || b == b'-');
    }
    address(text, usize::MAX).is_empty()
}

/// The second step of [`clean_text`], on folded text: the characters §1 keeps, runs of spaces
/// as one, cut to `width`, appended to `out`.
fn keep(folded: &str, kind: TextKind, width: usize, out: &mut String) {
    let start = out.len();
    let mut pending_space = false;
    for c in folded.chars() {
        let c = c.to_ascii_uppercase();
        let keep = match c {
            'A'..='Z' | '0'..='9' | '-' => Some(c),
            ' ' => None,
            _ if kind == TextKind::Address => None,
            _ => continue,
        };
        match keep {
            Some(c) => {
                // A run of spaces becomes one; leading spaces vanish (trim).
                if pending_space && out.len() > start {
                    out.push(if kind == TextKind::GivenName {
                        '-'
                    } else {
                        ' '
                    });
                }
                pending_space = false;
                out.push(c);
            }
            None => pending_space = true,
        }
    }
    // Trailing spaces were never written: a pending space only lands before a kept character.
    // Every kept character is ASCII, so bytes are characters.
    if out.len() - start > width {
        out.truncate(start + width);
    }
}

/// A surname cut to `width`.
pub fn surname(text: &str, width: usize) -> String {
    clean_text(text, TextKind::Surname, width)
}

/// A first or middle name cut to `width`.
pub fn given_name(text: &str, width: usize) -> String {
    clean_text(text, TextKind::GivenName, width)
}

/// An address line or city cut to `width`.
pub fn address(text: &str, width: usize) -> String {
    clean_text(text, TextKind::Address, width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_drop_other_characters_and_keep_hyphens() {
        assert_eq!(surname("St. John", 25), "ST JOHN");
        assert_eq!(surname("  van der  Berg ", 25), "VAN DER BERG");
        assert_eq!(surname("O'Brien-Smith", 25), "OBRIEN-SMITH");
        assert_eq!(surname("Müller", 25), "MULLER");
        assert_eq!(surname("Łukasz Ørsted", 25), "LUKASZ ORSTED");
        assert_eq!(given_name("Björn", 20), "BJORN");
        assert_eq!(given_name("Mary Ann", 20), "MARY-ANN");
        assert_eq!(given_name(" Jean  Luc ", 20), "JEAN-LUC");
        assert_eq!(given_name("J.R.", 20), "JR");
        assert_eq!(given_name("Anne-Marie", 20), "ANNE-MARIE");
        assert_eq!(surname("Straße", 25), "STRASSE");
        // Þ is spelled out; the eth ð is not on §1's list (Đ is a different letter), so it is
        // an other character and dropped.
        assert_eq!(surname("Þórðarson", 25), "THORARSON");
    }

    #[test]
    fn a_blank_address_is_what_cleans_to_nothing() {
        for line in [
            "",
            " ",
            " #. ",
            "1 Main St",
            "-",
            "é",
            " ß ",
            "·",
            "\u{301}",
            "Apt #",
            "#/&",
            "\u{2014}",
            "Ünter",
            "  .  -  ",
        ] {
            assert_eq!(
                address_is_blank(line),
                address(line, 32).is_empty(),
                "{line:?}"
            );
        }
    }

    /// The folding of each character, done for every text: what `clean_text` did before ASCII
    /// skipped it.
    fn folded_first(text: &str, kind: TextKind, width: usize) -> String {
        let mut folded = String::new();
        text.chars().for_each(|c| fold_char_into(c, &mut folded));
        let mut out = String::new();
        keep(&folded, kind, width, &mut out);
        out
    }

    proptest::proptest! {
        #[test]
        fn the_ascii_shortcut_and_the_blank_test_agree_with_the_clean_up(
            text in "[ -~]{0,12}|[ a-zA-Z0-9.#éßØ\u{301}\u{2014}-]{0,12}|\\PC{0,8}",
            width in 0usize..40,
        ) {
            for kind in [TextKind::Surname, TextKind::GivenName, TextKind::Address] {
                proptest::prop_assert_eq!(clean_text(&text, kind, width), folded_first(&text, kind, width));
            }
            proptest::prop_assert_eq!(address_is_blank(&text), address(&text, usize::MAX).is_empty());
        }

        /// A reused buffer gets exactly the text on its own after what it held: the leading
        /// trim, the width and the space runs count from where the text starts.
        #[test]
        fn cleaning_into_a_buffer_appends_the_same_text(
            held in "[ A-Z-]{0,6}",
            text in "[ a-zA-Z0-9.#é-]{0,16}|\\PC{0,8}",
            width in 0usize..20,
        ) {
            for kind in [TextKind::Surname, TextKind::GivenName, TextKind::Address] {
                let mut buf = held.clone();
                clean_text_into(&text, kind, width, &mut buf);
                proptest::prop_assert_eq!(buf, format!("{held}{}", clean_text(&text, kind, width)));
            }
        }
    }

    #[test]
    fn a_dropped_character_does_not_leave_a_double_space() {
        assert_eq!(surname("Smith . Jones", 25), "SMITH JONES");
        assert_eq!(given_name("Mary & Ann", 20), "MARY-ANN");
        assert_eq!(surname("...", 25), "");
    }

    #[test]
    fn addresses_turn_other_characters_into_spaces() {
        assert_eq!(
            address("400 N. Main St., Apt #5", 32),
            "400 N MAIN ST APT 5"
        );
        assert_eq!(address("Coeur d'Alene", 20), "COEUR D ALENE");
        assert_eq!(address("12-B Rue de l'Église", 32), "12-B RUE DE L EGLISE");
        assert_eq!(address("PO Box 100\tUnit 4", 32), "PO BOX 100 UNIT 4");
        assert_eq!(address("  ", 32), "");
    }

    #[test]
    fn long_values_are_cut_to_the_field() {
        assert_eq!(
            surname("Wolfeschlegelsteinhausenbergerdorff", 25),
            "WOLFESCHLEGELSTEINHAUSENB"
        );
        assert_eq!(
            address("1234 Extraordinarily Long Boulevard Name", 32).len(),
            32
        );
        assert_eq!(
            given_name("Mary Ann Elizabeth Jo", 20),
            "MARY-ANN-ELIZABETH-J"
        );
    }
}
