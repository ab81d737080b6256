//! `metro2 connection set | show`.

use std::io::BufRead;
use std::process::ExitCode;

use miette::IntoDiagnostic;

use super::connect::{verify_access, GivenToken};
use super::Context;
use crate::export::header::phone_digits;
use crate::loanpro::Secret;
use crate::store::{Connection, ConnectionUpdate, SecretSource, Store, WritebackMethod};

/// `metro2 connection` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print a connection's settings, secrets masked.
    Show {
        /// The connection.
        name: String,
    },
    /// Change a connection's settings.
    Set(Box<SetArgs>),
}

/// Arguments of `metro2 connection set`.
#[derive(Debug, clap::Args)]
pub struct SetArgs {
    /// The connection.
    pub name: String,
    /// Equifax program identifier.
    #[arg(long)]
    pub equifax_id: Option<String>,
    /// Experian program identifier.
    #[arg(long)]
    pub experian_id: Option<String>,
    /// TransUnion program identifier.
    #[arg(long)]
    pub transunion_id: Option<String>,
    /// Innovis program identifier.
    #[arg(long)]
    pub innovis_id: Option<String>,
    /// Furnisher identification number.
    #[arg(long)]
    pub furnisher_id: Option<String>,
    /// Reporter name for the header.
    #[arg(long)]
    pub reporter_name: Option<String>,
    /// Reporter address for the header.
    #[arg(long)]
    pub reporter_address: Option<String>,
    /// Reporter telephone for the header.
    #[arg(long)]
    pub reporter_phone: Option<String>,
    /// Sync cadence.
    #[arg(long, value_enum)]
    pub cadence: Option<super::connect::Cadence>,
    /// Write bureau outcomes back to LoanPro.
    #[arg(long, value_enum)]
    pub writeback: Option<OnOff>,
    /// HTTP method of writeback requests.
    #[arg(long, value_parser = ["PUT", "PATCH"], ignore_case = true)]
    pub writeback_method: Option<String>,
    /// Custom field id that receives the latest outcome.
    #[arg(long, value_name = "ID")]
    pub writeback_custom_field: Option<i64>,
    /// Stop writing the latest outcome into a custom field (notes are still written).
    #[arg(long, conflicts_with = "writeback_custom_field")]
    pub no_writeback_custom_field: bool,
    /// Environment variable holding the webhook secret.
    #[arg(long, conflicts_with = "webhook_secret_stdin")]
    pub webhook_secret_env: Option<String>,
    /// Read the webhook secret from standard input.
    #[arg(long)]
    pub webhook_secret_stdin: bool,
    /// Header carrying a static webhook token.
    #[arg(long, requires = "webhook_token_env")]
    pub webhook_token_header: Option<String>,
    /// Environment variable holding the static webhook token.
    #[arg(long, requires = "webhook_token_header")]
    pub webhook_token_env: Option<String>,
    /// The loan field incremental syncs filter on (default `lastUpdated`); a tenant whose loans
    /// lack it is swept in full every run.
    #[arg(long, value_name = "FIELD")]
    pub updated_field: Option<String>,
    /// Replace the API token with the one in this environment variable (the connection keeps
    /// the variable's name, never the token). Verified with LoanPro before anything is saved.
    #[arg(long, value_name = "VAR", conflicts_with = "token_stdin")]
    pub token_env: Option<String>,
    /// Replace the API token with one read from standard input (kept in a file only its owner
    /// can read, next to the database). Verified with LoanPro before anything is saved.
    #[arg(long, conflicts_with = "webhook_secret_stdin")]
    pub token_stdin: bool,
    /// Point the connection at another API base URL: possibly another tenant, so the next sync
    /// is a full sweep. Verified with LoanPro before anything is saved.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Point the connection at another tenant id (`Autopal-Instance-Id`): the next sync is a
    /// full sweep. Verified with LoanPro before anything is saved.
    #[arg(long, value_name = "ID")]
    pub instance_id: Option<String>,
}

/// On or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnOff {
    /// On.
    On,
    /// Off.
    Off,
}

