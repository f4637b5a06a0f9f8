//! `SET.lock`: the sha256 of every reward module of a reward set, so a run
//! can refuse any module that drifted (`--locked`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Error, LoadContext, RewardSetFile};

/// The lock file's format version.
pub const LOCK_VERSION: u32 = 1;

/// A lock file as written (TOML).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockFile {
    /// Format version ([`LOCK_VERSION`]).
    pub version: u32,
    /// One entry per reward of the set, in set order.
    #[serde(default)]
    pub reward: Vec<LockedReward>,
}

/// One reward's pin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedReward {
    /// The reward's name in the set.
    pub name: String,
    /// `plugin = "..."` as the set names it.
    pub plugin: String,
    /// Where the bytes were found when locking (built-in, file, store).
    pub source: String,
    /// sha256 of the module bytes.
    pub sha256: String,
}

impl LockFile {
    /// `SET.lock` beside `SET.toml`.
    pub fn path_for(set: &Path) -> PathBuf {
        set.with_extension("lock")
    }

    /// Pins every reward of the set file at `set`, as it resolves now.
    pub fn create(set: &Path, ctx: &LoadContext) -> Result<Self, Error> {
        let file = RewardSetFile::read(set)?;
        let mut reward = Vec::new();
        for spec in &file.reward {
            let source = ctx.resolve(&spec.plugin)?;
            let bytes = source.bytes()?;
            let sha256 = crate::cache::sha256_hex(&bytes);
            if let Some(pin) = &spec.sha256 {
                if !pin.eq_ignore_ascii_case(&sha256) {
                    return Err(Error::RewardSetInvalid {
                        path: set.to_path_buf(),
                        reward: spec.name.clone(),
                        message: format!(
                            "sha256 pin mismatch: the module has {sha256}, the set pins {pin}"
                        ),
                    });
                }
            }
            reward.push(LockedReward {
                name: spec.name.clone(),
                plugin: spec.plugin.clone(),
                source: source.origin(),
                sha256,
            });
        }
        Ok(LockFile {
            version: LOCK_VERSION,
            reward,
        })
    }

    /// The TOML text, with a header saying what the file is.
    pub fn to_toml(&self, set_name: &str) -> String {
        let body = toml::to_string(self).unwrap_or_default();
        format!(
            "# Written by `rewasm lock {set_name}`: the sha256 of each reward's module.\n\
             # `rewasm train --locked` and `rewasm score --locked` refuse any other bytes.\n\n{body}"
        )
    }

    /// Writes the lock file for `set` atomically; returns its path.
    pub fn write_for(&self, set: &Path) -> Result<PathBuf, Error> {
        let path = Self::path_for(set);
        let name = set
            .file_name()
            .map_or_else(|| set.display().to_string(), |n| n.to_string_lossy().into());
        crate::store::write_atomically(&path, self.to_toml(&name).as_bytes())?;
        Ok(path)
    }

    /// Reads a lock file.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|cause| Error::Io {
            path: path.to_path_buf(),
            cause,
        })?;
        let lock: LockFile = toml::from_str(&text).map_err(|e| Error::RewardSetSyntax {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        if lock.version != LOCK_VERSION {
            return Err(Error::RewardSetSyntax {
                path: path.to_path_buf(),
                message: format!(
                    "lock format version {} (this rewasm reads version {LOCK_VERSION})",
                    lock.version
                ),
            });
        }
        Ok(lock)
    }

    /// Reads the lock of the set file `set`, with an error that says how to
    /// make one when it is missing.
    pub fn read_for(set: &Path) -> Result<Self, Error> {
        let path = Self::path_for(set);
        if !path.is_file() {
            return Err(Error::Locked {
                lock: path.clone(),
                message: format!(
                    "--locked needs {}; write it with `rewasm lock {}`",
                    path.display(),
                    set.display()
                ),
            });
        }
        Self::read(&path)
    }

    /// The pinned digest of `reward`.
    pub fn digest_of(&self, reward: &str) -> Option<&str> {
        self.reward
            .iter()
            .find(|r| r.name == reward)
            .map(|r| r.sha256.as_str())
    }

    /// Refuses a module for `reward` whose digest is not the pinned one.
    pub fn check(&self, lock_path: &Path, reward: &str, found: &str) -> Result<(), Error> {
        match self.digest_of(reward) {
            Some(expected) if expected.eq_ignore_ascii_case(found) => Ok(()),
            Some(expected) => Err(Error::Drift {
                lock: lock_path.to_path_buf(),
                reward: reward.to_string(),
                expected: expected.to_string(),
                found: found.to_string(),
            }),
            None => Err(Error::Locked {
                lock: lock_path.to_path_buf(),
                message: format!("reward `{reward}` is not in the lock (run `rewasm lock` again)"),
            }),
        }
    }

    /// Checks every reward of a loaded set against the lock, and that the
    /// lock names no reward the set lacks.
    pub fn check_all<'a>(
        &self,
        lock_path: &Path,
        digests: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<(), Error> {
        let mut seen = Vec::new();
        for (name, digest) in digests {
            self.check(lock_path, name, digest)?;
            seen.push(name);
        }
        if let Some(extra) = self
            .reward
            .iter()
            .find(|r| !seen.contains(&r.name.as_str()))
        {
            return Err(Error::Locked {
                lock: lock_path.to_path_buf(),
                message: format!(
                    "the lock pins reward `{}`, which the set does not have (run `rewasm lock` again)",
                    extra.name
                ),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock() -> LockFile {
        LockFile {
            version: 1,
            reward: vec![LockedReward {
                name: "acc".into(),
                plugin: "math-accuracy".into(),
                source: "builtin:math-accuracy".into(),
                sha256: "a".repeat(64),
            }],
        }
    }

    #[test]
    fn drift_names_reward_expected_and_found() {
        let l = lock();
        let p = Path::new("set.lock");
        assert!(l.check(p, "acc", &"A".repeat(64)).is_ok());
        let msg = l.check(p, "acc", &"b".repeat(64)).unwrap_err().to_string();
        assert!(
            msg.contains("acc") && msg.contains(&"a".repeat(64)) && msg.contains(&"b".repeat(64)),
            "{msg}"
        );
        let msg = l
            .check(p, "other", &"b".repeat(64))
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("other") && msg.contains("not in the lock"),
            "{msg}"
        );
        let msg = l.check_all(p, []).unwrap_err().to_string();
        assert!(msg.contains("does not have"), "{msg}");
    }

    #[test]
    fn round_trips_through_toml() {
        let l = lock();
        let text = l.to_toml("set.toml");
        assert!(text.starts_with("# Written by `rewasm lock set.toml`"));
        let back: LockFile = toml::from_str(&text).unwrap();
        assert_eq!(back, l);
    }
}
