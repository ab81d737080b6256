//! `metro2 serve`.

use std::process::ExitCode;

use miette::IntoDiagnostic;

use super::Context;
use crate::server::{self, ServeConfig};

/// Arguments of `metro2 serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (default 127.0.0.1:8080, or the configuration's `listen`).
    #[arg(long)]
    pub listen: Option<String>,
    /// A YAML configuration file: schedule intervals, repeated-delivery windows, retries.
    ///
    /// Every key is optional; the defaults:
    ///
    ///   listen: 127.0.0.1:8080
    ///   schedule:
    ///     hourly: 1h          # how often an `hourly` connection syncs
    ///     daily: 24h          # how often a `daily` connection syncs
    ///   dedup:
    ///     trace_window: 24h   # a trace id seen within this is a repeated delivery
    ///     body_window: 10m    # the same body within this is a repeated delivery
    ///   shutdown_grace: 30s   # on SIGTERM, how long the job in flight may take to finish
    ///   pull_retry:
    ///     first: 1m           # a failed webhook pull is tried again after this, then 4x longer
    ///     attempts: 5         # attempts in all before the delivery is marked failed
    ///
    /// Durations are a number and a unit: ms, s, m, h, d.
    #[arg(long, value_name = "FILE", verbatim_doc_comment)]
    pub config: Option<std::path::PathBuf>,
}

/// Runs the server until SIGTERM or Ctrl-C. Prints `listening on http://ADDR` first.
pub fn run(args: Args, ctx: &Context) -> miette::Result<ExitCode> {
    let mut cfg = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| miette::miette!("cannot read {}: {e}", path.display()))?;
            ServeConfig::from_yaml(&text).map_err(|e| miette::miette!("{}: {e}", path.display()))?
        }
        None => ServeConfig::default(),
    };
    if let Some(l) = args.listen {
        cfg.listen = l;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("metro2-serve")
        .build()
        .into_diagnostic()?;
    let handle = rt.handle().clone();
    let clean = rt.block_on(async move {
        let running = server::start(cfg, &ctx.db, handle)
            .await
            .map_err(|e| miette::miette!("{e}"))?;
        println!("listening on http://{}", running.addr());
        use std::io::Write;
        let _ = std::io::stdout().flush();
        server::stop_signal().await;
        eprintln!("stopping: finishing the job in flight");
        Ok::<_, miette::Report>(running.shutdown().await)
    })?;
    if !clean {
        // The job in flight outlived the grace: end now, as a crash would (every sync page is
        // committed whole), instead of shutting its runtime down under it.
        use std::io::Write;
        let _ = std::io::stdout().flush();
        std::process::exit(0);
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        args: super::Args,
    }

    /// The example `serve --help` prints is a configuration file that gives the defaults, so
    /// the help cannot drift from what the server does.
    #[test]
    fn the_help_shows_a_configuration_of_the_defaults() {
        let cmd = Cli::command();
        let help = cmd
            .get_arguments()
            .find(|a| a.get_id() == "config")
            .and_then(|a| a.get_long_help())
            .unwrap()
            .to_string();
        let yaml: String = help
            .lines()
            .filter(|l| l.starts_with("  "))
            .map(|l| format!("{}\n", &l[2..]))
            .collect();
        assert!(yaml.contains("pull_retry:"), "{yaml}");
        let parsed = crate::server::config::ServeConfig::from_yaml(&yaml).unwrap();
        assert_eq!(
            parsed,
            crate::server::config::ServeConfig::default(),
            "{yaml}"
        );
    }
}
