//! The LoanPro preset's fixtures and parameters, as the tests that map them read them.

use chrono::NaiveDate;
use metro2_engine::plan::{Outcome, Params};
use metro2_engine::value::Value;

/// The furnisher id the tests map with.
pub const FURNISHER: &str = "FURN12345";

/// The preset's parameters as of `as_of`.
pub fn params(as_of: NaiveDate) -> Params {
    Params::new()
        .with("as_of", Value::Date(as_of))
        .with("furnisher_id", Value::text(FURNISHER))
}

/// The JSON files of a folder of `fixtures/loanpro` (`""` for the folder itself), as (file
/// name, text), by name.
pub fn fixtures(dir: &str) -> Vec<(String, String)> {
    let dir = format!("{}/../fixtures/loanpro/{dir}", env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let name = p
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read_to_string(&p).expect("readable"))
        })
        .collect();
    out.sort();
    out
}

/// Everything an outcome says, to compare two ways of mapping one document: every segment's
/// bytes, each finding (rule, severity, line, message), the skip, or the failure. (An
/// outcome's `Debug` names its segments without their bytes, which hold identities, so it
/// cannot tell two records apart.)
pub fn outcome_text(o: &Outcome) -> String {
    match o {
        Outcome::Mapped { record, findings } => {
            let mut s: String = record
                .segments()
                .map(|seg| String::from_utf8_lossy(seg.as_bytes()).into_owned() + "\n")
                .collect();
            for f in findings {
                s.push_str(&format!(
                    "finding {} {:?} line {}: {}\n",
                    f.rule, f.severity, f.line, f.message
                ));
            }
            s
        }
        Outcome::Skipped { reason, line } => format!("skipped at {line}: {reason}"),
        Outcome::Error(e) => format!("error {e:?}"),
    }
}
