//! Mapping templates: each connection's `.m2map` source, versioned. Version 1 is the preset as
//! it was cloned at `connect`; an edit adds a version, never rewrites one, so every stored record
//! names the exact source that made it.

use rusqlite::{params, OptionalExtension, Row};

use super::{now_text, Result, Store, StoreError};

/// One version of a connection's mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The connection's row id.
    pub connection_id: i64,
    /// 1, 2, 3, ...
    pub version: i64,
    /// The `.m2map` source text.
    pub source: String,
    /// Where it came from (`cloned from presets/loanpro.m2map`, ...).
    pub note: Option<String>,
    /// When it was saved (RFC 3339).
    pub created_at: String,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Template> {
    Ok(Template {
        connection_id: r.get(0)?,
        version: r.get(1)?,
        source: r.get(2)?,
        note: r.get(3)?,
        created_at: r.get(4)?,
    })
}

const COLUMNS: &str = "connection_id, version, source, note, created_at";

impl Store {
    /// Saves `source` as the connection's next template version and returns it.
    pub fn add_template(
        &mut self,
        connection_id: i64,
        source: &str,
        note: Option<&str>,
    ) -> Result<Template> {
        let tx = self.db.transaction()?;
        let next: i64 = tx.query_row(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM mapping_templates WHERE connection_id = ?1",
            [connection_id],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO mapping_templates (connection_id, version, source, note, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![connection_id, next, source, note, now_text()],
        )?;
        tx.commit()?;
        self.template(connection_id, Some(next))
    }

    /// A version of the connection's template; the newest when `version` is `None`.
    pub fn template(&self, connection_id: i64, version: Option<i64>) -> Result<Template> {
        let found = match version {
            Some(v) => self
                .db
                .query_row(
                    &format!(
                        "SELECT {COLUMNS} FROM mapping_templates WHERE connection_id = ?1 AND version = ?2"
                    ),
                    params![connection_id, v],
                    from_row,
                )
                .optional()?,
            None => self
                .db
                .query_row(
                    &format!(
                        "SELECT {COLUMNS} FROM mapping_templates WHERE connection_id = ?1
                         ORDER BY version DESC LIMIT 1"
                    ),
                    [connection_id],
                    from_row,
                )
                .optional()?,
        };
        found.ok_or_else(|| {
            StoreError::NotFound(match version {
                Some(v) => format!("the connection has no template version {v}"),
                None => "the connection has no mapping template".into(),
            })
        })
    }

    /// Every version of the connection's template, oldest first.
    pub fn templates(&self, connection_id: i64) -> Result<Vec<Template>> {
        let mut stmt = self.db.prepare(&format!(
            "SELECT {COLUMNS} FROM mapping_templates WHERE connection_id = ?1 ORDER BY version"
        ))?;
        let rows = stmt.query_map([connection_id], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
