//! A data record: one base segment and its appended segments, in the fixed order the format
//! requires (J1*, J2*, K1, K2, K3, K4, L1, N1).

use crate::layout::SegmentKind;
use crate::segment::Segment;

/// One account's data record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataRecord {
    /// The base segment.
    pub base: Segment,
    /// Associated consumers at the primary's address.
    pub j1: Vec<Segment>,
    /// Associated consumers at another address.
    pub j2: Vec<Segment>,
    /// Original creditor.
    pub k1: Option<Segment>,
    /// Purchased from / sold to.
    pub k2: Option<Segment>,
    /// Mortgage information.
    pub k3: Option<Segment>,
    /// Specialized payment information.
    pub k4: Option<Segment>,
    /// Account number / identification number change.
    pub l1: Option<Segment>,
    /// Employment.
    pub n1: Option<Segment>,
}

impl DataRecord {
    /// A record with a blank base segment and no appended segments.
    pub fn new(base: Segment) -> DataRecord {
        DataRecord {
            base,
            j1: Vec::new(),
            j2: Vec::new(),
            k1: None,
            k2: None,
            k3: None,
            k4: None,
            l1: None,
            n1: None,
        }
    }

    /// The appended segments, in the order they are written.
    pub fn appended(&self) -> impl Iterator<Item = &Segment> {
        self.j1
            .iter()
            .chain(self.j2.iter())
            .chain(self.k1.iter())
            .chain(self.k2.iter())
            .chain(self.k3.iter())
            .chain(self.k4.iter())
            .chain(self.l1.iter())
            .chain(self.n1.iter())
    }

    /// Every segment, base first, in the order they are written.
    pub fn segments(&self) -> impl Iterator<Item = &Segment> {
        std::iter::once(&self.base).chain(self.appended())
    }

    /// Adds an appended segment in its place. A second K1..N1 replaces the first.
    pub fn push(&mut self, segment: Segment) {
        match segment.kind() {
            SegmentKind::J1 => self.j1.push(segment),
            SegmentKind::J2 => self.j2.push(segment),
            SegmentKind::K1 => self.k1 = Some(segment),
            SegmentKind::K2 => self.k2 = Some(segment),
            SegmentKind::K3 => self.k3 = Some(segment),
            SegmentKind::K4 => self.k4 = Some(segment),
            SegmentKind::L1 => self.l1 = Some(segment),
            SegmentKind::N1 => self.n1 = Some(segment),
            SegmentKind::Base => self.base = segment,
            SegmentKind::Header | SegmentKind::Trailer => {}
        }
    }

    /// The record's length in bytes: the value of its record descriptor word.
    pub fn len(&self) -> usize {
        self.segments().map(|s| s.as_bytes().len()).sum()
    }

    /// Whether the record is empty (never: a record always has its base segment).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Writes the record descriptor word from the segments actually present.
    pub fn set_rdw(&mut self) {
        let len = self.len();
        write_rdw(len, self.base.as_bytes_mut());
    }
}

/// Writes `len` as the 4-digit record descriptor word at the start of `bytes`.
pub fn write_rdw(len: usize, bytes: &mut [u8]) {
    let mut v = len;
    for b in bytes[..4].iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rdw_counts_the_segments_present() {
        let mut r = DataRecord::new(Segment::blank(SegmentKind::Base));
        r.push(Segment::blank(SegmentKind::J2));
        r.push(Segment::blank(SegmentKind::K1));
        r.set_rdw();
        assert_eq!(&r.base.as_bytes()[..4], b"0660");
        let kinds: Vec<_> = r.segments().map(|s| s.kind()).collect();
        assert_eq!(kinds, [SegmentKind::Base, SegmentKind::J2, SegmentKind::K1]);
    }
}
