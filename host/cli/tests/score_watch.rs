//! `rewasm score --watch` on a stream: a module changed while rows flow is
//! picked up between batches, every output row names the digest that scored
//! it, and its scores are that module's.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn digest(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn row(i: usize) -> String {
    let completions = [
        "<think>a b</think><answer>4</answer>",
        "no tags at all",
        "<think>c</think>\n<answer>5</answer>",
        "",
    ];
    serde_json::json!({
        "id": i,
        "completion": completions[i % completions.len()],
        "completion_tokens": (i % 7) * 5 + 1,
    })
    .to_string()
}

/// The value each module gives each row kind, from a plain `rewasm score`.
fn reference(dir: &Path, module: &[u8]) -> Vec<f64> {
    std::fs::write(dir.join("ref.wasm"), module).expect("test setup");
    std::fs::write(
        dir.join("ref.toml"),
        "[[reward]]\nname = \"r\"\nplugin = \"ref.wasm\"\n",
    )
    .expect("test setup");
    let input: String = (0..28).map(|i| row(i) + "\n").collect();
    std::fs::write(dir.join("ref.jsonl"), input).expect("test setup");
    let o = Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .args(["score", "--no-progress", "--rewards"])
        .arg(dir.join("ref.toml"))
        .arg("--input")
        .arg(dir.join("ref.jsonl"))
        .output()
        .expect("test setup");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("test setup")["rewards"]["r"]["value"]
                .as_f64()
                .expect("test setup")
        })
        .collect()
}

#[test]
fn a_watched_stream_switches_modules_between_batches() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("score-watch");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let dist = repo().join("plugins/dist");
    let a = std::fs::read(dist.join("format.wasm")).unwrap();
    let b = std::fs::read(dist.join("length-bonus.wasm")).unwrap();
    let want: HashMap<String, Vec<f64>> = HashMap::from([
        (digest(&a), reference(&dir, &a)),
        (digest(&b), reference(&dir, &b)),
    ]);
    assert_ne!(want[&digest(&a)], want[&digest(&b)]);

    std::fs::write(dir.join("r.wasm"), &a).unwrap();
    std::fs::write(
        dir.join("set.toml"),
        "[[reward]]\nname = \"r\"\nplugin = \"r.wasm\"\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .args([
            "score",
            "--watch",
            "--no-progress",
            "--input",
            "-",
            "--rewards",
        ])
        .arg(dir.join("set.toml"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut next = 0usize;
    let mut send = |stdin: &mut std::process::ChildStdin, n: usize| {
        for _ in 0..n {
            writeln!(stdin, "{}", row(next)).unwrap();
            next += 1;
        }
        stdin.flush().unwrap();
    };
    let mut outputs: Vec<Value> = Vec::new();
    let read = |stdout: &mut BufReader<_>, n: usize, outputs: &mut Vec<Value>| {
        for _ in 0..n {
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            outputs.push(serde_json::from_str(&line).expect("output row"));
        }
    };
    send(&mut stdin, 10);
    read(&mut stdout, 10, &mut outputs);
    assert!(outputs
        .iter()
        .all(|o| o["reward_sha256"]["r"] == digest(&a)));

    // Change the module; keep the rows flowing until the new one serves.
    std::fs::write(dir.join("r.wasm"), &b).unwrap();
    let t = Instant::now();
    while outputs.last().unwrap()["reward_sha256"]["r"] != digest(&b) {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "the new module never served"
        );
        send(&mut stdin, 2);
        read(&mut stdout, 2, &mut outputs);
        std::thread::sleep(Duration::from_millis(20));
    }
    send(&mut stdin, 5);
    read(&mut stdout, 5, &mut outputs);
    drop(stdin);
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(status.success(), "{err}");
    assert!(err.contains("rewards v1 serving after"), "{err}");

    // Every row: its id in order, scored by the module it names.
    let mut switched = false;
    for (i, o) in outputs.iter().enumerate() {
        assert_eq!(o["id"], i);
        let d = o["reward_sha256"]["r"].as_str().unwrap();
        let value = o["rewards"]["r"]["value"].as_f64().unwrap();
        assert_eq!(value, want[d][i % 28], "row {i} under {d}");
        if d == digest(&b) {
            switched = true;
        } else {
            assert!(
                !switched,
                "row {i}: the old module served after the new one"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
