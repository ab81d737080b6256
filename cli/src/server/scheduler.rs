//! The scheduler: each `hourly` or `daily` connection is synced once per its interval (the
//! intervals come from the serve configuration, so tests can shorten them); `webhook`
//! connections are never polled.
//!
//! A connection's clock starts from its newest full or incremental run in the store, so a
//! restart does not sync everything again, and a connection never synced is due at once.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::config::ServeConfig;
use crate::store::{Cadence, Store, StoreError};

/// The interval of a cadence, `None` for `webhook`.
pub fn interval(cadence: Cadence, cfg: &ServeConfig) -> Option<Duration> {
    match cadence {
        Cadence::Hourly => Some(cfg.hourly),
        Cadence::Daily => Some(cfg.daily),
        Cadence::Webhook => None,
    }
}

/// How often the scheduler looks: a quarter of the shortest interval, between 10 ms and 30 s.
pub fn tick(cfg: &ServeConfig) -> Duration {
    (cfg.hourly.min(cfg.daily) / 4).clamp(Duration::from_millis(10), Duration::from_secs(30))
}

/// A connection as the scheduler sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheduled {
    /// The connection.
    pub id: i64,
    /// Its interval (`None`: webhook only, never polled).
    pub every: Option<Duration>,
    /// How long ago its newest scheduled run started, per the store (`None`: never).
    pub age: Option<Duration>,
}

/// When each connection last synced on schedule.
#[derive(Debug, Default)]
pub struct Clock {
    last: HashMap<i64, Instant>,
}

impl Clock {
    /// The connections due at `now`. For a connection this clock has not seen yet, its `age`
    /// says when it last synced. A connection returned is considered synced at `now`.
    pub fn due(&mut self, now: Instant, connections: &[Scheduled]) -> Vec<i64> {
        let mut out = Vec::new();
        for &Scheduled { id, every, age } in connections {
            let Some(every) = every else {
                self.last.remove(&id);
                continue;
            };
            let fresh = !self.last.contains_key(&id);
            let last = *self.last.entry(id).or_insert_with(|| match age {
                // `checked_sub` fails only for an age longer than the machine's uptime; such a
                // run is overdue anyway (below).
                Some(age) => now.checked_sub(age).unwrap_or(now),
                None => now,
            });
            let never = fresh && age.is_none();
            let overdue = fresh && age.is_some_and(|a| a >= every);
            if never || overdue || now.saturating_duration_since(last) >= every {
                self.last.insert(id, now);
                out.push(id);
            }
        }
        out
    }
}

/// Each connection with its interval and the age of its newest scheduled (full or incremental)
/// run.
pub fn connections(store: &Store, cfg: &ServeConfig) -> Result<Vec<Scheduled>, StoreError> {
    let now = chrono::Utc::now();
    let mut out = Vec::new();
    for c in store.connections()? {
        let last: Option<String> = store.db().query_row(
            "SELECT MAX(started_at) FROM sync_runs
             WHERE connection_id = ?1 AND mode IN ('full', 'incremental')",
            [c.id],
            |r| r.get(0),
        )?;
        let age = last
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| {
                (now - t.with_timezone(&chrono::Utc))
                    .to_std()
                    .unwrap_or(Duration::ZERO)
            });
        out.push(Scheduled {
            id: c.id,
            every: interval(c.cadence, cfg),
            age,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn c(id: i64, every: Option<Duration>, age: Option<Duration>) -> Scheduled {
        Scheduled { id, every, age }
    }

    #[test]
    fn never_synced_is_due_at_once_then_every_interval() {
        let mut clock = Clock::default();
        let t0 = Instant::now();
        let conns = [c(1, Some(10 * S), None)];
        assert_eq!(clock.due(t0, &conns), vec![1]);
        assert!(clock.due(t0 + 9 * S, &conns).is_empty());
        assert_eq!(clock.due(t0 + 10 * S, &conns), vec![1]);
        assert!(clock.due(t0 + 11 * S, &conns).is_empty());
    }

    #[test]
    fn a_recent_run_in_the_store_delays_the_first_sync() {
        let mut clock = Clock::default();
        let t0 = Instant::now() + 100 * S;
        let conns = [c(1, Some(10 * S), Some(4 * S))];
        assert!(clock.due(t0, &conns).is_empty());
        assert_eq!(clock.due(t0 + 6 * S, &conns), vec![1]);
        let overdue = [c(2, Some(10 * S), Some(40 * S))];
        assert_eq!(clock.due(t0, &overdue), vec![2]);
    }

    #[test]
    fn webhook_connections_never_poll() {
        let mut clock = Clock::default();
        let t0 = Instant::now();
        assert!(clock.due(t0, &[c(1, None, None)]).is_empty());
        assert!(clock.due(t0 + 1000 * S, &[c(1, None, Some(S))]).is_empty());
    }

    #[test]
    fn tick_is_bounded() {
        let mut cfg = ServeConfig::default();
        assert_eq!(tick(&cfg), Duration::from_secs(30));
        cfg.hourly = Duration::from_millis(200);
        assert_eq!(tick(&cfg), Duration::from_millis(50));
        cfg.hourly = Duration::from_millis(20);
        assert_eq!(tick(&cfg), Duration::from_millis(10));
    }
}
