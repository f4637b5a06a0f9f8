//! A plugin project on disk: `rewasm-plugin.toml`, and the generated
//! `.rewasm/` folder that `rewasm new` and `rewasm build` write into it (the
//! WIT, the language's SDK and its toolchain script, all embedded in this
//! binary so that a project needs nothing from a rewasm checkout).

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Deserialize;

use super::embedded;

/// The manifest's file name.
pub const MANIFEST: &str = "rewasm-plugin.toml";

/// A guest language with a toolchain route on these machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Rust,
    C,
    Python,
    Js,
}

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::Rust, Lang::C, Lang::Python, Lang::Js];

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::C => "c",
            Lang::Python => "python",
            Lang::Js => "js",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `rewasm-plugin.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The plugin's name: `[a-z][a-z0-9-]*`; the build writes `dist/NAME.wasm`.
    pub name: String,
    pub lang: Lang,
    /// Test vectors to embed, relative to the project (default
    /// `vectors.jsonl`, when that file exists).
    pub vectors: Option<PathBuf>,
}

/// A plugin project folder and its manifest.
#[derive(Debug, Clone)]
pub struct Project {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

/// Checks a plugin name: lowercase ASCII letters, digits and `-`, starting
/// with a letter (so it is a valid crate, file and WIT-ish name everywhere).
pub fn check_name(name: &str) -> anyhow::Result<()> {
    let ok = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-');
    if !ok {
        bail!("plugin name {name:?} must be lowercase letters, digits and `-`, starting with a letter (at most 64)");
    }
    Ok(())
}

impl Project {
    /// Reads `DIR/rewasm-plugin.toml`.
    pub fn open(dir: &Path) -> anyhow::Result<Project> {
        let path = dir.join(MANIFEST);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
                "{} has no {MANIFEST}; create a plugin project with `rewasm new NAME --lang rust|c|python|js`",
                dir.display()
            ),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let manifest: Manifest =
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        check_name(&manifest.name).with_context(|| path.display().to_string())?;
        Ok(Project {
            dir: dir.to_path_buf(),
            manifest,
        })
    }

    /// The generated folder.
    pub fn generated(&self) -> PathBuf {
        self.dir.join(".rewasm")
    }

    /// The vectors file to embed, if any: the manifest's (which must exist)
    /// or `vectors.jsonl` when present.
    pub fn vectors(&self) -> anyhow::Result<Option<PathBuf>> {
        match &self.manifest.vectors {
            Some(rel) => {
                let path = self.dir.join(rel);
                if !path.is_file() {
                    bail!(
                        "{}: vectors = {:?}, but {} does not exist",
                        self.dir.join(MANIFEST).display(),
                        rel.display(),
                        path.display()
                    );
                }
                Ok(Some(path))
            }
            None => {
                let path = self.dir.join("vectors.jsonl");
                Ok(path.is_file().then_some(path))
            }
        }
    }

    /// Writes `.rewasm/`: `wit/reward.wit`, `sdk/` (the language's SDK)
    /// and `toolchain.sh`. Files are only rewritten when they differ, so a
    /// native `cargo test` does not rebuild the SDK after every build.
    pub fn write_generated(&self) -> anyhow::Result<()> {
        write_generated(&self.dir, self.manifest.lang)
    }
}

/// See [`Project::write_generated`].
pub fn write_generated(dir: &Path, lang: Lang) -> anyhow::Result<()> {
    let gen = dir.join(".rewasm");
    write_if_changed(&gen.join("wit/reward.wit"), embedded::WIT)?;
    for (rel, text) in embedded::sdk_files(lang)? {
        write_if_changed(&gen.join("sdk").join(rel), &text)?;
    }
    write_if_changed(&gen.join("toolchain.sh"), &embedded::toolchain_script(lang))?;
    Ok(())
}

/// Writes `text` to `path` (creating folders) unless it already holds it.
pub fn write_if_changed(path: &Path, text: &str) -> anyhow::Result<()> {
    if fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
