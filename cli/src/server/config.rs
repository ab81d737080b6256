//! `metro2 serve` settings: a YAML file (`--config`), every key optional.
//!
//! ```yaml
//! listen: 127.0.0.1:8080
//! schedule:
//!   hourly: 1h      # how often an `hourly` connection syncs (tests shorten it: 300ms)
//!   daily: 24h      # how often a `daily` connection syncs
//! dedup:
//!   trace_window: 24h   # a trace id seen within this is a repeated delivery
//!   body_window: 10m    # the same body within this is a repeated delivery
//! shutdown_grace: 30s   # on SIGTERM, how long the job in flight may take to finish
//! pull_retry:
//!   first: 1m       # a failed webhook pull is tried again after this, then 4x longer each time
//!   attempts: 5     # attempts in all before the delivery is marked failed
//! ```
//! Durations are a number and a unit: `ms`, `s`, `m`, `h`, `d`.

use std::time::Duration;

use serde::Deserialize;

use super::dedup::Windows;

/// The largest webhook body accepted (1 MiB); larger ones get `413`.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The server's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeConfig {
    /// Where to listen.
    pub listen: String,
    /// How often `hourly` connections sync.
    pub hourly: Duration,
    /// How often `daily` connections sync.
    pub daily: Duration,
    /// Repeated-delivery windows.
    pub dedup: Windows,
    /// On stop, how long the job in flight may take. A targeted pull (one loan) takes well
    /// under a second; a scheduled sync stuck in retries against an unreachable LoanPro is left
    /// after this, which is safe: a sync resumes after its last committed page.
    pub shutdown_grace: Duration,
    /// When failed webhook pulls are tried again.
    pub pull_retry: PullRetry,
}

/// Retries of a webhook pull that failed for a reason that may pass (LoanPro unreachable or
/// failing, the loan failing to fetch). A loan LoanPro does not know is not retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PullRetry {
    /// The wait before the second attempt; each later wait is four times the one before.
    pub first: Duration,
    /// Attempts in all, the first included; 1 means never retry.
    pub attempts: u32,
}

impl Default for PullRetry {
    fn default() -> Self {
        PullRetry {
            first: Duration::from_secs(60),
            attempts: 5,
        }
    }
}

impl PullRetry {
    /// The wait after the `failed`-th failed attempt (1-based), or `None` when it was the last.
    pub fn wait_after(&self, failed: u32) -> Option<Duration> {
        if failed >= self.attempts {
            return None;
        }
        let factor = 4u32.saturating_pow(failed.saturating_sub(1));
        Some(
            self.first
                .saturating_mul(factor)
                .min(Duration::from_secs(6 * 3600)),
        )
    }
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            listen: "127.0.0.1:8080".to_string(),
            hourly: Duration::from_secs(60 * 60),
            daily: Duration::from_secs(24 * 60 * 60),
            dedup: Windows::default(),
            shutdown_grace: Duration::from_secs(30),
            pull_retry: PullRetry::default(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    listen: Option<String>,
    #[serde(default)]
    schedule: ScheduleFile,
    #[serde(default)]
    dedup: DedupFile,
    shutdown_grace: Option<String>,
    #[serde(default)]
    pull_retry: PullRetryFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PullRetryFile {
    first: Option<String>,
    attempts: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleFile {
    hourly: Option<String>,
    daily: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DedupFile {
    trace_window: Option<String>,
    body_window: Option<String>,
}

impl ServeConfig {
    /// Reads the YAML text of a configuration file over the defaults.
    pub fn from_yaml(text: &str) -> Result<ServeConfig, String> {
        let f: File = if text.trim().is_empty() {
            File::default()
        } else {
            serde_yaml::from_str(text).map_err(|e| e.to_string())?
        };
        let mut c = ServeConfig::default();
        if let Some(l) = f.listen {
            c.listen = l;
        }
        let get = |key: &str, v: Option<String>, default: Duration| -> Result<Duration, String> {
            match v {
                None => Ok(default),
                Some(t) => parse_duration(&t).map_err(|e| format!("{key}: {e}")),
            }
        };
        c.hourly = get("schedule.hourly", f.schedule.hourly, c.hourly)?;
        c.daily = get("schedule.daily", f.schedule.daily, c.daily)?;
        c.dedup.trace = get("dedup.trace_window", f.dedup.trace_window, c.dedup.trace)?;
        c.dedup.body = get("dedup.body_window", f.dedup.body_window, c.dedup.body)?;
        c.shutdown_grace = get("shutdown_grace", f.shutdown_grace, c.shutdown_grace)?;
        c.pull_retry.first = get("pull_retry.first", f.pull_retry.first, c.pull_retry.first)?;
        if let Some(n) = f.pull_retry.attempts {
            if n == 0 {
                return Err("pull_retry.attempts: at least 1 (the first attempt)".into());
            }
            c.pull_retry.attempts = n;
        }
        for (key, d) in [("schedule.hourly", c.hourly), ("schedule.daily", c.daily)] {
            if d < Duration::from_millis(10) {
                return Err(format!("{key}: {d:?} is too short (at least 10ms)"));
            }
        }
        Ok(c)
    }
}

/// Parses `500ms`, `2s`, `15m`, `1h`, `1d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{t:?} has no unit (ms, s, m, h, d)"))?;
    let (n, unit) = t.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{t:?} does not start with a number"))?;
    let ms = match unit.trim() {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        u => return Err(format!("{t:?}: unknown unit {u:?} (ms, s, m, h, d)")),
    };
    Ok(Duration::from_millis(n.saturating_mul(ms)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("300ms"), Ok(Duration::from_millis(300)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration(" 1h "), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86400)));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("5y").is_err());
        assert!(parse_duration("ms").is_err());
    }

    #[test]
    fn file_over_defaults() {
        let c = ServeConfig::from_yaml(
            "schedule:\n  hourly: 300ms\nshutdown_grace: 2s\npull_retry:\n  first: 2s\n  attempts: 3\n",
        )
        .unwrap();
        assert_eq!(
            c.pull_retry,
            PullRetry {
                first: Duration::from_secs(2),
                attempts: 3
            }
        );
        assert_eq!(c.pull_retry.wait_after(1), Some(Duration::from_secs(2)));
        assert_eq!(c.pull_retry.wait_after(2), Some(Duration::from_secs(8)));
        assert_eq!(c.pull_retry.wait_after(3), None);
        assert!(ServeConfig::from_yaml("pull_retry:\n  attempts: 0\n").is_err());
        assert_eq!(c.shutdown_grace, Duration::from_secs(2));
        assert_eq!(c.hourly, Duration::from_millis(300));
        assert_eq!(c.daily, Duration::from_secs(86400));
        assert_eq!(c.listen, "127.0.0.1:8080");
        assert_eq!(ServeConfig::from_yaml("").unwrap(), ServeConfig::default());
        let e = ServeConfig::from_yaml("schedule:\n  hourly: 1ms\n").unwrap_err();
        assert!(e.contains("too short"), "{e}");
        let e = ServeConfig::from_yaml("shedule: {}\n").unwrap_err();
        assert!(e.contains("unknown field"), "{e}");
    }
}
