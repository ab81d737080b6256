//! Whether the store holds the whole period: its latest sync run finished, and no loan's latest
//! sync attempt for the period failed.
//!
//! The records alone cannot say so: a loan that failed to fetch has no record (or last run's),
//! and a run killed half way leaves the loans it had not reached without one. Both are read
//! from the runs and failures the sync already stores, so the export needs nothing from the
//! sync but its history.

use crate::store::{PeriodFailure, RunStatus, Store, StoreError, SyncRun};

/// How many failed loans a refusal names before it points at `metro2 runs --failures`.
const NAMED_IN_REFUSAL: usize = 20;

/// What is missing from a period, as far as the sync history tells.
#[derive(Debug, Clone, Default)]
pub struct Completeness {
    /// The period's latest full or incremental run, when there was one.
    pub latest_run: Option<SyncRun>,
    /// The loans whose latest sync attempt for the period failed.
    pub failures: Vec<PeriodFailure>,
}

impl Completeness {
    /// Reads the period's history from the store.
    pub fn of_period(
        store: &Store,
        connection_id: i64,
        period: &str,
    ) -> Result<Completeness, StoreError> {
        Ok(Completeness {
            latest_run: store.latest_run_for_period(connection_id, period)?,
            failures: store.period_failures(connection_id, period)?,
        })
    }

    /// The latest run of the period when it did not finish (interrupted, failed, or running).
    pub fn unfinished_run(&self) -> Option<&SyncRun> {
        self.latest_run
            .as_ref()
            .filter(|r| r.status != RunStatus::Ok)
    }

    /// Nothing known to be missing.
    pub fn is_complete(&self) -> bool {
        self.unfinished_run().is_none() && self.failures.is_empty()
    }

    /// The loans with a failure and no record of the period: absent from the file.
    pub fn not_synced(&self) -> impl Iterator<Item = &PeriodFailure> {
        self.failures.iter().filter(|f| !f.is_stale())
    }

    /// The loans with a failure and an older record of the period (flagged stale).
    pub fn stale(&self) -> impl Iterator<Item = &PeriodFailure> {
        self.failures.iter().filter(|f| f.is_stale())
    }

    /// One sentence on the unfinished run, when there is one.
    pub fn run_line(&self, period: &str) -> Option<String> {
        let r = self.unfinished_run()?;
        let what = match r.status {
            RunStatus::Interrupted => "was interrupted".to_string(),
            RunStatus::Failed => format!(
                "failed ({})",
                r.error.as_deref().unwrap_or("no error recorded")
            ),
            RunStatus::Running => {
                "is still running, or was killed (the next sync marks it interrupted)".to_string()
            }
            RunStatus::Ok => return None,
        };
        Some(format!(
            "the latest sync run of {period}, run {} ({}, as of {}, started {}), {what}: loans it \
             had not reached have no record of the period, or an older one",
            r.id,
            r.mode.as_str(),
            r.as_of,
            r.started_at
        ))
    }

    /// The message that refuses an incomplete export: what is missing and the two ways out.
    pub fn refusal(&self, connection: &str, period: &str) -> String {
        let mut lines = vec![format!(
            "refusing to export {period} of connection {connection:?}: the store does not hold \
             the whole period"
        )];
        lines.extend(self.run_line(period).map(|l| format!("  {l}")));
        if !self.failures.is_empty() {
            lines.push(format!(
                "  {} loan(s) whose latest sync attempt for {period} failed:",
                self.failures.len()
            ));
            for f in self.failures.iter().take(NAMED_IN_REFUSAL) {
                lines.push(format!("    {}", failure_line(f)));
            }
            if self.failures.len() > NAMED_IN_REFUSAL {
                lines.push(format!(
                    "    and {} more (`metro2 runs --failures --connection {connection}`)",
                    self.failures.len() - NAMED_IN_REFUSAL
                ));
            }
        }
        let as_of = self
            .latest_run
            .as_ref()
            .map(|r| r.as_of.clone())
            .unwrap_or_else(|| format!("{period}-DD"));
        lines.push(format!(
            "sync the period again: `metro2 sync --connection {connection} --as-of {as_of} --full` \
             (`metro2 runs --failures` shows why loans failed); or export without what is \
             missing: `metro2 export --connection {connection} --period {period} \
             --allow-incomplete`, which lists it in the held-back report"
        ));
        lines.join("\n")
    }
}

/// One failed loan for people: `loan 7 (display id L-7): sync failed in run 3 at T: why`, and
/// for a stale one the record it still has.
pub fn failure_line(f: &PeriodFailure) -> String {
    let mut line = super::report::loan_label(f.loan_id, f.display_id.as_deref());
    line.push_str(&format!(
        ": sync failed in run {} at {}: {}",
        f.run_id, f.at, f.error
    ));
    if let Some(as_of) = &f.record_as_of {
        let run = f
            .record_run_id
            .map(|r| format!("run {r}"))
            .unwrap_or_else(|| "an earlier run".to_string());
        line.push_str(&format!(
            "; its record of the period is older (as of {as_of}, from {run}): stale"
        ));
    }
    line
}
