//! Syncing generated loans from the simulator with no rate limit: loans per second (criterion
//! throughput), requests per loan and peak memory.
//!
//! The simulator runs as a separate process (`metro2 loanpro-sim --hold`), so the peak resident
//! memory and the CPU this process reports are the sync's alone; the simulator's CPU is read
//! from its process and printed apart. With `--hold` it keeps its loans and, from the second
//! time one is asked for, each answer serialised (two unmeasured syncs fill it), so the
//! measured syncs are bound by the sync, not by the simulator. A full sync of `METRO2_BENCH_SMALL` loans
//! (default 2,000) runs first and its peak is printed, then the measured syncs of
//! `METRO2_BENCH_LOANS` (default 10,000): peak memory that does not grow with the number of
//! loans shows in the two figures being close (docs/performance.md, "Sync", for 100,000 loans).
//!
//! `cargo bench -p metro2 --bench sync -- --warm-up-time 1 --measurement-time 3`

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use metro2::store::{Cadence, ConnectionUpdate, NewConnection, SecretSource, Store};
use metro2::sync::{preset, runner, Progress, SyncOptions};

const TOKEN_ENV: &str = "METRO2_BENCH_TOKEN";
const TOKEN: &str = "bench-token";

struct Sim {
    child: Child,
    base_url: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_sim(loans: usize) -> Sim {
    let mut child = Command::new(env!("CARGO_BIN_EXE_metro2"))
        .args([
            "loanpro-sim",
            "--seed",
            "5",
            "--as-of",
            "2026-10-31",
            "--token",
            TOKEN,
            "--hold",
        ])
        .args(["--loans", &loans.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("metro2 loanpro-sim starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    Sim {
        child,
        base_url: line.trim().to_string(),
    }
}

/// This process's peak resident memory in MiB (Linux; 0 elsewhere).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU seconds (user + system) this process has used (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    process_cpu_seconds("self")
}

/// CPU seconds (user + system) process `pid` has used (Linux; 0 elsewhere).
fn process_cpu_seconds(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; ticks are
    // 1/100 s on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

struct Setup {
    _dir: tempfile::TempDir,
    store: Store,
    conn: metro2::store::Connection,
    rt: tokio::runtime::Runtime,
    sim: Sim,
}

fn setup(loans: usize) -> Setup {
    let sim = start_sim(loans);
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("bench.db")).unwrap();
    let conn = store
        .create_connection(&NewConnection {
            name: "bench".into(),
            base_url: sim.base_url.clone(),
            instance_id: "5200000".into(),
            token_source: SecretSource::Env(TOKEN_ENV.into()),
            cadence: Cadence::Hourly,
        })
        .unwrap();
    store
        .add_template(conn.id, preset::LOANPRO_PRESET, None)
        .unwrap();
    let conn = store
        .update_connection(
            "bench",
            &ConnectionUpdate {
                furnisher_id: Some("FURN12345".into()),
                ..Default::default()
            },
        )
        .unwrap();
    Setup {
        _dir: dir,
        store,
        conn,
        rt: runner::runtime().unwrap(),
        sim,
    }
}

fn full_sync(s: &mut Setup) -> metro2::sync::SyncReport {
    let mut opts = SyncOptions::new(NaiveDate::from_ymd_opt(2026, 10, 31).unwrap());
    opts.force_full = true;
    runner::sync_connection(
        s.rt.handle(),
        &mut s.store,
        &s.conn,
        &opts,
        &Progress::hidden(),
    )
    .expect("the sync completes")
}

fn requests(s: &Setup) -> Option<u64> {
    let url = s.sim.base_url.split("/api/").next()?.to_string() + "/_sim/stats";
    let body: serde_json::Value =
        s.rt.block_on(async { reqwest::get(&url).await.ok()?.json().await.ok() })?;
    let body = body.get("d").unwrap_or(&body);
    body.get("total").and_then(|v| v.as_u64())
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn bench(c: &mut Criterion) {
    // Set before any thread starts: the connection reads its token from here.
    std::env::set_var(TOKEN_ENV, TOKEN);
    let small = env_usize("METRO2_BENCH_SMALL", 2_000);
    let loans = env_usize("METRO2_BENCH_LOANS", 10_000);

    let mut s = setup(small);
    let (t, cpu) = (Instant::now(), cpu_seconds());
    let r = full_sync(&mut s);
    println!(
        "sync {small} loans (first sync: the simulator serialising): {:.0} loans/s, {:.0} loans per CPU-second of the sync, peak RSS {:.1} MiB",
        r.counts.fetched as f64 / t.elapsed().as_secs_f64(),
        r.counts.fetched as f64 / (cpu_seconds() - cpu).max(1e-9),
        peak_rss_mib()
    );
    drop(s);

    let mut s = setup(loans);
    let sim_pid = s.sim.child.id().to_string();
    // The simulator keeps an answer the second time it makes it: two syncs fill it, unmeasured.
    full_sync(&mut s);
    full_sync(&mut s);
    let (cpu, sim_cpu) = (cpu_seconds(), process_cpu_seconds(&sim_pid));
    let (mut synced, mut wall) = (0u64, Duration::ZERO);
    let mut group = c.benchmark_group("sync");
    group.sample_size(10);
    group.throughput(Throughput::Elements(loans as u64));
    group.bench_function(format!("full sync of {loans} generated loans"), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                let r = full_sync(&mut s);
                total += t.elapsed();
                assert_eq!(r.counts.fetched, loans as u64);
            }
            synced += iters * loans as u64;
            wall += total;
            total
        })
    });
    group.finish();
    let (cpu, sim_cpu) = (cpu_seconds() - cpu, process_cpu_seconds(&sim_pid) - sim_cpu);
    let runs = s.store.runs(s.conn.id, 1_000).unwrap().len() as f64;
    let per_loan = requests(&s).map(|n| n as f64 / (runs * loans as f64));
    // The simulator runs in its own process: the first figure is what the sync itself costs.
    println!(
        "sync {loans} loans, {synced} synced in the measured syncs: {:.0} loans/s wall; {:.0} loans per CPU-second of the sync ({cpu:.2} CPU-s), {:.0} per CPU-second of the simulator ({sim_cpu:.2} CPU-s); peak RSS {:.1} MiB; requests per loan {}; load average {}",
        synced as f64 / wall.as_secs_f64().max(1e-9),
        synced as f64 / cpu.max(1e-9),
        synced as f64 / sim_cpu.max(1e-9),
        peak_rss_mib(),
        per_loan.map_or("unknown".to_string(), |r| format!("{r:.3}")),
        std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|l| l.rsplitn(3, ' ').nth(2).map(str::to_owned))
            .unwrap_or_default()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
