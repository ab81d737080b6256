//! Connections: one LoanPro tenant each, with its reporting and writeback settings.

use rusqlite::{params, OptionalExtension, Row};

use super::{now_text, Result, SecretSource, Store, StoreError};

/// How often a connection syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// Every hour (the default).
    Hourly,
    /// Once a day.
    Daily,
    /// Only when a webhook names a loan.
    Webhook,
}

impl Cadence {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Hourly => "hourly",
            Cadence::Daily => "daily",
            Cadence::Webhook => "webhook",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Result<Cadence> {
        match s {
            "hourly" => Ok(Cadence::Hourly),
            "daily" => Ok(Cadence::Daily),
            "webhook" => Ok(Cadence::Webhook),
            _ => Err(StoreError::Corrupt(format!("unknown cadence {s:?}"))),
        }
    }
}

/// The HTTP method of writeback requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WritebackMethod {
    /// `PUT` (LoanPro's documented method; the default).
    Put,
    /// `PATCH`.
    Patch,
}

impl WritebackMethod {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            WritebackMethod::Put => "PUT",
            WritebackMethod::Patch => "PATCH",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Result<WritebackMethod> {
        match s {
            "PUT" => Ok(WritebackMethod::Put),
            "PATCH" => Ok(WritebackMethod::Patch),
            _ => Err(StoreError::Corrupt(format!(
                "unknown writeback method {s:?}"
            ))),
        }
    }
}

/// What `connect` saves.
#[derive(Debug, Clone)]
pub struct NewConnection {
    /// Unique name.
    pub name: String,
    /// API base URL, ending in `/`.
    pub base_url: String,
    /// The tenant id (`Autopal-Instance-Id`).
    pub instance_id: String,
    /// Where the API token is kept.
    pub token_source: SecretSource,
    /// Sync cadence.
    pub cadence: Cadence,
}

#[cfg(test)]
impl NewConnection {
    /// A connection `name` to nowhere (port 1), its token in `ACME_TOKEN`: what the store's own
    /// tests start from when the connection is not what they test.
    pub fn for_tests(name: &str) -> NewConnection {
        NewConnection {
            name: name.into(),
            base_url: "http://127.0.0.1:1/api/".into(),
            instance_id: "5200000".into(),
            token_source: SecretSource::Env("ACME_TOKEN".into()),
            cadence: Cadence::Hourly,
        }
    }
}

/// A stored connection.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    /// Row id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// API base URL.
    pub base_url: String,
    /// The tenant id.
    pub instance_id: String,
    /// Where the API token is kept.
    pub token_source: SecretSource,
    /// Sync cadence.
    pub cadence: Cadence,
    /// Whether bureau outcomes are written back to LoanPro (off unless the tenant opts in).
    pub writeback: bool,
    /// Method of writeback requests.
    pub writeback_method: WritebackMethod,
    /// Custom field that receives the latest outcome.
    pub writeback_custom_field: Option<i64>,
    /// Equifax program identifier.
    pub equifax_id: Option<String>,
    /// Experian program identifier.
    pub experian_id: Option<String>,
    /// TransUnion program identifier.
    pub transunion_id: Option<String>,
    /// Innovis program identifier.
    pub innovis_id: Option<String>,
    /// Furnisher identification number (the mapping's `furnisher_id` parameter).
    pub furnisher_id: Option<String>,
    /// Reporter name for the header.
    pub reporter_name: Option<String>,
    /// Reporter address for the header.
    pub reporter_address: Option<String>,
    /// Reporter telephone for the header.
    pub reporter_phone: Option<String>,
    /// Where the webhook HMAC secret is kept.
    pub webhook_secret_source: Option<SecretSource>,
    /// Header carrying a static webhook token.
    pub webhook_token_header: Option<String>,
    /// Where the static webhook token is kept.
    pub webhook_token_source: Option<SecretSource>,
    /// The loan field incremental pulls filter on (default `lastUpdated`).
    pub updated_field: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// When it last changed (RFC 3339).
    pub updated_at: String,
}

