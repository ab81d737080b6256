//! The engine's layout tables equal the reference tables: keys, positions, widths, types and
//! required-ness of every field of every record and segment.
//!
//! The reference is `../shared/reference/metro2/layouts/` when it is present (the project's
//! shared folder); the embedded copy `engine/layouts/` must then be byte-identical to it. Without
//! the shared folder (a fresh clone elsewhere) the parsed tables are still compared with the
//! embedded copy, parsed here independently of the engine's parser.

use std::path::PathBuf;

use metro2_engine::layout::{FieldType, Requirement, SegmentKind};

fn reference_dir() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/reference/metro2/layouts"
    ));
    p.is_dir().then_some(p)
}

fn embedded_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/layouts"))
}

/// One row: key, start, length, type, required.
type Row = (String, usize, usize, String, String);

fn rows(text: &str) -> Vec<Row> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (
                c[0].to_string(),
                c[2].parse().unwrap_or(0),
                c[3].parse().unwrap(),
                c[4].to_string(),
                c[5].to_string(),
            )
        })
        .filter(|r| r.0 != "block_descriptor_word")
        .collect()
}

fn engine_rows(kind: SegmentKind) -> Vec<Row> {
    kind.layout()
        .fields
        .iter()
        .map(|f| {
            (
                f.key.to_string(),
                f.start,
                f.len,
                f.ty.tsv_name().to_string(),
                f.required.tsv_name().to_string(),
            )
        })
        .collect()
}

#[test]
fn engine_tables_equal_the_reference_tables() {
    let reference = reference_dir();
    if reference.is_none() {
        eprintln!("../shared is absent: comparing with the embedded copy only");
    }
    for kind in SegmentKind::ALL {
        let file = format!("{}.tsv", kind.name());
        let embedded = std::fs::read_to_string(embedded_dir().join(&file)).unwrap();
        if let Some(dir) = &reference {
            let r = std::fs::read_to_string(dir.join(&file)).unwrap();
            assert_eq!(
                r, embedded,
                "engine/layouts/{file} differs from the reference"
            );
        }
        let want = rows(&embedded);
        assert!(!want.is_empty(), "{file}");
        assert_eq!(engine_rows(kind), want, "{file}");
    }
}

#[test]
fn every_layout_covers_its_length_exactly_once() {
    let lens = [426, 426, 426, 100, 200, 34, 34, 40, 30, 54, 146];
    for (kind, len) in SegmentKind::ALL.into_iter().zip(lens) {
        let l = kind.layout();
        assert_eq!(l.len, len, "{kind}");
        let mut next = 1;
        for f in &l.fields {
            assert_eq!(f.start, next, "{kind}.{}", f.key);
            next += f.len;
        }
        assert_eq!(next - 1, len, "{kind}");
    }
}

#[test]
fn spot_checks_against_the_published_positions() {
    let base = SegmentKind::Base.layout();
    let f = base.field("account_status").unwrap();
    assert_eq!((f.start, f.len), (124, 2));
    assert_eq!(f.required, Requirement::Required);
    let f = base.field("date_of_first_delinquency").unwrap();
    assert_eq!((f.start, f.len, f.ty), (190, 8, FieldType::Date));
    assert_eq!(f.required, Requirement::Applicable);
    let f = base.field("social_security_number").unwrap();
    assert_eq!((f.start, f.len, f.ty), (298, 9, FieldType::Numeric));
    let f = SegmentKind::Trailer
        .layout()
        .field("total_telephone_all")
        .unwrap();
    assert_eq!((f.start, f.len), (399, 9));
    let f = SegmentKind::Header.layout().field("activity_date").unwrap();
    assert_eq!((f.start, f.len), (48, 8));
}
