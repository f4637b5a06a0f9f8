//! End-to-end tests of the `rewasm` binary: the CLI contract of `score` and
//! `inspect`, with the built-in plugins and the hostile fixture.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn rewasm() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rewasm"));
    c.env("REWASM_HOME", scratch("home"));
    c
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir()
        .join(format!("rewasm-cli-test-{}", std::process::id()))
        .join(name);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

fn run(cmd: &mut Command) -> (Output, String, String) {
    let out = cmd.output().expect("run rewasm");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (out, stdout, stderr)
}

fn lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("output line is JSON"))
        .collect()
}

#[test]
fn score_quickstart_follows_the_output_contract() {
    let ex = root().join("examples/quickstart");
    let (out, stdout, stderr) = run(rewasm()
        .arg("score")
        .arg("--rewards")
        .arg(ex.join("rewards.toml"))
        .arg("--input")
        .arg(ex.join("completions.jsonl")));
    assert!(out.status.success(), "{stderr}");
    let rows = lines(&stdout);
    assert_eq!(rows.len(), 12);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(
            row["id"],
            Value::from(i as u64),
            "ids keep their JSON type and order"
        );
        for name in ["accuracy", "format", "overlong"] {
            let r = &row["rewards"][name];
            assert!(
                r["value"].is_number() || r["error"]["kind"].is_string(),
                "row {i} {name}: {r}"
            );
        }
    }
    let acc = |i: usize| {
        rows[i]["rewards"]["accuracy"]["value"]
            .as_f64()
            .expect("accuracy value")
    };
    assert_eq!(acc(0), 1.0);
    assert_eq!(acc(2), 0.0, "16 is not 9");
    assert_eq!(acc(5), 1.0, "0.75 equals 3/4");
    assert_eq!(acc(9), 1.0, "#### 72");
    assert_eq!(acc(10), 0.0);
    // total = 1.0 * accuracy + 0.1 * format + 1.0 * overlong
    let t = rows[0]["total"].as_f64().expect("total");
    let f = rows[0]["rewards"]["format"]["value"]
        .as_f64()
        .expect("format");
    let o = rows[0]["rewards"]["overlong"]["value"]
        .as_f64()
        .expect("overlong");
    assert!((t - (acc(0) + 0.1 * f + o)).abs() < 1e-12);
    assert!(
        stderr.contains("scored 12 rows"),
        "summary on stderr: {stderr}"
    );
    assert!(stderr.contains("accuracy"), "{stderr}");
}

#[test]
fn output_file_is_written_and_summary_counts_errors() {
    let dir = scratch("outfile");
    let out_path = dir.join("out.jsonl");
    let ex = root().join("examples/quickstart");
    let (out, stdout, stderr) = run(rewasm()
        .args(["score", "--no-progress", "--rewards"])
        .arg(ex.join("rewards.toml"))
        .arg("--input")
        .arg(ex.join("completions.jsonl"))
        .arg("--output")
        .arg(&out_path));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.is_empty());
    let text = std::fs::read_to_string(&out_path).expect("output file");
    assert_eq!(text.lines().count(), 12);
}

#[test]
fn a_malformed_line_names_file_and_line_and_keep_going_scores_the_rest() {
    let dir = scratch("malformed");
    let input = dir.join("in.jsonl");
    std::fs::write(
        &input,
        "{\"id\": 1, \"completion\": \"\\\\boxed{2}\", \"reference\": \"2\"}\n\
         {\"id\": 2, \"completion\": \"\\\\boxed{3}\", \"reference\": \"2\"}\n\
         {\"id\": 3, \"completion\": oops}\n\
         {\"id\": 4, \"completion\": \"\\\\boxed{2}\", \"reference\": \"2\"}\n",
    )
    .expect("write input");
    let set = dir.join("set.toml");
    std::fs::write(
        &set,
        "[[reward]]\nname = \"acc\"\nplugin = \"math-accuracy\"\n",
    )
    .expect("write set");

    let (out, stdout, stderr) = run(rewasm()
        .arg("score")
        .arg("--rewards")
        .arg(&set)
        .arg("--input")
        .arg(&input));
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!("{}:3:", input.display())),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "nothing scored without --keep-going");

    let (out, stdout, stderr) = run(rewasm()
        .arg("score")
        .arg("--keep-going")
        .arg("--rewards")
        .arg(&set)
        .arg("--input")
        .arg(&input));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let rows = lines(&stdout);
    let ids: Vec<i64> = rows.iter().map(|r| r["id"].as_i64().expect("id")).collect();
    assert_eq!(ids, vec![1, 2, 4]);
    assert_eq!(rows[0]["rewards"]["acc"]["value"], Value::from(1.0));
    assert_eq!(rows[1]["rewards"]["acc"]["value"], Value::from(0.0));
}

