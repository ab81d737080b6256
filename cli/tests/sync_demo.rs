//! `metro2 demo`, the README's run command: a fresh folder ends with records in SQLite, a bureau
//! file without validation errors, and a summary that says where everything is.

use std::process::Command;

use metro2::store::{RecordFilter, RecordStatus, Store};

#[test]
fn the_demo_syncs_stores_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let out = Command::new(env!("CARGO_BIN_EXE_metro2"))
        .args(["demo", "--loans", "60", "--dir"])
        .arg(&demo)
        .env_remove("METRO2_DB")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("sync demo: fetched 60,"), "{stdout}");
    assert!(stdout.contains("(full: first sync, as of "), "{stdout}");
    assert!(stdout.contains("failed 0"), "{stdout}");
    assert!(
        stdout.contains(&format!("database: {}", demo.join("metro2.db").display())),
        "{stdout}"
    );

    let store = Store::open(&demo.join("metro2.db")).unwrap();
    let records = store.records(&RecordFilter::default()).unwrap();
    assert_eq!(records.len(), 60);
    let ok = records
        .iter()
        .filter(|r| r.status == RecordStatus::Ok)
        .count();
    assert!(ok > 40, "{ok} valid records");

    let file = stdout
        .lines()
        .find_map(|l| l.strip_prefix("bureau file: "))
        .expect("the summary names the bureau file");
    let bytes = std::fs::read(file).unwrap();
    let errors: Vec<_> = metro2_engine::validate::validate_file(&bytes)
        .into_iter()
        .filter(|f| f.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // header + the valid records + trailer
    assert_eq!(
        bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count(),
        ok + 2
    );

    // The token is in a file only its owner can read, never in the database.
    let conn = store.connection("demo").unwrap();
    assert!(conn.token_source.to_text().starts_with("file:"));
    let dump: String = store
        .db()
        .query_row(
            "SELECT group_concat(token_source) FROM connections",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!dump.contains("demo-"), "{dump}");
}

#[test]
fn the_demo_never_touches_the_database_metro2_db_names_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.db");
    std::fs::write(&real, b"the analyst's data").unwrap();
    let demo = dir.path().join("demo");
    let out = Command::new(env!("CARGO_BIN_EXE_metro2"))
        .args(["demo", "--loans", "3", "--dir"])
        .arg(&demo)
        .env("METRO2_DB", &real)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("the demo does not use {}", real.display())),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&real).unwrap(), b"the analyst's data");
    assert!(demo.join("metro2.db").exists());

    // Without --db or METRO2_DB there is nothing to say.
    let out = Command::new(env!("CARGO_BIN_EXE_metro2"))
        .args(["demo", "--loans", "3", "--dir"])
        .arg(&demo)
        .env_remove("METRO2_DB")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("does not use"));
}

#[test]
fn a_reader_that_goes_away_does_not_stop_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let mut child = Command::new(env!("CARGO_BIN_EXE_metro2"))
        .args(["demo", "--loans", "3", "--dir"])
        .arg(&demo)
        .env_remove("METRO2_DB")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // `metro2 demo | head -0`: the reader closes the pipe before the first line.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?} {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let files: Vec<String> = std::fs::read_dir(&demo)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files.iter().any(|f| f.ends_with(".txt")),
        "the export still ran: {files:?}"
    );
}

#[test]
fn logs_and_errors_off_a_terminal_carry_no_escape_codes_and_keep_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_metro2"))
        .args(["-v", "demo", "--loans", "3", "--dir"])
        .arg(dir.path().join("demo"))
        .env_remove("METRO2_DB")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("INFO"), "{stderr}");
    assert!(!stderr.contains('\x1b'), "{stderr:?}");

    // An error whose line is longer than a terminal is printed whole, for a log or a script.
    let missing = dir.path().join("a".repeat(120)).join("missing.dat");
    let out = Command::new(env!("CARGO_BIN_EXE_metro2"))
        .args(["inspect", missing.to_str().unwrap()])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("{}: cannot read the file", missing.display())),
        "{stderr}"
    );
    assert!(!stderr.contains('\x1b'), "{stderr:?}");
}
