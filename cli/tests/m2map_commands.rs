//! `metro2 check | fmt | plan | map` end to end, through the binary.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn metro2(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_metro2"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `metro2 map` with the shipped preset as of `as_of`, then `rest` (options and inputs).
fn map_preset(as_of: &str, rest: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "map",
        "--map",
        "presets/loanpro.m2map",
        "--as-of",
        as_of,
        "--param",
        "furnisher_id=FURN12345",
    ];
    args.extend_from_slice(rest);
    metro2(&args)
}

#[test]
fn check_shows_each_invalid_fixture_with_its_code_line_and_column() {
    let dir = root().join("fixtures/m2map/invalid");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files {
        let rel = f
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let code = f.file_name().unwrap().to_string_lossy()[..6].to_ascii_uppercase();
        let (status, stdout, _) = metro2(&["check", &rel]);
        assert!(stdout.contains(&code), "{rel}: {stdout}");
        let (_, json, _) = metro2(&["check", "--format", "json", &rel]);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v[0]["code"], code.as_str(), "{rel}");
        // Warnings alone pass; errors fail.
        let warning = v[0]["severity"] == "warning";
        assert_eq!(
            warning,
            matches!(
                code.as_str(),
                "M2M016" | "M2M017" | "M2M018" | "M2M019" | "M2M034" | "M2M036"
            ),
            "{rel}"
        );
        assert_eq!(status, if warning { 0 } else { 1 }, "{rel}");
        let (line, col) = (
            v[0]["line"].as_u64().unwrap(),
            v[0]["column"].as_u64().unwrap(),
        );
        assert!(
            stdout.contains(&format!("{rel}:{line}:{col}")),
            "{rel}: {stdout}"
        );
    }
}

#[test]
fn map_writes_one_json_line_per_document() {
    let (status, stdout, stderr) = metro2(&[
        "map",
        "--map",
        "fixtures/m2map/valid/features.m2map",
        "--as-of",
        "2026-10-31",
        "--param",
        "furnisher_id=FURN12345",
        "fixtures/m2map/docs/current.json",
        "fixtures/m2map/docs/deleted.json",
        "fixtures/m2map/docs/deferred_payments.json",
    ]);
    assert_eq!(status, 1, "an error record makes the exit code 1: {stderr}");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    // Mapped, but the language-features mapping reports status 84 without a date of first
    // delinquency: the validator's error makes the record invalid, as the sync would store it.
    assert_eq!(lines[0]["status"], "invalid");
    assert_eq!(lines[0]["findings"][0]["rule"], "M2X-008");
    assert_eq!(lines[0]["findings"][0]["source"], "validator");
    assert_eq!(lines[0]["id"], 90024);
    assert_eq!(lines[0]["display_id"], "LN-090024");
    assert_eq!(lines[0]["segments"]["base"]["highest_credit"], "000024216");
    assert_eq!(
        lines[0]["segments"]["base"]["surname"],
        "ST JOHN                  "
    );
    assert_eq!(lines[1]["status"], "skipped");
    assert_eq!(lines[1]["reason"], "deleted in LoanPro");
    assert_eq!(lines[2]["status"], "error");
    let reason = lines[2]["reason"].as_str().unwrap();
    assert!(
        reason.contains("features.m2map:") && reason.contains("__deferred"),
        "{reason}"
    );
    for l in &lines {
        let keys: Vec<&String> = l.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "id",
                "display_id",
                "status",
                "reason",
                "segments",
                "findings"
            ]
        );
    }
}

