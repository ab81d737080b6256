//! The header record, built from a connection's settings.
//!
//! A missing or unusable setting is an error that names the setting and the
//! `metro2 connection set` flag that fixes it, so an operator never has to guess.

use chrono::NaiveDate;
use metro2_engine::{FieldValue, Segment, SegmentKind};

use super::bureau::Bureau;

/// Which bureaus a file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// One file carrying every configured program identifier.
    All,
    /// A file for one bureau: its identifier only.
    One(Bureau),
}

impl Target {
    /// The bureaus whose identifiers the header carries.
    pub fn bureaus(self) -> Vec<Bureau> {
        match self {
            Target::All => Bureau::ALL.to_vec(),
            Target::One(b) => vec![b],
        }
    }
}

/// The connection settings the header is made of (borrowed from the stored connection).
#[derive(Debug, Clone, Default)]
pub struct HeaderSettings<'a> {
    /// The connection's name, for messages.
    pub connection: &'a str,
    /// Equifax program identifier.
    pub equifax_id: Option<&'a str>,
    /// Experian program identifier.
    pub experian_id: Option<&'a str>,
    /// TransUnion program identifier.
    pub transunion_id: Option<&'a str>,
    /// Innovis program identifier.
    pub innovis_id: Option<&'a str>,
    /// Reporter name.
    pub reporter_name: Option<&'a str>,
    /// Reporter address (street, city, state, ZIP in one line).
    pub reporter_address: Option<&'a str>,
    /// Reporter telephone.
    pub reporter_phone: Option<&'a str>,
}

impl<'a> HeaderSettings<'a> {
    /// The configured identifier of a bureau (blank counts as absent).
    pub fn program_id(&self, bureau: Bureau) -> Option<&'a str> {
        let id = match bureau {
            Bureau::Equifax => self.equifax_id,
            Bureau::Experian => self.experian_id,
            Bureau::TransUnion => self.transunion_id,
            Bureau::Innovis => self.innovis_id,
        };
        id.map(str::trim).filter(|s| !s.is_empty())
    }
}

/// A header setting that is missing or cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// The setting is not set.
    #[error("connection {connection:?} has no {setting}, which the header needs; set it with `metro2 connection set {connection} {flag} VALUE`")]
    Missing {
        /// The connection.
        connection: String,
        /// The setting, in words.
        setting: String,
        /// The flag(s) that set it.
        flag: String,
    },
    /// The setting is set but does not fit its header field.
    #[error("connection {connection:?}: the {setting} {problem}; change it with `metro2 connection set {connection} {flag} VALUE`")]
    Invalid {
        /// The connection.
        connection: String,
        /// The setting, in words.
        setting: String,
        /// What is wrong (never the value of a secret: these settings are not secret).
        problem: String,
        /// The flag that sets it.
        flag: String,
    },
}

/// Every header setting that is missing or unusable, at least one. With one, it reads as that
/// one; with several, as a list followed by one command that sets them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderErrors(pub Vec<HeaderError>);

impl std::fmt::Display for HeaderErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [first, rest @ ..] = self.0.as_slice() else {
            return f.write_str("the header settings are unusable");
        };
        if rest.is_empty() {
            return write!(f, "{first}");
        }
        let connection = match first {
            HeaderError::Missing { connection, .. } | HeaderError::Invalid { connection, .. } => {
                connection
            }
        };
        writeln!(
            f,
            "connection {connection:?} lacks {} header settings:",
            self.0.len()
        )?;
        let mut flags = Vec::new();
        for e in &self.0 {
            writeln!(f, "  {e}")?;
            let flag = match e {
                HeaderError::Missing { flag, .. } | HeaderError::Invalid { flag, .. } => flag,
            };
            // "--a|--b" offers a choice: the combined command takes the first.
            let flag = flag.split('|').next().unwrap_or(flag);
            flags.push(format!("{flag} VALUE"));
        }
        write!(
            f,
            "set them all at once: `metro2 connection set {connection} {}`",
            flags.join(" ")
        )
    }
}

impl std::error::Error for HeaderErrors {}

/// The software vendor name written into the header.
pub const SOFTWARE_VENDOR: &str = "METRO2";

