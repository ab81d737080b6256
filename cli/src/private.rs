//! Files that hold consumers' data or secrets (the database, bureau files, held-back reports,
//! token files) are readable by their owner only, whatever the process's umask: on a shared
//! machine a bureau file is a list of SSNs.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Creates (or truncates) `path` for writing, mode 0600 on Unix; an existing file is tightened
/// too, since `mode` applies only when the file is created.
pub fn create(path: &Path) -> io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let f = opts.open(path)?;
    restrict(&f)?;
    Ok(f)
}

/// What is at a database's path, judged by its metadata alone.
///
/// Never by opening it: closing any descriptor of a database file drops every POSIX lock this
/// process holds on it, SQLite's included, and the webhook server opens the database from
/// several threads. Whether an existing file is a SQLite database is therefore left to SQLite
/// (whose descriptors are shared by its connections in one process), before anything touches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// Nothing: the database would be a new file.
    Nothing,
    /// A regular file (or a link to one), `empty` when it has no bytes yet.
    File {
        /// Zero bytes long (SQLite makes a database of it).
        empty: bool,
    },
    /// A directory.
    Directory,
    /// Something else: a socket, a FIFO, a device.
    Other,
}

/// Looks at `path` (following links, as SQLite does) without opening it.
pub fn look(path: &Path) -> io::Result<Found> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(Found::File {
            empty: m.len() == 0,
        }),
        Ok(m) if m.is_dir() => Ok(Found::Directory),
        Ok(_) => Ok(Found::Other),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Found::Nothing),
        Err(e) => Err(e),
    }
}

/// Creates the new, empty file `path` with mode 0600 before another library (SQLite) opens it;
/// SQLite gives its `-wal` and `-shm` files the database's mode. Fails with
/// [`io::ErrorKind::AlreadyExists`] when something is already there, which it leaves alone.
pub fn create_new(path: &Path) -> io::Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    // A new file: no connection of this process can hold locks on it yet.
    restrict(&opts.open(path)?)
}

/// Makes an existing database, and the `-wal` and `-shm` files beside it when present, mode
/// 0600: by path (`chmod`), never by opening them (see [`Found`] for why). Call it only once
/// SQLite has read the file as a database, so that a file given by mistake keeps its mode.
pub fn restrict_database(path: &Path) -> io::Result<()> {
    restrict_path(path)?;
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        match restrict_path(Path::new(&side)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(unix)]
fn restrict_path(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict_path(_: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn restrict(f: &File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict(_: &File) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &std::path::Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_and_existing_files_end_up_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::write(&a, b"keep").unwrap();
        std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o644)).unwrap();
        super::restrict_database(&a).unwrap();
        assert_eq!(mode(&a), 0o600);
        assert_eq!(
            std::fs::read(&a).unwrap(),
            b"keep",
            "restrict_database keeps the contents"
        );
        let b = dir.path().join("b");
        super::create(&b).unwrap();
        assert_eq!(mode(&b), 0o600);
    }

    #[test]
    fn a_new_database_file_is_owner_only_and_nothing_existing_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.db");
        assert_eq!(super::look(&new).unwrap(), super::Found::Nothing);
        super::create_new(&new).unwrap();
        assert_eq!(mode(&new), 0o600);
        assert_eq!(
            super::look(&new).unwrap(),
            super::Found::File { empty: true }
        );
        let old = dir.path().join("old.db");
        std::fs::write(&old, b"keep").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = super::create_new(&old).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(mode(&old), 0o644);
        assert_eq!(std::fs::read(&old).unwrap(), b"keep");
        assert_eq!(
            super::look(&old).unwrap(),
            super::Found::File { empty: false }
        );
        assert_eq!(super::look(dir.path()).unwrap(), super::Found::Directory);
    }

    #[test]
    fn the_wal_and_shm_files_are_tightened_with_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        for p in [db.clone(), dir.path().join("x.db-wal")] {
            std::fs::write(&p, b"").unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        // No -shm: its absence is not an error.
        super::restrict_database(&db).unwrap();
        assert_eq!(mode(&db), 0o600);
        assert_eq!(mode(&dir.path().join("x.db-wal")), 0o600);
        assert!(!dir.path().join("x.db-shm").exists());
    }
}
