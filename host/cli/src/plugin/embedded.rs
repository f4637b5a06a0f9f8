//! What `rewasm new` and `rewasm build` write into plugin projects, embedded
//! at compile time from the repository: the WIT, each language's SDK, its
//! toolchain script and its template. A test checks that every file of those
//! folders is listed here.

use std::collections::BTreeMap;

use anyhow::Context;

use super::project::Lang;

/// The WIT every plugin is built against.
pub const WIT: &str = include_str!("../../../../wit/reward@0.1.0/reward.wit");

/// (path relative to the folder, contents).
pub type Files = &'static [(&'static str, &'static str)];

macro_rules! files {
    ($base:literal: $($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../../../../", $base, "/", $path)))),*]
    };
}

/// plugins/sdk (the crate `rewasm-plugin-sdk`); its Cargo.toml is made
/// standalone by [`rust_sdk_manifest`].
pub const RUST_SDK: Files = files!("plugins/sdk":
    "src/lib.rs", "src/alloc.rs", "src/answer.rs", "src/boxes.rs", "src/config.rs",
    "src/guest.rs", "src/readme.rs", "src/types.rs");
const RUST_SDK_MANIFEST: &str = include_str!("../../../../plugins/sdk/Cargo.toml");
const PLUGINS_WORKSPACE: &str = include_str!("../../../../plugins/Cargo.toml");

pub const RUST_TEMPLATE: Files = files!("plugins/templates/rust":
    "rewasm-plugin.toml", "Cargo.toml", "src/lib.rs", "vectors.jsonl", "README.md", ".gitignore");

const COMMON_SCRIPT: &str = include_str!("../../../../scripts/toolchains/common.sh");
const RUST_SCRIPT: &str = include_str!("../../../../scripts/toolchains/rust.sh");

/// The template files of `lang`.
pub fn template(lang: Lang) -> Files {
    match lang {
        Lang::Rust => RUST_TEMPLATE,
        Lang::C | Lang::Python | Lang::Js => &[],
    }
}

/// `.rewasm/toolchain.sh`: common.sh, then the language's script (which
/// skips sourcing common.sh when it is already loaded).
pub fn toolchain_script(lang: Lang) -> String {
    let script = match lang {
        Lang::Rust => RUST_SCRIPT,
        Lang::C | Lang::Python | Lang::Js => "",
    };
    format!("#!/usr/bin/env bash\n# Written by rewasm build; do not edit.\n{COMMON_SCRIPT}\n{script}")
}

/// The SDK files of `lang`, as written under `.rewasm/sdk/`.
pub fn sdk_files(lang: Lang) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    match lang {
        Lang::Rust => {
            for (path, text) in RUST_SDK {
                let text = if *path == "src/lib.rs" {
                    // The checkout's SDK reads the WIT from the repository.
                    text.replace("\"../../wit/reward@0.1.0\"", "\"wit\"")
                } else {
                    (*text).to_string()
                };
                out.push((path.to_string(), text));
            }
            out.push(("wit/reward.wit".to_string(), WIT.to_string()));
            out.push(("Cargo.toml".to_string(), rust_sdk_manifest()?));
        }
        Lang::C | Lang::Python | Lang::Js => {}
    }
    Ok(out)
}

/// plugins/sdk/Cargo.toml with every `workspace = true` resolved from the
/// plugins workspace, so the SDK builds outside it.
pub fn rust_sdk_manifest() -> anyhow::Result<String> {
    let mut manifest: toml::Table = toml::from_str(RUST_SDK_MANIFEST).context("plugins/sdk/Cargo.toml")?;
    let workspace: toml::Table = toml::from_str(PLUGINS_WORKSPACE).context("plugins/Cargo.toml")?;
    let ws = workspace.get("workspace").and_then(|w| w.as_table()).context("no [workspace]")?;
    let empty = toml::Table::new();
    let ws_package = ws.get("package").and_then(|p| p.as_table()).unwrap_or(&empty);
    let ws_deps = ws.get("dependencies").and_then(|p| p.as_table()).unwrap_or(&empty);

    if let Some(package) = manifest.get_mut("package").and_then(|p| p.as_table_mut()) {
        for (key, value) in package.iter_mut() {
            if is_inherited(value) {
                *value = ws_package.get(key).cloned().with_context(|| format!("workspace.package.{key}"))?;
            }
        }
    }
    let mut dep_tables: Vec<&mut toml::Table> = Vec::new();
    let (deps, targets) = split_deps(&mut manifest);
    dep_tables.extend(deps);
    dep_tables.extend(targets);
    for table in dep_tables {
        for (name, value) in table.iter_mut() {
            if !is_inherited(value) {
                continue;
            }
            let mut resolved = match ws_deps.get(name).with_context(|| format!("workspace.dependencies.{name}"))? {
                toml::Value::String(v) => BTreeMap::from([("version".to_string(), toml::Value::String(v.clone()))])
                    .into_iter()
                    .collect::<toml::Table>(),
                toml::Value::Table(t) => t.clone(),
                other => anyhow::bail!("workspace.dependencies.{name} = {other}"),
            };
            if let Some(own) = value.as_table() {
                for (k, v) in own {
                    if k != "workspace" {
                        resolved.insert(k.clone(), v.clone());
                    }
                }
            }
            *value = toml::Value::Table(resolved);
        }
    }
    Ok(format!(
        "# Written by rewasm from its own plugins/sdk; do not edit.\n{}",
        toml::to_string(&manifest)?
    ))
}

fn is_inherited(value: &toml::Value) -> bool {
    value
        .as_table()
        .and_then(|t| t.get("workspace"))
        .and_then(|w| w.as_bool())
        == Some(true)
}

/// The `[dependencies]` table and every `[target.X.dependencies]` table.
fn split_deps(manifest: &mut toml::Table) -> (Option<&mut toml::Table>, Vec<&mut toml::Table>) {
    let mut deps = None;
    let mut targets = Vec::new();
    for (key, value) in manifest.iter_mut() {
        match (key.as_str(), value) {
            ("dependencies", toml::Value::Table(t)) => deps = Some(t),
            ("target", toml::Value::Table(t)) => {
                for (_, cfg) in t.iter_mut() {
                    if let Some(d) = cfg.get_mut("dependencies").and_then(|d| d.as_table_mut()) {
                        targets.push(d);
                    }
                }
            }
            _ => {}
        }
    }
    (deps, targets)
}
