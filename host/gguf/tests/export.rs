//! Exporting the real SmolLM2 GGUF as a Hugging Face folder (needs `REWASM_GGUF_SMOLLM2`).

use std::fs;
use std::io::Read;
use std::path::PathBuf;

use rewasm_gguf::export_hf_folder;
use serde_json::Value as Json;

fn smollm2() -> Option<PathBuf> {
    let Some(path) = std::env::var_os("REWASM_GGUF_SMOLLM2") else {
        println!("skipped: set REWASM_GGUF_SMOLLM2 to SmolLM2-135M-Instruct.Q4_1.gguf");
        return None;
    };
    Some(path.into())
}

fn read_json(path: PathBuf) -> Json {
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn smollm2_exports_as_a_hugging_face_folder() {
    let Some(gguf) = smollm2() else { return };
    let dir = std::env::temp_dir().join(format!("rewasm-gguf-smollm2-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("scratch");
    let out = dir.join("SmolLM2-135M-Instruct");
    let mut last = (0, 0);
    let summary = export_hf_folder(&gguf, &out, false, &mut |d, t| last = (d, t)).expect("exports");
    // 30 layers x 9 tensors, embeddings, final norm; the LM head is tied.
    assert_eq!(summary.tensors, 272);
    assert_eq!(last, (272, 272));

    let mut files: Vec<String> = fs::read_dir(&out)
        .expect("lists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "config.json",
            "generation_config.json",
            "model.safetensors",
            "tokenizer.json",
            "tokenizer_config.json"
        ]
    );

    let cfg = read_json(out.join("config.json"));
    assert_eq!(cfg["num_hidden_layers"], 30);
    assert_eq!(cfg["hidden_size"], 576);
    assert_eq!(cfg["num_attention_heads"], 9);
    assert_eq!(cfg["num_key_value_heads"], 3);
    assert_eq!(cfg["rope_theta"], 100_000.0);
    assert_eq!(cfg["tie_word_embeddings"], true);
    assert_eq!(cfg["vocab_size"], 49152);
    let generation = read_json(out.join("generation_config.json"));
    assert_eq!(generation["bos_token_id"], 1);
    assert_eq!(generation["eos_token_id"], 2);

    let path = out.join("model.safetensors");
    let size = fs::metadata(&path).expect("stat").len();
    assert_eq!(size, summary.safetensors_bytes);
    let mut f = fs::File::open(&path).expect("opens");
    let mut len = [0u8; 8];
    f.read_exact(&mut len).expect("length");
    let n = u64::from_le_bytes(len);
    let mut header = vec![0u8; n as usize];
    f.read_exact(&mut header).expect("header");
    let header: Json = serde_json::from_slice(&header).expect("json");
    let tensors = header.as_object().expect("object");
    assert_eq!(tensors.len(), 273, "272 tensors and __metadata__");
    let shape = |name: &str| tensors[name]["shape"].clone();
    assert_eq!(
        shape("model.embed_tokens.weight"),
        serde_json::json!([49152, 576])
    );
    assert_eq!(
        shape("model.layers.0.self_attn.q_proj.weight"),
        serde_json::json!([576, 576])
    );
    assert_eq!(
        shape("model.layers.29.self_attn.k_proj.weight"),
        serde_json::json!([192, 576])
    );
    assert_eq!(
        shape("model.layers.7.mlp.down_proj.weight"),
        serde_json::json!([576, 1536])
    );
    assert_eq!(shape("model.norm.weight"), serde_json::json!([576]));
    let params: u64 = tensors
        .values()
        .filter_map(|t| t["shape"].as_array())
        .map(|s| s.iter().map(|d| d.as_u64().expect("dim")).product::<u64>())
        .sum();
    assert_eq!(size, 8 + n + params * 4);
    println!(
        "{} tensors, {params} parameters, {size} bytes",
        summary.tensors
    );
    let _ = fs::remove_dir_all(&dir);
}
