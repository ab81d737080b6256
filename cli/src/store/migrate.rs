//! Versioned schema migrations.
//!
//! Each migration is a numbered SQL script applied once, in order, inside a transaction that
//! also records it in `schema_migrations`. To add tables, append a migration to [`MIGRATIONS`]
//! with the next number; never edit one that has shipped.

use rusqlite::Connection;

use super::StoreError;

/// One schema change.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Its number: 1, 2, 3, ... with no gaps.
    pub version: i64,
    /// A short name, kept in `schema_migrations`.
    pub name: &'static str,
    /// The SQL script.
    pub sql: &'static str,
}

/// Every migration of this build, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "core",
        sql: include_str!("migrations/0001_core.sql"),
    },
    Migration {
        version: 2,
        name: "responses_writebacks_webhooks",
        sql: include_str!("migrations/0002_responses_webhooks.sql"),
    },
    Migration {
        version: 3,
        name: "delivery_attempts",
        sql: include_str!("migrations/0003_delivery_attempts.sql"),
    },
    Migration {
        version: 4,
        name: "open_failures",
        sql: include_str!("migrations/0004_open_failures.sql"),
    },
];

/// Applies the migrations the database lacks. Fails when the database is newer than `all`.
pub fn apply(db: &mut Connection, all: &[Migration]) -> Result<(), StoreError> {
    db.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY,
             name TEXT NOT NULL,
             applied_at TEXT NOT NULL
         )",
    )?;
    let current: i64 = db.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    let known = all.last().map_or(0, |m| m.version);
    if current > known {
        return Err(StoreError::TooNew {
            found: current,
            known,
        });
    }
    for m in all.iter().filter(|m| m.version > current) {
        let tx = db.transaction()?;
        tx.execute_batch(m.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![m.version, m.name, super::now_text()],
        )?;
        tx.commit()?;
    }
    Ok(())
}

/// The schema version of an open database.
pub fn version(db: &Connection) -> Result<i64, StoreError> {
    Ok(db.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_without_gaps() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "migration {}", m.name);
        }
    }

    #[test]
    fn applying_twice_changes_nothing_and_a_newer_database_is_refused() {
        let mut db = Connection::open_in_memory().unwrap();
        apply(&mut db, MIGRATIONS).unwrap();
        apply(&mut db, MIGRATIONS).unwrap();
        assert_eq!(version(&db).unwrap(), MIGRATIONS.len() as i64);

        // A database a later build migrated further than this one knows.
        let mut db = Connection::open_in_memory().unwrap();
        apply(&mut db, &MIGRATIONS[..1]).unwrap();
        let later = [
            MIGRATIONS[0],
            Migration {
                version: 2,
                name: "later",
                sql: "CREATE TABLE later (x INTEGER)",
            },
        ];
        apply(&mut db, &later).unwrap();
        assert_eq!(version(&db).unwrap(), 2);
        let err = apply(&mut db, &MIGRATIONS[..1]).unwrap_err();
        assert!(
            matches!(err, StoreError::TooNew { found: 2, known: 1 }),
            "{err}"
        );
    }

    #[test]
    fn migration_4_reopens_the_failures_no_later_record_closed() {
        let mut db = Connection::open_in_memory().unwrap();
        apply(&mut db, &MIGRATIONS[..3]).unwrap();
        db.execute_batch(
            "INSERT INTO connections (id, name, base_url, instance_id, token_source, created_at, updated_at)
                 VALUES (1, 'c', 'u', 'i', 'env:T', 't', 't');
             INSERT INTO sync_runs (id, connection_id, mode, as_of, started_at)
                 VALUES (1, 1, 'full', '2026-10-31', 't'), (2, 1, 'full', '2026-10-31', 't');
             -- 7 failed twice and was never stored; 8 failed, then was stored; 9 was stored, then failed.
             INSERT INTO sync_failures (run_id, connection_id, loan_id, error, at) VALUES
                 (1, 1, 7, 'first', '2026-11-01T00:00:00Z'), (2, 1, 7, 'second', '2026-11-02T00:00:00Z'),
                 (1, 1, 8, 'x', '2026-11-01T00:00:00Z'), (2, 1, 9, 'y', '2026-11-02T00:00:00Z');
             INSERT INTO metro2_records (connection_id, loan_id, period, as_of, status, template_version,
                     document_hash, created_at, updated_at) VALUES
                 (1, 8, '2026-10', '2026-10-31', 'ok', 1, 'h', 't', '2026-11-02T00:00:00Z'),
                 (1, 9, '2026-10', '2026-10-31', 'ok', 1, 'h', 't', '2026-11-01T00:00:00Z');",
        )
        .unwrap();
        apply(&mut db, MIGRATIONS).unwrap();
        let open: Vec<(i64, i64, String, i64)> = db
            .prepare("SELECT loan_id, attempts, error, run_id FROM open_failures ORDER BY loan_id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            open,
            [(7, 2, "second".to_string(), 2), (9, 1, "y".to_string(), 2)]
        );
    }
}
