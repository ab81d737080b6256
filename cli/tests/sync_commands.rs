//! The commands around a sync, through the binary: `connect` (wrong token, token from standard
//! input), `sync` (exit codes), `records` (masked identities), `templates` (list, show, diff).

mod common;

use common::sim::SimSetup;
use common::store::temp_db;
use common::{as_of, connect_args, text};

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use metro2::loanpro::sim::SimHandle;
use metro2::store::Store;
use metro2::sync::preset;

const TOKEN: &str = "cmd-token-81c2";

fn metro2(db: &Path, args: &[&str]) -> Output {
    common::metro2_on(
        db,
        args,
        &[("CMD_TOKEN", TOKEN), ("WRONG_TOKEN", "not-the-token-77")],
    )
}

fn sim(rt: &tokio::runtime::Runtime, n: usize) -> SimHandle {
    SimSetup::generated(n, 3, as_of()).token(TOKEN).start_on(rt)
}

#[test]
fn connect_with_a_wrong_token_says_so_and_saves_nothing() {
    let rt = metro2::sync::runner::runtime().unwrap();
    let sim = sim(&rt, 3);
    let (_dir, db) = temp_db("m.db");
    let o = metro2(&db, &connect_args(&sim.base_url, "WRONG_TOKEN", &[]));
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(t.contains("API token or the instance id is wrong"), "{t}");
    assert!(!t.contains("not-the-token-77"), "{t}");
    // No database is left behind for a token LoanPro refused.
    assert!(!db.exists());
    // A connection needs a name, and an unset variable is named.
    let o = metro2(
        &db,
        &connect_args(&sim.base_url, "CMD_TOKEN", &["--name", " "]),
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("a connection needs a name"),
        "{}",
        text(&o)
    );
    let o = metro2(&db, &connect_args(&sim.base_url, "UNSET_TOKEN_VAR_81", &[]));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o)
            .contains("the environment variable UNSET_TOKEN_VAR_81 (from --token-env) is not set"),
        "{}",
        text(&o)
    );
    assert!(!db.exists());
}

