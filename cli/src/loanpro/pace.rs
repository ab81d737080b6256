//! The global request pace: every request of a client waits its turn here, so a sync never
//! sends faster than the configured rate whatever its concurrency, and a `429` pauses all of
//! them, not only the request that drew it.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// A pacer: evenly spaced slots (`1 / rate` apart, with a burst of up to one second's worth)
/// plus a pause every caller waits out.
#[derive(Debug)]
pub struct Pace {
    interval: Option<Duration>,
    burst: Duration,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The next free slot (a slot in the past is credit, up to `burst`).
    next: Instant,
    /// No request starts before this instant.
    paused_until: Instant,
}

impl Pace {
    /// A pacer for `rate` requests per second; `None` (or a rate that is not positive) only
    /// applies pauses.
    pub fn new(rate: Option<f64>) -> Pace {
        let interval = rate
            .filter(|r| r.is_finite() && *r > 0.0)
            .map(|r| Duration::from_secs_f64(1.0 / r));
        let burst = match rate {
            Some(r) if r > 1.0 => Duration::from_secs(1),
            _ => Duration::ZERO,
        };
        let now = Instant::now();
        Pace {
            interval,
            burst,
            state: Mutex::new(State {
                next: now,
                paused_until: now,
            }),
        }
    }

    /// Waits for this caller's slot.
    pub async fn wait(&self) {
        let at = {
            let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let mut slot = now.max(s.paused_until);
            if let Some(interval) = self.interval {
                let earliest = slot.checked_sub(self.burst).unwrap_or(slot);
                let start = s.next.max(earliest);
                slot = slot.max(start);
                s.next = start + interval;
            }
            slot
        };
        if at > Instant::now() {
            tokio::time::sleep_until(at).await;
        }
    }

    /// Holds every caller back for `wait` from now (a `Retry-After`); a shorter pause than
    /// one already in force changes nothing.
    pub fn pause_for(&self, wait: Duration) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let until = Instant::now() + wait;
        if until > s.paused_until {
            s.paused_until = until;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn spaces_requests_evenly() {
        let pace = Pace::new(Some(100.0));
        let start = Instant::now();
        for _ in 0..30 {
            pace.wait().await;
        }
        // A fresh pacer has no burst credit: 29 intervals of 10 ms.
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(285), "{elapsed:?}");
        assert!(elapsed <= Duration::from_millis(600), "{elapsed:?}");
    }

    #[tokio::test]
    async fn a_pause_holds_everyone() {
        let pace = Pace::new(None);
        pace.pause_for(Duration::from_millis(200));
        pace.pause_for(Duration::from_millis(50));
        let start = Instant::now();
        pace.wait().await;
        assert!(start.elapsed() >= Duration::from_millis(195));
    }
}
