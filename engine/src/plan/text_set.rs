//! The texts of an `in [...]` test whose members are all texts (`status in ["13", "61", ...]`).

/// The members, each packed with its length into a `u64` when every one has at most seven
/// bytes (a status or rating code): a value is then found by comparing integers, where
/// comparing strings called `memcmp` once per member of the same length (about 125 calls a
/// loan in the LoanPro preset's rules and fields). Longer members are compared as strings.
pub(super) enum TextSet {
    /// Every member packed by [`pack`].
    Short(Box<[u64]>),
    /// A member longer than seven bytes: the strings.
    Long(Box<[Box<str>]>),
}

impl TextSet {
    /// The set of `members`.
    pub(super) fn new(members: &[&str]) -> TextSet {
        match members.iter().map(|m| pack(m)).collect() {
            Some(packed) => TextSet::Short(packed),
            None => TextSet::Long(members.iter().map(|&m| Box::from(m)).collect()),
        }
    }

    /// Whether `t` is one of the members.
    #[inline]
    pub(super) fn contains(&self, t: &str) -> bool {
        match self {
            // A text too long to pack is longer than every member.
            TextSet::Short(packed) => pack(t).is_some_and(|p| packed.contains(&p)),
            TextSet::Long(texts) => texts.iter().any(|s| **s == *t),
        }
    }
}

/// A text of at most seven bytes as one integer: its bytes, then zeros, then its length in the
/// last byte, so two texts pack to the same integer exactly when they are equal (a text ending
/// in NUL bytes differs from a shorter one by its length).
#[inline]
fn pack(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() > 7 {
        return None;
    }
    let mut buf = [0u8; 8];
    buf[..b.len()].copy_from_slice(b);
    buf[7] = b.len() as u8;
    Some(u64::from_le_bytes(buf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_are_found_and_near_misses_are_not() {
        let set = TextSet::new(&["13", "61", "DA", ""]);
        assert!(matches!(set, TextSet::Short(_)));
        for t in ["13", "61", "DA", ""] {
            assert!(set.contains(t), "{t:?}");
        }
        for t in ["1", "130", "da", "13\0", "\0", "61 ", "DADADADADA"] {
            assert!(!set.contains(t), "{t:?}");
        }
        let long = TextSet::new(&["13", "a long member"]);
        assert!(matches!(long, TextSet::Long(_)));
        assert!(long.contains("13") && long.contains("a long member") && !long.contains("a long"));
    }

    proptest! {
        #[test]
        fn membership_is_string_equality(
            members in proptest::collection::vec("[a-c\\x00é]{0,9}", 0..6),
            t in "[a-c\\x00é]{0,9}",
        ) {
            let refs: Vec<&str> = members.iter().map(String::as_str).collect();
            let set = TextSet::new(&refs);
            prop_assert_eq!(set.contains(&t), members.contains(&t));
        }
    }
}
