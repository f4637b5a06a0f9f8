//! Builds the built-in reward plugins (plugins/, a separate wasm32 cargo
//! workspace) with scripts/build-plugins.sh and embeds the components.

use std::path::{Path, PathBuf};
use std::process::Command;

const BUILTINS: [&str; 6] = [
    "math-accuracy",
    "format",
    "iou",
    "length-bonus",
    "consistency",
    "chart-code",
];

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest
        .join("../..")
        .canonicalize()
        .expect("repository root");
    let plugins = root.join("plugins");
    // Libraries the built-ins are made from: math-equiv (math-accuracy and
    // consistency check answers with it) and chart (chart-code runs it).
    for watched in ["sdk", "math-equiv", "chart", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", plugins.join(watched).display());
    }
    println!("cargo:rerun-if-changed={}", root.join("wit").display());
    println!(
        "cargo:rerun-if-changed={}",
        root.join("scripts/build-plugins.sh").display()
    );
    for name in BUILTINS {
        println!(
            "cargo:rerun-if-changed={}",
            plugins.join(name).join("src").display()
        );
        println!(
            "cargo:rerun-if-changed={}",
            plugins.join(name).join("Cargo.toml").display()
        );
        // The test vectors build-plugins.sh embeds in the component.
        println!(
            "cargo:rerun-if-changed={}",
            plugins.join(name).join("vectors.jsonl").display()
        );
        println!(
            "cargo:rerun-if-changed={}",
            plugins.join("dist").join(format!("{name}.wasm")).display()
        );
    }
    println!("cargo:rerun-if-env-changed=REWASM_SKIP_PLUGIN_BUILD");

    if std::env::var_os("REWASM_SKIP_PLUGIN_BUILD").is_none() {
        build_plugins(&root);
    }

    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut table = String::from("/// (name, component bytes) of every built-in reward.\npub static BUILTINS: &[(&str, &[u8])] = &[\n");
    for name in BUILTINS {
        let src = plugins.join("dist").join(format!("{name}.wasm"));
        let dst = out.join(format!("{name}.wasm"));
        if let Err(e) = std::fs::copy(&src, &dst) {
            panic!(
                "built-in plugin {} is missing ({e}); run scripts/setup.sh, then scripts/build-plugins.sh",
                src.display()
            );
        }
        table.push_str(&format!(
            "    ({name:?}, include_bytes!({:?})),\n",
            dst.display().to_string()
        ));
    }
    table.push_str("];\n");
    std::fs::write(out.join("builtins.rs"), table).expect("write builtins.rs");
}

fn build_plugins(root: &Path) {
    // The nested build must not inherit this cargo's flags, target dir or
    // toolchain overrides: it targets wasm32 with its own toolchain.
    let mut cmd = Command::new("bash");
    cmd.arg(root.join("scripts/build-plugins.sh")).env_clear();
    for keep in [
        "PATH",
        "HOME",
        "CARGO_HOME",
        "RUSTUP_HOME",
        "TMPDIR",
        "CARGO_NET_OFFLINE",
    ] {
        if let Some(v) = std::env::var_os(keep) {
            cmd.env(keep, v);
        }
    }
    let out = cmd.output().expect("run scripts/build-plugins.sh");
    if !out.status.success() {
        panic!(
            "scripts/build-plugins.sh failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
