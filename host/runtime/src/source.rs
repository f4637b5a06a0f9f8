use std::path::{Path, PathBuf};

use crate::Error;

/// Where a reward's component bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleSource {
    /// One of the components shipped inside the binary.
    Builtin(&'static str),
    /// A `.wasm` component file.
    File(PathBuf),
}

impl ModuleSource {
    /// Resolves `plugin = "..."`: a built-in name first, else a path relative
    /// to `base_dir` (the reward-set file's directory).
    pub fn resolve(plugin: &str, base_dir: &Path) -> Result<Self, Error> {
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
        }
    }

    /// A short description for messages and metrics.
    pub fn origin(&self) -> String {
        match self {
            ModuleSource::Builtin(n) => format!("builtin:{n}"),
            ModuleSource::File(p) => p.display().to_string(),
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
