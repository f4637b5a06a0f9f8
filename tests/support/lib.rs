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
    encode(
        &wat_text,
        &[("reward.wit", &wit_source(version))],
        "reward-plugin",
    )
}

/// Componentizes a WAT core module against `world` of the last WIT package
/// in `packages` (earlier ones are its dependencies, in order).
fn encode(wat_text: &str, packages: &[(&str, &str)], world: &str) -> anyhow::Result<Vec<u8>> {
    let mut module = wat::parse_str(wat_text)?;
    let mut resolve = wit_parser::Resolve::default();
    let mut pkg = None;
    for (name, text) in packages {
        pkg = Some(resolve.push_str(name, text)?);
    }
    let pkg = pkg.ok_or_else(|| anyhow::anyhow!("no WIT package"))?;
    let world = resolve.select_world(&[pkg], Some(world))?;
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )?;
    wit_component::ComponentEncoder::default()
        .module(&module)?
        .validate(true)
        .encode()
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

/// WIT of the two WASI interfaces `wasi-random.wat` imports, and a world
/// that adds them to `reward-plugin`.
const WASI_WIT: &str = r#"
package wasi:random@0.2.0;
interface random {
    get-random-u64: func() -> u64;
}
"#;
const WASI_CLOCKS_WIT: &str = r#"
package wasi:clocks@0.2.0;
interface wall-clock {
    record datetime { seconds: u64, nanoseconds: u32 }
    now: func() -> datetime;
}
"#;
const FIXTURE_WORLD: &str = r#"
package rewasm-test:fixture;
world reward-with-wasi {
    include rewasm:reward/reward-plugin@0.1.0;
    import wasi:random/random@0.2.0;
    import wasi:clocks/wall-clock@0.2.0;
}
"#;

/// `wasi-random.wat` as a component that imports WASI random and clocks.
pub fn wasi_random_component() -> Vec<u8> {
    let reward = wit_source("0.1.0");
    let packages = [
        ("random.wit", WASI_WIT),
        ("clocks.wit", WASI_CLOCKS_WIT),
        ("reward.wit", reward.as_str()),
        ("fixture.wit", FIXTURE_WORLD),
    ];
    encode(&fixture("wasi-random.wat"), &packages, "reward-with-wasi")
        .expect("componentize wasi-random.wat")
}
