//! Test support: turning WAT fixtures (core modules that follow the
//! canonical ABI) into rewasm reward components.

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The WIT source of `rewasm:reward@0.1.0`, with its version replaced by
/// `version` (to build components for versions the host does not support).
pub fn wit_source(version: &str) -> String {
    let text = std::fs::read_to_string(repo_root().join("wit/reward@0.1.0/reward.wit"))
        .expect("read wit/reward@0.1.0/reward.wit");
    text.replace("@0.1.0", &format!("@{version}"))
}

/// Componentizes a WAT core module against the `reward-plugin` world of the
/// given WIT version. Imports the module does not use are left out.
pub fn component_from_wat(wat_text: &str, version: &str) -> anyhow::Result<Vec<u8>> {
    let wat_text = wat_text.replace("@0.1.0", &format!("@{version}"));
    let mut module = wat::parse_str(&wat_text)?;
    let mut resolve = wit_parser::Resolve::default();
    let pkg = resolve.push_str("reward.wit", &wit_source(version))?;
    let world = resolve.select_world(&[pkg], Some("reward-plugin"))?;
    wit_component::embed_component_metadata(&mut module, &resolve, world, wit_component::StringEncoding::UTF8)?;
    wit_component::ComponentEncoder::default().module(&module)?.validate(true).encode()
}

/// A WAT fixture from plugins/fixtures.
pub fn fixture(name: &str) -> String {
    let path = repo_root().join("plugins/fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The hostile fixture as a v0.1.0 component.
pub fn hostile_component() -> Vec<u8> {
    component_from_wat(&fixture("hostile.wat"), "0.1.0").expect("componentize hostile.wat")
}
