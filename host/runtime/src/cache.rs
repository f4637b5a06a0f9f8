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
#[derive(Debug, Clone)]
pub struct ComponentCache {
    dir: PathBuf,
}

impl ComponentCache {
    /// A cache in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        ComponentCache { dir: dir.into() }
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
                return Ok((c, true));
            }
        }
        let component = Component::new(engine, bytes)?;
        if let Ok(serialized) = component.serialize() {
            let _ = store_atomically(&path, &serialized);
        }
        Ok((component, false))
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