#[test]
fn map_reads_arrays_envelopes_ndjson_and_standard_input() {
    let doc = std::fs::read_to_string(root().join("fixtures/m2map/docs/current.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
    let dir = std::env::temp_dir().join(format!("m2map-cmd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let envelope = dir.join("envelope.json");
    std::fs::write(
        &envelope,
        serde_json::json!({"d": {"results": [v, v]}}).to_string(),
    )
    .unwrap();
    let nd = dir.join("loans.ndjson");
    std::fs::write(&nd, format!("{v}\n{v}\n{v}\n")).unwrap();
    for (file, n) in [(&envelope, 2), (&nd, 3)] {
        let (_, stdout, stderr) = metro2(&[
            "map",
            "--map",
            "fixtures/m2map/valid/features.m2map",
            "--as-of",
            "2026-10-31",
            "--param",
            "furnisher_id=F1",
            file.to_str().unwrap(),
        ]);
        assert_eq!(stdout.lines().count(), n, "{stderr}");
    }
    let (_, metro2_out, _) = metro2(&[
        "map",
        "--map",
        "fixtures/m2map/valid/features.m2map",
        "--as-of",
        "2026-10-31",
        "--param",
        "furnisher_id=F1",
        "--format",
        "metro2",
        nd.to_str().unwrap(),
    ]);
    assert!(metro2_out
        .lines()
        .all(|l| l.len() == 426 && l.starts_with("0426")));
    let (_, explain, _) = metro2(&[
        "map",
        "--map",
        "fixtures/m2map/valid/features.m2map",
        "--as-of",
        "2026-10-31",
        "--param",
        "furnisher_id=F1",
        "--format",
        "explain",
        envelope.to_str().unwrap(),
    ]);
    assert!(
        explain.contains("account_status") && explain.contains("match arm"),
        "{explain}"
    );
    assert!(!explain.contains("652186018"), "SSNs are masked");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fmt_check_plan() {
    let (status, _, _) = metro2(&["fmt", "--check", "fixtures/m2map/valid/features.m2map"]);
    assert_eq!(status, 0);
    let dir = std::env::temp_dir().join(format!("m2map-fmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("messy.m2map");
    std::fs::write(
        &f,
        "m2map 1\nparam as_of:date\nlet x=1 # kept\nsegment base{\n}\n",
    )
    .unwrap();
    let (status, _, _) = metro2(&["fmt", "--check", f.to_str().unwrap()]);
    assert_eq!(status, 1);
    let (status, _, _) = metro2(&["fmt", f.to_str().unwrap()]);
    assert_eq!(status, 0);
    assert_eq!(
        std::fs::read_to_string(&f).unwrap(),
        "m2map 1\nparam as_of: date\nlet x = 1  # kept\nsegment base {\n}\n"
    );
    // A missing file and an empty one are reported; the file after them is still formatted.
    std::fs::write(&f, "m2map 1\nlet x=1\n").unwrap();
    let empty = dir.join("empty.m2map");
    std::fs::write(&empty, "").unwrap();
    let missing = dir.join("missing.m2map");
    let (status, _, err) = metro2(&[
        "fmt",
        missing.to_str().unwrap(),
        empty.to_str().unwrap(),
        f.to_str().unwrap(),
    ]);
    assert_eq!(status, 2, "{err}");
    assert!(err.contains("missing.m2map: cannot read the file"), "{err}");
    assert!(
        err.contains("empty.m2map: empty: nothing to format"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&empty).unwrap(), "");
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "m2map 1\nlet x = 1\n");
    std::fs::remove_dir_all(&dir).unwrap();
    let (status, plan, _) = metro2(&["plan", "fixtures/m2map/valid/features.m2map"]);
    assert_eq!(status, 0);
    assert!(plan.contains("segment base") && plan.contains("const") && plan.contains("write"));
}

/// `metro2 map ... | head` must end quietly when the reader goes away, not panic in `println!`.
#[cfg(unix)]
#[test]
fn map_into_a_closed_pipe_stops_without_a_panic() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;

    let fixture = "fixtures/loanpro/current.json";
    assert!(root().join(fixture).exists());
    let mut args = vec![
        "map",
        "--map",
        "presets/loanpro.m2map",
        "--as-of",
        "2026-10-31",
        "--param",
        "furnisher_id=FURN12345",
        "--format",
        "json",
    ];
    // Far more output than a pipe buffers, so the command is still writing when the pipe closes.
    args.extend(std::iter::repeat_n(fixture, 2_000));
    let mut child = Command::new(env!("CARGO_BIN_EXE_metro2"))
        .args(&args)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("{\"id\":"), "{first}");
    // The reader is dropped here: the pipe is closed with output still to come.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
    assert!(
        // 13 is SIGPIPE on Linux and macOS.
        out.status.signal() == Some(13) || out.status.success(),
        "{:?} {stderr}",
        out.status
    );
}

#[test]
fn check_reports_the_readable_files_when_one_is_unreadable() {
    let good = "fixtures/m2map/valid/features.m2map";
    let bad = "fixtures/m2map/invalid/m2m011_field_type.m2map";
    let missing = "fixtures/m2map/no_such_file.m2map";
    let (status, stdout, _) = metro2(&["check", "--format", "json", bad, missing, good]);
    assert_eq!(status, 2, "an unreadable file exits 2, as `validate` does");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let items = v.as_array().unwrap();
    assert!(items
        .iter()
        .any(|d| d["code"] == "M2M011" && d["file"] == bad));
    let unreadable: Vec<_> = items.iter().filter(|d| d["file"] == missing).collect();
    assert_eq!(unreadable.len(), 1, "{stdout}");
    assert_eq!(unreadable[0]["severity"], "error");
    assert!(unreadable[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("cannot read the file"));
    let (status, stdout, stderr) = metro2(&["check", missing, bad]);
    assert_eq!(status, 2);
    assert!(stdout.contains("M2M011"), "{stdout}");
    assert!(stdout.contains("2 files checked: 2 errors"), "{stdout}");
    assert!(stderr.contains(missing), "{stderr}");
}

#[test]
fn dictionary_lists_the_builtins_the_unknown_function_help_points_to() {
    let (status, stdout, stderr) = metro2(&["dictionary", "--builtins"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(
        stdout.contains("| `add_months(date: date, months: int) -> date` |"),
        "{stdout}"
    );
    let (status, stdout, _) = metro2(&["dictionary", "--builtins", "--format", "json"]);
    assert_eq!(status, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(v.as_array().unwrap().iter().any(|b| b["name"] == "dollars"));
    // The help of an unknown function with no close name points here.
    let path = std::env::temp_dir().join(format!("m2map-fn-{}.m2map", std::process::id()));
    std::fs::write(&path, "m2map 1\nlet x = zzqqxx(1)\n").unwrap();
    let (_, stdout, _) = metro2(&["check", &path.to_string_lossy()]);
    std::fs::remove_file(&path).unwrap();
    assert!(stdout.contains("M2M006"), "{stdout}");
    assert!(
        stdout.contains("`metro2 dictionary --builtins` lists the built-in functions"),
        "{stdout}"
    );
}

#[test]
fn deep_files_are_a_diagnostic_in_every_command_not_a_crash() {
    let dir = std::env::temp_dir().join(format!("m2map-deep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        format!("let x = 1{}", " + 1".repeat(10_000)),
        format!("let x = {}1{}", "(".repeat(5_000), ")".repeat(5_000)),
        format!("let x = {}1", "- ".repeat(20_000)),
        format!("let x = {}true", "not ".repeat(100_000)),
        format!("let x = {}1", "if true then 1 else ".repeat(20_000)),
        format!("let x = {}", "(".repeat(50_000)),
    ];
    for (i, body) in cases.iter().enumerate() {
        let path = dir.join(format!("deep{i}.m2map"));
        std::fs::write(&path, format!("m2map 1\nparam as_of: date\n{body}\n")).unwrap();
        let p = path.to_string_lossy().into_owned();
        for args in [
            vec!["check", p.as_str()],
            vec!["fmt", "--check", p.as_str()],
            vec!["plan", p.as_str()],
            vec!["dictionary", p.as_str()],
        ] {
            let (status, stdout, stderr) = metro2(&args);
            assert_eq!(status, 1, "{args:?}: {stderr}");
            let all = format!("{stdout}{stderr}");
            assert!(all.contains("M2M032"), "{args:?}: {all}");
            assert!(all.contains(&format!("{p}:3:")), "{args:?}: {all}");
            assert!(!all.contains("M2M002"), "{args:?}: {all}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_invalid_record_is_reported_as_such_and_held_back_from_fixed_width_output() {
    let inputs = [
        "fixtures/loanpro/invalid_override_97_on_current_loan.json",
        "fixtures/loanpro/current.json",
    ];
    let (status, stdout, stderr) = map_preset("2026-10-31", &inputs);
    assert_eq!(
        status, 0,
        "invalid records are data, not a failure: {stderr}"
    );
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["status"], "invalid");
    let rules: Vec<&str> = lines[0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"LP-STATUS-APD"), "{rules:?}");
    assert_eq!(lines[1]["status"], "ok");

    let mut fixed = vec!["--format", "metro2"];
    fixed.extend(inputs);
    let (status, stdout, stderr) = map_preset("2026-10-31", &fixed);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 1, "only the valid record: {stdout}");
    assert!(
        stderr.contains("held back (invalid): LP-STATUS-APD mapping (line "),
        "{stderr}"
    );
}

#[test]
fn a_reporting_date_needs_four_year_digits_and_parameters_are_given_once() {
    let run = |as_of: &str, extra: &[&str]| {
        let mut rest = extra.to_vec();
        rest.push("fixtures/loanpro/current.json");
        map_preset(as_of, &rest)
    };
    for bad in ["26-10-31", "0026-10-31", "-2026-10-31", "2026-10-31x"] {
        let (status, stdout, stderr) = run(bad, &[]);
        assert_ne!(status, 0, "{bad}");
        assert!(
            stdout.is_empty() && stderr.contains("--as-of"),
            "{bad}: {stderr}"
        );
    }
    let (status, _, stderr) = run("2026-10-31", &["--param", "furnisher_id=OTHER"]);
    assert_ne!(status, 0);
    assert!(stderr.contains("given twice"), "{stderr}");
    let (status, _, stderr) = run("2026-10-31", &["--param", "as_of=2020-01-01"]);
    assert_ne!(status, 0);
    assert!(stderr.contains("--as-of"), "{stderr}");
}

#[test]
fn a_document_without_id_is_named_by_its_file_and_place() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("arr.json");
    std::fs::write(&input, r#"[{"id": 5, "deleted": 1}, 7]"#).unwrap();
    let (status, _, stderr) = map_preset(
        "2026-10-31",
        &["--format", "metro2", input.to_str().unwrap()],
    );
    assert_eq!(status, 1);
    assert!(
        stderr.contains("5: skipped: deleted in LoanPro"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("error: {}, document 2: ", input.display())),
        "{stderr}"
    );
}

#[test]
fn a_loan_that_cannot_be_mapped_is_told_what_the_analyst_wrote_and_in_which_let() {
    let dir = tempfile::tempdir().unwrap();
    let preset = std::fs::read_to_string(root().join("presets/loanpro.m2map")).unwrap();
    // The analyst drops a default, and reads the amount through a let of their own (a typo).
    let edited = preset
        .replacen(
            "m2map 1\n",
            "m2map 1\nlet amt = money(LoanSetup.loanAmountX)\n",
            1,
        )
        .replace(
            "surname(primary.lastName ?? \"\", 25)",
            "surname(primary.lastName, 25)",
        )
        .replace(
            "dollars(loanpro_money(LoanSetup.loanAmount))",
            "dollars(amt)",
        );
    let line = |needle: &str| 1 + edited.lines().position(|l| l.contains(needle)).unwrap();
    let (credit, surname) = (
        line("highest_credit "),
        line("surname(primary.lastName, 25)"),
    );
    let map = dir.path().join("p.m2map");
    std::fs::write(&map, &edited).unwrap();
    let fixture = root().join("fixtures/loanpro/biweekly_78_payments_late.json");
    let mut loan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    let input = dir.path().join("loan.json");
    std::fs::write(&input, loan.to_string()).unwrap();
    let map_as = |format: &str, input: &Path| {
        let args = [
            "map",
            "--map",
            map.to_str().unwrap(),
            "--as-of",
            "2026-10-31",
            "--param",
            "furnisher_id=F1",
            "--format",
            format,
            input.to_str().unwrap(),
        ];
        metro2(&args).1
    };

    // The let's failure: the field that read it, then the let and its own line.
    let file = map.display();
    let said = format!(
        "base.highest_credit ({file}:{credit}): let amt ({file}:2): money(): \
         LoanSetup.loanAmountX is missing (give a default with `??`)"
    );
    let json: serde_json::Value = serde_json::from_str(&map_as("json", &input)).unwrap();
    assert_eq!(json["reason"], said.as_str());
    let explain = map_as("explain", &input);
    assert!(
        explain.contains(&format!("error: document 100119, {said}")),
        "{explain}"
    );
    let yaml = map_as("yaml", &input);
    assert!(yaml.contains(&format!("line: {credit}\n")), "{yaml}");
    let reason = format!("reason: \"let amt ({file}:2): money(): LoanSetup.loanAmountX");
    assert!(yaml.contains(&reason), "{yaml}");

    // Every other field that fails is listed after the first, in json, yaml and explain.
    for c in loan["Customers"]["results"].as_array_mut().unwrap() {
        c.as_object_mut().unwrap().remove("lastName");
    }
    std::fs::write(&input, loan.to_string()).unwrap();
    let more = format!("; and 1 more: base.surname (line {surname})");
    let json: serde_json::Value = serde_json::from_str(&map_as("json", &input)).unwrap();
    assert_eq!(json["reason"], format!("{said}{more}").as_str());
    let yaml = map_as("yaml", &input);
    assert!(yaml.contains(&format!("{more}\"\n")), "{yaml}");
    let explain = map_as("explain", &input);
    assert!(explain.contains(&format!("{said}{more}\n")), "{explain}");

    // A missing argument is named as written, not by the built-in's parameter.
    loan["LoanSetup"]["loanAmountX"] = serde_json::json!("100.00");
    std::fs::write(&input, loan.to_string()).unwrap();
    let json: serde_json::Value = serde_json::from_str(&map_as("json", &input)).unwrap();
    assert_eq!(
        json["reason"],
        format!(
            "base.surname ({file}:{surname}): surname(): primary.lastName is missing \
             (give a default with `??`)"
        )
        .as_str()
    );
}
