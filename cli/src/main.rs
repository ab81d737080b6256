//! The `metro2` command: Metro 2 files, `.m2map` mappings, LoanPro sync, the SQLite store and the
//! bureau file.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{FromArgMatches, Parser, Subcommand};

use metro2::commands;

/// The month's work, as `metro2 --help` ends with it.
const EXAMPLES: &str = "\
Examples:
  metro2 demo                                      the whole job on a local LoanPro simulator
  metro2 connect loanpro --name acme --instance-id ID --token-env LOANPRO_TOKEN --furnisher-id ID
  metro2 sync                                      pull, map, validate and store what changed
  metro2 runs --failures                           what the syncs did, and the loans that failed
  metro2 export --period 2026-10                   the bureau file and its held-back report
  metro2 validate FILE.txt                         every finding, by record and byte
  metro2 check MAP.m2map && metro2 map --map MAP.m2map --as-of 2026-10-31 loan.json --format explain

Exit codes: 0 done, 1 found problems, 2 could not run, 3 sync completed with failed loans, 130 signal.";

/// Metro 2 credit reporting for LoanPro lenders.
#[derive(Debug, Parser)]
#[command(
    name = "metro2",
    version,
    about,
    propagate_version = true,
    after_help = EXAMPLES
)]
struct Cli {
    /// The SQLite database.
    #[arg(long, global = true, env = "METRO2_DB", default_value = "metro2.db")]
    db: PathBuf,
    /// More log output (repeat for more); logs go to standard error.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate Metro 2 files: every finding, located by record, byte offset and field.
    Validate(commands::validate::Args),
    /// Show every field of every segment of a Metro 2 file.
    Inspect(commands::inspect::Args),
    /// Convert a Metro 2 file to JSON and back.
    Convert(commands::convert::Args),
    /// Check .m2map mapping files and print their diagnostics.
    Check(commands::check::Args),
    /// Format .m2map mapping files in the one canonical layout.
    Fmt(commands::fmt::Args),
    /// Print the optimised evaluation plan of a mapping file.
    Plan(commands::plan::Args),
    /// Map LoanPro loan documents to Metro 2 segments with a mapping file.
    ///
    /// Each document ends `ok`, `invalid` (mapped, but one of the mapping's error rules or the
    /// validator found an error: held back from `--format metro2` output, with the findings on
    /// standard error), `skipped` or `error` (it could not be mapped). Exits 1 when a document
    /// could not be mapped, 0 otherwise.
    Map(commands::map::Args),
    /// Print the data dictionary of a mapping file.
    Dictionary(commands::dictionary::Args),
    /// Connect a LoanPro tenant.
    Connect(commands::connect::Args),
    /// Show or change a connection's settings.
    #[command(subcommand)]
    Connection(commands::connection::Command),
    /// Pull loans from LoanPro, map, validate and store them.
    ///
    /// Loans that failed in earlier runs are pulled again first, until they succeed.
    ///
    /// Exit codes: 0 every loan pulled was stored and mapped; 3 the run completed but some
    /// loans failed or could not be mapped (`metro2 runs --failures` lists them; the next sync
    /// retries the failed ones); 1 the run stopped (a refused token, the database, or LoanPro
    /// not answering for 20 loans in a row; the next sync resumes where it stopped); 130
    /// stopped by a signal.
    ///
    /// SIGTERM or Ctrl-C stops the run after the loans in flight: they are committed, the exit
    /// code is 130, and the next sync resumes where this one stopped. A second signal quits at
    /// once (the next sync still resumes after the last committed page).
    Sync(commands::sync::Args),
    /// A connection's sync runs, newest first, and the loans that failed in them.
    ///
    /// STATUS is the run's: `ok` when it went through every loan (loans that failed are
    /// counted in FAILED, and `sync` exited 3), `interrupted` or `failed` when it stopped,
    /// `running` while it runs. The counts are loans: FETCHED pulled from LoanPro; MAPPED
    /// stored with an ok record; SKIPPED not reported this month (the mapping's skip rules);
    /// INVALID mapped but rejected by an error rule or the validator (held back from the
    /// export); UNMAPPED whose document could not be mapped; FAILED not pulled or not stored
    /// (retried first by the next sync); UNCHANGED whose LoanPro document was the same as the
    /// one stored before.
    Runs(commands::runs::Args),
    /// List the stored Metro 2 records.
    Records(commands::records::Args),
    /// Explain a stored record: how each value was derived, re-mapped from the stored document
    /// and template version, and whether that gives the stored bytes.
    Explain(commands::explain::Args),
    /// A connection's mapping templates.
    #[command(subcommand)]
    Templates(commands::templates::Command),
    /// Write the monthly Metro 2 file for the bureaus.
    Export(commands::export::Args),
    /// Run the webhook server and the sync scheduler.
    Serve(commands::serve::Args),
    /// Bureau responses.
    #[command(subcommand)]
    Responses(commands::responses::Command),
    /// Write bureau outcomes back to LoanPro (opt-in per connection).
    Writeback(commands::writeback::Args),
    /// Run a local LoanPro simulator.
    #[command(name = "loanpro-sim")]
    LoanproSim(commands::loanpro_sim::Args),
    /// The whole job on a local simulator: connect, sync, export, summary.
    Demo(commands::demo::Args),
    /// Print a shell completion script (for example `metro2 completions bash >
    /// ~/.local/share/bash-completion/completions/metro2`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// The commands that never open the database `--db` names (`demo` makes its own): their help
/// does not list `--db` (it is still accepted there, as a global flag is, so `metro2 --db X
/// check ...` in a script keeps working).
const WITHOUT_DATABASE: [&str; 11] = [
    "validate",
    "inspect",
    "convert",
    "check",
    "fmt",
    "plan",
    "map",
    "dictionary",
    "loanpro-sim",
    "completions",
    "demo",
];

/// The command line: [`Cli`] with `--db` hidden where it means nothing.
fn command() -> clap::Command {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    // Building propagates the global flags to every subcommand; only then can one be hidden.
    cmd.build();
    for name in WITHOUT_DATABASE {
        // In place: `mut_arg` moves the flag to the end of a built command's list, where
        // the index clap built points `--help` at `--version`.
        cmd = cmd.mut_subcommand(name, |sub| {
            sub.mut_args(|a| if a.get_id() == "db" { a.hide(true) } else { a })
        });
    }
    cmd
}

fn main() -> ExitCode {
    let matches = command().get_matches();
    let db_named = matches!(
        matches.value_source("db"),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    );
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if !cli.command.is_long_running() {
        quit_quietly_on_closed_pipe();
    }
    init_logging(cli.verbose);
    init_error_reports();
    let ctx = commands::Context {
        db: cli.db,
        db_named,
    };
    let result = match cli.command {
        Command::Validate(a) => commands::validate::run(a, &ctx),
        Command::Inspect(a) => commands::inspect::run(a, &ctx),
        Command::Convert(a) => commands::convert::run(a, &ctx),
        Command::Check(a) => commands::check::run(a, &ctx),
        Command::Fmt(a) => commands::fmt::run(a, &ctx),
        Command::Plan(a) => commands::plan::run(a, &ctx),
        Command::Map(a) => commands::map::run(a, &ctx),
        Command::Dictionary(a) => commands::dictionary::run(a, &ctx),
        Command::Connect(a) => commands::connect::run(a, &ctx),
        Command::Connection(c) => commands::connection::run(c, &ctx),
        Command::Sync(a) => commands::sync::run(a, &ctx),
        Command::Runs(a) => commands::runs::run(a, &ctx),
        Command::Records(a) => commands::records::run(a, &ctx),
        Command::Explain(a) => commands::explain::run(a, &ctx),
        Command::Templates(c) => commands::templates::run(c, &ctx),
        Command::Export(a) => commands::export::run(a, &ctx),
        Command::Serve(a) => commands::serve::run(a, &ctx),
        Command::Responses(c) => commands::responses::run(c, &ctx),
        Command::Writeback(a) => commands::writeback::run(a, &ctx),
        Command::LoanproSim(a) => commands::loanpro_sim::run(a, &ctx),
        Command::Demo(a) => commands::demo::run(a, &ctx),
        Command::Completions { shell } => {
            let mut cmd = command();
            clap_complete::generate(shell, &mut cmd, "metro2", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(2)
        }
    }
}

impl Command {
    /// Commands that serve sockets until stopped; they keep Rust's default of ignoring `SIGPIPE`,
    /// so a reader going away never kills a server.
    fn is_long_running(&self) -> bool {
        matches!(
            self,
            Command::Serve(_) | Command::LoanproSim(_) | Command::Demo(_)
        )
    }
}

/// Lets `metro2 map ... | head` end the way Unix tools do when the reader closes the pipe: the
/// process stops at its next write, without a panic from `println!` (Rust ignores `SIGPIPE`, so
/// every write would otherwise fail and `print!` turns that failure into exit code 101).
fn quit_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any thread is spawned; restoring the default
    // disposition of a signal has no other effect on the process.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("METRO2_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour_on_stderr())
        .init();
}

/// Whether standard error gets colour: a terminal, and no `NO_COLOR`. Logs that go to a file
/// or to cron's mail must not carry escape codes.
fn colour_on_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// How a command's error is printed: wrapped to the terminal when there is one; otherwise
/// whole lines, so a command the message suggests (`metro2 connection set acme
/// --equifax-id ...`) is never split in the middle for a log or a script to read.
fn init_error_reports() {
    let terminal = std::io::stderr().is_terminal();
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .wrap_lines(terminal)
                .color(colour_on_stderr())
                .build(),
        )
    }));
}

