//! What `rewasm new` and `rewasm build` write into plugin projects, embedded
//! at compile time from the repository: the WIT, each language's SDK, its
//! toolchain script and its template. A test checks that every file of those
//! folders is listed here.

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
    "src/guest.rs", "src/judge.rs", "src/readme.rs", "src/types.rs");
const RUST_SDK_MANIFEST: &str = include_str!("../../../../plugins/sdk/Cargo.toml");
const PLUGINS_WORKSPACE: &str = include_str!("../../../../plugins/Cargo.toml");

pub const RUST_TEMPLATE: Files = files!("plugins/templates/rust":
    "rewasm-plugin.toml", "Cargo.toml", "src/lib.rs", "vectors.jsonl", "README.md", ".gitignore");

/// plugins/sdk-c.
pub const C_SDK: Files = files!("plugins/sdk-c": "rewasm.h", "rewasm.c", "rewasm_json.c");
pub const C_TEMPLATE: Files = files!("plugins/templates/c":
    "rewasm-plugin.toml", "reward.c", "vectors.jsonl", "README.md", ".gitignore");

/// plugins/sdk-python.
pub const PYTHON_SDK: Files = files!("plugins/sdk-python": "rewasm_plugin.py");
pub const PYTHON_TEMPLATE: Files = files!("plugins/templates/python":
    "rewasm-plugin.toml", "app.py", "vectors.jsonl", "README.md", ".gitignore");

/// plugins/sdk-js (its tests, rewasm.test.mjs, stay in the repository).
pub const JS_SDK: Files = files!("plugins/sdk-js": "rewasm.js");
pub const JS_TEMPLATE: Files = files!("plugins/templates/js":
    "rewasm-plugin.toml", "app.js", "vectors.jsonl", "README.md", ".gitignore");

const COMMON_SCRIPT: &str = include_str!("../../../../scripts/toolchains/common.sh");
const RUST_SCRIPT: &str = include_str!("../../../../scripts/toolchains/rust.sh");
const C_SCRIPT: &str = include_str!("../../../../scripts/toolchains/c.sh");
const PYTHON_SCRIPT: &str = include_str!("../../../../scripts/toolchains/python.sh");
const JS_SCRIPT: &str = include_str!("../../../../scripts/toolchains/js.sh");

/// The template files of `lang`.
pub fn template(lang: Lang) -> Files {
    match lang {
        Lang::Rust => RUST_TEMPLATE,
        Lang::C => C_TEMPLATE,
        Lang::Python => PYTHON_TEMPLATE,
        Lang::Js => JS_TEMPLATE,
    }
}

/// `.rewasm/toolchain.sh`: common.sh, then the language's script (which
/// skips sourcing common.sh when it is already loaded).
pub fn toolchain_script(lang: Lang) -> String {
    let script = match lang {
        Lang::Rust => RUST_SCRIPT,
        Lang::C => C_SCRIPT,
        Lang::Python => PYTHON_SCRIPT,
        Lang::Js => JS_SCRIPT,
    };
    format!(
        "#!/usr/bin/env bash\n# Written by rewasm build; do not edit.\n{COMMON_SCRIPT}\n{script}"
    )
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
        Lang::C => copy(C_SDK, &mut out),
        Lang::Python => copy(PYTHON_SDK, &mut out),
        Lang::Js => copy(JS_SDK, &mut out),
    }
    Ok(out)
}

fn copy(files: Files, out: &mut Vec<(String, String)>) {
    out.extend(files.iter().map(|(p, t)| (p.to_string(), t.to_string())));
}

