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

/// Makes sure `path` exists with mode 0600 before another library (SQLite) opens it, without
/// touching its contents; SQLite gives its `-wal` and `-shm` files the database's mode.
///
/// An existing file is changed by its path only, never opened: closing any descriptor of a
/// database file drops every POSIX lock this process holds on it, SQLite's included, and the
/// webhook server opens the database from several threads.
pub fn prepare(path: &Path) -> io::Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(f) => restrict(&f),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => restrict_path(path),
        Err(e) => Err(e),
    }
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
        super::prepare(&a).unwrap();
        assert_eq!(mode(&a), 0o600);
        assert_eq!(
            std::fs::read(&a).unwrap(),
            b"keep",
            "prepare keeps the contents"
        );
        let b = dir.path().join("b");
        super::create(&b).unwrap();
        assert_eq!(mode(&b), 0o600);
    }
}
