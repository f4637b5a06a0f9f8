//! The judge capability end to end: the `consistency` reward in Perception-R1
//! mode asks the judge of its reward set, with the `rules` backend and with
//! the `http` backend against a live `rewasm serve-judge` on loopback
//! (SmolLM2-135M-Instruct; with REWASM_TEST_PULL=1, as scripts/test.sh
//! sets). Also: the server's OpenAI-compatible API, the answer cache (a
//! second run with the server gone is answered from disk), and an outage
//! (the server killed mid-run: per-sample errors after the retries, the run
//! goes on).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir()
        .join(format!("rewasm-judge-test-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// The test home shared with the other model tests (pulled models stay).
fn model_home() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-rewasm-home")
}

fn rewasm(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rewasm"));
    c.env("REWASM_HOME", home).env("OMP_NUM_THREADS", "1");
    c
}

fn run(cmd: &mut Command) -> (Output, String, String) {
    let out = cmd.output().expect("run rewasm");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (out, stdout, stderr)
}

fn rows(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("output line is JSON"))
        .collect()
}

/// Rows with Perception-R1 annotations: `facts` are in the metadata; the
/// completion mentions `seen` of them word for word.
fn write_rows(path: &Path, n: usize) {
    let facts = [
        "a red circle",
        "two blue squares",
        "the green triangle is left of the star",
        "a yellow star",
    ];
    let mut text = String::new();
    for i in 0..n {
        let seen = i % (facts.len() + 1);
        let annotations: String = facts
            .iter()
            .enumerate()
            .map(|(k, f)| format!("<info{}>{f}</info{}>", k + 1, k + 1))
            .collect();
        let described: Vec<&str> = facts[..seen].to_vec();
        let completion = format!(
            "<think>I look at the picture. I see {}.</think><answer>B</answer>",
            if described.is_empty() {
                "nothing in particular".to_string()
            } else {
                described.join(" and ")
            }
        );
        text.push_str(
            &json!({
                "id": i,
                "prompt": "Which option describes the image?",
                "completion": completion,
                "reference": "B",
                "metadata": {"annotations": annotations},
            })
            .to_string(),
        );
        text.push('\n');
    }
    std::fs::write(path, text).expect("write rows");
}

fn write_set(dir: &Path, judge: &str) -> PathBuf {
    let path = dir.join("rewards.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[judge]
{judge}

[[reward]]
name = "perception"
plugin = "consistency"
capabilities = ["judge"]
limits = {{ timeout_ms = 60000 }}
[reward.config]
mode = "perception"
max_tokens = 24

[[reward]]
name = "format"
plugin = "format"
"#
        ),
    )
    .expect("write set");
    path
}

fn score(home: &Path, set: &Path, input: &Path) -> (Output, Vec<Value>, String) {
    let (out, stdout, stderr) = run(rewasm(home)
        .args(["score", "--no-progress", "--rewards"])
        .arg(set)
        .arg("--input")
        .arg(input));
    (out, rows(&stdout), stderr)
}

#[test]
fn perception_reward_with_the_rules_judge() {
    let dir = scratch("rules");
    let input = dir.join("rows.jsonl");
    write_rows(&input, 10);
    let set = write_set(&dir, "backend = \"rules\"");
    let (out, rows, stderr) = score(&dir.join("home"), &set, &input);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(rows.len(), 10);
    for (i, row) in rows.iter().enumerate() {
        // The rules judge finds a fact when all its words are in the
        // response: the first `i % 5` facts of 4.
        let expected = (i % 5) as f64 / 4.0;
        let got = &row["rewards"]["perception"];
        assert_eq!(got["value"].as_f64(), Some(expected), "row {i}: {row}");
        assert!(row["rewards"]["format"]["value"].is_number(), "{row}");
    }
    assert!(
        stderr.contains("judge (rules): 10 request(s), 0 answered from the cache, 0 error(s)"),
        "{stderr}"
    );
}

