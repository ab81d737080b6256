//! The four consumer reporting agencies a Metro 2 file goes to.

/// A bureau.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bureau {
    /// Equifax.
    Equifax,
    /// Experian.
    Experian,
    /// TransUnion.
    TransUnion,
    /// Innovis.
    Innovis,
}

impl Bureau {
    /// Every bureau, in the order their identifiers appear in the header.
    pub const ALL: [Bureau; 4] = [
        Bureau::Innovis,
        Bureau::Equifax,
        Bureau::Experian,
        Bureau::TransUnion,
    ];

    /// The lower-case name used in files, flags and the store.
    pub fn name(self) -> &'static str {
        match self {
            Bureau::Equifax => "equifax",
            Bureau::Experian => "experian",
            Bureau::TransUnion => "transunion",
            Bureau::Innovis => "innovis",
        }
    }

    /// Parses a name, ignoring case, spaces and hyphens ("Trans Union" is TransUnion).
    pub fn parse(text: &str) -> Option<Bureau> {
        let squashed: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
            .flat_map(char::to_lowercase)
            .collect();
        Bureau::ALL.into_iter().find(|b| b.name() == squashed)
    }

    /// The header field that carries this bureau's program identifier.
    pub fn header_field(self) -> &'static str {
        match self {
            Bureau::Equifax => "equifax_program_identifier",
            Bureau::Experian => "experian_program_identifier",
            Bureau::TransUnion => "transunion_program_identifier",
            Bureau::Innovis => "innovis_program_identifier",
        }
    }

    /// The `metro2 connection set` flag that sets this bureau's identifier.
    pub fn flag(self) -> &'static str {
        match self {
            Bureau::Equifax => "--equifax-id",
            Bureau::Experian => "--experian-id",
            Bureau::TransUnion => "--transunion-id",
            Bureau::Innovis => "--innovis-id",
        }
    }
}

impl std::fmt::Display for Bureau {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_loosely() {
        assert_eq!(Bureau::parse("Trans Union"), Some(Bureau::TransUnion));
        assert_eq!(Bureau::parse("EQUIFAX"), Some(Bureau::Equifax));
        assert_eq!(Bureau::parse(" innovis "), Some(Bureau::Innovis));
        assert_eq!(Bureau::parse("equifx"), None);
        assert_eq!(Bureau::parse(""), None);
    }

    #[test]
    fn header_fields_exist_in_the_layout() {
        let header = metro2_engine::SegmentKind::Header.layout();
        for b in Bureau::ALL {
            assert!(header.field(b.header_field()).is_some(), "{b}");
        }
    }
}