/// The settings a `connection set` may change; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct ConnectionUpdate {
    /// Sync cadence.
    pub cadence: Option<Cadence>,
    /// Writeback on or off.
    pub writeback: Option<bool>,
    /// Writeback method.
    pub writeback_method: Option<WritebackMethod>,
    /// Writeback custom field.
    pub writeback_custom_field: Option<i64>,
    /// Unset the writeback custom field (wins over `writeback_custom_field`).
    pub clear_writeback_custom_field: bool,
    /// Equifax program identifier.
    pub equifax_id: Option<String>,
    /// Experian program identifier.
    pub experian_id: Option<String>,
    /// TransUnion program identifier.
    pub transunion_id: Option<String>,
    /// Innovis program identifier.
    pub innovis_id: Option<String>,
    /// Furnisher identification number.
    pub furnisher_id: Option<String>,
    /// Reporter name.
    pub reporter_name: Option<String>,
    /// Reporter address.
    pub reporter_address: Option<String>,
    /// Reporter telephone.
    pub reporter_phone: Option<String>,
    /// Webhook secret reference.
    pub webhook_secret_source: Option<SecretSource>,
    /// Static webhook token header.
    pub webhook_token_header: Option<String>,
    /// Static webhook token reference.
    pub webhook_token_source: Option<SecretSource>,
    /// The loan field the cursor filters on.
    pub updated_field: Option<String>,
    /// API base URL.
    pub base_url: Option<String>,
    /// The tenant id (`Autopal-Instance-Id`).
    pub instance_id: Option<String>,
    /// Token reference.
    pub token_source: Option<SecretSource>,
}

impl ConnectionUpdate {
    /// Whether the update points `before` at another base URL or instance id, so possibly at
    /// another tenant (a trailing `/` and surrounding spaces do not count).
    pub fn moves_tenant(&self, before: &Connection) -> bool {
        let url = |u: &str| u.trim().trim_end_matches('/').to_string();
        self.base_url
            .as_deref()
            .is_some_and(|u| url(u) != url(&before.base_url))
            || self
                .instance_id
                .as_deref()
                .is_some_and(|i| i.trim() != before.instance_id.trim())
    }
}

const COLUMNS: &str = "id, name, base_url, instance_id, token_source, cadence, writeback, \
    writeback_method, writeback_custom_field, equifax_id, experian_id, transunion_id, innovis_id, \
    furnisher_id, reporter_name, reporter_address, reporter_phone, webhook_secret_source, \
    webhook_token_header, webhook_token_source, updated_field, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<RawConnection> {
    Ok(RawConnection {
        id: r.get(0)?,
        name: r.get(1)?,
        base_url: r.get(2)?,
        instance_id: r.get(3)?,
        token_source: r.get(4)?,
        cadence: r.get(5)?,
        writeback: r.get(6)?,
        writeback_method: r.get(7)?,
        writeback_custom_field: r.get(8)?,
        ids: [r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?],
        furnisher_id: r.get(13)?,
        reporter: [r.get(14)?, r.get(15)?, r.get(16)?],
        webhook_secret_source: r.get(17)?,
        webhook_token_header: r.get(18)?,
        webhook_token_source: r.get(19)?,
        updated_field: r.get(20)?,
        created_at: r.get(21)?,
        updated_at: r.get(22)?,
    })
}

/// A row as SQLite gives it, before the enums and references are parsed.
struct RawConnection {
    id: i64,
    name: String,
    base_url: String,
    instance_id: String,
    token_source: String,
    cadence: String,
    writeback: bool,
    writeback_method: String,
    writeback_custom_field: Option<i64>,
    ids: [Option<String>; 4],
    furnisher_id: Option<String>,
    reporter: [Option<String>; 3],
    webhook_secret_source: Option<String>,
    webhook_token_header: Option<String>,
    webhook_token_source: Option<String>,
    updated_field: String,
    created_at: String,
    updated_at: String,
}

