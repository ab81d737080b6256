//! `metro2 templates list | show | diff | add`.

use std::process::ExitCode;

use miette::IntoDiagnostic;

use super::Context;
use crate::store::Store;
use crate::sync::mapping::{params_a_sync_cannot_give, SYNC_PARAMS};
use crate::sync::preset;

/// `metro2 templates` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List a connection's template versions.
    List {
        /// The connection (the only one when absent).
        #[arg(long)]
        connection: Option<String>,
    },
    /// Print one version's source.
    Show {
        /// The connection (the only one when absent).
        #[arg(long)]
        connection: Option<String>,
        /// The version number (the newest when absent).
        // Positional, not `--version`: that flag is the program's own.
        #[arg(value_name = "VERSION")]
        number: Option<i64>,
    },
    /// Save a mapping file as the connection's next template version (the next sync maps with
    /// it). The file is checked first: it is not saved when it has an error.
    ///
    /// It is then tried on the documents of the connection's stored records of its newest
    /// period and compared with them: the records that would change status (ok → error, ok →
    /// invalid, error → ok, ...) and, for records that stay mapped, how many change each field,
    /// with a few example loans (identities masked). It is not saved (exit 1) when a stored ok
    /// record would become an error or invalid record, unless `--force`: a template that
    /// compiles can still fail on every loan, and the next sync would replace the period's good
    /// records. Changed values alone never stop it. A connection without records saves as is.
    Add {
        /// The connection (the only one when absent).
        #[arg(long)]
        connection: Option<String>,
        /// What changed, kept with the version (shown by `templates list`).
        #[arg(long)]
        note: Option<String>,
        /// Save even when stored ok records would become error or invalid records.
        #[arg(long)]
        force: bool,
        /// The .m2map file.
        file: std::path::PathBuf,
    },
    /// Diff two versions, or a version against the shipped preset.
    ///
    /// Exits 0 when they are the same, 1 when they differ (as diff(1) does), 2 on an error.
    Diff {
        /// The connection (the only one when absent).
        #[arg(long)]
        connection: Option<String>,
        /// The older side: a version number or `preset`.
        from: String,
        /// The newer side: a version number or `preset` (the newest version when absent).
        to: Option<String>,
    },
}

