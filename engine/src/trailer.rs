//! The trailer's totals, accumulated record by record, so that the writer and the validator
//! compute them the same way.
//!
//! Counting rules (trailer.tsv): segments that are only placeholders (identifier then blanks,
//! as fixed-length files carry them) are not counted; SSNs count when they are nine digits and
//! neither all zeros nor all nines; dates of birth and telephone numbers count when they are not
//! zero-filled.

use crate::layout::{Field, SegmentKind};
use crate::record::DataRecord;
use crate::segment::Segment;

/// The trailer counters, in trailer order (everything but the RDW, identifier, block count and
/// reserved space).
pub const COUNTERS: [&str; 42] = [
    "total_base_records",
    "total_status_df",
    "total_j1_segments",
    "total_j2_segments",
    "total_status_da",
    "total_status_05",
    "total_status_11",
    "total_status_13",
    "total_status_61",
    "total_status_62",
    "total_status_63",
    "total_status_64",
    "total_status_65",
    "total_status_71",
    "total_status_78",
    "total_status_80",
    "total_status_82",
    "total_status_83",
    "total_status_84",
    "total_status_88",
    "total_status_89",
    "total_status_93",
    "total_status_94",
    "total_status_95",
    "total_status_96",
    "total_status_97",
    "total_ecoa_z",
    "total_n1_segments",
    "total_k1_segments",
    "total_k2_segments",
    "total_k3_segments",
    "total_k4_segments",
    "total_l1_segments",
    "total_ssn_all",
    "total_ssn_base",
    "total_ssn_j1",
    "total_ssn_j2",
    "total_dob_all",
    "total_dob_base",
    "total_dob_j1",
    "total_dob_j2",
    "total_telephone_all",
];

const BASE: usize = 0;
const DF: usize = 1;
const J1: usize = 2;
const J2: usize = 3;
const ECOA_Z: usize = 26;
const N1: usize = 27;
const K1: usize = 28;
const SSN_ALL: usize = 33;
const DOB_ALL: usize = 37;
const PHONE: usize = 41;

/// The statuses with a counter, and the counter's index.
const STATUS_COUNTERS: [(&[u8; 2], usize); 23] = [
    (b"DF", DF),
    (b"DA", 4),
    (b"05", 5),
    (b"11", 6),
    (b"13", 7),
    (b"61", 8),
    (b"62", 9),
    (b"63", 10),
    (b"64", 11),
    (b"65", 12),
    (b"71", 13),
    (b"78", 14),
    (b"80", 15),
    (b"82", 16),
    (b"83", 17),
    (b"84", 18),
    (b"88", 19),
    (b"89", 20),
    (b"93", 21),
    (b"94", 22),
    (b"95", 23),
    (b"96", 24),
    (b"97", 25),
];

/// Running totals of the records of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    counts: [u64; 42],
    /// The number of blocks (variable-blocked files) or physical records (fixed files) in the
    /// file; set by whoever knows the blocking.
    pub block_count: u64,
}

/// Byte offsets of the person fields in base, J1 and J2, resolved once.
struct PersonFields {
    ssn: std::ops::Range<usize>,
    dob: std::ops::Range<usize>,
    phone: std::ops::Range<usize>,
    ecoa: usize,
}

fn person(kind: SegmentKind) -> PersonFields {
    let l = kind.layout();
    let r = |k: &str| l.field(k).map(Field::range).unwrap_or(0..0);
    PersonFields {
        ssn: r("social_security_number"),
        dob: r("date_of_birth"),
        phone: r("telephone_number"),
        ecoa: r("ecoa_code").start,
    }
}

static PERSON: std::sync::LazyLock<[PersonFields; 3]> = std::sync::LazyLock::new(|| {
    [
        person(SegmentKind::Base),
        person(SegmentKind::J1),
        person(SegmentKind::J2),
    ]
});

