//! `metro2 plan`: the optimised evaluation plan of a mapping file, for reviewers.

use std::process::ExitCode;

use miette::miette;

use super::Context;

/// Arguments of `metro2 plan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The mapping file.
    pub file: std::path::PathBuf,
}

/// Runs the command: prints the plan, or the diagnostics (exit 1) when the file has errors.
pub fn run(args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    let name = args.file.display().to_string();
    let source =
        std::fs::read_to_string(&args.file).map_err(|e| miette!("cannot read {name}: {e}"))?;
    match m2map::compile(&source, &name) {
        Ok(c) => {
            if !c.warnings.is_empty() {
                eprint!("{}", super::check::render(&c.warnings));
            }
            print!("{}", c.plan);
            Ok(ExitCode::SUCCESS)
        }
        Err(d) => {
            eprint!("{}", super::check::render(&d));
            Ok(ExitCode::from(1))
        }
    }
}