/// Runs the command.
pub fn run(cmd: Command, ctx: &Context) -> miette::Result<ExitCode> {
    let mut store = ctx.store()?;
    match cmd {
        Command::Add {
            connection,
            note,
            force,
            file,
        } => {
            return add(
                &mut store,
                connection.as_deref(),
                note.as_deref(),
                &file,
                force,
            )
        }
        Command::List { connection } => {
            let conn = store
                .resolve_connection(connection.as_deref())
                .into_diagnostic()?;
            println!("{:<8} {:<21} {:>6}  NOTE", "VERSION", "CREATED", "LINES");
            for t in store.templates(conn.id).into_diagnostic()? {
                let same = if t.source == preset::LOANPRO_PRESET {
                    " (same as the shipped preset)"
                } else {
                    ""
                };
                println!(
                    "{:<8} {:<21} {:>6}  {}{}",
                    t.version,
                    t.created_at,
                    t.source.lines().count(),
                    t.note.as_deref().unwrap_or(""),
                    same
                );
            }
        }
        Command::Show { connection, number } => {
            let conn = store
                .resolve_connection(connection.as_deref())
                .into_diagnostic()?;
            let t = store.template(conn.id, number).into_diagnostic()?;
            print!("{}", t.source);
            if !t.source.ends_with('\n') {
                println!();
            }
        }
        Command::Diff {
            connection,
            from,
            to,
        } => {
            let conn = store
                .resolve_connection(connection.as_deref())
                .into_diagnostic()?;
            let side = |s: Option<&str>| -> miette::Result<(String, String)> {
                match s {
                    Some("preset") => Ok((
                        preset::LOANPRO_PRESET_NAME.to_string(),
                        preset::LOANPRO_PRESET.to_string(),
                    )),
                    Some(v) => {
                        let v: i64 = v.trim_start_matches('v').parse().map_err(|_| {
                            miette::miette!("{v:?} is neither a version number nor `preset`")
                        })?;
                        let t = store.template(conn.id, Some(v)).into_diagnostic()?;
                        Ok((format!("{} v{}", conn.name, t.version), t.source))
                    }
                    None => {
                        let t = store.template(conn.id, None).into_diagnostic()?;
                        Ok((format!("{} v{}", conn.name, t.version), t.source))
                    }
                }
            };
            let (a_name, a) = side(Some(&from))?;
            let (b_name, b) = side(to.as_deref())?;
            let diff = unified_diff(&a_name, &a, &b_name, &b, 3);
            if diff.is_empty() {
                println!("{a_name} and {b_name} are identical");
            } else {
                print!("{diff}");
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A unified diff of two texts by lines, with `context` lines around each change; empty when
/// they are equal.
pub fn unified_diff(a_name: &str, a: &str, b_name: &str, b: &str, context: usize) -> String {
    let a: Vec<&str> = a.lines().collect();
    let b: Vec<&str> = b.lines().collect();
    let ops = line_ops(&a, &b);
    if ops.iter().all(|o| matches!(o, Op::Same(..))) {
        return String::new();
    }
    let mut out = format!("--- {a_name}\n+++ {b_name}\n");
    // Group changes closer than 2 × context into hunks.
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, o)| !matches!(o, Op::Same(..)))
        .map(|(i, _)| i)
        .collect();
    let mut i = 0;
    while i < changed.len() {
        let start = changed[i].saturating_sub(context);
        let mut end = changed[i];
        while i + 1 < changed.len() && changed[i + 1] <= end + 2 * context + 1 {
            i += 1;
            end = changed[i];
        }
        let end = (end + context + 1).min(ops.len());
        let (mut a_line, mut b_line) = (1, 1);
        for o in &ops[..start] {
            match o {
                Op::Same(..) => {
                    a_line += 1;
                    b_line += 1;
                }
                Op::Del(_) => a_line += 1,
                Op::Add(_) => b_line += 1,
            }
        }
        let hunk = &ops[start..end];
        let a_len = hunk.iter().filter(|o| !matches!(o, Op::Add(_))).count();
        let b_len = hunk.iter().filter(|o| !matches!(o, Op::Del(_))).count();
        out += &format!("@@ -{a_line},{a_len} +{b_line},{b_len} @@\n");
        for o in hunk {
            match o {
                Op::Same(l) => out += &format!(" {l}\n"),
                Op::Del(l) => out += &format!("-{l}\n"),
                Op::Add(l) => out += &format!("+{l}\n"),
            }
        }
        i += 1;
    }
    out
}

enum Op<'a> {
    Same(&'a str),
    Del(&'a str),
    Add(&'a str),
}

/// The line edit script of a longest common subsequence (templates are hundreds of lines, so
/// the quadratic table is small).
fn line_ops<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<Op<'a>> {
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] = if a[i] == b[j] {
                lcs[at(i + 1, j + 1)] + 1
            } else {
                lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::with_capacity(n.max(m));
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push(Op::Same(a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[at(i + 1, j)] >= lcs[at(i, j + 1)]) {
            // Deletions first, as diff(1) shows a changed line.
            ops.push(Op::Del(a[i]));
            i += 1;
        } else {
            ops.push(Op::Add(b[j]));
            j += 1;
        }
    }
    ops
}

/// `templates add`: check, try on the stored records, then save as the next version. Exit 1,
/// nothing saved, when the file has an error, needs a parameter a sync cannot give, or (without
/// `force`) would turn stored ok records into error or invalid records.
fn add(
    store: &mut Store,
    connection: Option<&str>,
    note: Option<&str>,
    file: &std::path::Path,
    force: bool,
) -> miette::Result<ExitCode> {
    let conn = store.resolve_connection(connection).into_diagnostic()?;
    let name = file.display().to_string();
    let source =
        std::fs::read_to_string(file).map_err(|e| miette::miette!("cannot read {name}: {e}"))?;
    let compiled = match m2map::compile(&source, &name) {
        Ok(c) => c,
        Err(diags) => {
            eprint!("{}", super::check::render(&diags));
            eprintln!(
                "not saved: {name} has {} error(s); `metro2 check {name}` shows them again",
                diags.error_count()
            );
            return Ok(ExitCode::from(1));
        }
    };
    if !compiled.warnings.is_empty() {
        eprint!("{}", super::check::render(&compiled.warnings));
    }
    let unknown = params_a_sync_cannot_give(&compiled.plan);
    if !unknown.is_empty() {
        eprintln!(
            "not saved: {name} declares `param {}`, which a sync cannot give (it gives {})",
            unknown.join("`, `param "),
            SYNC_PARAMS.join(" and ")
        );
        return Ok(ExitCode::from(1));
    }
    let newest = store.template(conn.id, None).ok();
    if let Some(t) = newest.as_ref().filter(|t| t.source == source) {
        println!(
            "{}: unchanged, {name} is template version {} already",
            conn.name, t.version
        );
        return Ok(ExitCode::SUCCESS);
    }
    let version = newest.as_ref().map_or(1, |t| t.version + 1);
    let trial =
        super::template_trial::try_template(store, &conn, &source, version).map_err(|e| {
            miette::miette!(
                "{}: cannot try {name} on the stored records: {e}",
                conn.name
            )
        })?;
    let breaking = trial.as_ref().map_or(0, |t| t.breaking());
    if let Some(t) = &trial {
        print!("{}", t.render());
    }
    if breaking > 0 && !force {
        eprintln!(
            "not saved: {name} would turn {breaking} ok record(s) of {} into error or invalid \
             records, which the next sync stores in their place and the bureau file leaves out; \
             fix the template, or pass --force to save it anyway",
            trial.as_ref().map_or("", |t| t.period.as_str())
        );
        return Ok(ExitCode::from(1));
    }
    let saved = store
        .add_template(conn.id, &source, note)
        .into_diagnostic()?;
    let warnings = match compiled.warnings.warning_count() {
        0 => String::new(),
        n => format!(" with {n} warning(s)"),
    };
    println!(
        "{}: {name} saved as template version {}{warnings}; the next sync maps with it",
        conn.name, saved.version
    );
    if let Some(t) = newest {
        println!(
            "review it: metro2 templates diff {} {}",
            t.version, saved.version
        );
    }
    if breaking > 0 {
        println!(
            "--force: the next sync of {} replaces {breaking} ok record(s) with error or invalid \
             records, and `metro2 export` leaves them out of the bureau file",
            trial.as_ref().map_or("", |t| t.period.as_str())
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_shows_the_changed_lines_with_context() {
        let a = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let b = "a\nb\nc\nD\ne\nf\ng\nh\ni\n";
        let d = unified_diff("x", a, "y", b, 1);
        assert_eq!(
            d,
            "--- x\n+++ y\n@@ -3,3 +3,3 @@\n c\n-d\n+D\n e\n@@ -8,1 +8,2 @@\n h\n+i\n"
        );
        assert_eq!(unified_diff("x", a, "y", a, 3), "");
    }
}
