//! Hot swap in a real `rewasm train` process: `rewasm reward swap --run`
//! changes a reward at a step boundary, the metrics name the new digest
//! from the next step on with no lost or repeated step, the checkpoint
//! keeps it and a resumed run serves it again; `--locked` refuses drift.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("swap-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("test setup");
    d
}

fn rewasm() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rewasm"));
    c.env("OMP_NUM_THREADS", "1");
    c
}

fn digest(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(
        std::fs::read(path).expect("test setup"),
    ))
}

/// A copy of examples/tiny.toml in `dir` with a second, weight-0 reward
/// `shape` served from `shape.wasm` (the format plugin).
fn setup(dir: &Path, max_steps: u64) -> PathBuf {
    let dist = repo().join("plugins/dist");
    std::fs::copy(dist.join("format.wasm"), dir.join("shape.wasm")).expect("test setup");
    std::fs::copy(dist.join("length-bonus.wasm"), dir.join("length.wasm")).expect("test setup");
    std::fs::write(
        dir.join("rewards.toml"),
        "[[reward]]\nname = \"accuracy\"\nplugin = \"math-accuracy\"\n\
         [reward.config]\nextractors = [\"last_number\"]\n\n\
         [[reward]]\nname = \"shape\"\nplugin = \"shape.wasm\"\nweight = 0.0\n",
    )
    .expect("test setup");
    let tiny = std::fs::read_to_string(repo().join("examples/tiny.toml")).expect("test setup");
    let data = repo().join("examples/tiny/data.jsonl");
    let mut run = String::new();
    for line in tiny.lines() {
        let key = line.split('=').next().unwrap_or("").trim();
        match key {
            "rewards" => run.push_str("rewards = \"rewards.toml\"\n"),
            "dataset" => run.push_str(&format!("dataset = {:?}\n", data.display().to_string())),
            "output_dir" => run.push_str("output_dir = \"out\"\n"),
            "max_steps" => run.push_str(&format!("max_steps = {max_steps}\n")),
            "save_steps" => run.push_str("save_steps = 20\n"),
            "logging_steps" => run.push_str("logging_steps = 1\n"),
            _ => {
                run.push_str(line);
                run.push('\n');
            }
        }
    }
    let path = dir.join("run.toml");
    std::fs::write(&path, run).expect("test setup");
    path
}

fn steps(out: &Path) -> Vec<Value> {
    std::fs::read_to_string(out.join("metrics.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json row"))
        .filter(|r| r.get("event").is_none())
        .collect()
}

#[test]
fn a_reward_swapped_mid_run_serves_from_the_next_step_and_survives_resume() {
    let dir = scratch("run");
    let run = setup(&dir, 60);
    let out = dir.join("out");
    let (format, length) = (
        digest(&dir.join("shape.wasm")),
        digest(&dir.join("length.wasm")),
    );
    let mut child = rewasm()
        .args(["train", "--no-progress", "--config"])
        .arg(&run)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rewasm train");

    let t = Instant::now();
    while steps(&out).len() < 3 {
        assert!(
            t.elapsed() < Duration::from_secs(300),
            "the run made no progress"
        );
        assert!(child.try_wait().unwrap().is_none(), "the run ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    let swap = rewasm()
        .args(["reward", "swap", "--run"])
        .arg(&out)
        .arg("shape")
        .arg(dir.join("length.wasm"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&swap.stdout).to_string();
    assert!(
        swap.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&swap.stderr)
    );
    // "swapped `shape` to sha256:...: serving from step K (rewards v1); ..."
    let from: u64 = said
        .split("serving from step ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|k| k.parse().ok())
        .unwrap_or_else(|| panic!("no step in: {said}"));
    assert!(said.contains(&length), "{said}");

    // A swap to something that is not a component is refused at once.
    std::fs::write(dir.join("broken.wasm"), b"\0asm garbage").unwrap();
    let refused = rewasm()
        .args(["reward", "swap", "--run"])
        .arg(&out)
        .arg("shape")
        .arg(dir.join("broken.wasm"))
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("old module keeps serving"), "{why}");

    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(status.success(), "{err}");
    assert!(err.contains("rewards v1 serving after"), "{err}");
    assert!(
        err.contains("swap of `shape`"),
        "the refusal is shown: {err}"
    );

    let rows = steps(&out);
    let numbers: Vec<u64> = rows.iter().map(|r| r["step"].as_u64().unwrap()).collect();
    assert_eq!(
        numbers,
        (1..=60).collect::<Vec<_>>(),
        "no lost or repeated step"
    );
    assert!(from > 3 && from <= 60, "{from}");
    for r in &rows {
        let step = r["step"].as_u64().unwrap();
        let want = if step < from { &format } else { &length };
        assert_eq!(r["reward_sha256"]["shape"], want.as_str(), "step {step}");
        assert!(r["reward_sha256"]["accuracy"].is_string());
    }
    assert!(
        !out.join("control/live.json").exists(),
        "the marker goes with the run"
    );
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("checkpoints/step-00000060/trainer_state.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(state["reward_sha256"]["shape"], length.as_str());

    // Resume: the set file still names the format plugin, and its file is
    // gone; the checkpoint's module serves from the run's own store.
    std::fs::remove_file(dir.join("length.wasm")).unwrap();
    let o = rewasm()
        .args([
            "train",
            "--no-progress",
            "--resume",
            "--max-steps",
            "62",
            "--config",
        ])
        .arg(&run)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("changed since the checkpoint"), "{err}");
    let rows = steps(&out);
    assert_eq!(rows.len(), 62);
    for r in &rows[60..] {
        assert_eq!(r["reward_sha256"]["shape"], length.as_str());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn locked_runs_refuse_drift_and_swap_needs_a_live_run() {
    let dir = scratch("locked");
    let run = setup(&dir, 2);
    // No lock yet: --locked says how to make one.
    let o = rewasm()
        .args(["train", "--no-progress", "--locked", "--config"])
        .arg(&run)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("rewasm lock"), "{err}");

    let o = rewasm()
        .arg("lock")
        .arg(dir.join("rewards.toml"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lock = std::fs::read_to_string(dir.join("rewards.lock")).unwrap();
    let format = digest(&dir.join("shape.wasm"));
    assert!(
        lock.contains(&format) && lock.contains("name = \"shape\""),
        "{lock}"
    );

    // Drift: the module file changes after locking.
    std::fs::copy(dir.join("length.wasm"), dir.join("shape.wasm")).unwrap();
    let o = rewasm()
        .args(["train", "--no-progress", "--locked", "--config"])
        .arg(&run)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    let length = digest(&dir.join("length.wasm"));
    assert!(
        err.contains("`shape`") && err.contains(&format) && err.contains(&length),
        "names the reward, the expected and the found digest: {err}"
    );

    // Swapping into a run that is not running is a clear error.
    let o = rewasm()
        .args(["reward", "swap", "--run"])
        .arg(dir.join("out"))
        .args(["shape", "format"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("no run is serving"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
