//! A content-addressed store of reward modules: `DIR/sha256/<hex>.wasm`,
//! with attachments (signature, vet report) beside each module as
//! `DIR/sha256/<hex>.<kind>`.
//!
//! A module's identity is the sha256 of its bytes. Reads check the hash, so
//! a file damaged on disk is reported, never served.

use std::path::{Path, PathBuf};

use crate::Error;

/// A folder of modules named by their sha256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleStore {
    dir: PathBuf,
}

impl ModuleStore {
    /// A store in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        ModuleStore { dir: dir.into() }
    }

    /// The user's store, `$REWASM_HOME/modules`: pulled and pinned modules.
    pub fn default_location() -> Self {
        Self::new(crate::rewasm_home().join("modules"))
    }

    /// The store's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the module with this digest lives (whether or not it is there).
    pub fn path(&self, digest: &str) -> PathBuf {
        self.dir
            .join("sha256")
            .join(format!("{}.wasm", digest.to_ascii_lowercase()))
    }

    /// Where an attachment of a module lives, e.g. kind `sig` or `vet.json`.
    pub fn attachment_path(&self, digest: &str, kind: &str) -> PathBuf {
        self.dir
            .join("sha256")
            .join(format!("{}.{kind}", digest.to_ascii_lowercase()))
    }

    /// Stores `bytes` (once; later puts of the same bytes are no-ops) and
    /// returns their digest.
    pub fn put(&self, bytes: &[u8]) -> Result<String, Error> {
        let digest = crate::cache::sha256_hex(bytes);
        let path = self.path(&digest);
        if !path.is_file() {
            write_atomically(&path, bytes)?;
        }
        Ok(digest)
    }

    /// The module with this digest, if stored. A stored file whose bytes no
    /// longer hash to its name is an error naming the file.
    pub fn get(&self, digest: &str) -> Result<Option<Vec<u8>>, Error> {
        check_digest(digest)?;
        let path = self.path(digest);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(cause) => return Err(Error::Io { path, cause }),
        };
        let found = crate::cache::sha256_hex(&bytes);
        if !found.eq_ignore_ascii_case(digest) {
            return Err(Error::Store {
                path,
                message: format!("the file's bytes hash to {found}, not to its name"),
            });
        }
        Ok(Some(bytes))
    }

    /// Whether the module with this digest is stored.
    pub fn contains(&self, digest: &str) -> bool {
        self.path(digest).is_file()
    }

    /// Stores an attachment of the module `digest` (replacing an older one).
    pub fn put_attachment(&self, digest: &str, kind: &str, bytes: &[u8]) -> Result<(), Error> {
        check_digest(digest)?;
        write_atomically(&self.attachment_path(digest, kind), bytes)
    }

    /// An attachment of the module `digest`, if stored.
    pub fn attachment(&self, digest: &str, kind: &str) -> Result<Option<Vec<u8>>, Error> {
        check_digest(digest)?;
        let path = self.attachment_path(digest, kind);
        match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(cause) => Err(Error::Io { path, cause }),
        }
    }
}

/// Accepts 64 hex digits (any case).
pub(crate) fn check_digest(digest: &str) -> Result<(), Error> {
    if digest.len() == 64 && digest.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(Error::BadDigest(digest.to_string()))
    }
}

/// Writes through a temporary file in the same folder, then renames, so a
/// reader sees the old file or the whole new one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let io = |cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension(format!(
        "tmp{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    ));
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_get_and_damage_is_reported() {
        let dir = std::env::temp_dir().join(format!("rewasm-store-{}", std::process::id()));
        let store = ModuleStore::new(&dir);
        let d = store.put(b"module bytes").unwrap();
        assert_eq!(d, crate::cache::sha256_hex(b"module bytes"));
        assert_eq!(store.get(&d).unwrap().unwrap(), b"module bytes");
        assert_eq!(store.put(b"module bytes").unwrap(), d);
        assert!(store.get(&"0".repeat(64)).unwrap().is_none());
        assert!(matches!(store.get("abc"), Err(Error::BadDigest(_))));
        store.put_attachment(&d, "sig", b"{}").unwrap();
        assert_eq!(store.attachment(&d, "sig").unwrap().unwrap(), b"{}");
        std::fs::write(store.path(&d), b"tampered").unwrap();
        let err = store.get(&d).unwrap_err().to_string();
        assert!(err.contains("hash") && err.contains(&d[..16]), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