impl RawConnection {
    fn parse(self) -> Result<Connection> {
        let [equifax_id, experian_id, transunion_id, innovis_id] = self.ids;
        let [reporter_name, reporter_address, reporter_phone] = self.reporter;
        Ok(Connection {
            id: self.id,
            name: self.name,
            base_url: self.base_url,
            instance_id: self.instance_id,
            token_source: SecretSource::parse(&self.token_source)?,
            cadence: Cadence::parse(&self.cadence)?,
            writeback: self.writeback,
            writeback_method: WritebackMethod::parse(&self.writeback_method)?,
            writeback_custom_field: self.writeback_custom_field,
            equifax_id,
            experian_id,
            transunion_id,
            innovis_id,
            furnisher_id: self.furnisher_id,
            reporter_name,
            reporter_address,
            reporter_phone,
            webhook_secret_source: self
                .webhook_secret_source
                .as_deref()
                .map(SecretSource::parse)
                .transpose()?,
            webhook_token_header: self.webhook_token_header,
            webhook_token_source: self
                .webhook_token_source
                .as_deref()
                .map(SecretSource::parse)
                .transpose()?,
            updated_field: self.updated_field,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

impl Store {
    /// Saves a new connection. Fails when the name is taken.
    pub fn create_connection(&self, new: &NewConnection) -> Result<Connection> {
        let now = now_text();
        let inserted = self.db.execute(
            "INSERT INTO connections (name, base_url, instance_id, token_source, cadence, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![
                new.name,
                new.base_url,
                new.instance_id,
                new.token_source.to_text(),
                new.cadence.as_str(),
                now
            ],
        );
        match inserted {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                return Err(StoreError::Invalid(format!(
                    "a connection named {:?} already exists",
                    new.name
                )))
            }
            r => r?,
        };
        self.connection(&new.name)
    }

    /// The connection with this name.
    pub fn connection(&self, name: &str) -> Result<Connection> {
        self.db
            .query_row(
                &format!("SELECT {COLUMNS} FROM connections WHERE name = ?1"),
                [name],
                from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no connection named {name:?}")))?
            .parse()
    }

    /// The connection with this row id.
    pub fn connection_by_id(&self, id: i64) -> Result<Connection> {
        self.db
            .query_row(
                &format!("SELECT {COLUMNS} FROM connections WHERE id = ?1"),
                [id],
                from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no connection with id {id}")))?
            .parse()
    }

    /// Every connection, by name.
    pub fn connections(&self) -> Result<Vec<Connection>> {
        let mut stmt = self
            .db
            .prepare(&format!("SELECT {COLUMNS} FROM connections ORDER BY name"))?;
        let rows = stmt.query_map([], from_row)?;
        rows.map(|r| r?.parse()).collect()
    }

    /// The named connection, or the only one when `name` is `None`.
    pub fn resolve_connection(&self, name: Option<&str>) -> Result<Connection> {
        if let Some(n) = name {
            return self.connection(n);
        }
        let mut all = self.connections()?;
        match all.len() {
            0 => Err(StoreError::NotFound(
                "no connection yet: run `metro2 connect loanpro` first".into(),
            )),
            1 => Ok(all.remove(0)),
            _ => Err(StoreError::Invalid(format!(
                "there are {} connections ({}); name one with --connection",
                all.len(),
                all.iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// Changes the settings `update` names and returns the connection as saved, in one
    /// transaction. A new `updated_field` forgets whether the loans carry the field, so the next
    /// run is a full sweep that finds out again. A new base URL or instance id
    /// ([`ConnectionUpdate::moves_tenant`]) resets the cursor (`cursor::reset_cursor`): the
    /// cursor describes the old tenant, so the next run is a full sweep of the new one. A new
    /// token alone keeps the cursor (the same tenant, another credential).
    pub fn update_connection(&self, name: &str, update: &ConnectionUpdate) -> Result<Connection> {
        self.update_connection_then(name, update, || Ok(()))
    }

    /// [`Store::update_connection`], with `finish` run last inside its transaction: when
    /// `finish` fails, nothing is saved, the cursor included. `connection set` moves a new
    /// token file into place there, so that a file it cannot write leaves the connection as it
    /// was; undoing a saved update instead would not give back a cursor a tenant move reset.
    pub fn update_connection_then(
        &self,
        name: &str,
        update: &ConnectionUpdate,
        finish: impl FnOnce() -> Result<()>,
    ) -> Result<Connection> {
        let before = self.connection(name)?;
        let id = before.id;
        let u = update;
        let tx = self.db.unchecked_transaction()?;
        if u.moves_tenant(&before) {
            super::cursor::reset_cursor(&tx, id)?;
        } else if u
            .updated_field
            .as_ref()
            .is_some_and(|f| *f != before.updated_field)
        {
            tx.execute(
                "UPDATE cursors SET field_supported = NULL WHERE connection_id = ?1",
                [id],
            )?;
        }
        let text = |s: &Option<SecretSource>| s.as_ref().map(SecretSource::to_text);
        tx.execute(
            "UPDATE connections SET
                cadence = COALESCE(?2, cadence),
                writeback = COALESCE(?3, writeback),
                writeback_method = COALESCE(?4, writeback_method),
                writeback_custom_field =
                    CASE WHEN ?21 THEN NULL ELSE COALESCE(?5, writeback_custom_field) END,
                equifax_id = COALESCE(?6, equifax_id),
                experian_id = COALESCE(?7, experian_id),
                transunion_id = COALESCE(?8, transunion_id),
                innovis_id = COALESCE(?9, innovis_id),
                furnisher_id = COALESCE(?10, furnisher_id),
                reporter_name = COALESCE(?11, reporter_name),
                reporter_address = COALESCE(?12, reporter_address),
                reporter_phone = COALESCE(?13, reporter_phone),
                webhook_secret_source = COALESCE(?14, webhook_secret_source),
                webhook_token_header = COALESCE(?15, webhook_token_header),
                webhook_token_source = COALESCE(?16, webhook_token_source),
                updated_field = COALESCE(?17, updated_field),
                base_url = COALESCE(?18, base_url),
                token_source = COALESCE(?19, token_source),
                updated_at = ?20,
                instance_id = COALESCE(?22, instance_id)
             WHERE id = ?1",
            params![
                id,
                u.cadence.map(Cadence::as_str),
                u.writeback,
                u.writeback_method.map(WritebackMethod::as_str),
                u.writeback_custom_field,
                u.equifax_id,
                u.experian_id,
                u.transunion_id,
                u.innovis_id,
                u.furnisher_id,
                u.reporter_name,
                u.reporter_address,
                u.reporter_phone,
                text(&u.webhook_secret_source),
                u.webhook_token_header,
                text(&u.webhook_token_source),
                u.updated_field,
                u.base_url,
                text(&u.token_source),
                now_text(),
                u.clear_writeback_custom_field,
                u.instance_id,
            ],
        )?;
        finish()?;
        tx.commit()?;
        self.connection_by_id(id)
    }

    /// Deletes a connection and everything stored for it.
    pub fn delete_connection(&self, name: &str) -> Result<()> {
        let n = self
            .db
            .execute("DELETE FROM connections WHERE name = ?1", [name])?;
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "no connection named {name:?}"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Cursor, RunMode, RunProgress, RunStatus};
    use crate::sync::plan::{decide, CursorPolicy};

    /// Starts a run of `mode` for 2026-10-31 and marks it in progress in the cursor.
    fn begin(store: &mut Store, conn: i64, mode: RunMode) -> i64 {
        let run = store
            .start_run(conn, mode, "2026-10-31", None, None, 1)
            .unwrap();
        let progress = RunProgress {
            run_id: run,
            mode,
            as_of: "2026-10-31".into(),
            since: None,
            watermark: "2026-10-31T09:50:00Z".into(),
            last_loan_id: Some(7),
            field_seen: true,
        };
        store.begin_run(conn, &progress).unwrap();
        run
    }

    /// A connection whose cursor holds a completed full sweep.
    fn synced() -> (Store, Connection) {
        let mut store = Store::open_in_memory().unwrap();
        let conn = store
            .create_connection(&NewConnection {
                name: "acme".into(),
                base_url: "http://127.0.0.1:1/api/".into(),
                instance_id: "5200000".into(),
                token_source: SecretSource::Env("OLD_TOKEN".into()),
                cadence: Cadence::Hourly,
            })
            .unwrap();
        begin(&mut store, conn.id, RunMode::Full);
        store.complete_run(conn.id, true).unwrap();
        (store, conn)
    }

    fn next_run(cursor: &Cursor) -> (RunMode, &'static str) {
        // The full sweep completed just now (`complete_run` stamps the clock's time).
        let now = chrono::Utc::now();
        let d = decide(
            cursor,
            "2026-10-31",
            false,
            false,
            now,
            &CursorPolicy::default(),
        );
        (d.mode, d.why)
    }

    #[test]
    fn a_new_token_keeps_the_cursor() {
        let (store, conn) = synced();
        let cursor = store.cursor(conn.id).unwrap();
        assert_eq!(next_run(&cursor).0, RunMode::Incremental);
        // The same base URL but for a trailing `/`, and the same instance id, are no move.
        let update = ConnectionUpdate {
            token_source: Some(SecretSource::Env("NEW_TOKEN".into())),
            base_url: Some(" http://127.0.0.1:1/api".into()),
            instance_id: Some("5200000".into()),
            ..Default::default()
        };
        assert!(!update.moves_tenant(&conn));
        let after = store.update_connection("acme", &update).unwrap();
        assert_eq!(after.token_source, SecretSource::Env("NEW_TOKEN".into()));
        assert_eq!(after.instance_id, "5200000");
        assert_eq!(store.cursor(conn.id).unwrap(), cursor);
    }

    #[test]
    fn a_new_base_url_or_instance_id_resets_the_cursor() {
        for update in [
            ConnectionUpdate {
                base_url: Some("http://127.0.0.1:2/api/".into()),
                ..Default::default()
            },
            ConnectionUpdate {
                instance_id: Some("5200001".into()),
                token_source: Some(SecretSource::Env("NEW_TOKEN".into())),
                ..Default::default()
            },
        ] {
            let (mut store, conn) = synced();
            // A run cut short against the old tenant: not resumed against the new one.
            let cut_short = begin(&mut store, conn.id, RunMode::Incremental);
            assert!(store.cursor(conn.id).unwrap().in_progress.is_some());
            assert!(update.moves_tenant(&conn));
            let after = store.update_connection("acme", &update).unwrap();
            assert_eq!(
                after.base_url,
                update.base_url.clone().unwrap_or(conn.base_url.clone())
            );
            assert_eq!(
                after.instance_id,
                update
                    .instance_id
                    .clone()
                    .unwrap_or(conn.instance_id.clone())
            );
            let cursor = store.cursor(conn.id).unwrap();
            assert_eq!(cursor, Cursor::default());
            assert_eq!(next_run(&cursor), (RunMode::Full, "first sync"));
            let run = store.run(cut_short).unwrap();
            assert_eq!(run.status, RunStatus::Interrupted);
        }
    }

    #[test]
    fn a_failed_finish_saves_nothing_and_keeps_the_cursor() {
        let (mut store, conn) = synced();
        let cut_short = begin(&mut store, conn.id, RunMode::Incremental);
        let cursor = store.cursor(conn.id).unwrap();
        let update = ConnectionUpdate {
            base_url: Some("http://127.0.0.1:2/api/".into()),
            instance_id: Some("5200001".into()),
            token_source: Some(SecretSource::Env("NEW_TOKEN".into())),
            ..Default::default()
        };
        assert!(update.moves_tenant(&conn));
        let failed = store.update_connection_then("acme", &update, || {
            Err(StoreError::Invalid("cannot write the secret file".into()))
        });
        assert!(matches!(failed, Err(StoreError::Invalid(_))));
        let after = store.connection("acme").unwrap();
        assert_eq!(
            (&after.base_url, &after.instance_id, &after.token_source),
            (&conn.base_url, &conn.instance_id, &conn.token_source)
        );
        assert_eq!(store.cursor(conn.id).unwrap(), cursor);
        assert_ne!(store.run(cut_short).unwrap().status, RunStatus::Interrupted);
        // The same update with a finish that succeeds is saved, and moves the tenant.
        let after = store
            .update_connection_then("acme", &update, || Ok(()))
            .unwrap();
        assert_eq!(after.instance_id, "5200001");
        assert_eq!(store.cursor(conn.id).unwrap(), Cursor::default());
    }
}