#[test]
fn a_judge_grant_without_a_judge_table_is_refused_at_load() {
    let dir = scratch("no-table");
    let input = dir.join("rows.jsonl");
    write_rows(&input, 1);
    let set = write_set(&dir, "");
    let text = std::fs::read_to_string(&set)
        .expect("read")
        .replace("[judge]\n", "");
    std::fs::write(&set, text).expect("write");
    let (out, _, stderr) = score(&dir.join("home"), &set, &input);
    assert!(!out.status.success());
    assert!(
        stderr.contains("perception") && stderr.contains("[judge]"),
        "{stderr}"
    );
}

#[test]
fn a_bad_judge_table_names_the_key() {
    let dir = scratch("bad-table");
    let input = dir.join("rows.jsonl");
    write_rows(&input, 1);
    let set = write_set(&dir, "backend = \"http\"\nmodel = \"m\"");
    let (out, _, stderr) = score(&dir.join("home"), &set, &input);
    assert!(!out.status.success());
    assert!(
        stderr.contains("[judge]") && stderr.contains("base_url"),
        "{stderr}"
    );
}

/// A running `rewasm serve-judge`, killed when dropped.
struct Server {
    child: Child,
    base_url: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(model: &str) -> Server {
        let mut child = rewasm(&model_home())
            .args(["serve-judge", "--port", "0", "--model", model])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start serve-judge");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("stderr");
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().expect("log").push(line);
            }
        });
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("read the address line");
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| {
                panic!(
                    "no address in {first:?}; log: {:?}",
                    log.lock().expect("log")
                )
            })
            .to_string();
        Server {
            child,
            base_url: url,
            log,
        }
    }

    /// Completions answered so far (from the server's log).
    fn answered(&self) -> usize {
        self.log
            .lock()
            .expect("log")
            .iter()
            .filter(|l| l.contains("POST /v1/chat/completions #") && l.contains("-> 200"))
            .count()
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One HTTP request with a raw socket: (status, JSON body).
fn http(base_url: &str, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    let hostport = base_url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("host:port");
    let mut s = TcpStream::connect(hostport).expect("connect");
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut reply = String::new();
    s.read_to_string(&mut reply).expect("read");
    let status: u16 = reply
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status code");
    let json_body = reply.split("\r\n\r\n").nth(1).unwrap_or("null");
    (status, serde_json::from_str(json_body).expect("JSON body"))
}

fn pulled() -> bool {
    if std::env::var("REWASM_TEST_PULL").as_deref() != Ok("1") {
        eprintln!("skipped: set REWASM_TEST_PULL=1 to pull SmolLM2-135M-Instruct and serve it");
        return false;
    }
    let (out, _, stderr) = run(rewasm(&model_home()).args([
        "model",
        "pull",
        "smollm2-135m-instruct",
        "--no-progress",
    ]));
    assert!(out.status.success(), "pull failed: {stderr}");
    true
}

const MODEL: &str = "smollm2-135m-instruct";

#[test]
fn serve_judge_speaks_openai_chat_completions() {
    if !pulled() {
        return;
    }
    let server = Server::start(MODEL);
    let prompt = "What is the capital of France?";
    let (status, reply) = http(
        &server.base_url,
        "POST",
        "/v1/chat/completions",
        Some(
            &json!({"model": MODEL, "messages": [{"role": "user", "content": prompt}],
                    "max_tokens": 12, "temperature": 0})
            .to_string(),
        ),
    );
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["object"], "chat.completion");
    assert_eq!(reply["choices"][0]["message"]["role"], "assistant");
    let content = reply["choices"][0]["message"]["content"]
        .as_str()
        .expect("content");
    let usage = &reply["usage"];
    assert!(usage["completion_tokens"].as_u64().expect("n") <= 12);
    assert_eq!(
        usage["total_tokens"].as_u64(),
        Some(
            usage["prompt_tokens"].as_u64().expect("p")
                + usage["completion_tokens"].as_u64().expect("c")
        )
    );
    // Greedy: the same text `rewasm generate` prints for the same chat.
    let (out, stdout, stderr) = run(rewasm(&model_home()).args([
        "generate",
        "--model",
        MODEL,
        "--chat",
        "--greedy",
        "--max-new-tokens",
        "12",
        "--prompt",
        prompt,
    ]));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout.trim_end_matches('\n'), content);

    let (status, models) = http(&server.base_url, "GET", "/v1/models", None);
    assert_eq!(status, 200);
    assert_eq!(models["data"][0]["id"], MODEL);
    let (status, err) = http(
        &server.base_url,
        "POST",
        "/v1/chat/completions",
        Some(r#"{"model": "gpt-9", "messages": [{"role": "user", "content": "x"}]}"#),
    );
    assert_eq!(status, 404);
    assert!(err["error"]["message"]
        .as_str()
        .expect("message")
        .contains("gpt-9"));
    let (status, err) = http(
        &server.base_url,
        "POST",
        "/v1/chat/completions",
        Some("{not json"),
    );
    assert_eq!(status, 400, "{err}");
    let (status, _) = http(
        &server.base_url,
        "POST",
        "/v1/chat/completions",
        Some(r#"{"messages": []}"#),
    );
    assert_eq!(status, 400);
    let (status, _) = http(&server.base_url, "GET", "/v1/chat/completions", None);
    assert_eq!(status, 405);
    let (status, _) = http(&server.base_url, "GET", "/nowhere", None);
    assert_eq!(status, 404);
}

/// Against the live server: every sample gets a score in [0, 1] or a typed
/// error (a 135M judge does not always answer in the asked format); a
/// second run with the server gone is answered from the cache, the same;
/// then the server is killed during a run: the samples after it get errors
/// that name the refused connection and the attempts, and the run goes on.
#[test]
fn perception_reward_against_a_live_judge_with_cache_and_outage() {
    if !pulled() {
        return;
    }
    let dir = scratch("live");
    let home = dir.join("home");
    let input = dir.join("rows.jsonl");
    write_rows(&input, 5);
    let mut server = Server::start(MODEL);
    let judge = format!(
        "backend = \"http\"\nbase_url = \"{}\"\nmodel = \"{MODEL}\"\nconcurrency = 2\nretries = 1\nbackoff_ms = 50\ncache_dir = \"cache\"",
        server.base_url
    );
    let set = write_set(&dir, &judge);
    let (out, first, stderr) = score(&home, &set, &input);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(first.len(), 5);
    for row in &first {
        let p = &row["rewards"]["perception"];
        if let Some(v) = p["value"].as_f64() {
            assert!((0.0..=1.0).contains(&v), "{row}");
        } else {
            // The plugin's own error (a reply without the verdicts).
            assert_eq!(p["error"]["kind"], "guest", "{row}");
            let message = p["error"]["message"].as_str().expect("message");
            assert!(message.contains("verdict"), "{row}");
        }
    }
    assert_eq!(
        server.answered(),
        5,
        "{:?}",
        server.log.lock().expect("log")
    );
    assert!(
        stderr.contains("5 request(s), 0 answered from the cache"),
        "{stderr}"
    );

    // The cache: the server is gone, the answers are not.
    server.kill();
    let (out, again, stderr) = score(&home, &set, &input);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(again, first);
    assert!(
        stderr.contains("5 request(s), 5 answered from the cache, 0 error(s)"),
        "{stderr}"
    );

    // An outage mid-run: a fresh cache, one request at a time, the server
    // killed once it has answered two.
    let outage_input = dir.join("outage.jsonl");
    write_rows(&outage_input, 8);
    let mut server = Server::start(MODEL);
    let judge = format!(
        "backend = \"http\"\nbase_url = \"{}\"\nmodel = \"{MODEL}\"\nconcurrency = 1\nretries = 1\nbackoff_ms = 50\ncache_dir = \"cache-outage\"",
        server.base_url
    );
    let set = write_set(&dir, &judge);
    let child = rewasm(&home)
        .args(["score", "--no-progress", "--rewards"])
        .arg(&set)
        .arg("--input")
        .arg(&outage_input)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start score");
    let start = Instant::now();
    while server.answered() < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "the server answered {} in 300 s",
            server.answered()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill();
    let out = child.wait_with_output().expect("score finishes");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the run goes on: {stderr}");
    let rows = rows(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(rows.len(), 8);
    let refused: Vec<&Value> = rows
        .iter()
        .filter(|r| {
            r["rewards"]["perception"]["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("connection refused") && m.contains("after 2 attempts"))
        })
        .collect();
    assert!(!refused.is_empty(), "no sample saw the outage: {rows:?}");
    for r in &rows {
        assert!(r["rewards"]["format"]["value"].is_number(), "{r}");
    }
}

/// examples/perception-r1 with its judge switched to `rules`: the totals
/// its README lists.
#[test]
fn the_perception_r1_example_scores_as_its_readme_says() {
    let ex = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/perception-r1");
    let dir = scratch("perception-r1");
    let text = std::fs::read_to_string(ex.join("rewards.toml")).expect("read the set");
    // Everything from `[judge]` up to the first reward becomes a rules judge.
    let start = text.find("[judge]").expect("a [judge] table");
    let end = text.find("[[reward]]").expect("rewards");
    let end = text[..end]
        .rfind("\n#")
        .filter(|&i| i > start)
        .unwrap_or(end);
    let set = dir.join("rewards.toml");
    std::fs::write(
        &set,
        format!(
            "{}[judge]\nbackend = \"rules\"\n{}",
            &text[..start],
            &text[end..]
        ),
    )
    .expect("write the set");
    let (out, rows, stderr) = score(&dir.join("home"), &set, &ex.join("data.jsonl"));
    assert!(out.status.success(), "{stderr}");
    let totals: Vec<f64> = rows
        .iter()
        .map(|r| {
            r["total"]
                .as_f64()
                .unwrap_or_else(|| panic!("no total: {r}"))
        })
        .collect();
    let expected = [1.7, 0.567, 0.9, 1.7, 0.365, 1.0];
    assert_eq!(totals.len(), expected.len());
    for (got, want) in totals.iter().zip(expected) {
        assert!(
            (got - want).abs() < 5e-4,
            "totals {totals:?}, README {expected:?}"
        );
    }
}

/// The `local` backend: the model runs inside `rewasm score`; its answers
/// are cached like the `http` backend's.
#[test]
fn perception_reward_with_a_local_judge() {
    if !pulled() {
        return;
    }
    let dir = scratch("local");
    let input = dir.join("rows.jsonl");
    write_rows(&input, 2);
    let set = write_set(
        &dir,
        &format!("backend = \"local\"\nmodel = \"{MODEL}\"\ncache_dir = \"cache\""),
    );
    // The model is found under the shared test home; the cache is the set's.
    let (out, first, stderr) = score(&model_home(), &set, &input);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(first.len(), 2);
    for row in &first {
        let p = &row["rewards"]["perception"];
        assert!(
            p["value"]
                .as_f64()
                .is_some_and(|v| (0.0..=1.0).contains(&v))
                || p["error"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("verdict")),
            "{row}"
        );
    }
    assert!(
        stderr.contains(&format!(
            "judge (local {MODEL}): 2 request(s), 0 answered from the cache, 0 error(s)"
        )),
        "{stderr}"
    );
    let (out, again, stderr) = score(&model_home(), &set, &input);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(again, first);
    assert!(stderr.contains("2 answered from the cache"), "{stderr}");
}
