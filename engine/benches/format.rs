//! Read + full validation and writing of a generated 100,000-record Metro 2 file.
//!
//! Run: `cargo bench -p metro2-engine --bench format -- --warm-up-time 1 --measurement-time 3`.
//! Throughput is in base segments (records) per second; after criterion's wall-clock figures the
//! bench prints the same throughput per second of CPU time, which a busy shared machine distorts
//! much less.

use criterion::{criterion_group, BatchSize, Criterion, Throughput};
use metro2_engine::layout::SegmentKind;
use metro2_engine::reader::read_file;
use metro2_engine::validate::validate_file;
use metro2_engine::writer::{write_file, WriteOptions};
use metro2_engine::{DataRecord, FieldValue, Segment};

const RECORDS: usize = 100_000;

fn set(seg: &mut Segment, key: &str, v: FieldValue<'_>) {
    seg.set_key(key, &v).expect("bench values fit their fields");
}

fn header() -> Segment {
    let mut h = Segment::blank(SegmentKind::Header);
    set(&mut h, "activity_date", FieldValue::Text("01312026"));
    set(&mut h, "date_created", FieldValue::Text("02012026"));
    set(&mut h, "reporter_name", FieldValue::Text("ACME LENDING"));
    set(
        &mut h,
        "reporter_address",
        FieldValue::Text("1 MAIN ST AUSTIN TX 78701"),
    );
    h
}

/// A varied but valid record: current or 30 days late, one in ten with a co-borrower.
fn record(i: usize) -> DataRecord {
    let mut b = Segment::blank(SegmentKind::Base);
    let late = i % 7 == 3;
    let acct = format!("LN{i:08}");
    for (k, v) in [
        ("processing_indicator", "1"),
        ("time_stamp", "01312026120000"),
        ("identification_number", "ACME01"),
        ("portfolio_type", "I"),
        ("account_type", "00"),
        ("date_opened", "03012024"),
        ("terms_duration", "060"),
        ("terms_frequency", "M"),
        ("account_status", if late { "71" } else { "11" }),
        ("payment_history_profile", "000000000000000000000BBB"),
        ("date_of_account_information", "01312026"),
        ("date_of_last_payment", "01152026"),
        ("surname", "DOE"),
        ("first_name", "JANE"),
        ("social_security_number", "123456789"),
        ("date_of_birth", "01011980"),
        ("ecoa_code", "1"),
        ("first_line_of_address", "1 MAIN ST"),
        ("city", "AUSTIN"),
        ("state", "TX"),
        ("postal_code", "78701"),
    ] {
        set(&mut b, k, FieldValue::Text(v));
    }
    set(&mut b, "consumer_account_number", FieldValue::Text(&acct));
    set(
        &mut b,
        "highest_credit",
        FieldValue::Int(25_000 + (i % 1000) as i64),
    );
    set(
        &mut b,
        "current_balance",
        FieldValue::Int(20_000 - (i % 997) as i64),
    );
    set(
        &mut b,
        "scheduled_monthly_payment_amount",
        FieldValue::Int(500),
    );
    if late {
        set(&mut b, "amount_past_due", FieldValue::Int(500));
        set(
            &mut b,
            "date_of_first_delinquency",
            FieldValue::Text("12312025"),
        );
    }
    let mut r = DataRecord::new(b);
    if i % 10 == 5 {
        let mut j = Segment::blank(SegmentKind::J1);
        set(&mut j, "surname", FieldValue::Text("DOE"));
        set(&mut j, "first_name", FieldValue::Text("JOHN"));
        set(
            &mut j,
            "social_security_number",
            FieldValue::Text("587654321"),
        );
        set(&mut j, "ecoa_code", FieldValue::Text("2"));
        r.push(j);
    }
    r
}

/// The generated records and their file, built once for every benchmark.
struct Data {
    header: Segment,
    records: Vec<DataRecord>,
    file: Vec<u8>,
}

fn data() -> &'static Data {
    static DATA: std::sync::OnceLock<Data> = std::sync::OnceLock::new();
    DATA.get_or_init(|| {
        let records: Vec<DataRecord> = (0..RECORDS).map(record).collect();
        let header = header();
        let file = write_file(&header, &records, &WriteOptions::default());
        assert!(
            validate_file(&file).is_empty(),
            "the generated file must be valid"
        );
        Data {
            header,
            records,
            file,
        }
    })
}

/// CPU time this thread has run, from /proc/thread-self/schedstat (Linux), in nanoseconds.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Records per second of CPU time, over `runs` runs: on a shared machine wall-clock figures
/// depend on the load, CPU time much less.
fn per_cpu_second(runs: u32, mut f: impl FnMut()) -> Option<f64> {
    f();
    let start = cpu_ns()?;
    for _ in 0..runs {
        f();
    }
    let spent = cpu_ns()? - start;
    Some(RECORDS as f64 * f64::from(runs) / (spent as f64 / 1e9))
}

/// Prints the CPU-time throughput of reading + validating and of writing.
fn cpu_time_report() {
    let d = data();
    let opts = WriteOptions::default();
    let read = per_cpu_second(10, || {
        std::hint::black_box(validate_file(std::hint::black_box(&d.file)));
    });
    let write = per_cpu_second(10, || {
        std::hint::black_box(write_file(
            &d.header,
            std::hint::black_box(&d.records),
            &opts,
        ));
    });
    if let (Some(r), Some(w)) = (read, write) {
        println!(
            "cpu time: read_and_validate {:.0} records/s, write {:.0} records/s ({} bytes per file)",
            r,
            w,
            d.file.len()
        );
    }
}

fn bench(c: &mut Criterion) {
    let d = data();
    let (records, header, file) = (&d.records, &d.header, &d.file);
    let opts = WriteOptions::default();

    let mut g = c.benchmark_group("format");
    g.sample_size(10);
    g.throughput(Throughput::Elements(RECORDS as u64));
    g.bench_function("read_and_validate_100k", |b| {
        b.iter(|| validate_file(std::hint::black_box(file)))
    });
    g.bench_function("read_into_records_100k", |b| {
        b.iter(|| read_file(std::hint::black_box(file)))
    });
    g.bench_function("write_100k", |b| {
        b.iter_batched(
            || (),
            |_| write_file(header, std::hint::black_box(records), &opts),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // Skipped under `cargo test --benches`, which runs each benchmark once as a smoke test.
    if !std::env::args().any(|a| a == "--test" || a == "--list") {
        cpu_time_report();
    }
}