/// Whether an appended segment is only a placeholder: its identifier followed by blanks (or
/// nines, or the layout's own blank value), which fixed-length files carry for absent segments.
pub fn is_placeholder(kind: SegmentKind, bytes: &[u8]) -> bool {
    if kind.identifier().is_none() || bytes.len() < 2 {
        return false;
    }
    let rest = &bytes[2..];
    rest.iter().all(|b| *b == b' ')
        || rest.iter().all(|b| *b == b'9')
        || BLANKS
            .iter()
            .any(|(k, blank)| *k == kind && rest == &blank[2..])
}

/// Each appended segment's layout blank, built once (the check runs on every segment).
static BLANKS: std::sync::LazyLock<Vec<(SegmentKind, Vec<u8>)>> = std::sync::LazyLock::new(|| {
    SegmentKind::APPENDED
        .into_iter()
        .map(|k| (k, k.layout().blank()))
        .collect()
});

fn counts_as_ssn(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_digit)
        && !b.iter().all(|c| *c == b'0')
        && !b.iter().all(|c| *c == b'9')
}

fn not_zero_filled(b: &[u8]) -> bool {
    !b.iter().all(|c| *c == b'0' || *c == b' ')
}

impl Default for Totals {
    fn default() -> Totals {
        Totals {
            counts: [0; 42],
            block_count: 0,
        }
    }
}

impl Totals {
    /// No records yet.
    pub fn new() -> Totals {
        Totals::default()
    }

    /// Counts one data record.
    pub fn add(&mut self, record: &DataRecord) {
        for s in record.segments() {
            self.add_segment(s.kind(), s.as_bytes());
        }
    }

    /// Counts one segment of a data record given by its bytes (base or appended). The
    /// validator calls this straight on a file's bytes.
    pub fn add_segment(&mut self, kind: SegmentKind, bytes: &[u8]) {
        if bytes.len() < kind.byte_len() {
            return;
        }
        let c = &mut self.counts;
        let person_slot = match kind {
            SegmentKind::Base => {
                c[BASE] += 1;
                let status = &bytes[123..125];
                if let Some((_, i)) = STATUS_COUNTERS.iter().find(|(s, _)| s.as_slice() == status) {
                    c[*i] += 1;
                }
                Some(0)
            }
            SegmentKind::J1 | SegmentKind::J2 if is_placeholder(kind, bytes) => None,
            SegmentKind::J1 => {
                c[J1] += 1;
                Some(1)
            }
            SegmentKind::J2 => {
                c[J2] += 1;
                Some(2)
            }
            SegmentKind::Header | SegmentKind::Trailer => None,
            k => {
                if !is_placeholder(k, bytes) {
                    let i = match k {
                        SegmentKind::N1 => N1,
                        SegmentKind::K1 => K1,
                        SegmentKind::K2 => K1 + 1,
                        SegmentKind::K3 => K1 + 2,
                        SegmentKind::K4 => K1 + 3,
                        _ => K1 + 4,
                    };
                    c[i] += 1;
                }
                None
            }
        };
        if let Some(slot) = person_slot {
            let p = &PERSON[slot];
            if bytes[p.ecoa] == b'Z' {
                c[ECOA_Z] += 1;
            }
            if counts_as_ssn(&bytes[p.ssn.clone()]) {
                c[SSN_ALL] += 1;
                c[SSN_ALL + 1 + slot] += 1;
            }
            if not_zero_filled(&bytes[p.dob.clone()]) {
                c[DOB_ALL] += 1;
                c[DOB_ALL + 1 + slot] += 1;
            }
            if not_zero_filled(&bytes[p.phone.clone()]) {
                c[PHONE] += 1;
            }
        }
    }

    /// The value of a counter by its trailer key (`total_status_11`), or the block count.
    pub fn get(&self, key: &str) -> Option<u64> {
        if key == "block_count" {
            return Some(self.block_count);
        }
        COUNTERS
            .iter()
            .position(|k| *k == key)
            .map(|i| self.counts[i])
    }

