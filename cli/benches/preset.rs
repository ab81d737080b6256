//! Issue 4's benchmark: generated LoanPro loans (24–60 payments each) through the shipped
//! preset end to end, JSON text in, validated segments out, beside JSON parsing alone.
//!
//! `METRO2_BENCH_LOANS` loans (default 100,000) are generated once by the deterministic
//! generator (`metro2::loanpro::generate`) and serialised to JSON text. Each measured iteration
//! goes over all of them on one thread:
//! - `parse`: `metro2_engine::json::parse` into the document the plan reads (`sonic_rs::Value`
//!   with exact numbers); the CPU-time pass also prints `parse_serde_json`, the former document
//!   type (`serde_json::Value`, order-preserving, exact numbers), for comparison;
//! - `end_to_end`: a loan as a sync maps it with the shipped preset: parsed as the plan reads
//!   a loan (`Bound::parse`: the payment rows read from the text into counted payments, the rest
//!   parsed as a document, `engine/src/loan.rs`), mapped by the preset in Rust
//!   (`metro2::native`, the plan taking any loan it defers), and the produced record validated
//!   with `metro2_engine::validate::validate_record`;
//! - `end_to_end_plan` (CPU-time pass only): the same through the compiled plan alone, which is
//!   what an edited template (or `METRO2_NATIVE_PRESET=off`) runs.
//!
//! The CPU-time pass also prints `parse_and_timeline`: the whole document parsed and the
//! `delinquency` built-in's timeline built from it; `parse_counting_payments` and
//! `parse_counting_payments_and_timeline`: the same as the plan parses a loan for mapping. The
//! second is the work any mapping of this preset has to do for a loan, so the end-to-end
//! figure can be read against that floor.
//!
//! Criterion's throughput is loans per second of wall clock. Before measuring, one pass prints
//! what the loans map to (ok / skipped / error records, validator errors) so the figures are
//! read against real work, and checks the native preset's outcome against the plan's on each
//! loan (and counts those it answers for), and `METRO2_BENCH_PASSES` timed passes (default 3) of each benchmark
//! print its throughput per second of this thread's CPU time (from
//! `/proc/thread-self/schedstat`), each pass's and the best: on a shared machine that is the
//! per-core figure, which the wall clock understates. `METRO2_BENCH_ONLY=NAME` runs only the
//! CPU-time pass of that name (for a sampling profiler: `perf record -e cpu-clock`).
//! `METRO2_BENCH_SEED` (default 42) seeds the generator. `METRO2_BENCH_PRESET=FILE` maps
//! through another mapping file instead of the preset (a variant of it without some
//! statements, to measure what they cost; `end_to_end` is then the plan's too).
//!
//! `cargo bench -p metro2 --bench preset -- --warm-up-time 1 --measurement-time 3`

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use metro2_engine::plan::{Bound, Outcome, Params};
use metro2_engine::validate::{validate_record, RecordContext};
use metro2_engine::value::Value;
use metro2_engine::DataRecord;

use metro2::native::NativePreset;

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 31).expect("a date")
}

/// Maps and validates one loan as a sync does with the shipped preset (`native` when the
/// mapping is that preset); returns the outcome's kind (0 record, 1 skip, 2 error) and the
/// number of validator errors (0 for skips).
#[inline(never)]
fn map_one(
    plan: &Bound<'_>,
    native: Option<&NativePreset>,
    ctx: &RecordContext,
    text: &str,
) -> (u8, usize) {
    // As a sync maps a loan: parsed as the plan reads it (its payments counted from the text).
    let loan = plan.parse(text).expect("generated JSON parses");
    let outcome = match native.and_then(|n| n.map(&loan)) {
        Some(o) => o,
        None => plan.eval_loan(&loan),
    };
    kind(&outcome, ctx)
}

/// [`map_one`] through the compiled plan alone.
#[inline(never)]
fn map_plan(plan: &Bound<'_>, ctx: &RecordContext, text: &str) -> (u8, usize) {
    let loan = plan.parse(text).expect("generated JSON parses");
    kind(&plan.eval_loan(&loan), ctx)
}

