//! Which kind of run to make: resume a run that was cut short, a full sweep, or an incremental
//! pull from the cursor (DECISIONS.md, "The incremental cursor").

use chrono::{DateTime, Duration, Utc};

use crate::store::{Cursor, RunMode, RunProgress};

/// How the cursor is used.
#[derive(Debug, Clone, Copy)]
pub struct CursorPolicy {
    /// How far before a run's start the next incremental pull begins: covers clock skew between
    /// this machine and LoanPro and loans changed while the run was paging.
    pub overlap: Duration,
    /// A full sweep at least this often, whatever the cursor says.
    pub full_every: Duration,
}

impl Default for CursorPolicy {
    fn default() -> CursorPolicy {
        CursorPolicy {
            overlap: Duration::minutes(10),
            full_every: Duration::hours(24),
        }
    }
}

/// The run to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Full or incremental.
    pub mode: RunMode,
    /// The updated-since bound (incremental runs).
    pub since: Option<DateTime<Utc>>,
    /// What the cursor's `since` becomes when the run completes.
    pub watermark: DateTime<Utc>,
    /// The interrupted run this one finishes: loans up to its last committed id are skipped.
    pub resume: Option<RunProgress>,
    /// Why, for logs and the summary.
    pub why: &'static str,
}

/// Decides the run for `as_of` (YYYY-MM-DD) at `now`. `template_changed`: the connection's
/// template is not the one its last full sweep mapped with.
pub fn decide(
    cursor: &Cursor,
    as_of: &str,
    force_full: bool,
    template_changed: bool,
    now: DateTime<Utc>,
    policy: &CursorPolicy,
) -> Decision {
    if let Some(p) = &cursor.in_progress {
        // A run cut short is finished first, so that its committed pages are not pulled again,
        // unless it answered another question (another as-of date, or an incremental run when
        // a full sweep is asked for).
        let compatible = p.as_of == as_of
            && !((force_full || template_changed) && p.mode == RunMode::Incremental);
        if compatible {
            if let Some(watermark) = parse(&p.watermark) {
                let since = p.since.as_deref().and_then(parse);
                if p.mode == RunMode::Full || since.is_some() {
                    return Decision {
                        mode: p.mode,
                        since,
                        watermark,
                        resume: Some(p.clone()),
                        why: "resuming an interrupted run",
                    };
                }
            }
        }
    }
    let watermark = now - policy.overlap;
    let full = |why| Decision {
        mode: RunMode::Full,
        since: None,
        watermark,
        resume: None,
        why,
    };
    if force_full {
        return full("--full");
    }
    if template_changed {
        // An incremental run would re-map only the loans that changed, and the period's file
        // would mix records of two template versions: every stored loan is mapped again.
        return full("the template changed since the last full sweep");
    }
    let Some(since) = cursor.since.as_deref().and_then(parse) else {
        return full("first sync");
    };
    match cursor.field_supported {
        Some(true) => {}
        Some(false) => return full("the loans do not carry the updated field"),
        None => return full("not yet known whether the loans carry the updated field"),
    }
    if cursor.last_full_as_of.as_deref() != Some(as_of) {
        // Records depend on the as-of date: an unchanged loan's record still moves with it.
        return full("new as-of date");
    }
    let stale = cursor
        .last_full_at
        .as_deref()
        .and_then(parse)
        .is_none_or(|t| now - t >= policy.full_every);
    if stale {
        return full("daily full sweep");
    }
    Decision {
        mode: RunMode::Incremental,
        since: Some(since),
        watermark,
        resume: None,
        why: "changed since the cursor",
    }
}

fn parse(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        parse(s).unwrap()
    }

    fn synced() -> Cursor {
        Cursor {
            since: Some("2026-11-23T09:50:00Z".into()),
            field_supported: Some(true),
            last_full_as_of: Some("2026-11-23".into()),
            last_full_at: Some("2026-11-23T10:00:00Z".into()),
            in_progress: None,
        }
    }

    #[test]
    fn incremental_only_when_everything_allows_it() {
        let p = CursorPolicy::default();
        let now = t("2026-11-23T12:00:00Z");
        let d = decide(&synced(), "2026-11-23", false, false, now, &p);
        assert_eq!(d.mode, RunMode::Incremental);
        assert_eq!(d.since, Some(t("2026-11-23T09:50:00Z")));
        assert_eq!(d.watermark, t("2026-11-23T11:50:00Z"));

        let full =
            |c: &Cursor, as_of: &str, force: bool, now| decide(c, as_of, force, false, now, &p);
        assert_eq!(full(&synced(), "2026-11-23", true, now).why, "--full");
        assert_eq!(
            full(&Cursor::default(), "2026-11-23", false, now).why,
            "first sync"
        );
        let mut c = synced();
        c.field_supported = Some(false);
        assert_eq!(full(&c, "2026-11-23", false, now).mode, RunMode::Full);
        c.field_supported = None;
        assert_eq!(full(&c, "2026-11-23", false, now).mode, RunMode::Full);
        assert_eq!(
            full(&synced(), "2026-11-24", false, now).why,
            "new as-of date"
        );
        let later = t("2026-11-24T10:00:00Z");
        assert_eq!(
            full(&synced(), "2026-11-23", false, later).why,
            "daily full sweep"
        );
        assert_eq!(
            decide(&synced(), "2026-11-23", false, true, now, &p).why,
            "the template changed since the last full sweep"
        );
    }

    #[test]
    fn an_interrupted_run_is_resumed_when_it_answers_the_same_question() {
        let p = CursorPolicy::default();
        let now = t("2026-11-23T12:00:00Z");
        let mut c = synced();
        c.in_progress = Some(RunProgress {
            run_id: 7,
            mode: RunMode::Incremental,
            as_of: "2026-11-23".into(),
            since: Some("2026-11-23T09:50:00Z".into()),
            watermark: "2026-11-23T10:50:00Z".into(),
            last_loan_id: Some(40),
            field_seen: true,
        });
        let d = decide(&c, "2026-11-23", false, false, now, &p);
        assert_eq!(d.resume.as_ref().unwrap().run_id, 7);
        assert_eq!(
            d.watermark,
            t("2026-11-23T10:50:00Z"),
            "the old run's watermark"
        );
        assert_eq!(d.since, Some(t("2026-11-23T09:50:00Z")));
        assert!(decide(&c, "2026-11-23", true, false, now, &p)
            .resume
            .is_none());
        assert!(decide(&c, "2026-11-22", false, false, now, &p)
            .resume
            .is_none());
    }
}
