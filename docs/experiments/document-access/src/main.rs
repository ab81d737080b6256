//! How fast can a LoanPro loan's payments be read? Each way below reads the same 1,000 loans of
//! `metro2::loanpro::generate` (seed 42, as of 2026-10-31; 7.7 KB of JSON each, 24-60 payments)
//! `passes` times (first argument, default 30) on one thread and prints microseconds a loan:
//! - sonic-rs's DOM (`sonic_rs::Value` with exact numbers, what `metro2_engine::json::parse`
//!   builds), alone and then with a walk over every payment row reading the five keys the
//!   preset reads (`date`, `amount`, `active`, `reverseDate`, `status`);
//! - simd-json's tape (`to_tape_with_buffers`: a flat node list, the input copied into a
//!   mutable buffer first), alone and with the same walk;
//! - sonic-rs's lazy iterators (no DOM: `to_object_iter`/`to_array_iter` down to each row);
//! - sonic-rs's serde path into a struct of the five fields, everything else skipped.
//!
//! Every way that reads the payments prints the same checksum (the lengths of the rows' `date`
//! and `amount` texts), so each is seen to read what the others read.
//!
//! Not part of the workspace: `cargo run --release` in this folder. README.md has the figures.
use std::hint::black_box;
use std::time::Instant;

use serde::Deserialize;
use simd_json::Node;
use sonic_rs::{JsonContainerTrait, JsonValueTrait};

/// The loan, for the serde path: only `Payments.results`.
#[derive(Deserialize)]
struct Loan<'a> {
    #[serde(borrow, rename = "Payments")]
    payments: Payments<'a>,
}

#[derive(Deserialize)]
struct Payments<'a> {
    #[serde(borrow)]
    results: Vec<Row<'a>>,
}

/// A payment row's five fields as LoanPro sends them.
#[derive(Deserialize)]
#[allow(dead_code)] // read by the deserializer; the checksum reads two of them
struct Row<'a> {
    #[serde(borrow)]
    date: Option<&'a str>,
    #[serde(borrow)]
    amount: Option<&'a str>,
    active: Option<sonic_rs::Value>,
    #[serde(borrow, rename = "reverseDate")]
    reverse_date: Option<&'a str>,
    #[serde(borrow)]
    status: Option<&'a str>,
}

/// What each walk adds up for one field of a row: the text's length for `date` and `amount`;
/// the other three are read (and kept from the optimiser) but not counted.
fn field(key: &str, text: Option<&str>) -> usize {
    match key {
        "date" | "amount" => text.map_or(0, str::len),
        "status" | "reverseDate" | "active" => {
            black_box(text);
            0
        }
        _ => 0,
    }
}

fn sonic_rows(s: &str) -> usize {
    let d: sonic_rs::Value = sonic_rs::from_str(s).expect("parses");
    let rows = d
        .get("Payments")
        .and_then(|p| p.get("results"))
        .and_then(|r| r.as_array())
        .expect("Payments.results");
    let mut sum = 0;
    for row in rows.iter() {
        for (key, v) in row.as_object().expect("a row").iter() {
            sum += field(key, v.as_str());
        }
    }
    sum
}

/// The number of tape nodes of the value at `i` (itself included).
fn extent(nodes: &[Node<'_>], i: usize) -> usize {
    match nodes[i] {
        Node::Object { count, .. } | Node::Array { count, .. } => 1 + count,
        _ => 1,
    }
}

/// The index of `key`'s value in the object at `i`.
fn member(nodes: &[Node<'_>], i: usize, key: &str) -> Option<usize> {
    let Node::Object { len, .. } = nodes[i] else {
        return None;
    };
    let mut at = i + 1;
    for _ in 0..len {
        let Node::String(k) = nodes[at] else {
            return None;
        };
        if k == key {
            return Some(at + 1);
        }
        at += 1 + extent(nodes, at + 1);
    }
    None
}

fn tape_rows(nodes: &[Node<'_>]) -> usize {
    let results = member(nodes, 0, "Payments")
        .and_then(|p| member(nodes, p, "results"))
        .expect("Payments.results");
    let Node::Array { len, .. } = nodes[results] else {
        panic!("results is a list");
    };
    let mut sum = 0;
    let mut row = results + 1;
    for _ in 0..len {
        let Node::Object { len: keys, .. } = nodes[row] else {
            panic!("a row");
        };
        let mut at = row + 1;
        for _ in 0..keys {
            let Node::String(key) = nodes[at] else {
                panic!("a key");
            };
            let text = match nodes[at + 1] {
                Node::String(s) => Some(s),
                _ => None,
            };
            sum += field(key, text);
            at += 1 + extent(nodes, at + 1);
        }
        row = at;
    }
    sum
}

fn lazy_rows(s: &str) -> usize {
    let mut sum = 0;
    for item in sonic_rs::to_object_iter(s) {
        let (key, payments) = item.expect("parses");
        if &*key != "Payments" {
            continue;
        }
        for item in sonic_rs::to_object_iter(payments.as_raw_str()) {
            let (key, results) = item.expect("parses");
            if &*key != "results" {
                continue;
            }
            for row in sonic_rs::to_array_iter(results.as_raw_str()) {
                let row = row.expect("parses");
                for item in sonic_rs::to_object_iter(row.as_raw_str()) {
                    let (key, v) = item.expect("parses");
                    sum += field(&key, v.as_str());
                }
            }
        }
    }
    sum
}

fn serde_rows(s: &str) -> usize {
    let loan: Loan<'_> = sonic_rs::from_str(s).expect("parses");
    loan.payments
        .results
        .iter()
        .map(|r| field("date", r.date) + field("amount", r.amount))
        .sum()
}

fn main() {
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 10, 31).expect("a date");
    let texts: Vec<String> = metro2::loanpro::generate::generate_loans(1000, 42, as_of)
        .iter()
        .map(|v| v.to_string())
        .collect();
    let passes: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(30);
    let time = |name: &str, f: &mut dyn FnMut(&str) -> usize| {
        let started = Instant::now();
        let mut sum = 0;
        for _ in 0..passes {
            for s in &texts {
                sum += f(s);
            }
        }
        let per_loan = started.elapsed().as_nanos() as f64 / (passes * texts.len()) as f64;
        println!(
            "{name:<34} {:>6.2} µs a loan   (checksum {})",
            per_loan / 1000.0,
            sum / passes
        );
    };
    time("sonic-rs DOM, parse", &mut |s| {
        usize::from(
            black_box(sonic_rs::from_str::<sonic_rs::Value>(s).expect("parses")).is_object(),
        )
    });
    time("sonic-rs DOM, parse + payments", &mut sonic_rows);
    let (mut buf, mut buffers) = (Vec::new(), simd_json::Buffers::default());
    time("simd-json tape, parse", &mut |s| {
        buf.clear();
        buf.extend_from_slice(s.as_bytes());
        let tape = simd_json::to_tape_with_buffers(&mut buf, &mut buffers).expect("parses");
        usize::from(black_box(tape.0.len()) > 0)
    });
    time("simd-json tape, parse + payments", &mut |s| {
        buf.clear();
        buf.extend_from_slice(s.as_bytes());
        let tape = simd_json::to_tape_with_buffers(&mut buf, &mut buffers).expect("parses");
        tape_rows(&tape.0)
    });
    time("sonic-rs lazy iterators, payments", &mut lazy_rows);
    time("sonic-rs serde struct, payments", &mut serde_rows);
}
