//! `metro2 fmt`: the one canonical layout of mapping files.

use std::process::ExitCode;

use miette::miette;

use super::Context;

/// Arguments of `metro2 fmt`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only check that the files are formatted; exit 1 when one is not.
    #[arg(long)]
    pub check: bool,
    /// Mapping files to format in place.
    #[arg(required = true)]
    pub files: Vec<std::path::PathBuf>,
}

/// Runs the command. A file with syntax errors, or an empty one, is left alone and reported
/// (exit 1); a file that cannot be read is reported and the others are still formatted (exit 2,
/// as `check` and `validate`).
pub fn run(args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    let mut failed = false;
    let mut unreadable = false;
    for path in &args.files {
        let name = path.display().to_string();
        let source = match std::fs::read_to_string(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{name}: cannot read the file: {e}");
                unreadable = true;
                continue;
            }
        };
        if source.trim().is_empty() {
            eprintln!("{name}: empty: nothing to format (a mapping starts with `m2map 1`)");
            failed = true;
            continue;
        }
        let formatted = match m2map::format(&source) {
            Ok(f) => f,
            Err(mut d) => {
                d.file_name = name.clone();
                eprint!("{}", super::check::render(&d));
                eprintln!("{name}: not formatted (fix the syntax errors first)");
                failed = true;
                continue;
            }
        };
        if formatted == source {
            continue;
        }
        if args.check {
            println!(
                "{name}: not formatted ({})",
                first_difference(&source, &formatted)
            );
            failed = true;
        } else {
            std::fs::write(path, &formatted).map_err(|e| miette!("cannot write {name}: {e}"))?;
            println!("{name}: formatted");
        }
    }
    Ok(if unreadable {
        ExitCode::from(2)
    } else if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Where a file first differs from its formatted text, so `--check` points at a line.
fn first_difference(source: &str, formatted: &str) -> String {
    if source.contains("\r\n") {
        return "CRLF line endings; fmt writes LF".to_string();
    }
    let mut theirs = source.lines();
    for (i, ours) in formatted.lines().enumerate() {
        match theirs.next() {
            Some(line) if line == ours => continue,
            Some(line) if line.contains('\t') => {
                return format!("line {}: a tab; fmt indents with spaces", i + 1)
            }
            Some(_) => return format!("line {} differs: fmt writes `{}`", i + 1, ours.trim()),
            None => return format!("line {}: fmt adds `{}`", i + 1, ours.trim()),
        }
    }
    match theirs.next() {
        Some(_) => format!(
            "from line {}: blank lines or text fmt removes",
            formatted.lines().count() + 1
        ),
        None => "the end of the file: one newline".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::first_difference;

    #[test]
    fn check_names_the_first_difference() {
        assert_eq!(
            first_difference("m2map 1\r\nlet x = 1\r\n", "m2map 1\nlet x = 1\n"),
            "CRLF line endings; fmt writes LF"
        );
        assert_eq!(
            first_difference("m2map 1\nlet x=1\n", "m2map 1\nlet x = 1\n"),
            "line 2 differs: fmt writes `let x = 1`"
        );
        assert_eq!(
            first_difference("m2map 1\n\tlet x = 1\n", "m2map 1\nlet x = 1\n"),
            "line 2: a tab; fmt indents with spaces"
        );
        assert_eq!(
            first_difference("m2map 1\nlet x = 1", "m2map 1\nlet x = 1\n"),
            "the end of the file: one newline"
        );
        assert_eq!(
            first_difference("m2map 1\n\n\n", "m2map 1\n"),
            "from line 2: blank lines or text fmt removes"
        );
    }
}
