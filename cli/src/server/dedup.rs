//! Repeated-delivery detection.
//!
//! LoanPro retries a notification with the same trace id, and a sender without trace ids may
//! still post the same body twice. A delivery is a repeat when its connection already saw the
//! same trace id within the trace window, or the same body (by SHA-256) within the body window.
//! Repeats are acknowledged (202) but not acted on. Time is passed in, so the logic is tested
//! without sleeping.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// How long trace ids and bodies are remembered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    /// A trace id is a repeat for this long (LoanPro's retries can be hours apart).
    pub trace: Duration,
    /// An identical body is a repeat for this long (an identical event later is a new event:
    /// a loan can be modified twice with the same template output).
    pub body: Duration,
}

impl Default for Windows {
    fn default() -> Self {
        Windows {
            trace: Duration::from_secs(24 * 60 * 60),
            body: Duration::from_secs(10 * 60),
        }
    }
}

/// What a delivery was seen as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// First time: act on it.
    New,
    /// The same trace id was delivered before.
    RepeatedTrace,
    /// The same body was delivered before, within the body window.
    RepeatedBody,
}

/// The SHA-256 of a body, hex: how bodies are remembered (and stored) without keeping them.
pub fn body_digest(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// Remembers recent deliveries per connection.
#[derive(Debug, Default)]
pub struct Dedup {
    windows: Windows,
    traces: HashMap<(String, String), Instant>,
    bodies: HashMap<(String, String), Instant>,
}

impl Dedup {
    /// An empty memory with the given windows.
    pub fn new(windows: Windows) -> Dedup {
        Dedup {
            windows,
            ..Dedup::default()
        }
    }

    /// Classifies a delivery seen at `now` and remembers it. A repeat does not extend the
    /// window: the first delivery is the one that acted.
    pub fn check(
        &mut self,
        connection: &str,
        trace_id: Option<&str>,
        digest: &str,
        now: Instant,
    ) -> Seen {
        self.prune(now);
        if let Some(trace) = trace_id {
            let key = (connection.to_string(), trace.to_string());
            if self.traces.contains_key(&key) {
                return Seen::RepeatedTrace;
            }
            self.traces.insert(key, now);
        }
        let key = (connection.to_string(), digest.to_string());
        if self.bodies.contains_key(&key) {
            return Seen::RepeatedBody;
        }
        self.bodies.insert(key, now);
        Seen::New
    }

    /// Remembers a delivery that happened `age` before `now` (used to reload the recent history
    /// from the store on start, so a restart does not forget a retry in progress).
    pub fn remember(
        &mut self,
        connection: &str,
        trace_id: Option<&str>,
        digest: &str,
        at: Instant,
    ) {
        if let Some(trace) = trace_id {
            self.traces
                .entry((connection.to_string(), trace.to_string()))
                .or_insert(at);
        }
        self.bodies
            .entry((connection.to_string(), digest.to_string()))
            .or_insert(at);
    }

    /// Forgets a delivery that was classified [`Seen::New`] but could not be acted on (it was
    /// answered with an error), so that the sender's retry is not taken for a repeat.
    pub fn forget(&mut self, connection: &str, trace_id: Option<&str>, digest: &str) {
        if let Some(trace) = trace_id {
            self.traces
                .remove(&(connection.to_string(), trace.to_string()));
        }
        self.bodies
            .remove(&(connection.to_string(), digest.to_string()));
    }

    /// How many entries are held (bounded by the delivery rate times the windows).
    pub fn len(&self) -> usize {
        self.traces.len() + self.bodies.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn prune(&mut self, now: Instant) {
        let Windows { trace, body } = self.windows;
        self.traces
            .retain(|_, at| now.saturating_duration_since(*at) < trace);
        self.bodies
            .retain(|_, at| now.saturating_duration_since(*at) < body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn windows() -> Windows {
        Windows {
            trace: Duration::from_secs(100),
            body: Duration::from_secs(10),
        }
    }

    #[test]
    fn same_trace_id_is_a_repeat_even_with_another_body() {
        let mut d = Dedup::new(windows());
        let t0 = Instant::now();
        assert_eq!(d.check("c", Some("t1"), "a", t0), Seen::New);
        let later = t0 + Duration::from_secs(50);
        assert_eq!(d.check("c", Some("t1"), "b", later), Seen::RepeatedTrace);
        assert_eq!(d.check("c", Some("t2"), "c", later), Seen::New);
    }

    #[test]
    fn same_body_is_a_repeat_only_within_the_window() {
        let mut d = Dedup::new(windows());
        let t0 = Instant::now();
        assert_eq!(d.check("c", None, "a", t0), Seen::New);
        assert_eq!(
            d.check("c", None, "a", t0 + Duration::from_secs(9)),
            Seen::RepeatedBody
        );
        assert_eq!(
            d.check("c", None, "a", t0 + Duration::from_secs(10)),
            Seen::New
        );
    }

    #[test]
    fn connections_are_separate() {
        let mut d = Dedup::new(windows());
        let t0 = Instant::now();
        assert_eq!(d.check("c1", Some("t"), "a", t0), Seen::New);
        assert_eq!(d.check("c2", Some("t"), "a", t0), Seen::New);
    }

    #[test]
    fn old_entries_are_forgotten() {
        let mut d = Dedup::new(windows());
        let t0 = Instant::now();
        for i in 0..50 {
            d.check("c", Some(&format!("t{i}")), &format!("b{i}"), t0);
        }
        assert_eq!(d.len(), 100);
        d.check("c", None, "x", t0 + Duration::from_secs(200));
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn reloaded_history_counts() {
        let mut d = Dedup::new(windows());
        let t0 = Instant::now();
        d.remember("c", Some("t"), "a", t0);
        assert_eq!(
            d.check("c", Some("t"), "z", t0 + Duration::from_secs(1)),
            Seen::RepeatedTrace
        );
    }

    #[test]
    fn a_forgotten_delivery_is_new_again() {
        let mut d = Dedup::new(windows());
        let t0 = Instant::now();
        assert_eq!(d.check("c", Some("t"), "a", t0), Seen::New);
        d.forget("c", Some("t"), "a");
        assert_eq!(d.check("c", Some("t"), "a", t0), Seen::New);
    }

    #[test]
    fn digest_is_sha256_hex() {
        assert_eq!(
            body_digest(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
