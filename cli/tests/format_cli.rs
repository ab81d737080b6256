//! `metro2 validate | inspect | convert` run as the built binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn metro2(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_metro2"))
        .args(args)
        .output()
        .expect("the metro2 binary runs")
}

fn fixture(name: &str) -> String {
    let p: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", "fixtures", "metro2", name]
        .iter()
        .collect();
    p.display().to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn validate_a_valid_file_exits_0() {
    let o = metro2(&["validate", &fixture("valid.dat")]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(stdout(&o), "1 file checked: 0 errors, 0 warnings\n");
}

#[test]
fn validate_a_broken_file_lists_located_findings_and_exits_1() {
    let f = fixture("broken.dat");
    let o = metro2(&["validate", &f]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    let prefixes = [
        format!("{f}: record 2, byte 636: error M2F-002 base.date_opened: "),
        format!("{f}: record 3, byte 1311: error M2X-008 base.date_of_first_delinquency: "),
        format!("{f}: record 4, byte 1837: error M2X-003 base.current_balance: "),
        format!("{f}: record 5, byte 2255: error M2T-001 trailer.total_base_records: "),
    ];
    assert_eq!(lines.len(), 5, "{out}");
    for (l, p) in lines.iter().zip(&prefixes) {
        assert!(l.starts_with(p.as_str()), "{l}\n does not start with\n{p}");
    }
    assert_eq!(lines[4], "1 file checked: 4 errors, 0 warnings");
    // The offsets point at the fields.
    let bytes = std::fs::read(&f).unwrap();
    assert_eq!(&bytes[636..644], b"02302024");
    assert_eq!(&bytes[1837..1846], b"000001500");
}

#[test]
fn validate_json_and_several_files() {
    let o = metro2(&[
        "validate",
        "--format",
        "json",
        &fixture("valid.dat"),
        &fixture("broken.dat"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["errors"], 4);
    assert_eq!(v["files"][0]["findings"].as_array().unwrap().len(), 0);
    let f = &v["files"][1]["findings"][2];
    assert_eq!(f["rule"], "M2X-003");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["record"], 4);
    assert_eq!(f["segment"], "base");
    assert_eq!(f["field"], "current_balance");
    assert_eq!(f["offset"], 1837);
}

#[test]
fn validate_exits_2_when_a_file_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.dat");
    let o = metro2(&["validate", missing.to_str().unwrap(), &fixture("valid.dat")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read the file"));
    let garbage = dir.path().join("garbage.txt");
    std::fs::write(&garbage, "hello, this is not Metro 2\n").unwrap();
    let o = metro2(&["validate", garbage.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stdout(&o).contains("M2S-005"), "{}", stdout(&o));
}

#[test]
fn validate_the_moov_sample() {
    let o = metro2(&["validate", &fixture("moov/unpacked_fixed_file.dat")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).ends_with("1 file checked: 9 errors, 11 warnings\n"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn inspect_masks_ssns_unless_revealed() {
    let f = fixture("valid.dat");
    let o = metro2(&["inspect", &f]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(!out.contains("123456789"), "full SSN shown");
    assert!(!out.contains("587654321"), "full J1 SSN shown");
    assert!(out.contains("*****6789"));
    assert!(out.contains("record 2 BASE (byte offset 561)"));
    assert!(out.contains("11: current account"));
    // Dates of birth are hidden entirely, raw and decoded.
    assert!(
        !out.contains("01011980") && !out.contains("1980-01-01"),
        "{out}"
    );
    assert!(out.contains("|********|  **********"), "{out}");
    let o = metro2(&["inspect", &f, "--reveal", "--record", "2"]);
    let out = stdout(&o);
    assert!(out.contains("123456789"));
    assert!(out.contains("|01011980|  1980-01-01"), "{out}");
    assert!(!out.contains("record 1 HEADER"));
}

#[test]
fn inspect_masks_a_damaged_ssn_without_failing() {
    // A byte that is not UTF-8 inside the SSN: shown as U+FFFD, masked by characters.
    let mut bytes = std::fs::read(fixture("valid.dat")).unwrap();
    let start = position(&bytes, b"123456789");
    bytes[start + 6] = 0xFF;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("damaged.dat");
    std::fs::write(&f, &bytes).unwrap();
    let o = metro2(&["inspect", f.to_str().unwrap(), "--record", "2"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout(&o).contains("|*****6\u{fffd}89|"), "{}", stdout(&o));
}

fn position(bytes: &[u8], needle: &[u8]) -> usize {
    bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the fixture holds the value")
}

#[test]
fn inspect_of_a_file_without_records_fails() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("empty.dat");
    std::fs::write(&f, b"").unwrap();
    let o = metro2(&["inspect", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert!(String::from_utf8_lossy(&o.stderr).contains("M2S-015"));
}

#[test]
fn inspect_json_and_yaml() {
    let f = fixture("valid.dat");
    let o = metro2(&["inspect", &f, "--record", "3", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["records"].as_array().unwrap().len(), 1);
    let base = &v["records"][0]["segments"][0];
    assert_eq!(base["segment"], "base");
    let status = base["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "account_status")
        .unwrap();
    assert_eq!(status["raw"], "71");
    assert_eq!(status["start"], 124);
    let o = metro2(&["inspect", &f, "--record", "5", "--format", "yaml"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("segment: trailer"));
    let o = metro2(&["inspect", &f, "--record", "9"]);
    assert_ne!(o.status.code(), Some(0));
}

fn convert(input: &str, to: &str, extra: &[&str], out: &Path) -> Output {
    let mut args = vec!["convert", input, "--to", to, "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    metro2(&args)
}

#[test]
fn convert_to_metro2_refuses_unknown_keys_and_checks_what_it_writes() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("file.json");
    let o = convert(&fixture("valid.dat"), "json", &[], &json);
    assert_eq!(o.status.code(), Some(0));
    // SSNs and dates of birth in full: readable by the owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&json).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }
    let text = std::fs::read_to_string(&json).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();

    // `J1` for `j1`: refused at its place, not written without its co-borrowers.
    let mut renamed = doc.clone();
    let j1 = renamed["records"][0]
        .as_object_mut()
        .unwrap()
        .remove("j1")
        .unwrap();
    renamed["records"][0]["J1"] = j1;
    let bad = dir.path().join("renamed.json");
    std::fs::write(&bad, serde_json::to_vec_pretty(&renamed).unwrap()).unwrap();
    let out = dir.path().join("renamed.dat");
    let o = convert(bad.to_str().unwrap(), "metro2", &[], &out);
    assert_ne!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("`J1`") && err.contains("renamed.json:80:10"),
        "{err}"
    );
    assert!(!out.exists());

    // A masked SSN pasted into the numeric field: written as given (a round trip keeps what
    // it is given) but reported, and the exit code says so.
    doc["records"][0]["base"]["social_security_number"] = "*****6789".into();
    let masked = dir.path().join("masked.json");
    std::fs::write(&masked, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let out = dir.path().join("masked.dat");
    let o = convert(masked.to_str().unwrap(), "metro2", &[], &out);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("social_security_number"), "{err}");
}

#[test]
fn convert_to_json_of_a_json_file_says_so_in_a_few_lines() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("file.json");
    let o = convert(&fixture("valid.dat"), "json", &[], &json);
    assert_eq!(o.status.code(), Some(0));
    let again = dir.path().join("again.json");
    let o = convert(json.to_str().unwrap(), "json", &[], &again);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("did you mean --to metro2?"), "{err}");
    assert!(err.lines().count() < 40, "{err}");
}

#[test]
fn convert_to_json_and_back_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("file.json");
    let back = dir.path().join("back.dat");
    let o = convert(&fixture("valid.dat"), "json", &[], &json);
    assert_eq!(o.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(doc["records"][0]["base"]["current_balance"], "000020000");
    assert_eq!(
        doc["records"][0]["j1"][0]["surname"]
            .as_str()
            .unwrap()
            .trim(),
        "DOE"
    );
    let o = convert(json.to_str().unwrap(), "metro2", &[], &back);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        std::fs::read(&back).unwrap(),
        std::fs::read(fixture("valid.dat")).unwrap()
    );

    let var = dir.path().join("var.dat");
    let o = convert(
        json.to_str().unwrap(),
        "metro2",
        &["--blocking", "variable", "--newlines", "crlf"],
        &var,
    );
    assert_eq!(o.status.code(), Some(0));
    let bytes = std::fs::read(&var).unwrap();
    assert_eq!(&bytes[..14], b"04300426HEADER");
    let o = metro2(&["validate", var.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn convert_names_the_place_of_a_bad_value() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("bad.json");
    std::fs::write(
        &json,
        r#"{"header": {}, "records": [{"base": {"current_balance": "12A"}}]}"#,
    )
    .unwrap();
    let o = convert(
        json.to_str().unwrap(),
        "metro2",
        &[],
        &dir.path().join("x.dat"),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("records[0].base.current_balance"), "{err}");
}

#[test]
fn a_file_the_writer_produced_validates_clean() {
    use metro2_engine::layout::SegmentKind;
    use metro2_engine::writer::{write_file, WriteOptions};
    use metro2_engine::{DataRecord, FieldValue, Segment};
    let mut h = Segment::blank(SegmentKind::Header);
    for (k, v) in [
        ("activity_date", "01312026"),
        ("date_created", "01312026"),
        ("reporter_name", "Acme Lending"),
        ("reporter_address", "1 Main St Austin TX"),
    ] {
        h.set_key(k, &FieldValue::Text(v)).unwrap();
    }
    let mut b = Segment::blank(SegmentKind::Base);
    for (k, v) in [
        ("processing_indicator", "1"),
        ("identification_number", "ACME01"),
        ("consumer_account_number", "LN1"),
        ("portfolio_type", "R"),
        ("account_type", "18"),
        ("date_opened", "01012020"),
        ("terms_duration", "REV"),
        ("account_status", "11"),
        ("payment_history_profile", "000000000000000000000000"),
        ("date_of_account_information", "01312026"),
        ("surname", "doe"),
        ("first_name", "jane"),
        ("social_security_number", "123456789"),
        ("ecoa_code", "1"),
        ("first_line_of_address", "1 main st"),
        ("city", "austin"),
        ("state", "tx"),
        ("postal_code", "78701"),
    ] {
        b.set_key(k, &FieldValue::Text(v)).unwrap();
    }
    let bytes = write_file(&h, &[DataRecord::new(b)], &WriteOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.dat");
    std::fs::write(&p, bytes).unwrap();
    let o = metro2(&["validate", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

/// In a packed file (and any file whose records are not their bytes one to one), `inspect`
/// gives each field the file offset `validate` names, so the two can be read side by side.
#[test]
fn inspect_and_validate_agree_on_offsets_in_a_packed_file() {
    let sample = fixture("moov/packed_file.dat");
    let v: serde_json::Value =
        serde_json::from_slice(&metro2(&["validate", &sample, "--format", "json"]).stdout).unwrap();
    let i: serde_json::Value =
        serde_json::from_slice(&metro2(&["inspect", &sample, "--format", "json"]).stdout).unwrap();
    let mut compared = 0;
    for f in v["files"][0]["findings"].as_array().unwrap() {
        let (Some(record), Some(segment), Some(field)) = (
            f["record"].as_u64(),
            f["segment"].as_str(),
            f["field"].as_str(),
        ) else {
            continue;
        };
        let rec = i["records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["record"].as_u64() == Some(record))
            .unwrap();
        let shown = rec["segments"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["segment"] == segment)
            .flat_map(|s| s["fields"].as_array().unwrap())
            .find(|x| x["key"] == field)
            .unwrap();
        assert_eq!(
            shown["offset"], f["offset"],
            "record {record} {segment}.{field}"
        );
        compared += 1;
    }
    assert!(compared >= 5, "only {compared} findings with a field");
}

#[test]
fn inspect_of_a_record_past_the_end_says_how_many_there_are() {
    let o = metro2(&["inspect", &fixture("valid.dat"), "--record", "99"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("there is no record 99: the file has 5 (numbered from 1, the header first)"),
        "{err}"
    );
    let o = metro2(&["inspect", &fixture("valid.dat"), "--record", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("counting starts at 1"));
}
