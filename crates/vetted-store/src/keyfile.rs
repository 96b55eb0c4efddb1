//! The audit key file: 32 random bytes as 64 hexadecimal digits, created on first start with
//! mode 0600 and never overwritten.
//!
//! Where it is by default ([`default_path`]): beside a `SQLite` database, as `<db file>.audit-key`
//! (the key goes where the database goes, and a backup of the folder keeps both; keep a copy of
//! the key apart from the database backups, since whoever holds both can rewrite the trail).
//! For `PostgreSQL`, `<data dir>/audit.key` (`$XDG_DATA_HOME/vetted/audit.key`): every server on
//! one `PostgreSQL` database must be given the same file, or the store refuses its writes
//! ([`crate::StoreError::AuditKey`]: the database keeps the key's fingerprint).

use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use vetted_core::audit::AuditKey;

use crate::url::Target;
use crate::{DatabaseUrl, StoreError};

/// Bytes of a new key.
const KEY_LEN: usize = 32;

/// Why the key file cannot be loaded or created; names the file, never shows key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// Reading, creating or writing the file failed.
    #[error("audit key file {}: {what}: {source}", path.display())]
    Io {
        /// The key file.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file exists but does not hold a key.
    #[error("audit key file {}: {source}", path.display())]
    Malformed {
        /// The key file.
        path: PathBuf,
        /// Why its text is not a key.
        #[source]
        source: vetted_core::audit::AuditKeyError,
    },
    /// No random bytes could be had from the operating system.
    #[error("audit key file {}: no random bytes for a new key: {message}", path.display())]
    Random {
        /// The key file.
        path: PathBuf,
        /// The system's error.
        message: String,
    },
}

/// The key in the file at `path`; if there is no file, a new random key written there first
/// (parent folders created; the file created exclusively with mode 0600, so two processes
/// starting at once cannot both write one: the second reads the first's).
pub fn load_or_create(path: &Path) -> Result<AuditKey, KeyFileError> {
    let io = |what| {
        move |source| KeyFileError::Io {
            path: path.to_path_buf(),
            what,
            source,
        }
    };
    match std::fs::read_to_string(path) {
        Ok(text) => return parse(path, &text),
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(io("cannot read it")(e)),
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io("cannot create its folder"))?;
    }
    let mut bytes = [0u8; KEY_LEN];
    getrandom::fill(&mut bytes).map_err(|e| KeyFileError::Random {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let key = AuditKey::from_bytes(&bytes).map_err(|source| KeyFileError::Malformed {
        path: path.to_path_buf(),
        source,
    })?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = match options.open(path) {
        Ok(file) => file,
        // Another process created it between our read and our create: use its key.
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path).map_err(io("cannot read it"))?;
            return parse(path, &text);
        }
        Err(e) => return Err(io("cannot create it")(e)),
    };
    file.write_all(format!("{}\n", key.to_hex()).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io("cannot write it"))?;
    Ok(key)
}

/// The key in the existing file at `path` (for verifying: a missing key file is an error, not
/// a reason to make a new key).
pub fn load(path: &Path) -> Result<AuditKey, KeyFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyFileError::Io {
        path: path.to_path_buf(),
        what: "cannot read it",
        source,
    })?;
    parse(path, &text)
}

fn parse(path: &Path, text: &str) -> Result<AuditKey, KeyFileError> {
    AuditKey::from_hex(text).map_err(|source| KeyFileError::Malformed {
        path: path.to_path_buf(),
        source,
    })
}

/// Where the key file of the database `db` is by default: `<file>.audit-key` beside a
/// `SQLite` file, `<data_dir>/audit.key` for `PostgreSQL` (`data_dir` is Vetted's data folder,
/// `$XDG_DATA_HOME/vetted`).
pub fn default_path(db: &DatabaseUrl, data_dir: &Path) -> Result<PathBuf, StoreError> {
    Ok(match db.target()? {
        Target::Sqlite(file) => {
            let mut name = file.as_os_str().to_owned();
            name.push(".audit-key");
            PathBuf::from(name)
        }
        Target::Postgres(_) => data_dir.join("audit.key"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_is_created_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deep/er/audit.key");
        let key = load_or_create(&path).unwrap();
        let again = load_or_create(&path).unwrap();
        assert_eq!(key.to_hex(), again.to_hex());
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.trim().len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let other = load_or_create(&dir.path().join("other.key")).unwrap();
        assert_ne!(key.to_hex(), other.to_hex(), "keys are random");
    }

    #[test]
    fn a_malformed_file_is_an_error_naming_it_and_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.key");
        std::fs::write(&path, "not a key\n").unwrap();
        let error = load_or_create(&path).unwrap_err();
        let message = error.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("hexadecimal"), "{message}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a key\n");

        std::fs::write(&path, "ab".repeat(16)).unwrap();
        assert!(
            load_or_create(&path)
                .unwrap_err()
                .to_string()
                .contains("32 bytes"),
            "a 16-byte key is too short"
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_unreadable_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.key");
        std::fs::create_dir(&path).unwrap();
        let message = load_or_create(&path).unwrap_err().to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
    }

    #[test]
    fn default_paths() {
        let data = Path::new("/data/vetted");
        assert_eq!(
            default_path(&DatabaseUrl::new("/srv/v.db"), data).unwrap(),
            Path::new("/srv/v.db.audit-key")
        );
        assert_eq!(
            default_path(&DatabaseUrl::new("sqlite:rel/v.db"), data).unwrap(),
            Path::new("rel/v.db.audit-key")
        );
        assert_eq!(
            default_path(&DatabaseUrl::new("postgres://u:pw@h/db"), data).unwrap(),
            Path::new("/data/vetted/audit.key")
        );
    }
}