/// Runs the command.
pub fn run(cmd: Command, ctx: &Context) -> miette::Result<ExitCode> {
    let store = ctx.store()?;
    match cmd {
        Command::Show { name } => {
            let conn = store.connection(&name).into_diagnostic()?;
            print!("{}", show(&conn));
        }
        Command::Set(args) => set(&store, &args, ctx)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The API token, base URL and instance id a `set` asks for, verified with LoanPro.
struct Access {
    /// The new token (`--token-env`, `--token-stdin`); `None` keeps the stored one.
    token: Option<GivenToken>,
    /// The base URL verified: the new one or the stored one.
    base_url: String,
    /// The instance id verified: the new one or the stored one.
    instance_id: String,
}

/// Reads a new token, base URL and instance id, and checks the combination they make with the
/// stored settings they leave, as `connect` checks a new connection, before anything is saved.
/// `None` when the `set` gives none of them.
fn verify_access_change(a: &SetArgs, before: &Connection) -> miette::Result<Option<Access>> {
    let new_token = a.token_env.is_some() || a.token_stdin;
    if !new_token && a.base_url.is_none() && a.instance_id.is_none() {
        return Ok(None);
    }
    let token = if new_token {
        Some(GivenToken::read(a.token_env.as_deref())?)
    } else {
        None
    };
    let pick = |new: &Option<String>, old: &str| new.as_deref().unwrap_or(old).trim().to_string();
    let base_url = pick(&a.base_url, &before.base_url);
    if base_url.is_empty() {
        miette::bail!("--base-url: the base URL is empty");
    }
    let instance_id = pick(&a.instance_id, &before.instance_id);
    let secret = match &token {
        Some(t) => t.secret.clone(),
        None => Secret::new(before.token_source.read().map_err(|e| {
            miette::miette!(
                "cannot verify the new settings with the connection's API token: {e}; give the \
                 token again with --token-env or --token-stdin"
            )
        })?),
    };
    let rt = crate::sync::runner::runtime().into_diagnostic()?;
    verify_access(&rt, &base_url, &instance_id, &secret)?;
    Ok(Some(Access {
        token,
        base_url,
        instance_id,
    }))
}

/// `metro2 connection set`: checks every setting given (a new token, base URL or instance id
/// with LoanPro), then saves them together; a `--token-stdin` file in use is replaced only once
/// the connection is saved.
fn set(store: &Store, args: &SetArgs, ctx: &Context) -> miette::Result<()> {
    let before = store.connection(&args.name).into_diagnostic()?;
    let access = verify_access_change(args, &before)?;
    let mut update = update_from(args, ctx)?;
    let mut staged = None;
    if let Some(token) = access.as_ref().and_then(|a| a.token.as_ref()) {
        let (source, file) = token.stage(&ctx.db, &args.name)?;
        update.token_source = Some(source);
        staged = file;
    }
    let moves = update.moves_tenant(&before);
    // The new token file is moved into place inside the update's transaction: any failure,
    // the file's or the database's, leaves every setting and the sync cursor as they were.
    let conn = store
        .update_connection_then(&args.name, &update, || {
            staged.map_or(Ok(()), |s| s.commit().map(drop))
        })
        .map_err(|e| {
            miette::miette!(
                "{e}; the connection's settings and its sync cursor are left as they were"
            )
        })?;
    if let Some(a) = &access {
        if a.token.is_some() {
            println!(
                "api token of {} replaced: LoanPro at {} accepts it for instance id {}; kept in \
                 the {}",
                conn.name, a.base_url, a.instance_id, conn.token_source
            );
            if let Some(old) = retired_token_file(&before, &conn, ctx) {
                match std::fs::remove_file(&old) {
                    Ok(()) => println!("the old token file {} is removed", old.display()),
                    Err(e) => println!(
                        "the old token file {} is no longer used and could not be removed: {e}",
                        old.display()
                    ),
                }
            }
        } else {
            println!(
                "verified: LoanPro at {} accepts the connection's API token for instance id {}",
                a.base_url, a.instance_id
            );
        }
    }
    if moves {
        println!(
            "{0} now points at {1}, instance id {2} (was {3}, instance id {4}), possibly another \
             tenant: its sync cursor is reset, so the next sync is a full sweep; the loans and \
             records already stored for {0} are kept",
            conn.name, conn.base_url, conn.instance_id, before.base_url, before.instance_id
        );
    }
    print!("{}", show(&conn));
    Ok(())
}

/// The token file `--token-stdin` kept for the connection before a `set` that moved its token
/// elsewhere (to an environment variable): it still holds the old token, so it is removed.
/// Only that file, at its place beside the database, never another the connection named.
fn retired_token_file(
    before: &Connection,
    after: &Connection,
    ctx: &Context,
) -> Option<std::path::PathBuf> {
    let SecretSource::File(old) = &before.token_source else {
        return None;
    };
    let ours = std::path::absolute(super::connect::token_file(&ctx.db, &before.name)).ok()?;
    (after.token_source != before.token_source && *old == ours).then(|| old.clone())
}

/// Where `--webhook-secret-stdin` keeps the secret: beside the API token file.
pub fn webhook_secret_file(db: &std::path::Path, connection: &str) -> std::path::PathBuf {
    super::connect::token_file(db, connection).with_extension("webhook-secret")
}

/// Checks a text setting against the header field it fills.
fn check_text(flag: &str, value: &str, max: usize) -> miette::Result<()> {
    if !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        miette::bail!("{flag}: only printable ASCII characters can go into a Metro 2 header");
    }
    if value.trim().len() > max {
        miette::bail!(
            "{flag}: {:?} is {} characters; the header field holds {max}",
            value.trim(),
            value.trim().len()
        );
    }
    Ok(())
}

/// The store update a `set` asks for, checked before anything is saved.
pub fn update_from(a: &SetArgs, ctx: &Context) -> miette::Result<ConnectionUpdate> {
    let texts = [
        ("--equifax-id", &a.equifax_id, 10),
        ("--experian-id", &a.experian_id, 5),
        ("--transunion-id", &a.transunion_id, 10),
        ("--innovis-id", &a.innovis_id, 10),
        ("--furnisher-id", &a.furnisher_id, 20),
        ("--reporter-name", &a.reporter_name, 40),
        ("--reporter-address", &a.reporter_address, 96),
    ];
    for (flag, value, max) in texts {
        if let Some(v) = value {
            check_text(flag, v, max)?;
        }
    }
    if let Some(p) = &a.reporter_phone {
        if !p.trim().is_empty() && phone_digits(p).is_none() {
            miette::bail!("--reporter-phone: {p:?} is not a 10-digit US telephone number");
        }
    }
    let trimmed = |v: &Option<String>| v.as_ref().map(|s| s.trim().to_string());
    let webhook_token_source = match &a.webhook_token_env {
        Some(var) => Some(SecretSource::env("--webhook-token-env", var).into_diagnostic()?),
        None => None,
    };
    let webhook_secret_source = if let Some(var) = &a.webhook_secret_env {
        Some(SecretSource::env("--webhook-secret-env", var).into_diagnostic()?)
    } else if a.webhook_secret_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .into_diagnostic()?;
        let secret = line.trim();
        if secret.is_empty() {
            miette::bail!("--webhook-secret-stdin: the secret read from standard input is empty");
        }
        Some(
            SecretSource::write_file(&webhook_secret_file(&ctx.db, &a.name), secret)
                .into_diagnostic()?,
        )
    } else {
        None
    };
    if let Some(f) = &a.updated_field {
        let f = f.trim();
        let ok = !f.is_empty()
            && f.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
        if !ok {
            miette::bail!(
                "--updated-field: {f:?} is not a LoanPro field name (letters, digits, `_` and `.`)"
            );
        }
    }
    if let Some(h) = &a.webhook_token_header {
        if axum::http::HeaderName::from_bytes(h.as_bytes()).is_err() {
            miette::bail!("--webhook-token-header: {h:?} is not a valid HTTP header name");
        }
    }
    let update = ConnectionUpdate {
        cadence: a.cadence.map(Into::into),
        writeback: a.writeback.map(|w| w == OnOff::On),
        // clap lets `patch` through as typed (`ignore_case`).
        writeback_method: a.writeback_method.as_deref().map(|m| {
            if m.eq_ignore_ascii_case("PATCH") {
                WritebackMethod::Patch
            } else {
                WritebackMethod::Put
            }
        }),
        writeback_custom_field: a.writeback_custom_field,
        clear_writeback_custom_field: a.no_writeback_custom_field,
        equifax_id: trimmed(&a.equifax_id),
        experian_id: trimmed(&a.experian_id),
        transunion_id: trimmed(&a.transunion_id),
        innovis_id: trimmed(&a.innovis_id),
        furnisher_id: trimmed(&a.furnisher_id),
        reporter_name: trimmed(&a.reporter_name),
        reporter_address: trimmed(&a.reporter_address),
        reporter_phone: trimmed(&a.reporter_phone),
        webhook_secret_source,
        webhook_token_header: trimmed(&a.webhook_token_header),
        webhook_token_source,
        updated_field: trimmed(&a.updated_field),
        base_url: trimmed(&a.base_url),
        instance_id: trimmed(&a.instance_id),
        ..ConnectionUpdate::default()
    };
    let nothing = update.cadence.is_none()
        && update.writeback.is_none()
        && update.writeback_method.is_none()
        && update.writeback_custom_field.is_none()
        && !update.clear_writeback_custom_field
        && texts.iter().all(|(_, v, _)| v.is_none())
        && update.reporter_phone.is_none()
        && update.webhook_secret_source.is_none()
        && update.webhook_token_header.is_none()
        && update.updated_field.is_none()
        && update.base_url.is_none()
        && update.instance_id.is_none()
        && a.token_env.is_none()
        && !a.token_stdin;
    if nothing {
        miette::bail!(
            "nothing to change: give at least one setting (see `metro2 connection set --help`)"
        );
    }
    Ok(update)
}

