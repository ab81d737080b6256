//! Identifiers and codes of a loan and its consumers (derivations.md §1 and §8).

/// `consumer_account_number`: `displayId` upper-cased with every character other than A–Z and
/// 0–9 removed (`"LN-000123"` → `LN000123`). Letters are not folded: an accented letter is not
/// A–Z and is removed like any other character.
pub fn account_number(display_id: &str) -> String {
    let mut out = String::with_capacity(display_id.len());
    alnum_into(display_id, &mut out);
    out
}

/// The ASCII letters and digits of `s`, upper-cased, appended to `buf` (the `alnum` built-in).
pub fn alnum_into(s: &str, buf: &mut String) {
    buf.extend(
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase()),
    )
}

/// The ASCII digits of `s`, appended to `buf` (the `digits` built-in).
pub fn digits_into(s: &str, buf: &mut String) {
    buf.extend(s.chars().filter(char::is_ascii_digit))
}

/// The ASCII digits of `text`, in one allocation (a filtered `collect` grows its string
/// several times; these run per consumer).
fn ascii_digits(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    digits_into(text, &mut out);
    out
}

/// The part of a LoanPro enumeration value after its prefix (`"geo.state.CA"` with
/// `"geo.state."` → `"CA"`); `None` when the text does not start with the prefix.
pub fn code_after<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    text.strip_prefix(prefix)
}

/// `state`: `geo.state.XX` → `XX` when XX is two letters, blank otherwise.
pub fn state(text: &str) -> String {
    match code_after(text, "geo.state.") {
        Some(s) if s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()) => {
            s.to_ascii_uppercase()
        }
        _ => String::new(),
    }
}

/// `postal_code`: the ZIP's digits when there are 5 or 9 of them, blank otherwise.
pub fn zip(text: &str) -> String {
    let digits = ascii_digits(text);
    if matches!(digits.len(), 5 | 9) {
        digits
    } else {
        String::new()
    }
}

/// `country_code`: `US` for `company.country.usa`, blank otherwise.
pub fn country(text: &str) -> &'static str {
    if text == "company.country.usa" {
        "US"
    } else {
        ""
    }
}

/// `telephone_number`: the phone's digits when there are 10, or 11 beginning with the country
/// code 1 (dropped); `None` (zeros) otherwise.
pub fn phone(text: &str) -> Option<String> {
    let mut digits = ascii_digits(text);
    match digits.len() {
        10 => Some(digits),
        11 if digits.starts_with('1') => {
            digits.remove(0);
            Some(digits)
        }
        _ => None,
    }
}

/// `generation_code` from `customer.generationCode.X`: `jr` → J, `sr` → S, `ii`…`ix` → 2…9,
/// blank otherwise (`none`, unknown, missing). The prefix is optional.
pub fn generation_code(text: &str) -> &'static str {
    let code = code_after(text, "customer.generationCode.").unwrap_or(text);
    match code {
        "jr" => "J",
        "sr" => "S",
        "ii" => "2",
        "iii" => "3",
        "iv" => "4",
        "v" => "5",
        "vi" => "6",
        "vii" => "7",
        "viii" => "8",
        "ix" => "9",
        _ => "",
    }
}

/// An explicit ECOA code from `loan.ecoacodes.X`: X, or `None` when it is not set (`0`, `""`,
/// or a text without the prefix, which LoanPro never sends).
pub fn ecoa_code(text: &str) -> Option<&str> {
    match code_after(text, "loan.ecoacodes.") {
        Some("0") | Some("") | None => None,
        Some(x) => Some(x),
    }
}

/// The ECOA code of a consumer: the explicit code when set, else `1` (individual) for a primary
/// on a loan without secondary customers and `2` (joint) for everyone else.
pub fn ecoa_or_default(explicit: Option<&str>, primary: bool, has_secondary: bool) -> String {
    match explicit {
        Some(x) => x.to_string(),
        None if primary && !has_secondary => "1".to_string(),
        None => "2".to_string(),
    }
}

/// `social_security_number`: the value when it is exactly nine digit characters forming a
/// number the SSA can issue (area not 000, 666 or 900–999; group not 00; serial not 0000);
/// `None` (zeros) otherwise: ITINs (9xx) and made-up numbers are not SSNs.
pub fn ssn(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    if b.len() != 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let area = &text[0..3];
    let valid = area != "000"
        && area != "666"
        && b[0] != b'9'
        && &text[3..5] != "00"
        && &text[5..9] != "0000";
    valid.then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_numbers_keep_only_a_z_and_digits() {
        assert_eq!(account_number("LN-000123"), "LN000123");
        assert_eq!(account_number("ab 12/c"), "AB12C");
        assert_eq!(account_number("Ñ-1"), "1");
    }

    #[test]
    fn states_zips_and_countries() {
        assert_eq!(state("geo.state.CA"), "CA");
        assert_eq!(state("geo.state.tx"), "TX");
        assert_eq!(state("CA"), "");
        assert_eq!(state("geo.state.CAL"), "");
        assert_eq!(state(""), "");
        assert_eq!(zip("83814"), "83814");
        assert_eq!(zip("80202-1234"), "802021234");
        assert_eq!(zip("8021"), "");
        assert_eq!(zip("802021"), "");
        assert_eq!(zip("K1A 0B1"), "");
        assert_eq!(country("company.country.usa"), "US");
        assert_eq!(country("company.country.can"), "");
    }

    #[test]
    fn phones_need_ten_digits_or_eleven_starting_with_1() {
        assert_eq!(phone("(512) 555-0100").as_deref(), Some("5125550100"));
        assert_eq!(phone("+1 512 555 0100").as_deref(), Some("5125550100"));
        assert_eq!(phone("25125550100"), None);
        assert_eq!(phone("555-0100"), None);
        assert_eq!(phone(""), None);
    }

    #[test]
    fn generation_codes() {
        let cases = [
            ("customer.generationCode.jr", "J"),
            ("customer.generationCode.sr", "S"),
            ("customer.generationCode.ii", "2"),
            ("customer.generationCode.iii", "3"),
            ("customer.generationCode.iv", "4"),
            ("customer.generationCode.v", "5"),
            ("customer.generationCode.vi", "6"),
            ("customer.generationCode.vii", "7"),
            ("customer.generationCode.viii", "8"),
            ("customer.generationCode.ix", "9"),
            ("customer.generationCode.none", ""),
            ("customer.generationCode.x", ""),
            ("", ""),
        ];
        for (text, code) in cases {
            assert_eq!(generation_code(text), code, "{text}");
        }
    }

    #[test]
    fn ecoa_codes_and_defaults() {
        assert_eq!(ecoa_code("loan.ecoacodes.2"), Some("2"));
        assert_eq!(ecoa_code("loan.ecoacodes.Z"), Some("Z"));
        assert_eq!(ecoa_code("loan.ecoacodes.0"), None);
        assert_eq!(ecoa_code(""), None);
        assert_eq!(ecoa_or_default(None, true, false), "1");
        assert_eq!(ecoa_or_default(None, true, true), "2");
        assert_eq!(ecoa_or_default(None, false, true), "2");
        assert_eq!(ecoa_or_default(Some("7"), true, false), "7");
    }

    #[test]
    fn only_issuable_ssns_are_kept() {
        assert_eq!(ssn("652186018"), Some("652186018"));
        for bad in [
            "12345",
            "000123456",
            "666123456",
            "900123456",
            "987654321",
            "123004567",
            "123450000",
            "123-45-6789",
            "12345678a",
            "1234567890",
            "",
        ] {
            assert_eq!(ssn(bad), None, "{bad}");
        }
    }
}
