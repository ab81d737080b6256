//! When and how long to wait before trying a LoanPro call again.

use std::time::{Duration, SystemTime};

use rand::Rng;

/// The longest `Retry-After` honoured: a server asking for more is treated as asking for this,
/// so one confused answer cannot park a sync for hours.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);

/// Exponential backoff with full jitter: a uniformly random wait between zero and
/// `min(cap, base × 2^(attempt−1))`. `attempt` counts failures so far (1 after the first).
/// Full jitter spreads the retries of concurrent requests so they do not hit the server in
/// lockstep again.
pub fn backoff(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let ceiling = backoff_ceiling(attempt, base, cap);
    let nanos = ceiling.as_nanos().min(u128::from(u64::MAX)) as u64;
    if nanos == 0 {
        return Duration::ZERO;
    }
    Duration::from_nanos(rand::thread_rng().gen_range(0..=nanos))
}

/// The upper bound of [`backoff`] for an attempt.
pub fn backoff_ceiling(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(30));
    base.checked_mul(factor).unwrap_or(cap).min(cap)
}

/// Parses a `Retry-After` value: whole seconds, or an HTTP date (IMF-fixdate, RFC 850 or
/// asctime) taken relative to `now`. A date in the past means "now"; anything else unparsable
/// gives `None`. The result is capped at [`MAX_RETRY_AFTER`].
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let wait = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        Duration::from_secs(value.parse::<u64>().unwrap_or(u64::MAX))
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_then_caps() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(1);
        assert_eq!(backoff_ceiling(1, base, cap), Duration::from_millis(100));
        assert_eq!(backoff_ceiling(3, base, cap), Duration::from_millis(400));
        assert_eq!(backoff_ceiling(5, base, cap), cap);
        assert_eq!(backoff_ceiling(200, base, cap), cap);
        for attempt in 1..10 {
            assert!(backoff(attempt, base, cap) <= backoff_ceiling(attempt, base, cap));
        }
    }

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        // Sun, 06 Nov 1994 08:49:37 GMT is 784111777.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:40 GMT", now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            parse_retry_after("Sunday, 06-Nov-94 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("999999", now), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }
}
