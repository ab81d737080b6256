//! `metro2 connect`.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use miette::IntoDiagnostic;

use super::Context;
use crate::loanpro::{Client, ClientConfig, LoanProError, Secret};
use crate::store::{self, NewConnection, SecretSource, StagedSecret, Store};
use crate::sync::{preset, runner, Progress, SyncOptions};

/// Arguments of `metro2 connect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The loan-servicing system (only `loanpro`).
    #[arg(value_enum)]
    pub system: System,
    /// The tenant id (`Autopal-Instance-Id`).
    #[arg(long)]
    pub instance_id: String,
    /// The environment variable that holds the API token (the connection keeps the variable's
    /// name, never the token).
    #[arg(
        long,
        conflicts_with = "token_stdin",
        required_unless_present = "token_stdin"
    )]
    pub token_env: Option<String>,
    /// Read the API token from standard input (kept in a file only its owner can read, next to
    /// the database).
    #[arg(long)]
    pub token_stdin: bool,
    /// The API base URL.
    #[arg(long, default_value = "https://loanpro.simnang.com/api/public/api/1/")]
    pub base_url: String,
    /// The connection name.
    #[arg(long, default_value = "default")]
    pub name: String,
    /// How often to sync.
    #[arg(long, value_enum, default_value = "hourly")]
    pub cadence: Cadence,
    /// Do not run the first sync.
    #[arg(long)]
    pub no_sync: bool,
    /// The as-of date of the first sync (YYYY-MM-DD; default: today).
    #[arg(long)]
    pub as_of: Option<String>,
    /// The furnisher identification number the bureaus assigned (the preset's `furnisher_id`;
    /// also `metro2 connection set NAME --furnisher-id`). Without it the first sync waits.
    #[arg(long)]
    pub furnisher_id: Option<String>,
}

/// Loan-servicing systems.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum System {
    /// LoanPro.
    Loanpro,
}

/// Sync cadences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Cadence {
    /// Every hour.
    Hourly,
    /// Once a day.
    Daily,
    /// Only when a webhook arrives.
    Webhook,
}

impl From<Cadence> for store::Cadence {
    fn from(c: Cadence) -> store::Cadence {
        match c {
            Cadence::Hourly => store::Cadence::Hourly,
            Cadence::Daily => store::Cadence::Daily,
            Cadence::Webhook => store::Cadence::Webhook,
        }
    }
}

/// Where `--token-stdin` keeps a connection's token: beside the database, in a folder only its
/// owner can enter, one folder per database file (`.metro2-secrets/metro2.db/acme.token`), since
/// two databases in one folder may each have a connection `acme` (a test tenant's token once
/// replaced production's). Names are written with every character other than ASCII letters,
/// digits, `-` and `_` as `%XX` bytes, so two names never share a file (`acme.x` and `acme_x`
/// once did).
pub fn token_file(db: &Path, connection: &str) -> PathBuf {
    let dir = db
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let db_name = db
        .file_name()
        .map_or("metro2.db".into(), |n| n.to_string_lossy());
    dir.join(crate::store::secret::SECRETS_DIR)
        .join(file_name(&db_name).replace("%2E", "."))
        .join(format!("{}.token", file_name(connection)))
}

