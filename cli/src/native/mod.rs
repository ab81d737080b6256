//! The shipped LoanPro preset, natively: a connection whose mapping template is
//! `presets/loanpro.m2map` byte for byte is mapped by the same preset written out in Rust
//! ([`loanpro`]), with the compiled plan as its fallback and its referee.
//!
//! Why: the plan interprets a mapping (dynamic values, slots, closures): end to end it runs 1.3
//! times the instructions of the preset written in Rust and takes 1.5-1.8 times its time a loan
//! (docs/performance.md, twenty-third session); the preset is what nearly every tenant runs. How it stays the preset: it answers only for the exact text it was
//! written for ([`WRITTEN_FOR`], checked by a test that fails when the preset changes), it
//! defers to the plan on every loan whose shape or failure it does not read exactly as the plan
//! does ([`read`]), and the tests hold its outcome equal to the plan's on every fixture, on
//! generated loans and on randomly damaged ones. An edited template, or
//! `METRO2_NATIVE_PRESET=off`, runs the plan (DECISIONS.md).

pub mod loanpro;
pub mod read;

use chrono::{Datelike, NaiveDate};
use sha2::{Digest, Sha256};

use metro2_engine::loan::Loan;
use metro2_engine::plan::{Finding, Outcome, Plan};
use metro2_engine::timeline::days::day_of;

use crate::sync::preset::LOANPRO_PRESET;

/// The SHA-256 of the `presets/loanpro.m2map` that [`loanpro`] was written for. A change to
/// the preset changes its digest; until [`loanpro`] is brought in line and this updated, the
/// plan maps every loan (the test `the_native_preset_was_written_for_the_shipped_one` fails
/// meanwhile, so the change cannot go unnoticed).
pub const WRITTEN_FOR: &str = "caa67aeb408b0b7557f162ab6b302a0c51b0d499b4fd9884fd794ba731f10ad5";

/// The environment variable that turns the native preset off (`off`, `0` or `false`): every
/// loan through the plan, to compare or to rule the native code out.
pub const SWITCH: &str = "METRO2_NATIVE_PRESET";

/// The native preset bound to one run's parameters, with what it needs of the plan to word its
/// outcomes as the plan does: the skips' reasons and the rules' messages and lines.
pub struct NativePreset {
    preset: loanpro::Preset,
    as_of: NaiveDate,
    furnisher: String,
    skips: Vec<(String, u32)>,
    rules: Vec<Finding>,
}

impl std::fmt::Debug for NativePreset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativePreset")
            .field("as_of", &self.as_of)
            .finish_non_exhaustive()
    }
}

/// Whether `source` is the shipped preset the native code was written for.
pub fn is_shipped_preset(source: &str) -> bool {
    source == LOANPRO_PRESET && digest(LOANPRO_PRESET) == WRITTEN_FOR
}

/// The hex SHA-256 of a text.
pub fn digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Whether the environment turns the native preset off.
pub fn switched_off() -> bool {
    std::env::var(SWITCH).is_ok_and(|v| matches!(v.trim(), "off" | "0" | "false"))
}

impl NativePreset {
    /// The native preset for a template whose text is `source` and whose compiled plan is
    /// `plan`, bound to `as_of` and `furnisher_id`: `None` when `source` is not the shipped
    /// preset (or the plan's skips and rules are not the ones written here).
    pub fn for_template(
        source: &str,
        plan: &Plan,
        as_of: NaiveDate,
        furnisher: &str,
    ) -> Option<NativePreset> {
        if !is_shipped_preset(source) || plan.skips.len() != loanpro::SKIPS {
            return None;
        }
        let ids: Vec<&str> = plan.rules.iter().map(|r| r.id.as_str()).collect();
        if ids != loanpro::RULES {
            return None;
        }
        Some(NativePreset {
            preset: loanpro::Preset::new(),
            as_of,
            furnisher: furnisher.to_string(),
            skips: plan
                .skips
                .iter()
                .map(|s| (s.reason.clone(), s.line))
                .collect(),
            rules: plan
                .rules
                .iter()
                .map(|r| Finding {
                    rule: r.id.clone(),
                    severity: r.severity,
                    message: r.message.clone(),
                    line: r.line,
                })
                .collect(),
        })
    }

    /// The preset's outcome for a loan parsed by its plan (`Plan::parse`), or `None` when the
    /// plan must map it (a shape the native code does not read, or any failure).
    pub fn map(&self, loan: &Loan) -> Option<Outcome> {
        let run = loanpro::Run {
            as_of: self.as_of,
            as_of_day: day_of(self.as_of),
            month_first: day_of(self.as_of.with_day(1).expect("day 1")),
            furnisher: &self.furnisher,
        };
        match self.preset.map(loan, &run).ok()? {
            loanpro::Answer::Record(record, broken) => Some(Outcome::Mapped {
                record,
                findings: broken.into_iter().map(|i| self.rules[i].clone()).collect(),
            }),
            loanpro::Answer::Skipped(i) => {
                let (reason, line) = &self.skips[i];
                Some(Outcome::Skipped {
                    reason: reason.clone(),
                    line: *line,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_native_preset_was_written_for_the_shipped_one() {
        assert_eq!(
            digest(LOANPRO_PRESET),
            WRITTEN_FOR,
            "presets/loanpro.m2map changed: bring cli/src/native/loanpro.rs in line with it \
             (cli/tests/native_preset.rs compares the two), then set WRITTEN_FOR to the new digest"
        );
    }

    #[test]
    fn only_the_shipped_text_is_mapped_natively() {
        let plan = m2map::compile(LOANPRO_PRESET, "p").unwrap().plan;
        let as_of = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
        assert!(NativePreset::for_template(LOANPRO_PRESET, &plan, as_of, "F").is_some());
        // A comment added is another template: the analyst may be about to change it.
        let edited = format!("{LOANPRO_PRESET}\n# reviewed\n");
        let plan = m2map::compile(&edited, "p").unwrap().plan;
        assert!(NativePreset::for_template(&edited, &plan, as_of, "F").is_none());
    }
}