/// A secret's reference and whether it can be read, never its value.
fn secret_line(source: Option<&SecretSource>) -> String {
    match source {
        None => "(not set)".to_string(),
        Some(s) => match s.read() {
            Ok(_) => format!("*** (from the {s})"),
            Err(_) => format!("(the {s} is missing or empty)"),
        },
    }
}

/// The settings as `metro2 connection show` prints them: one per line, secrets masked.
pub fn show(c: &Connection) -> String {
    let opt = |v: &Option<String>| {
        v.as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or("(not set)")
            .to_string()
    };
    let rows: Vec<(&str, String)> = vec![
        ("connection", c.name.clone()),
        ("base url", c.base_url.clone()),
        ("instance id", c.instance_id.clone()),
        ("api token", secret_line(Some(&c.token_source))),
        ("cadence", c.cadence.as_str().to_string()),
        ("updated field", c.updated_field.clone()),
        ("equifax id", opt(&c.equifax_id)),
        ("experian id", opt(&c.experian_id)),
        ("transunion id", opt(&c.transunion_id)),
        ("innovis id", opt(&c.innovis_id)),
        ("furnisher id", opt(&c.furnisher_id)),
        ("reporter name", opt(&c.reporter_name)),
        ("reporter address", opt(&c.reporter_address)),
        ("reporter phone", opt(&c.reporter_phone)),
        (
            "writeback",
            if c.writeback { "on" } else { "off" }.to_string(),
        ),
        ("writeback method", c.writeback_method.as_str().to_string()),
        (
            "writeback custom field",
            c.writeback_custom_field
                .map_or("(not set)".to_string(), |f| f.to_string()),
        ),
        (
            "webhook secret",
            secret_line(c.webhook_secret_source.as_ref()),
        ),
        (
            "webhook token",
            match (&c.webhook_token_header, &c.webhook_token_source) {
                (Some(h), s) => format!("header {h}: {}", secret_line(s.as_ref())),
                _ => "(not set)".to_string(),
            },
        ),
    ];
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    rows.iter()
        .map(|(k, v)| format!("{k:<width$}  {v}\n"))
        .collect()
}