/// `connection` as a file name: one-to-one, and never a path of its own (`/`, `..`).
fn file_name(connection: &str) -> String {
    let mut out = String::with_capacity(connection.len());
    for b in connection.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An API token given with `--token-env VAR` or `--token-stdin` (to `connect` or `connection
/// set`), read and checked, not yet kept. `Debug` shows the variable's name, never the token.
#[derive(Debug)]
pub struct GivenToken {
    /// The token.
    pub secret: Secret,
    /// The variable of `--token-env`; `None`: read from standard input.
    pub env: Option<String>,
}

impl GivenToken {
    /// Reads the token of `--token-env VAR` (`Some(VAR)`) or of `--token-stdin` (`None`). A
    /// `--token-env` value that is not a variable's name is refused without being repeated (it
    /// may be the token pasted in its place), as is an unset variable or an empty token.
    pub fn read(token_env: Option<&str>) -> miette::Result<GivenToken> {
        let token = match token_env {
            Some(var) => {
                SecretSource::env("--token-env", var).into_diagnostic()?;
                // Past the check above `var` is a variable's name, never a token: safe to show.
                std::env::var(var).map_err(|_| {
                    miette::miette!("the environment variable {var} (from --token-env) is not set")
                })?
            }
            None => {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .into_diagnostic()?;
                line
            }
        };
        let token = token.trim();
        if token.is_empty() {
            miette::bail!("the API token is empty");
        }
        Ok(GivenToken {
            secret: Secret::new(token),
            env: token_env.map(str::to_string),
        })
    }

    /// Where the connection `name` of the database `db` will find the token: the variable of
    /// `--token-env`, or for `--token-stdin` the owner-only file [`token_file`], staged beside
    /// its place and moved there by [`StagedSecret::commit`] once the connection is saved (a
    /// token file in use is replaced only then, in one step).
    pub fn stage(
        &self,
        db: &Path,
        name: &str,
    ) -> miette::Result<(SecretSource, Option<StagedSecret>)> {
        match &self.env {
            Some(var) => Ok((SecretSource::Env(var.clone()), None)),
            None => {
                let staged = SecretSource::stage_file(&token_file(db, name), self.secret.expose())
                    .into_diagnostic()?;
                Ok((staged.source(), Some(staged)))
            }
        }
    }
}

/// Checks that LoanPro at `base_url` accepts `token` for the tenant `instance_id`, with the
/// call every sync starts with (a one-loan search, `Authorization: Bearer` and
/// `Autopal-Instance-Id`). `connect` and `connection set` call it before saving anything. The
/// error says what failed (the credentials refused, no answer at `base_url`, another answer)
/// and never shows the token.
pub fn verify_access(
    rt: &tokio::runtime::Runtime,
    base_url: &str,
    instance_id: &str,
    token: &Secret,
) -> miette::Result<()> {
    verify_with(rt, ClientConfig::new(base_url, instance_id, token.clone()))
}

fn verify_with(rt: &tokio::runtime::Runtime, cfg: ClientConfig) -> miette::Result<()> {
    let base_url = cfg.base_url.trim().to_string();
    let instance_id = cfg.instance_id.trim().to_string();
    if instance_id.is_empty() {
        miette::bail!("the instance id is empty");
    }
    let client = Client::new(cfg).map_err(|e| miette::miette!("{e}"))?;
    rt.block_on(client.verify())
        .map_err(|e| miette::miette!("{}", access_error(&base_url, &instance_id, &e)))
}

/// Why LoanPro at `base_url` did not let `instance_id` in, in words that say what to fix.
fn access_error(base_url: &str, instance_id: &str, e: &LoanProError) -> String {
    if e.is_unauthorized() {
        format!("LoanPro at {base_url} refused the API token or the instance id {instance_id}: {e}")
    } else if e.is_outage() {
        format!("cannot connect to LoanPro: it is unreachable at {base_url}: {e}")
    } else {
        format!("cannot connect to LoanPro at {base_url} (instance id {instance_id}): {e}")
    }
}

/// Runs the command: verify, save, clone the preset, first sync.
pub fn run(args: Args, ctx: &Context) -> miette::Result<ExitCode> {
    let token = GivenToken::read(args.token_env.as_deref())?;
    let as_of = runner::parse_as_of(args.as_of.as_deref()).map_err(|e| miette::miette!("{e}"))?;
    if args.name.trim().is_empty() {
        miette::bail!("--name: a connection needs a name");
    }
    // An existing database is checked for the name first; a new one is created only once
    // LoanPro has let the token in, so a mistyped token leaves no empty database behind.
    let existing = if ctx.db.exists() {
        let store = Store::open_existing(&ctx.db).into_diagnostic()?;
        if store.connection(&args.name).is_ok() {
            miette::bail!(
                "a connection named {0:?} already exists; choose another --name, or replace its \
                 API token with `metro2 connection set {0} --token-env VAR` (or --token-stdin; \
                 also --base-url, --instance-id)",
                args.name
            );
        }
        Some(store)
    } else {
        None
    };
    let rt = runner::runtime().into_diagnostic()?;
    verify_access(&rt, &args.base_url, &args.instance_id, &token.secret)?;
    let mut store = match existing {
        Some(store) => store,
        None => Store::open(&ctx.db).into_diagnostic()?,
    };

    let (token_source, staged) = token.stage(&ctx.db, &args.name)?;
    let conn = connect(
        &mut store,
        &NewConnection {
            name: args.name.clone(),
            base_url: args.base_url.clone(),
            instance_id: args.instance_id.clone(),
            token_source,
            cadence: args.cadence.into(),
        },
    )
    .into_diagnostic()?;
    if let Some(staged) = staged {
        if let Err(e) = staged.commit() {
            let _ = store.delete_connection(&conn.name);
            return Err(e).into_diagnostic();
        }
    }
    let conn = match &args.furnisher_id {
        Some(id) => store
            .update_connection(
                &conn.name,
                &store::ConnectionUpdate {
                    furnisher_id: Some(id.clone()),
                    ..Default::default()
                },
            )
            .into_diagnostic()?,
        None => conn,
    };
    println!(
        "connected {} (instance {}, {}): template v1 cloned from {}; token kept in the {}",
        conn.name,
        conn.instance_id,
        conn.base_url,
        preset::LOANPRO_PRESET_NAME,
        conn.token_source
    );
    if args.no_sync {
        return Ok(ExitCode::SUCCESS);
    }
    if conn.furnisher_id.is_none() {
        println!(
            "first sync not run: the records need the furnisher id the bureaus assigned; set it with \
             `metro2 connection set {0} --furnisher-id ID`, then run `metro2 sync --connection {0}`",
            conn.name
        );
        return Ok(ExitCode::SUCCESS);
    }
    let opts = SyncOptions::new(as_of);
    match runner::sync_connection(rt.handle(), &mut store, &conn, &opts, &Progress::auto()) {
        // The first sync is a sync: the same exit codes, so a script that connects and syncs
        // sees a degraded first run too.
        Ok(report) if report.degraded() => {
            println!("{}", report.summary_line());
            eprintln!("{}", report.degraded_line());
            Ok(ExitCode::from(crate::sync::DEGRADED_EXIT))
        }
        Ok(report) => {
            println!("{}", report.summary_line());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// Saves a verified connection with the LoanPro preset as its template version 1, both or
/// neither.
pub fn connect(
    store: &mut Store,
    new: &NewConnection,
) -> Result<store::Connection, store::StoreError> {
    let conn = store.create_connection(new)?;
    if let Err(e) = store.add_template(
        conn.id,
        preset::LOANPRO_PRESET,
        Some(&format!("cloned from {}", preset::LOANPRO_PRESET_NAME)),
    ) {
        let _ = store.delete_connection(&conn.name);
        return Err(e);
    }
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_connection_name_has_a_token_file_of_its_own() {
        let db = Path::new("/srv/metro2.db");
        let names = ["acme", "acme.x", "acme_x", "acme%2Ex", "a/../b", "", "é"];
        let files: std::collections::HashSet<PathBuf> =
            names.iter().map(|n| token_file(db, n)).collect();
        assert_eq!(files.len(), names.len(), "{files:?}");
        assert_eq!(
            token_file(db, "acme"),
            Path::new("/srv/.metro2-secrets/metro2.db/acme.token")
        );
        assert_eq!(
            token_file(db, "a/../b"),
            Path::new("/srv/.metro2-secrets/metro2.db/a%2F%2E%2E%2Fb.token")
        );
        assert_eq!(
            token_file(Path::new("metro2.db"), "acme.x"),
            Path::new("./.metro2-secrets/metro2.db/acme%2Ex.token")
        );
        // Two databases in one folder: a connection of each name has its own file.
        assert_ne!(
            token_file(Path::new("/srv/prod.db"), "acme"),
            token_file(Path::new("/srv/test.db"), "acme")
        );
    }

    #[test]
    fn a_failed_verification_says_what_failed_and_never_the_token() {
        let url = "https://lp.example/api/1/";
        let refused = LoanProError::Unauthorized {
            status: 401,
            endpoint: "POST Loans/Autopal.Search()".into(),
        };
        let e = access_error(url, "5200000", &refused);
        assert!(
            e.starts_with("LoanPro at https://lp.example/api/1/ refused the API token or the instance id 5200000"),
            "{e}"
        );
        let silent = LoanProError::RetriesExhausted {
            endpoint: "POST Loans/Autopal.Search()".into(),
            attempts: 7,
            last: Box::new(LoanProError::Transport {
                endpoint: "POST Loans/Autopal.Search()".into(),
                message: "connection refused".into(),
            }),
        };
        let e = access_error(url, "5200000", &silent);
        assert!(
            e.contains("unreachable at https://lp.example/api/1/"),
            "{e}"
        );

        // For real: nothing listens on port 1.
        let rt = crate::sync::runner::runtime().unwrap();
        let mut cfg = ClientConfig::new("http://127.0.0.1:1/api/", "5200000", "tok-secret-42");
        cfg.max_retries = 0;
        let e = format!("{:?}", verify_with(&rt, cfg).unwrap_err());
        assert!(e.contains("unreachable at http://127.0.0.1:1/api/"), "{e}");
        assert!(!e.contains("tok-secret-42"), "{e}");
        let cfg = ClientConfig::new("http://127.0.0.1:1/api/", " ", "tok-secret-42");
        let e = verify_with(&rt, cfg).unwrap_err().to_string();
        assert_eq!(e, "the instance id is empty");

        // A given token's Debug shows where it came from, not what it is.
        let t = GivenToken {
            secret: Secret::new("tok-secret-42"),
            env: Some("LP_TOKEN".into()),
        };
        assert!(!format!("{t:?}").contains("tok-secret-42"));
    }
}
