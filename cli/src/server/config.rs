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
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            listen: "127.0.0.1:8080".to_string(),
            hourly: Duration::from_secs(60 * 60),
            daily: Duration::from_secs(24 * 60 * 60),
            dedup: Windows::default(),
            shutdown_grace: Duration::from_secs(30),
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
        let c = ServeConfig::from_yaml("schedule:\n  hourly: 300ms\nshutdown_grace: 2s\n").unwrap();
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