/// Builds the header for `target`. `activity_date` is the most recent date of account
/// information among the records; `date_created` is today.
pub fn build(
    s: &HeaderSettings<'_>,
    target: Target,
    activity_date: NaiveDate,
    date_created: NaiveDate,
) -> Result<Segment, HeaderErrors> {
    let conn = s.connection.to_string();
    let missing = |setting: &str, flag: &str| HeaderError::Missing {
        connection: conn.clone(),
        setting: setting.to_string(),
        flag: flag.to_string(),
    };
    let invalid = |setting: &str, problem: String, flag: &str| HeaderError::Invalid {
        connection: conn.clone(),
        setting: setting.to_string(),
        problem,
        flag: flag.to_string(),
    };
    let mut h = Segment::blank(SegmentKind::Header);
    // Every problem is collected before failing, so that setup takes one attempt, not one per
    // missing setting.
    let mut problems = Vec::new();
    let mut any_id = false;
    for bureau in target.bureaus() {
        let Some(id) = s.program_id(bureau) else {
            if let Target::One(_) = target {
                problems.push(missing(&id_setting(bureau), bureau.flag()));
            }
            continue;
        };
        any_id = true;
        if let Err(e) = h.set_key(bureau.header_field(), &FieldValue::Text(id)) {
            problems.push(invalid(
                &id_setting(bureau),
                field_problem(&e),
                bureau.flag(),
            ));
        }
    }
    if !any_id && target == Target::All {
        problems.push(missing(
            "bureau program identifier (at least one)",
            "--equifax-id|--experian-id|--transunion-id|--innovis-id",
        ));
    }
    for (key, setting, flag, value) in [
        (
            "reporter_name",
            "reporter name",
            "--reporter-name",
            s.reporter_name,
        ),
        (
            "reporter_address",
            "reporter address",
            "--reporter-address",
            s.reporter_address,
        ),
    ] {
        match text(value) {
            None => problems.push(missing(setting, flag)),
            Some(v) => {
                if let Err(e) = h.set_key(key, &FieldValue::Text(v)) {
                    problems.push(invalid(setting, field_problem(&e), flag));
                }
            }
        }
    }
    match text(s.reporter_phone).map(phone_digits) {
        None => problems.push(missing("reporter telephone", "--reporter-phone")),
        Some(None) => problems.push(invalid(
            "reporter telephone",
            "is not a 10-digit US telephone number (area code and number)".to_string(),
            "--reporter-phone",
        )),
        Some(Some(digits)) => h
            .set_key("reporter_telephone_number", &FieldValue::Text(&digits))
            .expect("ten digits fit the ten-digit telephone field"),
    }
    if !problems.is_empty() {
        return Err(HeaderErrors(problems));
    }
    h.set_key("activity_date", &FieldValue::Date(activity_date))
        .expect("a date fits a date field");
    h.set_key("date_created", &FieldValue::Date(date_created))
        .expect("a date fits a date field");
    h.set_key("software_vendor_name", &FieldValue::Text(SOFTWARE_VENDOR))
        .expect("the vendor name fits");
    let version: String = env!("CARGO_PKG_VERSION").chars().take(5).collect();
    h.set_key("software_version_number", &FieldValue::Text(&version))
        .expect("five characters fit");
    Ok(h)
}

