//! Arbitrary bytes never make the reader or the validator panic, and every finding points
//! inside the input.

mod common;

use metro2_engine::reader::{read_file, Records};
use metro2_engine::validate::validate_file;
use proptest::prelude::*;

fn check(bytes: &[u8]) {
    // Every item moves the reader on, so a bounded input gives a bounded number of items (a
    // reader stuck on one place would otherwise fill memory before any assertion ran).
    let bound = 2 * bytes.len() + 16;
    let items = Records::new(bytes).take(bound + 1).count();
    assert!(items <= bound, "{items} items from {} bytes", bytes.len());
    let r = read_file(bytes);
    let f = validate_file(bytes);
    for x in r.findings.iter().chain(&f) {
        assert!(x.offset <= bytes.len(), "{x:?} beyond {}", bytes.len());
        assert!(!x.message.is_empty());
    }
    assert!(Records::new(bytes).count() >= r.records.len());
}

#[test]
fn a_short_record_running_past_the_end_ends_the_reading() {
    // Found by `digits_and_framing_words`: a descriptor word under 426 whose record is cut
    // off by the end of the file left the reader where it was, repeating the finding until
    // memory ran out.
    let bytes = b"0042ABC";
    check(bytes);
    let r = read_file(bytes);
    let short: Vec<_> = r.findings.iter().filter(|f| f.rule == "M2S-007").collect();
    assert_eq!(short.len(), 1, "{:?}", r.findings);
    assert_eq!(short[0].offset, 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
        check(&bytes);
    }

    #[test]
    fn digits_and_framing_words(parts in proptest::collection::vec(
        prop_oneof![
            Just(b"0426".to_vec()), Just(b"0430".to_vec()), Just(b"HEADER".to_vec()),
            Just(b"TRAILER".to_vec()), Just(b"J1".to_vec()), Just(b"K4".to_vec()),
            Just(b"\r\n".to_vec()), Just(b"\n".to_vec()), Just(vec![b' '; 100]),
            Just(vec![b'0'; 50]), proptest::collection::vec(any::<u8>(), 0..20),
        ], 0..60)) {
        check(&parts.concat());
    }

    #[test]
    fn damaged_packed_files(flips in proptest::collection::vec((0usize..1744, any::<u8>()), 1..8),
                            cut in 1usize..=1744) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/metro2/moov/packed_file.dat");
        let mut bytes = std::fs::read(path).unwrap();
        for (at, b) in flips {
            // Keep the packed signature so the packed reader is the one exercised.
            if at >= 14 {
                bytes[at] = b;
            }
        }
        bytes.truncate(cut);
        check(&bytes);
    }

    #[test]
    fn damaged_valid_files(flips in proptest::collection::vec((0usize..1400, any::<u8>()), 1..8),
                           cut in 0usize..1400) {
        let mut r = common::record();
        r.push(common::appended(metro2_engine::layout::SegmentKind::J2));
        let mut bytes = common::file(&[r, common::record()]);
        for (at, b) in flips {
            let at = at % bytes.len();
            bytes[at] = b;
        }
        bytes.truncate(cut.max(1) * bytes.len() / 1400);
        check(&bytes);
    }
}
