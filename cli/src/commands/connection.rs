//! `metro2 connection set | show`.

use std::process::ExitCode;

use super::Context;

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
    #[arg(long)]
    pub writeback_custom_field: Option<i64>,
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
pub fn run(_cmd: Command, _ctx: &Context) -> miette::Result<ExitCode> {
    Err(super::not_built("connection"))
}
