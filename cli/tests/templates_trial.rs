//! `templates add` tries a template on the stored records before saving it: one that would turn
//! good records into error records is refused (unless `--force`), one that only changes values
//! is saved with the changes counted.

mod common;

use common::sim::SimSetup;
use common::store::temp_db;
use common::{as_of, connect_args, text};

use std::path::Path;
use std::process::Output;

use metro2::store::{RecordStatus, Store};
use metro2::sync::preset;

const TOKEN: &str = "trial-token-5d1e";

fn metro2(db: &Path, args: &[&str]) -> Output {
    common::metro2_on(db, args, &[("TRIAL_TOKEN", TOKEN)])
}

/// The connection's records of 2026-10 with each status.
fn statuses(db: &Path) -> Vec<(RecordStatus, u64)> {
    let store = Store::open(db).unwrap();
    let conn = store.resolve_connection(None).unwrap();
    let mut counts = store.record_counts(conn.id, "2026-10").unwrap();
    counts.sort_by_key(|(s, _)| s.as_str());
    counts
}

fn versions(db: &Path) -> usize {
    let store = Store::open(db).unwrap();
    let conn = store.resolve_connection(None).unwrap();
    store.templates(conn.id).unwrap().len()
}

#[test]
fn a_template_that_breaks_stored_records_is_refused_unless_forced() {
    let rt = metro2::sync::runner::runtime().unwrap();
    let sim = SimSetup::generated(20, 7, as_of())
        .token(TOKEN)
        .start_on(&rt);
    let (dir, db) = temp_db("m.db");
    let more = [
        "--name",
        "acme",
        "--furnisher-id",
        "FURN12345",
        "--as-of",
        "2026-10-31",
    ];
    let o = metro2(&db, &connect_args(&sim.base_url, "TRIAL_TOKEN", &more));
    assert!(o.status.success(), "{}", text(&o));
    let before = statuses(&db);
    let ok = before
        .iter()
        .find(|(s, _)| *s == RecordStatus::Ok)
        .map_or(0, |(_, n)| *n);
    assert!(ok > 0, "{before:?}");

    // A value too wide for its field: it compiles, and fails on every loan at run time.
    let breaking = dir.path().join("breaking.m2map");
    let source = preset::LOANPRO_PRESET.replacen(
        "generation(primary.generationCode ?? \"\")",
        "LoanSetup.loanClass ?? \"\"",
        1,
    );
    assert_ne!(source, preset::LOANPRO_PRESET);
    std::fs::write(&breaking, &source).unwrap();
    let o = metro2(&db, &["templates", "add", breaking.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("tried on 20 records of 2026-10"), "{t}");
    assert!(t.contains(&format!("{ok} ok → error")), "{t}");
    assert!(t.contains("generation_code"), "{t}");
    assert!(t.contains("      loan "), "{t}");
    assert!(t.contains("not saved"), "{t}");
    assert!(t.contains("--force"), "{t}");
    assert_eq!(versions(&db), 1);
    // Nothing changed: the next full sync still maps with version 1.
    let o = metro2(&db, &["sync", "--as-of", "2026-10-31", "--full"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(statuses(&db), before);

    // A changed value alone is saved, and each changed field counted.
    let value = dir.path().join("value.m2map");
    std::fs::write(
        &value,
        preset::LOANPRO_PRESET.replacen(
            "credit_limit                     = 0",
            "credit_limit = 1",
            1,
        ),
    )
    .unwrap();
    let o = metro2(&db, &["templates", "add", value.to_str().unwrap()]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("base.credit_limit changed on"), "{t}");
    assert!(t.contains("saved as template version 2"), "{t}");
    assert!(!t.contains("ok → error"), "{t}");
    // The same file again is unchanged, and not tried again.
    let o = metro2(&db, &["templates", "add", value.to_str().unwrap()]);
    assert!(
        o.status.success() && text(&o).contains("unchanged"),
        "{}",
        text(&o)
    );

    // `--force` saves the breaking template, and says what the next sync will do.
    let o = metro2(
        &db,
        &["templates", "add", breaking.to_str().unwrap(), "--force"],
    );
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("ok → error"), "{t}");
    assert!(t.contains("saved as template version 3"), "{t}");
    assert!(t.contains("--force: "), "{t}");
    assert_eq!(versions(&db), 3);
}
