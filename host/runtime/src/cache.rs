use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::Engine;

/// On-disk cache of compiled components, keyed by the module's sha256 and
/// the engine's compatibility hash, so a component is compiled once per
/// wasmtime build and configuration.
///
/// Only files this cache wrote (atomically, in a directory it owns) are ever
/// deserialized: a compiled artifact is native code and is trusted as such.
///
/// The cache holds at most `max_bytes` of artifacts: after each store, the
/// least recently used ones go. Python and JS components compile to 40 MB
/// or more each, and their builds are not byte-reproducible, so without a
/// bound every rebuild would add one.
#[derive(Debug, Clone)]
pub struct ComponentCache {
    dir: PathBuf,
    max_bytes: u64,
}

impl ComponentCache {
    /// Artifact bytes kept by default: 2 GiB (`REWASM_CACHE_MAX_MB` changes it).
    pub const DEFAULT_MAX_BYTES: u64 = 2 << 30;

    /// A cache in `dir` (created on first write) with the default bound.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        let max_bytes = std::env::var("REWASM_CACHE_MAX_MB")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(Self::DEFAULT_MAX_BYTES, |mb| mb.saturating_mul(1 << 20));
        ComponentCache {
            dir: dir.into(),
            max_bytes,
        }
    }

    /// The same cache with another bound on its size.
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// `$REWASM_HOME/cache/components`, unless `REWASM_NO_CACHE` is set.
    pub fn default_location() -> Option<Self> {
        if std::env::var_os("REWASM_NO_CACHE").is_some() {
            return None;
        }
        Some(Self::new(
            crate::rewasm_home().join("cache").join("components"),
        ))
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_for(&self, engine: &Engine, digest: &str) -> PathBuf {
        let mut h = Sha256Hasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut h);
        let engine_key = hex::encode(&h.0.finalize()[..8]);
        self.dir.join(format!("{digest}-{engine_key}.cwasm"))
    }

    /// Loads the compiled component for `digest`, compiling `bytes` and
    /// storing the result on a miss. Cache failures fall back to compiling.
    pub(crate) fn load_or_compile(
        &self,
        engine: &Engine,
        digest: &str,
        bytes: &[u8],
    ) -> wasmtime::Result<(Component, bool)> {
        let path = self.path_for(engine, digest);
        if path.is_file() {
            // SAFETY: the file was written by `store` below from
            // `Component::serialize` of this very engine configuration (the
            // name carries the compatibility hash), into our own directory.
            if let Ok(c) = unsafe { Component::deserialize_file(engine, &path) } {
                // The modification time orders eviction: a hit is a use.
                let _ = std::fs::File::options()
                    .write(true)
                    .open(&path)
                    .and_then(|f| f.set_modified(std::time::SystemTime::now()));
                return Ok((c, true));
            }
        }
        let component = Component::new(engine, bytes)?;
        if let Ok(serialized) = component.serialize() {
            if store_atomically(&path, &serialized).is_ok() {
                self.prune(&path);
            }
        }
        Ok((component, false))
    }

    /// Removes the least recently used artifacts until at most `max_bytes`
    /// remain, never `keep` (the one just stored). Errors are ignored: a
    /// file another process removed first is already gone.
    fn prune(&self, keep: &Path) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut files: Vec<(std::time::SystemTime, u64, PathBuf)> = entries
            .filter_map(|e| {
                let path = e.ok()?.path();
                if path.extension()? != "cwasm" {
                    return None;
                }
                let meta = path.metadata().ok()?;
                Some((meta.modified().ok()?, meta.len(), path))
            })
            .collect();
        let mut total: u64 = files.iter().map(|(_, len, _)| len).sum();
        if total <= self.max_bytes {
            return;
        }
        files.sort();
        for (_, len, path) in files {
            if total <= self.max_bytes {
                break;
            }
            if path != keep && std::fs::remove_file(&path).is_ok() {
                total = total.saturating_sub(len);
            }
        }
    }
}

fn store_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Feeds `Hash` output into sha256 so the key is stable across processes
/// (std's `DefaultHasher` is not guaranteed to be).
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// Hex sha256 of some bytes.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component(n: u32) -> Vec<u8> {
        // Components that differ in size and digest.
        let funcs: String = (0..n)
            .map(|i| format!("(func (export \"f{i}\") (result i32) i32.const {i})"))
            .collect();
        wat::parse_str(format!("(component (core module {funcs}))")).expect("wat")
    }

    #[test]
    fn the_least_recently_used_artifacts_go_past_the_bound() {
        let dir = std::env::temp_dir().join(format!("rewasm-cache-prune-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let engine = Engine::default();
        let modules: Vec<Vec<u8>> = (1..=3).map(|n| component(n * 50)).collect();
        let digests: Vec<String> = modules.iter().map(|m| sha256_hex(m)).collect();

        let unbounded = ComponentCache::new(&dir).with_max_bytes(u64::MAX);
        for (m, d) in modules.iter().zip(&digests) {
            assert!(!unbounded.load_or_compile(&engine, d, m).expect("compile").1);
        }
        let sizes: Vec<u64> = digests
            .iter()
            .map(|d| {
                unbounded
                    .path_for(&engine, d)
                    .metadata()
                    .expect("stored")
                    .len()
            })
            .collect();
        // Use the first again, so the second is now the least recent.
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(
            unbounded
                .load_or_compile(&engine, &digests[0], &modules[0])
                .expect("hit")
                .1
        );

        // Room for the first and a new fourth: the second and third go.
        let fourth = component(10);
        let fourth_digest = sha256_hex(&fourth);
        std::thread::sleep(std::time::Duration::from_millis(20));
        let bounded = ComponentCache::new(&dir).with_max_bytes(sizes[0] + sizes[1] / 2);
        assert!(
            !bounded
                .load_or_compile(&engine, &fourth_digest, &fourth)
                .expect("compile")
                .1
        );
        let here = |d: &str| bounded.path_for(&engine, d).is_file();
        assert!(here(&digests[0]), "the recently used artifact stays");
        assert!(here(&fourth_digest), "the new artifact stays");
        assert!(
            !here(&digests[1]) && !here(&digests[2]),
            "the least recently used go"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
