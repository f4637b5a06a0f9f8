//! `rewasm demo`, the README's main command, end to end on the real
//! SmolLM2-135M-Instruct and the built-in Wasm rewards, shortened to a few
//! steps: it writes its run files, metrics, a checkpoint that loads, and the
//! plot, prints the summary and the paths, and `--resume` continues it.
//! Pulls the model, so it runs only with REWASM_TEST_PULL=1 (scripts/test.sh
//! sets it); the model is kept under target/ like the generate tests'.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn home() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-rewasm-home")
}

fn demo(out: &Path, extra: &[&str]) -> (String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .args(["demo", "--device", "cpu", "--no-progress", "--output-dir"])
        .arg(out)
        .args(extra)
        .env("REWASM_HOME", home())
        .output()
        .expect("run rewasm demo");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert!(
        o.status.success(),
        "rewasm demo failed:\n{stdout}\n{stderr}\n{}",
        free_disk(out)
    );
    (stdout, stderr)
}

/// `df -h` of the run folder, for failure messages (a checkpoint is 1.6 GB).
fn free_disk(out: &Path) -> String {
    let dir = out.parent().unwrap_or(out);
    match Command::new("df").arg("-h").arg(dir).output() {
        Ok(o) => String::from_utf8_lossy(&o.stdout).into_owned(),
        Err(e) => format!("(df failed: {e})"),
    }
}

fn step_rows(out: &Path) -> Vec<Value> {
    std::fs::read_to_string(out.join("metrics.jsonl"))
        .expect("metrics.jsonl")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json row"))
        .filter(|r| r.get("event").is_none())
        .collect()
}

#[test]
fn the_demo_trains_writes_everything_and_resumes() {
    if std::env::var("REWASM_TEST_PULL").as_deref() != Ok("1") {
        eprintln!("skipped: set REWASM_TEST_PULL=1 to pull SmolLM2-135M-Instruct and run the demo");
        return;
    }
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("demo-run");
    let _ = std::fs::remove_dir_all(&out);

    let (stdout, _) = demo(&out, &["--max-steps", "1"]);
    for name in ["run.toml", "rewards.toml", "data.jsonl", "curves.png"] {
        assert!(out.join(name).is_file(), "{name} missing");
    }
    let png = std::fs::read(out.join("curves.png")).expect("png");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let rows = step_rows(&out);
    assert_eq!(rows.len(), 1);
    for r in &rows {
        let rewards = r["rewards"].as_object().expect("rewards");
        for name in ["accuracy", "length", "repetition"] {
            assert_eq!(rewards[name]["errors"], 0, "{name} failed: {r}");
            assert!(rewards[name]["mean"].is_number(), "{r}");
        }
        assert_eq!(r["reward_sha256"].as_object().expect("digests").len(), 3);
        assert!(r["reward_mean"].is_number(), "{r}");
    }
    let checkpoint = out.join("checkpoints/step-00000001");
    assert!(checkpoint.join("model.safetensors").is_file());
    for needle in [
        "reward, mean of the first quarter (steps 1-1) -> last quarter (steps 1-1)",
        "accuracy",
        "length",
        "repetition",
        &format!("checkpoint: {}", checkpoint.display()),
        &format!("plot:       {}", out.join("curves.png").display()),
        &format!("metrics:    {}", out.join("metrics.jsonl").display()),
    ] {
        assert!(stdout.contains(needle), "`{needle}` not in:\n{stdout}");
    }

    // The checkpoint is a model folder `generate` loads.
    let g = Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .args([
            "generate",
            "--greedy",
            "--chat",
            "--max-new-tokens",
            "8",
            "--prompt",
            "What is 2 + 2?",
            "--model",
        ])
        .arg(&checkpoint)
        .output()
        .expect("run generate");
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));

    // --resume continues the same run and metrics file.
    let (stdout, _) = demo(&out, &["--max-steps", "2", "--resume"]);
    let rows = step_rows(&out);
    let steps: Vec<u64> = rows
        .iter()
        .map(|r| r["step"].as_u64().expect("step"))
        .collect();
    assert_eq!(steps, [1, 2]);
    assert!(out.join("checkpoints/step-00000002").is_dir());
    assert!(stdout.contains("last quarter (steps 2-2)"), "{stdout}");

    // Two checkpoints of a 135M model with optimizer state are over 3 GB;
    // a passing run leaves no need for them (a failing one keeps them).
    std::fs::remove_dir_all(&out).expect("remove the demo run");
}