fn kind(outcome: &Outcome, ctx: &RecordContext) -> (u8, usize) {
    match outcome {
        Outcome::Mapped { record, .. } => (0, validator_errors(record, ctx)),
        Outcome::Skipped { .. } => (1, 0),
        Outcome::Error(_) => (2, 0),
    }
}

/// Everything an outcome says (every segment's bytes, each finding, the skip or the failure),
/// to compare the native preset's with the plan's.
fn outcome_text(o: &Outcome) -> String {
    match o {
        Outcome::Mapped { record, findings } => {
            let mut s: String = record
                .segments()
                .map(|seg| String::from_utf8_lossy(seg.as_bytes()).into_owned() + "\n")
                .collect();
            for f in findings {
                s.push_str(&format!(
                    "{} {:?} {} {}\n",
                    f.rule, f.severity, f.line, f.message
                ));
            }
            s
        }
        Outcome::Skipped { reason, line } => format!("skipped at {line}: {reason}"),
        Outcome::Error(e) => format!("error {e:?}"),
    }
}

/// The validator's errors on a mapped record.
fn validator_errors(record: &DataRecord, ctx: &RecordContext) -> usize {
    validate_record(record, ctx)
        .iter()
        .filter(|f| f.is_error())
        .count()
}

/// The number an environment variable gives, or `default` when it is unset or not a number.
fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Nanoseconds this thread has run on a CPU (Linux), when the kernel says.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Runs `f` `passes` times and prints loans per second of CPU time for each pass and the best,
/// and the wall clock of the best pass. On a shared machine another tenant slows a pass down but
/// never speeds one up, so the best pass is the figure and the spread shows the noise.
fn cpu_pass(name: &str, n: usize, passes: usize, mut f: impl FnMut()) {
    // `METRO2_BENCH_ONLY=end_to_end` runs one pass alone, so a sampling profiler's report over
    // the whole run is that pass's (and the generation's, which is told apart by its symbols).
    if std::env::var("METRO2_BENCH_ONLY").is_ok_and(|only| only != name) {
        return;
    }
    let mut rates: Vec<f64> = Vec::with_capacity(passes);
    let mut best_wall = f64::INFINITY;
    for _ in 0..passes.max(1) {
        let cpu = thread_cpu_ns();
        let wall = Instant::now();
        f();
        best_wall = best_wall.min(wall.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (cpu, thread_cpu_ns()) {
            if b > a {
                rates.push(n as f64 / ((b - a) as f64 / 1e9));
            }
        }
    }
    let per_cpu = match rates.iter().copied().reduce(f64::max) {
        Some(best) => {
            let all: Vec<String> = rates.iter().map(|r| format!("{r:.0}")).collect();
            format!("{best:.0} loans/s of CPU time (best of {})", all.join(", "))
        }
        None => "unknown loans/s of CPU time".to_string(),
    };
    eprintln!(
        "cpu time: {name}: {per_cpu}; {:.0} loans/s wall clock",
        n as f64 / best_wall
    );
}

fn bench(c: &mut Criterion) {
    let n: usize = env_or("METRO2_BENCH_LOANS", 100_000);
    let started = Instant::now();
    // `METRO2_BENCH_SEED` generates other loans of the same kinds (a profile-guided build
    // trains on loans it is not measured on: cli/pgo.sh).
    let seed: u64 = env_or("METRO2_BENCH_SEED", 42);
    let texts: Vec<String> = metro2::loanpro::generate::generate_loans(n, seed, as_of())
        .iter()
        .map(|d| serde_json::to_string(d).expect("a JSON value serialises"))
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    eprintln!(
        "{n} loans generated in {:.1?}, {} bytes of JSON ({} per loan on average)",
        started.elapsed(),
        bytes,
        bytes / n.max(1)
    );
    let passes: usize = env_or("METRO2_BENCH_PASSES", 3);
    // `METRO2_BENCH_PRESET=FILE` maps through another mapping file (a variant of the preset,
    // to measure what a statement costs): not the shipped preset, so the plan maps it.
    let path = std::env::var("METRO2_BENCH_PRESET").ok();
    let source = match &path {
        Some(path) => std::fs::read_to_string(path).expect("METRO2_BENCH_PRESET is readable"),
        None => metro2::sync::preset::LOANPRO_PRESET.to_string(),
    };
    let name = path.as_deref().unwrap_or("presets/loanpro.m2map");
    let plan = m2map::compile(&source, name)
        .unwrap_or_else(|d| panic!("{}", d.render_plain(100)))
        .plan;
    let native = NativePreset::for_template(&source, &plan, as_of(), "FURN12345");
    let params = Params::new()
        .with("as_of", Value::Date(as_of()))
        .with("furnisher_id", Value::text("FURN12345"));
    // Looked up once, as a sync maps a page of loans with the same parameters.
    let plan = plan.bind(&params).expect("the preset's parameters");
    let ctx = RecordContext {
        activity_date: Some(as_of()),
        ..RecordContext::default()
    };

    // One pass before timing: what the loans map to, and the native preset's outcome checked
    // against the plan's on every one of them.
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut invalid, mut answered) = (0, 0);
    for (i, t) in texts.iter().enumerate() {
        let loan = plan.parse(t).expect("parses");
        let outcome = plan.eval_loan(&loan);
        if let Some(o) = native.as_ref().and_then(|n| n.map(&loan)) {
            let (got, want) = (outcome_text(&o), outcome_text(&outcome));
            assert_eq!(
                got, want,
                "loan {i}: the native preset differs from the plan"
            );
            answered += 1;
        }
        *kinds.entry(outcome.status()).or_default() += 1;
        if let Outcome::Mapped { record, .. } = &outcome {
            invalid += usize::from(validator_errors(record, &ctx) > 0);
        }
    }
    eprintln!("outcomes: {kinds:?}; records with validator errors: {invalid}");
    match &native {
        Some(_) => eprintln!(
            "native preset: the plan's outcome on all {answered} of {n} loans it answered for"
        ),
        None => eprintln!("native preset: not for {name}; the plan maps every loan"),
    }
    let native = native.as_ref();
    cpu_pass("parse_serde_json", n, passes, || {
        for t in &texts {
            black_box(serde_json::from_str::<serde_json::Value>(t).expect("parses"));
        }
    });
    cpu_pass("parse", n, passes, || {
        for t in &texts {
            black_box(metro2_engine::json::parse(t).expect("parses"));
        }
    });
    // The part of every loan no mapping of this preset can skip: the document parsed and the
    // delinquency timeline built from its LoanSetup and Payments (each payment row read).
    let delinquency = metro2_engine::builtins::ALL
        .iter()
        .map(|b| b())
        .find(|b| b.name == "delinquency")
        .expect("the delinquency built-in");
    cpu_pass("parse_and_timeline", n, passes, || {
        for t in &texts {
            let doc = metro2_engine::json::parse(t).expect("parses");
            let doc = Value::Json(&doc);
            let args = ["LoanSetup", "Payments"].map(|k| doc.get(k).expect("an object"));
            black_box((delinquency.eval)(&args).is_ok());
        }
    });
    // The same two steps as the plan parses a loan for mapping: its payments read from the
    // text into counted payments, the rest parsed as a document.
    cpu_pass("parse_counting_payments", n, passes, || {
        for t in &texts {
            black_box(plan.parse(t).expect("parses"));
        }
    });
    cpu_pass("parse_counting_payments_and_timeline", n, passes, || {
        for t in &texts {
            let loan = plan.parse(t).expect("parses");
            let doc = Value::Json(&loan.doc);
            let setup = doc.get("LoanSetup").expect("an object");
            let payments = match &loan.payments {
                Some(p) => p.clone(),
                None => doc.get("Payments").expect("an object"),
            };
            black_box((delinquency.eval)(&[setup, payments]).is_ok());
        }
    });
    cpu_pass("end_to_end", n, passes, || {
        for t in &texts {
            black_box(map_one(&plan, native, &ctx, t));
        }
    });
    cpu_pass("end_to_end_plan", n, passes, || {
        for t in &texts {
            black_box(map_plan(&plan, &ctx, t));
        }
    });

    let mut g = c.benchmark_group("preset");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("parse", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(metro2_engine::json::parse(t).expect("parses"));
            }
        })
    });
    g.bench_function("end_to_end", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(map_one(&plan, native, &ctx, t));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