#[test]
fn connect_sync_records_and_templates() {
    let rt = metro2::sync::runner::runtime().unwrap();
    let sim = sim(&rt, 25);
    let (dir, db) = temp_db("m.db");

    // The token from standard input lands in a 0600 file beside the database.
    let mut child = Command::new(env!("CARGO_BIN_EXE_metro2"))
        .arg("--db")
        .arg(&db)
        .args([
            "connect",
            "loanpro",
            "--instance-id",
            "5200000",
            "--token-stdin",
            "--name",
            "acme",
        ])
        .args([
            "--base-url",
            &sim.base_url,
            "--furnisher-id",
            "FURN12345",
            "--as-of",
            "2026-10-31",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{TOKEN}").unwrap();
    let o = child.wait_with_output().unwrap();
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("sync acme: fetched 25,"), "{t}");
    assert!(!t.contains(TOKEN), "{t}");
    let token_file = dir.path().join(".metro2-secrets/m.db/acme.token");
    assert_eq!(std::fs::read_to_string(&token_file).unwrap().trim(), TOKEN);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        for folder in [".metro2-secrets", ".metro2-secrets/m.db"] {
            let mode = std::fs::metadata(dir.path().join(folder))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700, "{folder}");
        }
    }

    // A second sync of the same day is incremental and fetches nothing new.
    let o = metro2(&db, &["sync", "--as-of", "2026-10-31"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("(incremental"), "{t}");

    // Records: SSNs masked to the last four digits unless --reveal.
    let o = metro2(&db, &["records", "--period", "2026-10", "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 25);
    let ok = lines.iter().find(|l| l["status"] == "ok").unwrap();
    let ssn = ok["segments"]["base"]["social_security_number"]
        .as_str()
        .unwrap();
    assert!(ssn.starts_with("*****"), "{ssn}");
    assert!(ok.get("text").is_none());
    let o = metro2(&db, &["records", "--format", "json", "--reveal"]);
    let first: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&o.stdout).lines().next().unwrap()).unwrap();
    assert!(first.get("text").is_some());
    let o = metro2(&db, &["records"]);
    let t = text(&o);
    assert!(t.contains("25 records"), "{t}");
    // The ACCOUNT column is the Metro 2 account number (what responses name), not the display id.
    let number = ok["segments"]["base"]["consumer_account_number"]
        .as_str()
        .unwrap()
        .trim();
    let row = t
        .lines()
        .find(|l| l.contains(&format!(" {} ", ok["loan_id"])))
        .unwrap();
    assert!(row.contains(&format!(" {number} ")), "{row}");
    // ... which `explain` takes as well as the loan's ids.
    let o = metro2(&db, &["explain", number]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.starts_with(&format!("document {}: ok", ok["loan_id"])),
        "{t}"
    );
    let o = metro2(&db, &["records", "--period", "2026-13"]);
    assert!(!o.status.success());

    // Templates: version 1 is the preset; a new version diffs against it.
    let o = metro2(&db, &["templates", "list"]);
    let t = text(&o);
    assert!(t.contains("same as the shipped preset"), "{t}");
    let o = metro2(&db, &["templates", "show", "1"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), preset::LOANPRO_PRESET);
    let o = metro2(&db, &["templates", "diff", "preset", "1"]);
    assert!(
        o.status.success() && text(&o).contains("identical"),
        "{}",
        text(&o)
    );
    // `templates add`: a file with an error is refused with its diagnostics, nothing saved.
    let broken = dir.path().join("broken.m2map");
    std::fs::write(
        &broken,
        preset::LOANPRO_PRESET.replacen("segment base {", "segment base {\n  no_such_field = 1", 1),
    )
    .unwrap();
    let o = metro2(&db, &["templates", "add", broken.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("no_such_field"), "{}", text(&o));
    assert!(text(&o).contains("not saved"), "{}", text(&o));
    // A parameter a sync cannot give is refused too.
    let extra = dir.path().join("extra.m2map");
    std::fs::write(
        &extra,
        preset::LOANPRO_PRESET.replacen("\nparam ", "\nparam region: text\nparam ", 1),
    )
    .unwrap();
    let o = metro2(&db, &["templates", "add", extra.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("param region"), "{}", text(&o));
    // The same text as the newest version is not a new version.
    let same = dir.path().join("same.m2map");
    std::fs::write(&same, preset::LOANPRO_PRESET).unwrap();
    let o = metro2(&db, &["templates", "add", same.to_str().unwrap()]);
    assert!(
        o.status.success() && text(&o).contains("unchanged"),
        "{}",
        text(&o)
    );
    // An edited preset is saved as version 2, and the next sync maps with it.
    let edited = dir.path().join("edited.m2map");
    std::fs::write(
        &edited,
        format!("{}# reviewed by compliance\n", preset::LOANPRO_PRESET),
    )
    .unwrap();
    let o = metro2(
        &db,
        &[
            "templates",
            "add",
            edited.to_str().unwrap(),
            "--note",
            "reviewed",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("template version 2"), "{}", text(&o));
    assert!(
        text(&o).contains("metro2 templates diff 1 2"),
        "{}",
        text(&o)
    );
    let o = metro2(&db, &["templates", "list"]);
    assert!(text(&o).contains("reviewed"), "{}", text(&o));
    // Without --full: a new template makes the next sync a full one, so that no record of the
    // period stays on the old version (an incremental run re-maps only the changed loans).
    let o = metro2(&db, &["sync", "--as-of", "2026-10-31"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("the template changed since the last full sweep"),
        "{}",
        text(&o)
    );
    let versions: Vec<i64> = Store::open(&db)
        .unwrap()
        .db()
        .prepare("SELECT DISTINCT template_version FROM metro2_records")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(versions, [2]);

    // `explain`: each value with its line, re-mapped from the stored document and version.
    let loan: i64 = Store::open(&db)
        .unwrap()
        .db()
        .query_row(
            "SELECT loan_id FROM metro2_records WHERE status = 'ok' ORDER BY loan_id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let o = metro2(&db, &["explain", &loan.to_string()]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("template v2"), "{t}");
    assert!(t.contains("identical to the stored record"), "{t}");
    let ssn_line = t
        .lines()
        .find(|l| l.trim_start().starts_with("social_security_number"))
        .unwrap();
    assert!(ssn_line.contains("\"*****"), "{ssn_line}");
    assert!(t.contains("account_status"), "{t}");
    // A setting changed since the record was stored: re-mapping no longer gives its bytes.
    let o = metro2(
        &db,
        &["connection", "set", "acme", "--furnisher-id", "OTHER00001"],
    );
    assert!(o.status.success(), "{}", text(&o));
    // The writeback custom field can be set, and unset again.
    let custom_field = |o: &Output| {
        text(o)
            .lines()
            .find(|l| l.starts_with("writeback custom field"))
            .map(|l| l["writeback custom field".len()..].trim().to_string())
    };
    let o = metro2(
        &db,
        &[
            "connection",
            "set",
            "acme",
            "--writeback-custom-field",
            "16",
        ],
    );
    assert_eq!(custom_field(&o).as_deref(), Some("16"), "{}", text(&o));
    let o = metro2(
        &db,
        &["connection", "set", "acme", "--no-writeback-custom-field"],
    );
    assert_eq!(
        custom_field(&o).as_deref(),
        Some("(not set)"),
        "{}",
        text(&o)
    );
    let o = metro2(
        &db,
        &[
            "connection",
            "set",
            "acme",
            "--no-writeback-custom-field",
            "--writeback-custom-field",
            "16",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = metro2(&db, &["connection", "show", "acme"]);
    assert_eq!(
        custom_field(&o).as_deref(),
        Some("(not set)"),
        "{}",
        text(&o)
    );
    let o = metro2(&db, &["explain", &loan.to_string()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("DIFFERENT"), "{}", text(&o));
    let o = metro2(&db, &["explain", &loan.to_string(), "--period", "2026-1"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("not a month YYYY-MM"), "{}", text(&o));
    let o = metro2(&db, &["explain", "NO-SUCH-LOAN"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("NO-SUCH-LOAN"), "{}", text(&o));
    let o = metro2(&db, &["templates", "diff", "preset"]);
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(t.contains("+# reviewed by compliance"), "{t}");
    assert!(t.contains("--- presets/loanpro.m2map"), "{t}");
    // `runs`: the history, newest first, and with --failures the loans that failed and why.
    sim.set_faults(metro2::loanpro::sim::Faults {
        malformed_loans: vec![loan],
        ..Default::default()
    });
    // The run completes and stays `ok`, but a loan failed: exit 3, so cron can tell.
    let o = metro2(&db, &["sync", "--as-of", "2026-10-31", "--full"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("1 loan failed"), "{stderr}");
    assert!(stderr.contains("metro2 runs --failures"), "{stderr}");
    let o = metro2(&db, &["runs", "--failures"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    let lines: Vec<&str> = t.lines().collect();
    assert!(lines[0].starts_with("  RUN  STARTED"), "{t}");
    assert!(
        lines[1].contains(" full ") && lines[1].contains(" ok "),
        "{t}"
    );
    assert!(lines[2].contains(&format!("loan {loan}: ")), "{t}");
    let o = metro2(&db, &["runs", "--format", "json", "--limit", "1"]);
    let newest: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&o.stdout).trim()).unwrap();
    assert_eq!(newest["counts"]["failed"], 1, "{newest}");
    assert_eq!(newest["failures"][0]["loan_id"], loan, "{newest}");
    // The loan is served again: the next sync (incremental) pulls it first and exits 0.
    sim.set_faults(metro2::loanpro::sim::Faults::default());
    let o = metro2(&db, &["sync", "--as-of", "2026-10-31"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("1 earlier failure retried"),
        "{}",
        text(&o)
    );
    // A loan fetched but not mappable: exit 3 too, and `runs --failures` says why.
    assert!(sim.modify(loan, &serde_json::json!({"LoanSetup": null})));
    let o = metro2(&db, &["sync", "--as-of", "2026-10-31"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("could not be mapped 1"), "{}", text(&o));
    let o = metro2(&db, &["runs", "--failures", "--limit", "1"]);
    let t = text(&o);
    assert!(
        t.contains(&format!("loan {loan}: could not be mapped: ")),
        "{t}"
    );
}

#[test]
fn sync_fails_with_exit_1_when_the_token_is_gone() {
    let rt = metro2::sync::runner::runtime().unwrap();
    let sim = sim(&rt, 2);
    let (_dir, db) = temp_db("m.db");
    let more = ["--no-sync", "--furnisher-id", "FURN12345"];
    let o = metro2(&db, &connect_args(&sim.base_url, "CMD_TOKEN", &more));
    assert!(o.status.success(), "{}", text(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_metro2"))
        .arg("--db")
        .arg(&db)
        .args(["sync"])
        .env_remove("CMD_TOKEN")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("CMD_TOKEN"), "{}", text(&o));
}

/// Only `connect` and `demo` start a database: a command that reads one, given a path where
/// there is none (a mistyped `--db`, the wrong folder), says so and creates nothing.
#[test]
fn commands_other_than_connect_refuse_a_missing_database_and_create_nothing() {
    let (dir, db) = temp_db("typo.db");
    let elsewhere = tempfile::tempdir().unwrap();
    let responses = elsewhere.path().join("responses.csv");
    std::fs::write(
        &responses,
        "bureau,account_number,period,outcome,code,message,date\n\
         equifax,ACCT-1,2026-10,accepted,,,2026-11-04\n",
    )
    .unwrap();
    for args in [
        &["records"][..],
        &["runs"],
        &["export", "--period", "2026-10"],
        &["explain", "1"],
        &["sync"],
        &["connection", "show", "acme"],
        &["connection", "set", "acme", "--cadence", "daily"],
        &["templates", "list"],
        &["responses", "import", responses.to_str().unwrap()],
        &["writeback"],
    ] {
        let o = metro2(&db, args);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {t}");
        assert!(
            t.contains(&format!("no database at {}", db.display())),
            "{args:?}: {t}"
        );
        assert!(t.contains("metro2 connect"), "{args:?}: {t}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{args:?} left {left:?}");
    }
}

/// A `--db` naming a user's file that is not a database, or a directory, is refused by name and
/// left as it was: contents, mode, and no `-wal`/`-shm`/`-journal` beside it.
#[cfg(unix)]
#[test]
fn a_db_that_is_not_a_database_is_refused_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.db");
    std::fs::write(&notes, "text\n").unwrap();
    std::fs::set_permissions(&notes, std::fs::Permissions::from_mode(0o644)).unwrap();
    let folder = dir.path().join("folder");
    std::fs::create_dir(&folder).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    for args in [&["records"][..], &["runs"]] {
        let o = metro2(&notes, args);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{t}");
        assert!(
            t.contains(&format!(
                "{} is not a Metro2 database (not a SQLite file)",
                notes.display()
            )),
            "{t}"
        );
        assert_eq!(t.matches("not a database").count(), 0, "{t}");
        assert_eq!(mode(&notes), 0o644);
        assert_eq!(std::fs::read(&notes).unwrap(), b"text\n");

        let o = metro2(&folder, args);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{t}");
        assert!(t.contains("it is a directory"), "{t}");
        assert_eq!(mode(&folder), 0o755);
    }
    // `connect` does not take it over either (the token is checked after the database).
    let o = metro2(
        &notes,
        &connect_args("http://127.0.0.1:1/api/", "CMD_TOKEN", &[]),
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("not a Metro2 database"), "{}", text(&o));
    assert_eq!(mode(&notes), 0o644);
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["folder", "notes.db"]);
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 0);
}

/// Runs `metro2` with `input` on standard input.
fn metro2_stdin(db: &Path, args: &[&str], input: &str, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_metro2"))
        .arg("--db")
        .arg(db)
        .args(args)
        .envs(env.iter().copied())
        .env_remove("METRO2_DB")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{input}").unwrap();
    child.wait_with_output().unwrap()
}

/// `t` with miette's wrapping undone: its frame (`│`) gone and every run of white space one
/// space, so that a message is found wherever the terminal's width broke it.
fn flat(t: &str) -> String {
    t.replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The files in `dir`, by name.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn connection_set_replaces_a_token_verified_first_and_moves_to_another_tenant() {
    const ROTATED: &str = "rotated-token-5d1e";
    const STDIN_TOKEN: &str = "stdin-token-90ab";
    const OTHER: &str = "other-tenant-token-33f0";
    const WRONG: &str = "not-the-token-77";
    let secrets = [TOKEN, ROTATED, STDIN_TOKEN, OTHER, WRONG];
    let env = [
        ("CMD_TOKEN", TOKEN),
        ("WRONG_TOKEN", WRONG),
        ("ROTATED_TOKEN", ROTATED),
        ("OTHER_TOKEN", OTHER),
    ];
    let rt = metro2::sync::runner::runtime().unwrap();
    let sim_a = sim(&rt, 5);
    let (dir, db) = temp_db("m.db");
    let mut outputs = Vec::new();
    let mut run = |args: &[&str], input: Option<&str>| -> (bool, String) {
        let o = match input {
            Some(i) => metro2_stdin(&db, args, i, &env),
            None => common::metro2_on(&db, args, &env),
        };
        let t = text(&o);
        outputs.push(t.clone());
        (o.status.success(), flat(&t))
    };
    let sync = ["sync", "--as-of", "2026-10-31"];

    let more = [
        "--name",
        "acme",
        "--furnisher-id",
        "FURN12345",
        "--as-of",
        "2026-10-31",
    ];
    let (ok, t) = run(&connect_args(&sim_a.base_url, "CMD_TOKEN", &more), None);
    assert!(ok && t.contains("sync acme: fetched 5,"), "{t}");
    // The same name again: the error says how to replace the token instead.
    let (ok, t) = run(&connect_args(&sim_a.base_url, "CMD_TOKEN", &more), None);
    assert!(!ok, "{t}");
    assert!(t.contains("already exists"), "{t}");
    assert!(t.contains("metro2 connection set acme --token-env"), "{t}");
    assert!(t.contains("--token-stdin"), "{t}");

    // A wrong token is refused by LoanPro: nothing changes, and the old token still syncs.
    let (ok, t) = run(
        &["connection", "set", "acme", "--token-env", "WRONG_TOKEN"],
        None,
    );
    assert!(!ok, "{t}");
    assert!(
        t.contains("refused the API token or the instance id 5200000"),
        "{t}"
    );
    // A token pasted where its variable's name belongs is refused before LoanPro is asked.
    let (ok, t) = run(&["connection", "set", "acme", "--token-env", WRONG], None);
    assert!(
        !ok && t.contains("takes the name of an environment variable"),
        "{t}"
    );
    // An unset variable, and the two token flags together.
    let (ok, t) = run(
        &["connection", "set", "acme", "--token-env", "NO_SUCH_VAR"],
        None,
    );
    assert!(!ok && t.contains("is not set"), "{t}");
    let (ok, t) = run(
        &[
            "connection",
            "set",
            "acme",
            "--token-env",
            "CMD_TOKEN",
            "--token-stdin",
        ],
        None,
    );
    assert!(!ok && t.contains("cannot be used with"), "{t}");
    let (_, t) = run(&["connection", "show", "acme"], None);
    assert!(
        t.contains("*** (from the environment variable CMD_TOKEN)"),
        "{t}"
    );
    let (ok, t) = run(&sync, None);
    assert!(ok && t.contains("(incremental"), "{t}");

    // The tenant revokes the token and issues another: the sync is refused (exit 1)...
    sim_a.set_token(ROTATED);
    let (ok, t) = run(&sync, None);
    assert!(!ok && t.contains("expired or revoked"), "{t}");
    assert!(
        t.contains("`metro2 connection set acme --token-env VAR`"),
        "{t}"
    );
    // ...until the new token replaces it. A token change alone keeps the cursor.
    let (ok, t) = run(
        &["connection", "set", "acme", "--token-env", "ROTATED_TOKEN"],
        None,
    );
    assert!(ok, "{t}");
    assert!(t.contains("api token of acme replaced"), "{t}");
    assert!(t.contains("environment variable ROTATED_TOKEN"), "{t}");
    assert!(!t.contains("full sweep"), "{t}");
    let (ok, t) = run(&sync, None);
    assert!(ok && t.contains("(incremental"), "{t}");

    // --token-stdin: a wrong token leaves no file; the right one lands in a 0600 file.
    let secrets_dir = dir.path().join(".metro2-secrets/m.db");
    let token_file = secrets_dir.join("acme.token");
    let stdin = ["connection", "set", "acme", "--token-stdin"];
    let (ok, t) = run(&stdin, Some(WRONG));
    assert!(!ok && t.contains("refused the API token"), "{t}");
    assert!(!token_file.exists());
    sim_a.set_token(STDIN_TOKEN);
    let (ok, t) = run(&stdin, Some(STDIN_TOKEN));
    assert!(ok, "{t}");
    assert!(t.contains(&format!("file {}", token_file.display())), "{t}");
    assert_eq!(
        std::fs::read_to_string(&token_file).unwrap().trim(),
        STDIN_TOKEN
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let (ok, t) = run(&sync, None);
    assert!(ok && t.contains("(incremental"), "{t}");
    // A wrong token from standard input again: the token file in use is left intact.
    let (ok, t) = run(&stdin, Some(WRONG));
    assert!(!ok, "{t}");
    assert_eq!(
        std::fs::read_to_string(&token_file).unwrap().trim(),
        STDIN_TOKEN
    );
    assert_eq!(listing(&secrets_dir), ["acme.token"]);

    // Another tenant, at another base URL and instance id, with its own token.
    let sim_b = SimSetup::generated(4, 9, as_of())
        .token(OTHER)
        .instance("5200001")
        .start_on(&rt);
    let to_b = [
        "connection",
        "set",
        "acme",
        "--base-url",
        &sim_b.base_url,
        "--instance-id",
        "5200001",
    ];
    // The stored token is not the other tenant's: refused, nothing changes.
    let (ok, t) = run(&to_b, None);
    assert!(!ok, "{t}");
    assert!(
        t.contains(&format!("LoanPro at {} refused", sim_b.base_url)),
        "{t}"
    );
    let (_, t) = run(&["connection", "show", "acme"], None);
    assert!(t.contains(&sim_a.base_url) && t.contains("5200000"), "{t}");
    let mut with_token = to_b.to_vec();
    with_token.extend(["--token-env", "OTHER_TOKEN"]);
    let (ok, t) = run(&with_token, None);
    assert!(ok, "{t}");
    assert!(t.contains("possibly another tenant"), "{t}");
    assert!(t.contains("the next sync is a full sweep"), "{t}");
    // The --token-stdin file the connection no longer uses held a live token: it is removed.
    assert!(t.contains("old token file"), "{t}");
    assert!(!token_file.exists());
    let (ok, t) = run(&sync, None);
    assert!(ok, "{t}");
    assert!(
        t.contains("sync acme: fetched 4,") && t.contains("(full"),
        "{t}"
    );

    // No secret ever reached the screen.
    for t in &outputs {
        for s in secrets {
            assert!(!t.contains(s), "{s} shown in: {t}");
        }
    }
}
