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
            println!("{name}: not formatted");
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