/// plugins/sdk/Cargo.toml with every `workspace = true` resolved from the
/// plugins workspace, so the SDK builds outside it.
pub fn rust_sdk_manifest() -> anyhow::Result<String> {
    let mut manifest: toml::Table =
        toml::from_str(RUST_SDK_MANIFEST).context("plugins/sdk/Cargo.toml")?;
    let workspace: toml::Table = toml::from_str(PLUGINS_WORKSPACE).context("plugins/Cargo.toml")?;
    let ws = workspace
        .get("workspace")
        .and_then(|w| w.as_table())
        .context("no [workspace]")?;
    let empty = toml::Table::new();
    let ws_package = ws
        .get("package")
        .and_then(|p| p.as_table())
        .unwrap_or(&empty);
    let ws_deps = ws
        .get("dependencies")
        .and_then(|p| p.as_table())
        .unwrap_or(&empty);

    if let Some(package) = manifest.get_mut("package").and_then(|p| p.as_table_mut()) {
        for (key, value) in package.iter_mut() {
            if is_inherited(value) {
                *value = ws_package
                    .get(key)
                    .cloned()
                    .with_context(|| format!("workspace.package.{key}"))?;
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
            let mut resolved = match ws_deps
                .get(name)
                .with_context(|| format!("workspace.dependencies.{name}"))?
            {
                toml::Value::String(v) => toml::Table::from_iter([(
                    "version".to_string(),
                    toml::Value::String(v.clone()),
                )]),
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    /// Files under `repo/dir`, relative, minus build output and `skip`.
    fn on_disk(dir: &str, skip: &[&str]) -> BTreeSet<String> {
        fn walk(root: &Path, dir: &Path, skip: &[&str], out: &mut BTreeSet<String>) {
            for entry in std::fs::read_dir(dir).expect("read_dir") {
                let path = entry.expect("entry").path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if [".rewasm", "dist", "target", "__pycache__", "node_modules"].contains(&name)
                    || skip.contains(&name)
                {
                    continue;
                }
                if path.is_dir() {
                    walk(root, &path, skip, out);
                } else {
                    let rel = path.strip_prefix(root).expect("prefix");
                    out.insert(rel.to_string_lossy().into_owned());
                }
            }
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(dir);
        let mut out = BTreeSet::new();
        walk(&root, &root, skip, &mut out);
        out
    }

    fn names(files: Files) -> BTreeSet<String> {
        files.iter().map(|(p, _)| p.to_string()).collect()
    }

    #[test]
    fn every_sdk_and_template_file_is_embedded() {
        let skip = ["README.md", "Cargo.toml"];
        assert_eq!(names(RUST_SDK), on_disk("plugins/sdk", &skip));
        assert_eq!(names(C_SDK), on_disk("plugins/sdk-c", &skip));
        assert_eq!(names(PYTHON_SDK), on_disk("plugins/sdk-python", &skip));
        assert_eq!(
            names(JS_SDK),
            on_disk("plugins/sdk-js", &["README.md", "rewasm.test.mjs"])
        );
        for lang in Lang::ALL {
            let dir = format!("plugins/templates/{lang}");
            assert_eq!(
                names(template(lang)),
                on_disk(&dir, &["Cargo.lock"]),
                "{dir}"
            );
            assert!(
                toolchain_script(lang).contains("toolchain_main \"$@\""),
                "{lang}"
            );
        }
    }

    #[test]
    fn the_rust_sdk_manifest_stands_alone() {
        let text = rust_sdk_manifest().expect("manifest");
        assert!(!text.contains("workspace"), "{text}");
        let manifest: toml::Table = toml::from_str(&text).expect("toml");
        assert_eq!(
            manifest["package"]["name"].as_str(),
            Some("rewasm-plugin-sdk")
        );
        assert!(manifest["package"]["edition"].is_str());
        let wasm = &manifest["target"]["cfg(target_arch = \"wasm32\")"]["dependencies"];
        assert!(wasm["wit-bindgen"]["version"].is_str(), "{text}");
        let files = sdk_files(Lang::Rust).expect("files");
        let lib = &files
            .iter()
            .find(|(p, _)| p == "src/lib.rs")
            .expect("lib.rs")
            .1;
        assert!(
            lib.contains("path: \"wit\""),
            "the SDK must read its own copy of the WIT"
        );
    }
}
