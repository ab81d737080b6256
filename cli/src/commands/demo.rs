//! `metro2 demo`.

use std::process::ExitCode;

use chrono::{Datelike, NaiveDate};
use miette::IntoDiagnostic;

use super::Context;
use crate::loanpro::generate::generate_loans;
use crate::loanpro::sim::{SimConfig, Simulator};
use crate::loanpro::{Client, ClientConfig, Secret};
use crate::store::{Cadence, ConnectionUpdate, NewConnection, SecretSource, Store};
use crate::sync::{runner, Progress, SyncOptions};

/// Arguments of `metro2 demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many generated loans the simulator serves.
    #[arg(long, default_value_t = 200)]
    pub loans: usize,
    /// Where the database, the exported file and the reports go.
    #[arg(long, default_value = "metro2-demo")]
    pub dir: std::path::PathBuf,
    /// The seed of the generated loans.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// Prints a line of the summary to standard output. A reader that goes away (`metro2 demo |
/// head -1`) must not stop the demo half way (its simulator keeps Rust's default of ignoring
/// `SIGPIPE`, so `println!` would panic): the job still runs to its export and the rest of the
/// summary is dropped.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

/// The demo connection's name.
pub const CONNECTION: &str = "demo";

/// The last day of the month before `today`'s: the month a furnisher reports early in the next.
pub fn last_month_end(today: NaiveDate) -> NaiveDate {
    today
        .with_day(1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(today)
}

/// Runs the command: a simulator on a free loopback port with generated loans, a fresh
/// database in DIR, connect, sync, export, and a summary of where everything is.
pub fn run(args: Args, ctx: &Context) -> miette::Result<ExitCode> {
    std::fs::create_dir_all(&args.dir).into_diagnostic()?;
    let db = args.dir.join("metro2.db");
    if ctx.db_named {
        // The demo deletes and recreates its database; a `METRO2_DB` exported for real work
        // must never be the file it replaces.
        eprintln!(
            "note: the demo does not use {} (from --db or METRO2_DB): it always starts a fresh \
             database at {}; use --dir to put it elsewhere",
            ctx.db.display(),
            db.display()
        );
    }
    for suffix in ["", "-wal", "-shm"] {
        let p = args.dir.join(format!("metro2.db{suffix}"));
        if p.exists() {
            std::fs::remove_file(&p).into_diagnostic()?;
        }
    }
    let as_of = last_month_end(chrono::Utc::now().date_naive());
    let rt = runner::runtime().into_diagnostic()?;

    let token = format!("demo-{:016x}", rand::random::<u64>());
    let sim_cfg = SimConfig {
        loans: generate_loans(args.loans, args.seed, as_of),
        token: token.clone(),
        ..SimConfig::default()
    };
    let instance_id = sim_cfg.instance_id.clone();
    let sim = rt.block_on(Simulator::start(sim_cfg)).into_diagnostic()?;
    say!(
        "LoanPro simulator: {} ({} generated loans, seed {})",
        sim.base_url,
        args.loans,
        args.seed
    );

    let client = Client::new(ClientConfig::new(
        sim.base_url.clone(),
        instance_id.clone(),
        Secret::new(token.clone()),
    ))
    .into_diagnostic()?;
    rt.block_on(client.verify())
        .map_err(|e| miette::miette!("cannot reach the simulator: {e}"))?;

    let mut store = Store::open(&db).into_diagnostic()?;
    let token_source =
        SecretSource::write_file(&super::connect::token_file(&db, CONNECTION), &token)
            .into_diagnostic()?;
    let conn = super::connect::connect(
        &mut store,
        &NewConnection {
            name: CONNECTION.into(),
            base_url: sim.base_url.clone(),
            instance_id,
            token_source,
            cadence: Cadence::Hourly,
        },
    )
    .into_diagnostic()?;
    // Header settings a real furnisher gets from the bureaus; made up for the demo.
    let conn = store
        .update_connection(
            &conn.name,
            &ConnectionUpdate {
                furnisher_id: Some("DEMO000001".into()),
                equifax_id: Some("EQDEMO0001".into()),
                experian_id: Some("EXD01".into()),
                transunion_id: Some("TUDEMO0001".into()),
                innovis_id: Some("INDEMO0001".into()),
                reporter_name: Some("METRO2 DEMO LENDING".into()),
                reporter_address: Some("100 MAIN ST, AUSTIN TX 78701".into()),
                reporter_phone: Some("5125550100".into()),
                ..ConnectionUpdate::default()
            },
        )
        .into_diagnostic()?;
    say!(
        "connected {}: template v1 cloned from {}",
        conn.name,
        crate::sync::preset::LOANPRO_PRESET_NAME
    );

    let opts = SyncOptions::new(as_of);
    let report = runner::sync_connection(rt.handle(), &mut store, &conn, &opts, &Progress::auto())
        .map_err(|e| miette::miette!("{e}"))?;
    say!("{}", report.summary_line());
    let counts = store
        .record_counts(conn.id, &report.period)
        .into_diagnostic()?;
    let counts: Vec<String> = counts
        .iter()
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect();
    say!(
        "records for {}: {}",
        report.period,
        if counts.is_empty() {
            "none".to_string()
        } else {
            counts.join(", ")
        }
    );
    let mut export = crate::export::ExportRequest::new(report.period.clone());
    export.dir = args.dir.clone();
    let exported = crate::export::export_period(&store, &conn, &export)
        .map_err(|e| miette::miette!("export: {e}"))?;
    say!("{}", exported.summary_line());
    let stats = sim.total_requests();
    say!(
        "the simulator answered {stats} requests ({:.2} per loan)",
        stats as f64 / report.counts.fetched.max(1) as f64
    );
    say!("database: {}", db.display());
    say!("bureau file: {}", exported.file.display());
    say!("held-back report: {}", exported.report.display());
    say!("check it: metro2 validate {}", exported.file.display());
    say!(
        "look at them: metro2 --db {} records --period {}",
        db.display(),
        report.period
    );
    rt.block_on(sim.shutdown());
    // The demo's data is clean, so this says that the job itself went wrong, as `sync` would.
    if report.degraded() {
        eprintln!("{}", report.degraded_line());
        return Ok(ExitCode::from(crate::sync::DEGRADED_EXIT));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_reports_last_month() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(last_month_end(d(2026, 11, 23)), d(2026, 10, 31));
        assert_eq!(last_month_end(d(2026, 3, 1)), d(2026, 2, 28));
        assert_eq!(last_month_end(d(2026, 1, 15)), d(2025, 12, 31));
    }
}
