//! `rewasm train` end to end with the real built-in Wasm rewards and
//! examples/tiny.toml (a from-scratch model, so nothing is downloaded):
//! it learns, a resumed run equals an uninterrupted one, and SIGKILLs at
//! random moments never leave a checkpoint that fails to resume.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("train-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn train_cmd(out: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rewasm"));
    c.arg("train")
        .arg("--config")
        .arg(repo().join("examples/tiny.toml"))
        .arg("--no-progress")
        .arg("--output-dir")
        .arg(out)
        .args(extra)
        // Both cores are shared with the other tests.
        .env("OMP_NUM_THREADS", "1");
    c
}

fn train(out: &Path, extra: &[&str]) -> Output {
    let o = train_cmd(out, extra).output().expect("run rewasm train");
    assert!(
        o.status.success(),
        "rewasm train failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn rows(out: &Path) -> Vec<Value> {
    std::fs::read_to_string(out.join("metrics.jsonl"))
        .expect("metrics.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json row"))
        .collect()
}

fn steps(out: &Path) -> Vec<Value> {
    rows(out)
        .into_iter()
        .filter(|r| r.get("event").is_none())
        .collect()
}

#[test]
fn tiny_example_learns_addition() {
    let out = scratch("learns");
    train(&out, &[]);
    let rows = steps(&out);
    assert_eq!(rows.len(), 300, "one metrics row per step");
    for key in [
        "reward_mean",
        "reward_std",
        "kl",
        "loss",
        "clip_fraction",
        "entropy",
        "completion_length_mean",
        "completion_length_max",
        "truncated_fraction",
        "zero_variance_fraction",
        "tokens_per_s",
        "step_s",
        "reward_s",
    ] {
        assert!(rows[0].get(key).is_some(), "metrics row lacks `{key}`");
    }
    let acc = &rows[0]["rewards"]["accuracy"];
    assert_eq!(acc["errors"], 0, "{acc}");
    let digest = rows[0]["reward_sha256"]["accuracy"]
        .as_str()
        .expect("digest");
    assert_eq!(digest.len(), 64);

    let mean = |r: &[Value]| {
        r.iter()
            .map(|x| x["reward_mean"].as_f64().expect("reward"))
            .sum::<f64>()
            / r.len() as f64
    };
    let first = mean(&rows[..75]);
    let last = mean(&rows[225..]);
    // Chance is about 1 in 14 tokens; a policy that learned the sums gets
    // most of them right.
    assert!(
        first < 0.4 && last > first + 0.35,
        "first quarter {first:.3}, last quarter {last:.3}"
    );

    // The final checkpoint is a model folder `rewasm generate` can load.
    let ck = out.join("checkpoints/step-00000300");
    assert!(ck.join("manifest.json").is_file());
    let g = Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .args([
            "generate",
            "--greedy",
            "--max-new-tokens",
            "2",
            "--prompt",
            "2+2=",
        ])
        .arg("--model")
        .arg(&ck)
        .output()
        .expect("generate");
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));
}

#[test]
fn a_resumed_run_equals_an_uninterrupted_one() {
    let whole = scratch("whole");
    train(&whole, &["--max-steps", "30", "--save-steps", "15"]);
    let parts = scratch("parts");
    train(&parts, &["--max-steps", "15", "--save-steps", "15"]);
    // The resumed half needs the same schedule: tiny.toml's is constant.
    train(
        &parts,
        &["--max-steps", "30", "--save-steps", "15", "--resume"],
    );
    let a = steps(&whole);
    let b = steps(&parts);
    assert_eq!(a.len(), 30);
    assert_eq!(b.len(), 30);
    for (x, y) in a.iter().zip(&b) {
        for key in [
            "step",
            "reward_mean",
            "loss",
            "entropy",
            "completion_length_mean",
        ] {
            assert_eq!(x[key], y[key], "step {}: `{key}` differs", x["step"]);
        }
    }
    let w = |d: &Path| {
        std::fs::read(d.join("checkpoints/step-00000030/model.safetensors")).expect("weights")
    };
    assert!(w(&whole) == w(&parts), "final weights differ");
    assert!(rows(&parts).iter().any(|r| r["event"] == "resume"));

    // Without --resume, a folder with checkpoints is not overwritten.
    let o = train_cmd(&parts, &["--max-steps", "31"])
        .output()
        .expect("run");
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--resume"));
}

#[test]
fn sigkill_at_any_moment_leaves_a_run_that_resumes() {
    let out = scratch("kill");
    let total = 40u64;
    let mut seed = 0x9E37_79B9u64;
    let mut kills = 0;
    for round in 0..8 {
        let mut args = vec![
            "--max-steps".to_string(),
            total.to_string(),
            "--save-steps".into(),
            "1".into(),
        ];
        if round > 0 {
            args.push("--resume".into());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut child = train_cmd(&out, &args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Between 0.3 s and 1.5 s: inside start-up, a step or a save.
        std::thread::sleep(Duration::from_millis(300 + seed % 1200));
        if child.try_wait().expect("wait").is_none() {
            child.kill().expect("SIGKILL");
            kills += 1;
        }
        let _ = child.wait();
        if steps(&out).len() as u64 >= total {
            break;
        }
    }
    // Whatever state the kills left, resuming finishes the run.
    if steps(&out).len() < total as usize {
        train(
            &out,
            &[
                "--max-steps",
                &total.to_string(),
                "--save-steps",
                "1",
                "--resume",
            ],
        );
    }
    let got: Vec<u64> = steps(&out)
        .iter()
        .map(|r| r["step"].as_u64().expect("step"))
        .collect();
    assert_eq!(got, (1..=total).collect::<Vec<_>>(), "after {kills} kills");
}