fn text(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn id_setting(b: Bureau) -> String {
    let title = match b {
        Bureau::Equifax => "Equifax",
        Bureau::Experian => "Experian",
        Bureau::TransUnion => "TransUnion",
        Bureau::Innovis => "Innovis",
    };
    format!("{title} program identifier")
}

fn field_problem(e: &metro2_engine::FieldError) -> String {
    match e {
        metro2_engine::FieldError::TooWide { need, width, .. } => {
            format!("is {need} characters; the header field holds {width}")
        }
        metro2_engine::FieldError::BadCharacter(_) => {
            "holds a character outside printable ASCII".to_string()
        }
        other => other.to_string(),
    }
}

/// The ten digits of a US telephone number written any common way (`(512) 555-0100`,
/// `+1 512 555 0100`), or `None`.
pub fn phone_digits(text: &str) -> Option<String> {
    if !text
        .chars()
        .all(|c| c.is_ascii_digit() || " ()-.+".contains(c))
    {
        return None;
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    match digits.len() {
        10 => Some(digits),
        11 if digits.starts_with('1') => Some(digits[1..].to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> HeaderSettings<'static> {
        HeaderSettings {
            connection: "acme",
            equifax_id: Some("EQ12345"),
            experian_id: Some("EX123"),
            transunion_id: Some("TU987"),
            innovis_id: None,
            reporter_name: Some("Acme Lending"),
            reporter_address: Some("1 Main St, Austin, TX 78701"),
            reporter_phone: Some("(512) 555-0100"),
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn header_bytes() {
        let h = build(&settings(), Target::All, d(2026, 10, 31), d(2026, 11, 2)).unwrap();
        let b = std::str::from_utf8(h.as_bytes()).unwrap();
        assert_eq!(b.len(), 426);
        assert_eq!(&b[0..10], "0426HEADER");
        assert_eq!(&b[12..22], "          ", "innovis blank");
        assert_eq!(&b[22..32], "EQ12345   ");
        assert_eq!(&b[32..37], "EX123");
        assert_eq!(&b[37..47], "TU987     ");
        assert_eq!(&b[47..55], "10312026");
        assert_eq!(&b[55..63], "11022026");
        assert_eq!(&b[79..119], format!("{:<40}", "ACME LENDING"));
        assert_eq!(&b[215..225], "5125550100");
        assert_eq!(&b[225..231], "METRO2");
    }

    #[test]
    fn one_bureau_carries_its_identifier_only() {
        let h = build(
            &settings(),
            Target::One(Bureau::Experian),
            d(2026, 10, 31),
            d(2026, 11, 2),
        )
        .unwrap();
        let b = std::str::from_utf8(h.as_bytes()).unwrap();
        assert_eq!(&b[12..32], " ".repeat(20));
        assert_eq!(&b[32..37], "EX123");
        assert_eq!(&b[37..47], " ".repeat(10));
    }

    #[test]
    fn missing_settings_name_the_flag() {
        let e = build(
            &settings(),
            Target::One(Bureau::Innovis),
            d(2026, 10, 31),
            d(2026, 11, 2),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "connection \"acme\" has no Innovis program identifier, which the header needs; set it with `metro2 connection set acme --innovis-id VALUE`"
        );
        let mut s = settings();
        s.reporter_address = Some("  ");
        let e = build(&s, Target::All, d(2026, 10, 31), d(2026, 11, 2)).unwrap_err();
        assert!(e.to_string().contains("--reporter-address"), "{e}");
        let e = build(
            &HeaderSettings {
                connection: "acme",
                ..HeaderSettings::default()
            },
            Target::All,
            d(2026, 10, 31),
            d(2026, 11, 2),
        )
        .unwrap_err();
        let text = e.to_string();
        for flag in [
            "--equifax-id",
            "--reporter-name",
            "--reporter-address",
            "--reporter-phone",
        ] {
            assert!(
                text.contains(&format!("metro2 connection set acme {flag}")),
                "{text}"
            );
        }
        assert!(text.contains("at least one"), "{text}");
        assert!(text.contains("lacks 4 header settings"), "{text}");
        assert!(
            text.contains(
                "set them all at once: `metro2 connection set acme --equifax-id VALUE \
                 --reporter-name VALUE --reporter-address VALUE --reporter-phone VALUE`"
            ),
            "{text}"
        );
    }

    #[test]
    fn unusable_settings_say_why() {
        let mut s = settings();
        s.experian_id = Some("EX12345");
        let e = build(&s, Target::All, d(2026, 10, 31), d(2026, 11, 2)).unwrap_err();
        assert!(
            e.to_string()
                .contains("Experian program identifier is 7 characters; the header field holds 5"),
            "{e}"
        );
        s.experian_id = Some("EX123");
        s.reporter_phone = Some("555-0100");
        let e = build(&s, Target::All, d(2026, 10, 31), d(2026, 11, 2)).unwrap_err();
        assert!(e.to_string().contains("10-digit"), "{e}");
    }

    #[test]
    fn phone_numbers() {
        assert_eq!(phone_digits("512.555.0100").as_deref(), Some("5125550100"));
        assert_eq!(
            phone_digits("+1 512 555 0100").as_deref(),
            Some("5125550100")
        );
        assert_eq!(phone_digits("512555010"), None);
        assert_eq!(phone_digits("512-555-01OO"), None);
    }
}
