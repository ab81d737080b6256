//! Where a secret (an API token, a webhook secret) is kept: never in the database, which holds
//! only a reference to it (DECISIONS.md, "API tokens stay out of the database").

use std::fmt;
use std::path::{Path, PathBuf};

use super::StoreError;

/// The folder, beside the database, of the secrets `--token-stdin` and `--webhook-secret-stdin`
/// keep (`commands::connect::token_file`).
pub const SECRETS_DIR: &str = ".metro2-secrets";

/// A reference to a secret kept outside the database.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// An environment variable, read each time the secret is needed.
    Env(String),
    /// A file readable by its owner only (mode 0600), holding the secret on its first line.
    File(PathBuf),
}

impl fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::Env(v) => write!(f, "environment variable {v}"),
            SecretSource::File(p) => write!(f, "file {}", p.display()),
        }
    }
}

impl SecretSource {
    /// The stored form: `env:VAR` or `file:PATH`.
    pub fn to_text(&self) -> String {
        match self {
            SecretSource::Env(v) => format!("env:{v}"),
            SecretSource::File(p) => format!("file:{}", p.display()),
        }
    }

    /// A reference to the environment variable `name`, given with `flag`. The name must look
    /// like one (letters, digits and `_`, not starting with a digit, at most 64 characters):
    /// a token pasted where its variable's name belongs is refused, and never repeated in the
    /// error, which would put it on the screen and in the shell's scrollback.
    pub fn env(flag: &str, name: &str) -> Result<SecretSource, StoreError> {
        let plausible = !name.is_empty()
            && name.len() <= 64
            && !name.as_bytes()[0].is_ascii_digit()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !plausible {
            return Err(StoreError::Invalid(format!(
                "{flag} takes the name of an environment variable (letters, digits and `_`), \
                 not the secret itself; the value given is not repeated here"
            )));
        }
        Ok(SecretSource::Env(name.to_string()))
    }

    /// Reads the stored form.
    pub fn parse(text: &str) -> Result<SecretSource, StoreError> {
        if let Some(v) = text.strip_prefix("env:") {
            Ok(SecretSource::Env(v.to_string()))
        } else if let Some(p) = text.strip_prefix("file:") {
            Ok(SecretSource::File(PathBuf::from(p)))
        } else {
            Err(StoreError::Corrupt(format!(
                "secret reference {text:?} is neither env:VAR nor file:PATH"
            )))
        }
    }

    /// Reads the secret. The error names where it was looked for, never its value.
    pub fn read(&self) -> Result<String, StoreError> {
        let value = match self {
            SecretSource::Env(v) => std::env::var(v).map_err(|_| {
                StoreError::NotFound(format!(
                    "the environment variable {v} that holds this connection's secret is not set"
                ))
            })?,
            SecretSource::File(p) => std::fs::read_to_string(p).map_err(|e| {
                StoreError::NotFound(format!("cannot read the secret file {}: {e}", p.display()))
            })?,
        };
        let value = value.lines().next().unwrap_or("").trim().to_string();
        if value.is_empty() {
            return Err(StoreError::NotFound(format!("the {self} is empty")));
        }
        Ok(value)
    }

    /// Writes `secret` to `path` readable by its owner only, creating the folder (mode 0700 on
    /// Unix) when absent, and returns the reference to it. A file already there is replaced in
    /// one step ([`SecretSource::stage_file`], then [`StagedSecret::commit`]).
    pub fn write_file(path: &Path, secret: &str) -> Result<SecretSource, StoreError> {
        SecretSource::stage_file(path, secret)?.commit()
    }

