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
    /// A YAML configuration file (schedule intervals, repeated-delivery windows; see
    /// `metro2::server::config`).
    #[arg(long)]
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
