//! Consumers' identities: which fields hold them, and how a message or a display hides them.
//!
//! An SSN or a date of birth never appears in a message (errors, findings, logs), whatever its
//! form; human-facing output shows an SSN's last four digits and no date of birth, unless the
//! person asks (`--reveal`). Every place that needs to know goes through here, so the list of
//! fields and the masks are written once.

/// Whether a segment field (`base`, `J1` or `J2`: the keys are the same) holds an identity.
pub fn is_identity(key: &str) -> bool {
    is_ssn(key) || is_date_of_birth(key)
}

/// Whether a key of an input document holds an identity: LoanPro's `ssn` and `birthDate`,
/// and, since a template may read another system's documents or a custom field, any key whose
/// name says SSN, social security, tax id or birth (compared without case). Over-matching only
/// hides a value from a message; under-matching would show it.
pub fn is_identity_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "ssn",
        "socialsecurity",
        "social_security",
        "taxid",
        "tax_id",
        "birth",
        "dob",
    ]
    .iter()
    .any(|w| k.contains(w))
}

/// Whether the field is a social security number.
pub fn is_ssn(key: &str) -> bool {
    key == "social_security_number"
}

/// Whether the field is a date of birth.
pub fn is_date_of_birth(key: &str) -> bool {
    key == "date_of_birth"
}

/// `123456789` → `*****6789`, counted in characters (a damaged field may hold any text). Blank
/// and all-zero values (no SSN) are shown as they are: there is nothing to hide.
pub fn mask_ssn(ssn: &str) -> String {
    if ssn.trim().is_empty() || ssn.chars().all(|c| c == '0') {
        return ssn.to_string();
    }
    let n = ssn.chars().count();
    ssn.chars()
        .enumerate()
        .map(|(i, c)| if i + 4 < n { '*' } else { c })
        .collect()
}

/// A date of birth hidden entirely, one `*` per character; blank and all-zero values (no date)
/// are shown as they are.
pub fn mask_date_of_birth(dob: &str) -> String {
    if dob.trim().is_empty() || dob.chars().all(|c| c == '0') {
        return dob.to_string();
    }
    "*".repeat(dob.chars().count())
}

/// `text` of field `key` as human-facing output shows it: identities masked unless `reveal`.
pub fn mask_field(key: &str, text: &str, reveal: bool) -> String {
    if reveal {
        text.to_string()
    } else if is_ssn(key) {
        mask_ssn(text)
    } else if is_date_of_birth(key) {
        mask_date_of_birth(text)
    } else {
        text.to_string()
    }
}

/// A message about an identity field with the values it quotes hidden: every double-quoted
/// span (as `{:?}` writes a text) that holds a digit has its letters and digits replaced by
/// `*`, so `"1985-04-12" is not a LoanPro date ("/Date(N)/", ...)` becomes `"****-**-**" is
/// not a LoanPro date ("/Date(N)/", ...)`: the reader still sees the value's shape, and the
/// format a message names (no digits) stays readable.
pub fn redact_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..=open]);
        let body = &rest[open + 1..];
        let Some(close) = closing_quote(body) else {
            // An unclosed quote: everything after it is the value.
            out.push_str(&mask_span(body));
            return out;
        };
        let span = &body[..close];
        if span.bytes().any(|b| b.is_ascii_digit()) {
            out.push_str(&mask_span(span));
        } else {
            out.push_str(span);
        }
        out.push('"');
        rest = &body[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The byte index of the quote that ends a `{:?}` text (a backslash escapes the next character).
fn closing_quote(body: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i),
            _ => {}
        }
    }
    None
}

fn mask_span(span: &str) -> String {
    span.chars()
        .map(|c| if c.is_alphanumeric() { '*' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_keys_are_named_as_loanpro_and_others_name_them() {
        for k in [
            "ssn",
            "birthDate",
            "coBorrowerSSN",
            "social_security_number",
            "dob",
            "taxId",
        ] {
            assert!(is_identity_key(k), "{k}");
        }
        for k in ["loanAmount", "contractDate", "lastName", "id", "Phones"] {
            assert!(!is_identity_key(k), "{k}");
        }
    }

    #[test]
    fn ssn_keeps_its_last_four_characters() {
        assert_eq!(mask_ssn("123456789"), "*****6789");
        assert_eq!(mask_ssn("000000000"), "000000000");
        assert_eq!(mask_ssn("         "), "         ");
        assert_eq!(mask_ssn("123"), "123");
        // A damaged field: characters, not bytes (a byte cut would panic here).
        assert_eq!(mask_ssn("338799\u{fffd}10"), "*****9\u{fffd}10");
    }

    #[test]
    fn date_of_birth_is_hidden_entirely() {
        assert_eq!(mask_date_of_birth("04061953"), "********");
        assert_eq!(mask_date_of_birth("1953-04-06"), "**********");
        assert_eq!(mask_date_of_birth("00000000"), "00000000");
        assert_eq!(mask_field("date_of_birth", "04061953", true), "04061953");
        assert_eq!(mask_field("surname", "DOE", false), "DOE");
    }

    #[test]
    fn quoted_values_lose_their_characters_not_their_shape() {
        let m = r#"loanpro_date(): "1985-04-12" is not a LoanPro date ("/Date(N)/", N seconds since 1970)"#;
        assert_eq!(
            redact_quoted(m),
            r#"loanpro_date(): "****-**-**" is not a LoanPro date ("/Date(N)/", N seconds since 1970)"#
        );
        assert_eq!(
            redact_quoted(r#""April 12 \"85\"" x"#),
            r#""***** ** \"**\"" x"#
        );
        assert_eq!(redact_quoted(r#"cut "12345"#), r#"cut "*****"#);
        assert_eq!(redact_quoted("nothing quoted"), "nothing quoted");
    }
}