#[test]
fn an_unknown_key_in_the_reward_set_is_named() {
    let dir = scratch("badtoml");
    let set = dir.join("set.toml");
    std::fs::write(
        &set,
        "[[reward]]\nname = \"acc\"\nplugin = \"math-accuracy\"\nwieght = 2\n",
    )
    .expect("write");
    let input = root().join("examples/quickstart/completions.jsonl");
    let (out, _, stderr) = run(rewasm()
        .arg("score")
        .arg("--rewards")
        .arg(&set)
        .arg("--input")
        .arg(&input));
    assert!(!out.status.success());
    assert!(
        stderr.contains("wieght") && stderr.contains("set.toml"),
        "{stderr}"
    );

    std::fs::write(&set, "[[reward]]\nname = \"acc\"\nplugin = \"math-accuracy\"\n[reward.config]\nnot_an_option = 1\n")
        .expect("write");
    let (out, _, stderr) = run(rewasm()
        .arg("score")
        .arg("--rewards")
        .arg(&set)
        .arg("--input")
        .arg(&input));
    assert!(!out.status.success());
    assert!(
        stderr.contains("not_an_option"),
        "the plugin's configure() names the key: {stderr}"
    );
}

#[test]
fn hostile_plugin_failures_are_typed_errors_in_the_output() {
    let dir = scratch("hostile");
    let wasm = dir.join("hostile.wasm");
    std::fs::write(&wasm, rewasm_tests::hostile_component()).expect("write component");
    let set = dir.join("set.toml");
    std::fs::write(
        &set,
        "[[reward]]\nname = \"h\"\nplugin = \"hostile.wasm\"\n[reward.limits]\ntimeout_ms = 50\nmemory_mb = 32\n",
    )
    .expect("write set");
    // One `rewasm score` per row: three failed calls in a row quarantine a
    // reward, and calls run in parallel, so in one run which failures come
    // first (and which later row is skipped) would depend on timing.
    let score = |i: usize, op: &str| {
        let input = dir.join(format!("in-{i}.jsonl"));
        std::fs::write(
            &input,
            format!("{{\"id\": {i}, \"completion\": \"{op}\"}}\n"),
        )
        .expect("write input");
        let (out, stdout, stderr) = run(rewasm()
            .arg("score")
            .arg("--rewards")
            .arg(&set)
            .arg("--input")
            .arg(&input));
        assert!(out.status.success(), "{op}: {stderr}");
        let rows = lines(&stdout);
        assert_eq!(rows.len(), 1, "{op}: {stdout}");
        (rows[0].clone(), stderr)
    };
    let expected = [
        ("Loop", "timeout"),
        ("Trap", "trap"),
        ("Memory", "out-of-memory"),
        ("NaN", "invalid-output"),
        ("Wrong", "invalid-output"),
        ("Judge", "trap"),
        ("Huge", "invalid-output"),
    ];
    for (i, (op, kind)) in expected.iter().enumerate() {
        let (row, stderr) = score(i, op);
        assert_eq!(
            row["rewards"]["h"]["error"]["kind"].as_str(),
            Some(*kind),
            "{op}: {row}"
        );
        assert_eq!(
            row["total"],
            Value::Null,
            "a failed weighted reward has no total: {row}"
        );
        if *op == "Loop" {
            assert!(stderr.contains("timeout=1"), "{stderr}");
        }
    }
    let (row, _) = score(7, "ok");
    assert_eq!(row["rewards"]["h"]["value"], Value::from(1.0));
}

#[test]
fn inspect_shows_name_version_wit_and_schema() {
    let (out, stdout, stderr) = run(rewasm().args(["inspect", "math-accuracy"]));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("name:          math-accuracy"), "{stdout}");
    assert!(stdout.contains("rewasm:reward@0.1.0"), "{stdout}");
    assert!(
        stdout.contains("exports:       rewasm:reward/reward@0.1.0"),
        "{stdout}"
    );

    let (out, stdout, _) = run(rewasm().args(["inspect", "--json", "iou"]));
    assert!(out.status.success());
    let v: Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(v["name"], "iou");
    assert_eq!(v["wit_version"], "0.1.0");
    assert!(v["config_schema"].is_object());
    assert_eq!(v["sha256"].as_str().map(str::len), Some(64));

    let (out, _, stderr) = run(rewasm().args(["inspect", "no-such-plugin"]));
    assert!(!out.status.success());
    assert!(
        stderr.contains("unknown plugin `no-such-plugin`") && stderr.contains("math-accuracy"),
        "{stderr}"
    );
}