#[cfg(test)]
mod tests {
    use super::{command, WITHOUT_DATABASE};

    /// `metro2 NAME --help` as the command line prints it (the path a user takes, which
    /// renders the help of the subcommand as parsing found it).
    fn help_printed(name: &str) -> String {
        let e = command()
            .try_get_matches_from(["metro2", name, "--help"])
            .expect_err("--help stops parsing");
        assert_eq!(e.kind(), clap::error::ErrorKind::DisplayHelp, "{name}");
        e.render().to_string()
    }

    #[test]
    fn every_command_prints_its_help() {
        for sub in command().get_subcommands() {
            let name = sub.get_name();
            if name == "help" {
                continue;
            }
            let help = help_printed(name);
            assert!(help.contains("Usage: metro2 "), "{name}: {help}");
            let about = sub
                .get_about()
                .expect("every command has an about")
                .to_string();
            assert!(help.contains(about.trim_end_matches('.')), "{name}: {help}");
            assert_eq!(
                help.contains("--db"),
                !WITHOUT_DATABASE.contains(&name),
                "{name}"
            );
        }
    }

    #[test]
    fn db_is_listed_only_where_a_database_is_opened() {
        for name in WITHOUT_DATABASE {
            assert!(!help_printed(name).contains("--db"), "{name}");
        }
        for name in ["sync", "records", "export", "connect", "runs"] {
            assert!(help_printed(name).contains("--db"), "{name}");
        }
        // Still accepted before or after a command that does not use it.
        for args in [
            ["metro2", "--db", "x.db", "check", "a.m2map"],
            ["metro2", "check", "--db", "x.db", "a.m2map"],
        ] {
            command().try_get_matches_from(args).expect("parses");
        }
    }

    /// Clap's own consistency checks over every subcommand: duplicate flags, a positional
    /// argument clashing with `--version`, a global flag redefined, and so on.
    #[test]
    fn the_command_line_definition_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn completions_name_every_command() {
        let mut out = Vec::new();
        clap_complete::generate(
            clap_complete::Shell::Bash,
            &mut command(),
            "metro2",
            &mut out,
        );
        let script = String::from_utf8(out).unwrap();
        for sub in command().get_subcommands() {
            assert!(script.contains(sub.get_name()), "{}", sub.get_name());
        }
    }
}
