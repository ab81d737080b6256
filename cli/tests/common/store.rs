//! Stores connected to a simulator, as the sync, export, serve and writeback tests start from.

use std::path::PathBuf;

use chrono::NaiveDate;
use serde_json::Value;
use tempfile::TempDir;

use metro2::loanpro::sim::SimHandle;
use metro2::store::{Cadence, Connection, ConnectionUpdate, NewConnection, SecretSource, Store};
use metro2::sync::{runner, Progress, SyncOptions, SyncReport};

use super::sim::SimSetup;

/// A temp dir and the path of the database file `file` in it, not created yet. The dir goes
/// with the tuple: bind it (`let (_dir, db)`), or it is deleted at once.
pub fn temp_db(file: &str) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(file);
    (dir, db)
}

/// The header settings an export asks for: the furnisher and Equifax ids and the reporter's
/// name, address and telephone.
pub fn header_settings() -> ConnectionUpdate {
    ConnectionUpdate {
        furnisher_id: Some("FURN000123".into()),
        equifax_id: Some("EQ00012345".into()),
        reporter_name: Some("Acme Lending LLC".into()),
        reporter_address: Some("100 Congress Ave, Austin, TX 78701".into()),
        reporter_phone: Some("(512) 555-0100".into()),
        ..ConnectionUpdate::default()
    }
}

/// A simulator and a store in a temp dir (`metro2.db`) with one connection to it, `acme`, its
/// token in a file: what the export, serve and writeback tests share.
pub struct Env {
    /// The temp dir holding the database and the secret files.
    pub dir: TempDir,
    /// The database file.
    pub db: PathBuf,
    /// The running simulator.
    pub sim: SimHandle,
    /// The loan documents it was started with.
    pub loans: Vec<Value>,
    /// Their ids, in the same order.
    pub ids: Vec<i64>,
    /// The store, open on `db`.
    pub store: Store,
    /// The connection `acme` as last saved through [`Env::set`].
    pub conn: Connection,
}

/// How an [`Env`] is made: the simulator, and how the connection comes to be.
pub struct EnvSetup {
    sim: SimSetup,
    cadence: Cadence,
    preset: bool,
}

impl EnvSetup {
    /// The simulator `sim`, connected to as `metro2 connect` does (the shipped preset as the
    /// first template) with the simulator's token and instance id, webhook cadence.
    pub fn new(sim: SimSetup) -> EnvSetup {
        EnvSetup {
            sim,
            cadence: Cadence::Webhook,
            preset: true,
        }
    }

    /// Another cadence.
    pub fn cadence(mut self, cadence: Cadence) -> EnvSetup {
        self.cadence = cadence;
        self
    }

    /// The connection created in the store alone, without a template, for tests that write
    /// the records themselves instead of syncing.
    pub fn without_preset(mut self) -> EnvSetup {
        self.preset = false;
        self
    }

    /// Starts the simulator and connects a fresh store to it.
    pub async fn start(self) -> Env {
        let cfg = self.sim.config();
        let loans = cfg.loans.clone();
        let ids = loans.iter().map(|l| l["id"].as_i64().unwrap()).collect();
        let (token, instance_id) = (cfg.token.clone(), cfg.instance_id.clone());
        let sim = self.sim.start().await;
        let (dir, db) = temp_db("metro2.db");
        let mut store = Store::open(&db).unwrap();
        let token_source =
            SecretSource::write_file(&dir.path().join("s/api.token"), &token).unwrap();
        let new = NewConnection {
            name: "acme".into(),
            base_url: sim.base_url.clone(),
            instance_id,
            token_source,
            cadence: self.cadence,
        };
        let conn = if self.preset {
            metro2::commands::connect::connect(&mut store, &new)
        } else {
            store.create_connection(&new)
        }
        .unwrap();
        Env {
            dir,
            db,
            sim,
            loans,
            ids,
            store,
            conn,
        }
    }
}

impl Env {
    /// Saves `update` on the connection.
    pub fn set(&mut self, update: ConnectionUpdate) {
        self.conn = self.store.update_connection("acme", &update).unwrap();
    }

    /// Writes `secret` to the file `rel` in the temp dir.
    pub fn secret_file(&self, rel: &str, secret: &str) -> SecretSource {
        SecretSource::write_file(&self.dir.path().join(rel), secret).unwrap()
    }

    /// Another store on the database and the connection as saved now, as another process
    /// would see them.
    pub fn open(&self) -> (Store, Connection) {
        let store = Store::open(&self.db).unwrap();
        let conn = store.connection("acme").unwrap();
        (store, conn)
    }

    /// Syncs the connection as of `as_of` (in full when `full`), on a thread outside the
    /// runtime: the pipeline blocks on it.
    pub async fn sync(&self, as_of: NaiveDate, full: bool) -> SyncReport {
        let db = self.db.clone();
        let rt = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            let mut store = Store::open(&db).unwrap();
            let conn = store.connection("acme").unwrap();
            let mut opts = SyncOptions::new(as_of);
            opts.force_full = full;
            runner::sync_connection(&rt, &mut store, &conn, &opts, &Progress::hidden()).unwrap()
        })
        .await
        .unwrap()
    }
}

/// A simulator on a runtime of its own and an in-memory store with one connection to it,
/// `sim`: for the pipeline tests, which run outside any runtime and hand the pipeline a client
/// of their own (the connection's token source is never read).
pub struct SyncEnv {
    /// The runtime the simulator and the pipeline run on.
    pub rt: tokio::runtime::Runtime,
    /// The running simulator.
    pub sim: SimHandle,
    /// The store.
    pub store: Store,
    /// The connection `sim`.
    pub conn: Connection,
}

impl SyncEnv {
    /// Starts `sim` on a [`super::runtime`] and connects an in-memory store to it, hourly.
    pub fn start(sim: SimSetup) -> SyncEnv {
        let rt = super::runtime();
        let instance_id = sim.config().instance_id.clone();
        let sim = sim.start_on(&rt);
        let store = Store::open_in_memory().unwrap();
        let conn = store
            .create_connection(&NewConnection {
                name: "sim".into(),
                base_url: sim.base_url.clone(),
                instance_id,
                token_source: SecretSource::Env("UNUSED".into()),
                cadence: Cadence::Hourly,
            })
            .unwrap();
        SyncEnv {
            rt,
            sim,
            store,
            conn,
        }
    }
}
