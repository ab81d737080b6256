//! `metro2 check`: the diagnostics of mapping files.

use std::io::IsTerminal;
use std::process::ExitCode;

use super::Context;

/// Arguments of `metro2 check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Mapping files to check.
    #[arg(required = true)]
    pub files: Vec<std::path::PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

/// Output formats of `metro2 check`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Rendered diagnostics (colour on a terminal).
    Human,
    /// JSON, for editors and CI.
    Json,
}

/// The width diagnostics are wrapped at.
pub const WIDTH: usize = 100;

/// Renders diagnostics for people: colour when standard error is a terminal, plain otherwise.
pub fn render(d: &m2map::Diagnostics) -> String {
    if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        d.render_color(WIDTH)
    } else {
        d.render_plain(WIDTH)
    }
}

/// Runs the command. Exit code 1 when any file has an error (warnings alone pass), 2 when a
/// file could not be read (as `metro2 validate`); the files that could be read are reported
/// either way, and each unreadable one counts as an error.
pub fn run(args: Args, _ctx: &Context) -> miette::Result<ExitCode> {
    let mut errors = 0;
    let mut warnings = 0;
    let mut unreadable = 0;
    let mut json = Vec::new();
    for path in &args.files {
        let name = path.display().to_string();
        let source = match std::fs::read_to_string(path) {
            Ok(s) => s,
            Err(e) => {
                unreadable += 1;
                errors += 1;
                let message = format!("cannot read the file: {e}");
                match args.format {
                    Format::Human => eprintln!("{name}: {message}"),
                    // The shape of a diagnostic, without a code or a place: there is no text.
                    Format::Json => json.push(serde_json::json!({
                        "file": name,
                        "code": null,
                        "severity": "error",
                        "message": message,
                        "line": 0,
                        "column": 0,
                        "end_line": 0,
                        "end_column": 0,
                        "label": "",
                        "related": [],
                        "help": null,
                    })),
                }
                continue;
            }
        };
        let diags = m2map::check(&source, &name);
        errors += diags.error_count();
        warnings += diags.warning_count();
        match args.format {
            Format::Human => {
                let text =
                    if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
                        diags.render_color(WIDTH)
                    } else {
                        diags.render_plain(WIDTH)
                    };
                print!("{text}");
            }
            Format::Json => {
                if let serde_json::Value::Array(items) = diags.to_json() {
                    json.extend(items);
                }
            }
        }
    }
    match args.format {
        Format::Human => println!(
            "{} file{} checked: {errors} error{}, {warnings} warning{}",
            args.files.len(),
            if args.files.len() == 1 { "" } else { "s" },
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" },
        ),
        Format::Json => println!("{}", serde_json::Value::Array(json)),
    }
    Ok(if unreadable > 0 {
        ExitCode::from(2)
    } else if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
