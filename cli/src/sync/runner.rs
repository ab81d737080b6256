//! One sync of a stored connection, end to end: read its token, build the client, compile its
//! newest template, run the pipeline. What `connect`, `sync`, `demo` and the scheduler call.

use std::sync::Arc;

use crate::loanpro::{Client, ClientConfig, Secret};
use crate::store::{Connection, Store};

use super::mapping::TemplateMapper;
use super::pipeline::{run_sync, SyncError, SyncOptions, SyncReport};
use super::progress::Progress;

/// Why a connection could not be synced.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The run started and stopped.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The token, the template or the client settings are unusable; nothing was pulled.
    #[error("cannot sync {connection}: {message}")]
    Setup {
        /// The connection.
        connection: String,
        /// Why.
        message: String,
    },
}

/// The client settings of a stored connection (its token read from where it is kept).
pub fn client_config(conn: &Connection, concurrency: usize) -> Result<ClientConfig, RunError> {
    let token = conn.token_source.read().map_err(|e| RunError::Setup {
        connection: conn.name.clone(),
        message: format!("the API token: {e}"),
    })?;
    let mut cfg = ClientConfig::new(
        conn.base_url.clone(),
        conn.instance_id.clone(),
        Secret::new(token),
    );
    cfg.concurrency = concurrency.max(1);
    Ok(cfg)
}

/// Syncs `conn` with its newest template. `rt` runs the HTTP work; call from outside it.
pub fn sync_connection(
    rt: &tokio::runtime::Handle,
    store: &mut Store,
    conn: &Connection,
    opts: &SyncOptions,
    progress: &Progress,
) -> Result<SyncReport, RunError> {
    let setup = |message: String| RunError::Setup {
        connection: conn.name.clone(),
        message,
    };
    let template = store
        .template(conn.id, None)
        .map_err(|e| setup(e.to_string()))?;
    let mapper = TemplateMapper::compile(
        &template.source,
        &conn.name,
        template.version,
        opts.as_of,
        conn.furnisher_id.as_deref(),
    )
    .map_err(setup)?;
    let client =
        Client::new(client_config(conn, opts.concurrency)?).map_err(|e| setup(e.to_string()))?;
    Ok(run_sync(
        rt,
        store,
        conn,
        Arc::new(client),
        Arc::new(mapper),
        template.version,
        opts,
        progress,
    )?)
}

/// The runtime the commands run HTTP work on: multi-threaded, so fetching and mapping use every
/// core while the calling thread commits pages.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("metro2-sync")
        .build()
}

/// Parses an as-of date (`YYYY-MM-DD`); today's UTC date when absent.
pub fn parse_as_of(text: Option<&str>) -> Result<chrono::NaiveDate, String> {
    let today = chrono::Utc::now().date_naive();
    match text {
        None => Ok(today),
        Some(t) => {
            let d = reporting_date("--as-of", t)?;
            // A day of grace for a machine whose day is behind the lender's (time zones).
            if d > today + chrono::Days::new(1) {
                return Err(format!(
                    "--as-of {t:?} is in the future (today is {today}): a month is reported as of \
                     a day that has passed, and LoanPro has no balances for days to come"
                ));
            }
            Ok(d)
        }
    }
}

/// The first year a date or period a person types may fall in: an earlier one is a typo that
/// would quietly skip every loan as not yet opened.
pub const FIRST_YEAR: i32 = 1970;

/// A reporting date a person typed after `flag`: `YYYY-MM-DD`, four year digits, and a year
/// from [`FIRST_YEAR`] on.
pub fn reporting_date(flag: &str, text: &str) -> Result<chrono::NaiveDate, String> {
    use chrono::Datelike;
    match metro2_engine::clean::date::iso_date(text.trim()) {
        Some(d) if d.year() >= FIRST_YEAR => Ok(d),
        Some(_) => Err(format!(
            "{flag} {text:?} is before {FIRST_YEAR}: not a reporting date"
        )),
        None => Err(format!("{flag} {text:?} is not a date YYYY-MM-DD")),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_as_of;

    #[test]
    fn an_as_of_date_in_the_future_is_refused() {
        let today = chrono::Utc::now().date_naive();
        assert_eq!(parse_as_of(None), Ok(today));
        let tomorrow = (today + chrono::Days::new(1)).to_string();
        assert!(parse_as_of(Some(&tomorrow)).is_ok(), "a day of grace");
        let later = (today + chrono::Days::new(2)).to_string();
        let e = parse_as_of(Some(&later)).unwrap_err();
        assert!(e.contains("is in the future"), "{e}");
        assert_eq!(
            parse_as_of(Some("2026-10-31")),
            Ok(chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap())
        );
    }
}
