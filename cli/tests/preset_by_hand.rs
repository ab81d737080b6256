//! The preset written out by hand in Rust (`cli/benches/preset/by_hand.rs`, the bench's ceiling
//! of any compilation of the preset) must give the compiled preset's outcome on every fixture
//! of `fixtures/loanpro/` (the failing ones under `errors/` too) and on generated loans, so the
//! bench never times a mapping that does something else. The two share the timeline and the
//! clean-ups of `engine`; what this compares is the preset's wiring: which rule of §4 decides,
//! which row, customer and address each field reads, the skips, J1/J2 and the rules.

#[path = "../benches/preset/by_hand.rs"]
mod by_hand;
mod common;

use chrono::NaiveDate;
use common::preset::{fixtures, params, FURNISHER};

#[test]
fn the_hand_written_preset_agrees_with_the_plan_on_every_fixture() {
    let as_of = NaiveDate::from_ymd_opt(2026, 10, 31).expect("a date");
    let plan = by_hand::compiled_preset();
    let bound = plan.bind(&params(as_of)).expect("the preset's parameters");
    let hand = by_hand::ByHand::new();
    let mut seen = 0;
    for dir in ["", "errors"] {
        for (name, text) in fixtures(dir) {
            by_hand::agree(&bound, &hand, &text, as_of, FURNISHER).unwrap_or_else(|e| {
                let path = std::path::Path::new(dir).join(&name);
                panic!("fixtures/loanpro/{}: by hand {e}", path.display())
            });
            seen += 1;
        }
    }
    assert!(seen >= 40, "only {seen} fixtures");
}

#[test]
fn the_hand_written_preset_agrees_with_the_plan_on_generated_loans() {
    let plan = by_hand::compiled_preset();
    let hand = by_hand::ByHand::new();
    for as_of in [(2026, 10, 31), (2026, 2, 28), (2025, 12, 15)] {
        let as_of = NaiveDate::from_ymd_opt(as_of.0, as_of.1, as_of.2).expect("a date");
        let bound = plan.bind(&params(as_of)).expect("the preset's parameters");
        for (i, loan) in metro2::loanpro::generate::generate_loans(300, 7, as_of)
            .iter()
            .enumerate()
        {
            by_hand::agree(&bound, &hand, &loan.to_string(), as_of, FURNISHER)
                .unwrap_or_else(|e| panic!("as of {as_of}, loan {i}: by hand {e}"));
        }
    }
}
