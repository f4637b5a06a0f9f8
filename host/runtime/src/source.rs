use std::path::{Path, PathBuf};

use crate::{Error, ModuleStore};

/// Where a reward's component bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleSource {
    /// One of the components shipped inside the binary.
    Builtin(&'static str),
    /// A `.wasm` component file.
    File(PathBuf),
    /// A module in an OCI registry, `oci://HOST[:PORT]/REPO[:TAG][@sha256:..]`:
    /// pulled (digests checked) into the user's module store, served from
    /// there when the reference is pinned and the registry is down.
    Oci(crate::OciRef),
    /// A module of a [`ModuleStore`], named `sha256:<hex>` in a reward set.
    Stored {
        /// Its sha256.
        digest: String,
        /// The store file holding it.
        path: PathBuf,
    },
}

impl ModuleSource {
    /// Resolves `plugin = "..."`: a built-in name first, else a path relative
    /// to `base_dir` (the reward-set file's directory).
    pub fn resolve(plugin: &str, base_dir: &Path) -> Result<Self, Error> {
        Self::resolve_in(plugin, base_dir, &[ModuleStore::default_location()])
    }

    /// Like [`ModuleSource::resolve`]; `sha256:<hex>` is looked up in
    /// `stores`, in order.
    pub fn resolve_in(
        plugin: &str,
        base_dir: &Path,
        stores: &[ModuleStore],
    ) -> Result<Self, Error> {
        if plugin.starts_with("oci://") {
            return Ok(ModuleSource::Oci(crate::OciRef::parse(plugin)?));
        }
        if let Some(hex) = plugin.strip_prefix("sha256:") {
            crate::store::check_digest(hex)?;
            let digest = hex.to_ascii_lowercase();
            return stores
                .iter()
                .find(|s| s.contains(&digest))
                .map(|s| ModuleSource::Stored {
                    path: s.path(&digest),
                    digest: digest.clone(),
                })
                .ok_or_else(|| Error::NotStored {
                    digest,
                    stores: stores
                        .iter()
                        .map(|s| s.dir().display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
        }
        if let Some(name) = builtin_names().into_iter().find(|n| *n == plugin) {
            return Ok(ModuleSource::Builtin(name));
        }
        let path = base_dir.join(plugin);
        if path.is_file() {
            return Ok(ModuleSource::File(path));
        }
        Err(Error::UnknownPlugin(plugin.to_string()))
    }

    /// The component bytes.
    pub fn bytes(&self) -> Result<std::borrow::Cow<'static, [u8]>, Error> {
        match self {
            ModuleSource::Builtin(name) => builtin_bytes(name)
                .map(std::borrow::Cow::Borrowed)
                .ok_or_else(|| Error::UnknownPlugin(name.to_string())),
            ModuleSource::File(p) => {
                std::fs::read(p)
                    .map(std::borrow::Cow::Owned)
                    .map_err(|cause| Error::Io {
                        path: p.clone(),
                        cause,
                    })
            }
            ModuleSource::Oci(r) => {
                let pulled = crate::oci::pull(r, &ModuleStore::default_location())?;
                Ok(std::borrow::Cow::Owned(pulled.bytes))
            }
            ModuleSource::Stored { digest, path } => {
                let bytes = std::fs::read(path).map_err(|cause| Error::Io {
                    path: path.clone(),
                    cause,
                })?;
                let found = crate::cache::sha256_hex(&bytes);
                if found != *digest {
                    return Err(Error::Store {
                        path: path.clone(),
                        message: format!("the file's bytes hash to {found}, not to its name"),
                    });
                }
                Ok(std::borrow::Cow::Owned(bytes))
            }
        }
    }

    /// Whether the bytes are part of this binary (trusted as the binary is).
    pub fn is_builtin(&self) -> bool {
        matches!(self, ModuleSource::Builtin(_))
    }

    /// The file the bytes are read from, if any (watched for changes).
    pub fn file(&self) -> Option<&Path> {
        match self {
            ModuleSource::File(p) => Some(p),
            _ => None,
        }
    }

    /// A short description for messages and metrics.
    pub fn origin(&self) -> String {
        match self {
            ModuleSource::Builtin(n) => format!("builtin:{n}"),
            ModuleSource::File(p) => p.display().to_string(),
            ModuleSource::Stored { digest, .. } => format!("sha256:{digest}"),
            ModuleSource::Oci(r) => r.to_string(),
        }
    }
}

/// Names of the built-in rewards compiled into this binary.
pub fn builtin_names() -> Vec<&'static str> {
    #[cfg(feature = "builtins")]
    {
        rewasm_builtins::BUILTINS.iter().map(|(n, _)| *n).collect()
    }
    #[cfg(not(feature = "builtins"))]
    {
        Vec::new()
    }
}

fn builtin_bytes(name: &str) -> Option<&'static [u8]> {
    #[cfg(feature = "builtins")]
    {
        rewasm_builtins::get(name)
    }
    #[cfg(not(feature = "builtins"))]
    {
        let _ = name;
        None
    }
}
