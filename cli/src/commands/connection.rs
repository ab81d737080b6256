//! `metro2 connection set | show`.

use std::io::BufRead;
use std::process::ExitCode;

use miette::IntoDiagnostic;

use super::Context;
use crate::export::header::phone_digits;
use crate::store::{Connection, ConnectionUpdate, SecretSource, WritebackMethod};

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
    #[arg(long, value_parser = ["PUT", "PATCH"])]
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
        Command::Set(args) => {
            let update = update_from(&args, ctx)?;
            let conn = store
                .update_connection(&args.name, &update)
                .into_diagnostic()?;
            print!("{}", show(&conn));
        }
    }
    Ok(ExitCode::SUCCESS)
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
        writeback_method: a.writeback_method.as_deref().map(|m| match m {
            "PATCH" => WritebackMethod::Patch,
            _ => WritebackMethod::Put,
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
        && update.updated_field.is_none();
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