    /// Writes `secret` to a temporary file beside `path` (owner-only, the folder created as by
    /// [`SecretSource::write_file`]), leaving a file at `path` as it is until
    /// [`StagedSecret::commit`] moves the new one into place: a secret that may not be kept
    /// (its connection's update fails) never replaces the one in use.
    pub fn stage_file(path: &Path, secret: &str) -> Result<StagedSecret, StoreError> {
        let io = |e: std::io::Error| {
            StoreError::Invalid(format!(
                "cannot write the secret file {}: {e}",
                path.display()
            ))
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                // The secrets folder and the database's folder inside it: a listing of the
                // first would otherwise show which databases have secrets.
                let secrets_root = dir
                    .parent()
                    .filter(|p| p.file_name().is_some_and(|n| n == SECRETS_DIR));
                for d in std::iter::once(dir).chain(secrets_root) {
                    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700))
                        .map_err(io)?;
                }
            }
        }
        let path = std::path::absolute(path).map_err(io)?;
        let name = path
            .file_name()
            .map_or("secret".into(), |n| n.to_string_lossy());
        let staged = StagedSecret {
            tmp: path.with_file_name(format!(".{name}.{}.tmp", std::process::id())),
            path,
            committed: false,
        };
        let mut f = crate::private::create(&staged.tmp).map_err(io)?;
        use std::io::Write;
        writeln!(f, "{secret}").map_err(io)?;
        f.sync_all().map_err(io)?;
        Ok(staged)
    }
}

/// A secret written beside its place and not yet moved there ([`SecretSource::stage_file`]).
/// Dropped without [`StagedSecret::commit`], its temporary file is removed.
#[derive(Debug)]
pub struct StagedSecret {
    tmp: PathBuf,
    path: PathBuf,
    committed: bool,
}

impl StagedSecret {
    /// The reference the secret will have once committed.
    pub fn source(&self) -> SecretSource {
        SecretSource::File(self.path.clone())
    }

    /// Moves the secret into its place, replacing a file there in one step (a reader sees the
    /// old secret or the new one, never a part).
    pub fn commit(mut self) -> Result<SecretSource, StoreError> {
        std::fs::rename(&self.tmp, &self.path).map_err(|e| {
            StoreError::Invalid(format!(
                "cannot write the secret file {}: {e}",
                self.path.display()
            ))
        })?;
        self.committed = true;
        Ok(self.source())
    }
}

impl Drop for StagedSecret {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_never_shows_the_value() {
        let dir = tempfile::tempdir().unwrap();
        let src = SecretSource::write_file(&dir.path().join("s/t.token"), "tok-123").unwrap();
        assert_eq!(SecretSource::parse(&src.to_text()).unwrap(), src);
        assert_eq!(src.read().unwrap(), "tok-123");
        assert!(!format!("{src:?} {src}").contains("tok-123"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let SecretSource::File(p) = &src else {
                unreachable!()
            };
            let mode = std::fs::metadata(p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        for bad in ["", "9VAR", "tok-en.with.dots", "a b", &"A".repeat(65)] {
            let e = SecretSource::env("--token-env", bad)
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("--token-env") && (bad.is_empty() || !e.contains(bad)),
                "{e}"
            );
        }
        assert_eq!(
            SecretSource::env("--token-env", "LOANPRO_TOKEN").unwrap(),
            SecretSource::Env("LOANPRO_TOKEN".into())
        );
        let missing = SecretSource::Env("METRO2_TEST_SURELY_UNSET_VAR".into());
        assert!(missing
            .read()
            .unwrap_err()
            .to_string()
            .contains("METRO2_TEST_SURELY_UNSET_VAR"));
        assert!(SecretSource::parse("plain").is_err());
    }

    #[test]
    fn a_staged_secret_replaces_the_file_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s/t.token");
        let old = SecretSource::write_file(&path, "old-tok").unwrap();
        let listing = || {
            let mut names: Vec<String> = std::fs::read_dir(dir.path().join("s"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        // Dropped: the old secret stays, and no temporary file is left behind.
        let staged = SecretSource::stage_file(&path, "new-tok").unwrap();
        assert_eq!(staged.source(), old);
        assert_eq!(listing().len(), 2);
        drop(staged);
        assert_eq!(old.read().unwrap(), "old-tok");
        assert_eq!(listing(), ["t.token"]);
        // Committed: the new secret, owner-only.
        let staged = SecretSource::stage_file(&path, "new-tok").unwrap();
        assert_eq!(old.read().unwrap(), "old-tok");
        assert_eq!(staged.commit().unwrap(), old);
        assert_eq!(old.read().unwrap(), "new-tok");
        assert_eq!(listing(), ["t.token"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