    /// The number of data records counted.
    pub fn base_records(&self) -> u64 {
        self.counts[BASE]
    }

    /// Every counter with its key, in trailer order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        COUNTERS.iter().copied().zip(self.counts.iter().copied())
    }

    /// The trailer record for these totals. Reserved space is blank-filled (the moov-io
    /// samples blank the last reserved field too, though the reference types it N).
    pub fn to_segment(&self) -> Segment {
        let mut t = Segment::blank(SegmentKind::Trailer);
        let layout = SegmentKind::Trailer.layout();
        for f in &layout.fields {
            if f.is_reserved() {
                t.as_bytes_mut()[f.range()].fill(b' ');
            }
        }
        let put = |t: &mut Segment, key: &str, v: u64| {
            if let Some(f) = layout.field(key) {
                let out = &mut t.as_bytes_mut()[f.range()];
                let mut v = v;
                for b in out.iter_mut().rev() {
                    *b = b'0' + (v % 10) as u8;
                    v /= 10;
                }
            }
        };
        for (k, v) in self.iter() {
            put(&mut t, k, v);
        }
        put(&mut t, "block_count", self.block_count);
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::FieldValue;

    #[test]
    fn counters_are_every_trailer_count_field() {
        let layout = SegmentKind::Trailer.layout();
        let want: Vec<&str> = layout
            .fields
            .iter()
            .filter(|f| f.key.starts_with("total_"))
            .map(|f| f.key)
            .collect();
        assert_eq!(want, COUNTERS.to_vec());
        assert_eq!(COUNTERS[PHONE], "total_telephone_all");
        assert_eq!(COUNTERS[ECOA_Z], "total_ecoa_z");
        assert_eq!(COUNTERS[N1], "total_n1_segments");
        assert_eq!(COUNTERS[K1 + 4], "total_l1_segments");
        for (s, i) in &STATUS_COUNTERS {
            assert_eq!(
                COUNTERS[*i],
                format!(
                    "total_status_{}",
                    String::from_utf8_lossy(*s).to_lowercase()
                )
            );
        }
    }

    #[test]
    fn counts_statuses_people_and_segments_but_not_placeholders() {
        let mut base = Segment::blank(SegmentKind::Base);
        base.set_key("account_status", &FieldValue::Text("97"))
            .unwrap();
        base.set_key("social_security_number", &FieldValue::Text("123456789"))
            .unwrap();
        base.set_key("ecoa_code", &FieldValue::Text("Z")).unwrap();
        let mut r = DataRecord::new(base);
        let mut j1 = Segment::blank(SegmentKind::J1);
        j1.set_key("surname", &FieldValue::Text("DOE")).unwrap();
        j1.set_key("social_security_number", &FieldValue::Text("999999999"))
            .unwrap();
        j1.set_key("telephone_number", &FieldValue::Int(5551234567))
            .unwrap();
        r.push(j1);
        r.push(Segment::blank(SegmentKind::J2));
        r.push(Segment::blank(SegmentKind::K1));
        let mut t = Totals::new();
        t.add(&r);
        t.add(&r);
        assert_eq!(t.get("total_base_records"), Some(2));
        assert_eq!(t.get("total_status_97"), Some(2));
        assert_eq!(t.get("total_ecoa_z"), Some(2));
        assert_eq!(t.get("total_ssn_all"), Some(2));
        assert_eq!(t.get("total_ssn_j1"), Some(0));
        assert_eq!(t.get("total_j1_segments"), Some(2));
        assert_eq!(t.get("total_j2_segments"), Some(0));
        assert_eq!(t.get("total_k1_segments"), Some(0));
        assert_eq!(t.get("total_telephone_all"), Some(2));
        let seg = t.to_segment();
        assert_eq!(seg.get("total_status_97").as_deref(), Some("000000002"));
        assert_eq!(
            seg.get("reserved_2").as_deref(),
            Some("                   ")
        );
        assert_eq!(&seg.as_bytes()[..11], b"0426TRAILER");
    }
}
