//! Dequantization checked against values computed by the `gguf` Python package
//! (`tests/reference/make_reference.py`, which also documents how to regenerate the JSON).

use rewasm_gguf::{dequantize, hf_config, hf_tensor, GgmlType, GgufFile, ModelParams};
use serde_json::Value as Json;

const REL_TOL: f64 = 1e-6;

fn load(name: &str) -> Json {
    let path = format!("{}/tests/reference/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn ggml_type(name: &str) -> GgmlType {
    (0..64)
        .filter_map(GgmlType::from_id)
        .find(|t| t.name() == name)
        .unwrap_or_else(|| panic!("unknown type {name}"))
}

/// Relative error with a floor, so that values that cancel to ~0 are compared absolutely
/// against the scale of the tensor.
fn rel_err(got: f64, want: f64, scale: f64) -> f64 {
    (got - want).abs() / want.abs().max(scale)
}

#[test]
fn synthetic_blocks_match_the_python_reference() {
    let reference = load("synthetic_blocks.json");
    let cases = reference["cases"].as_array().expect("cases");
    assert!(cases.len() >= 10);
    for case in cases {
        let ty = ggml_type(case["type"].as_str().expect("type"));
        let got = dequantize(ty, &hex(case["hex"].as_str().expect("hex"))).expect("supported");
        let want: Vec<f64> = case["values"]
            .as_array()
            .expect("values")
            .iter()
            .map(|v| v.as_f64().expect("number"))
            .collect();
        assert_eq!(got.len(), want.len(), "{ty}");
        let mut max = 0.0f64;
        for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
            let err = rel_err(g.into(), w, 1e-6);
            assert!(err <= REL_TOL, "{ty} element {i}: got {g}, want {w}");
            max = max.max(err);
        }
        println!("{ty}: {} values, max relative error {max:e}", got.len());
    }
}

/// Needs the real file; the project's setup points `REWASM_GGUF_SMOLLM2` at it.
fn smollm2() -> Option<GgufFile> {
    let Some(path) = std::env::var_os("REWASM_GGUF_SMOLLM2") else {
        println!("skipped: set REWASM_GGUF_SMOLLM2 to SmolLM2-135M-Instruct.Q4_1.gguf");
        return None;
    };
    Some(GgufFile::open(&path).expect("opens"))
}

#[test]
fn smollm2_tensors_match_the_python_reference() {
    let Some(file) = smollm2() else { return };
    let reference = load("smollm2_q4_1.json");
    for t in reference["tensors"].as_array().expect("tensors") {
        let name = t["name"].as_str().expect("name");
        let info = file.tensor(name).expect("tensor present");
        assert_eq!(info.ty.name(), t["type"].as_str().expect("type"), "{name}");
        let dims: Vec<u64> = t["dims"]
            .as_array()
            .expect("dims")
            .iter()
            .map(|d| d.as_u64().expect("dim"))
            .collect();
        assert_eq!(info.dims, dims, "{name}");
        let x = file.dequantize(name).expect("dequantizes");
        let mut reversed = dims.clone();
        reversed.reverse();
        assert_eq!(
            x.shape,
            reversed.iter().map(|&d| d as usize).collect::<Vec<_>>()
        );
        let abs_sum: f64 = x.data.iter().map(|v| f64::from(v.abs())).sum();
        let want_sum = t["abs_sum"].as_f64().expect("abs_sum");
        assert!(
            rel_err(abs_sum, want_sum, 0.0) <= REL_TOL,
            "{name}: sum |x| {abs_sum} vs {want_sum}"
        );
        let mut max = 0.0f64;
        let indices = t["indices"].as_array().expect("indices");
        let values = t["values"].as_array().expect("values");
        for (i, v) in indices.iter().zip(values) {
            let i = i.as_u64().expect("index") as usize;
            let (g, w) = (f64::from(x.data[i]), v.as_f64().expect("value"));
            let err = rel_err(g, w, 1e-6);
            assert!(err <= REL_TOL, "{name}[{i}]: got {g}, want {w}");
            max = max.max(err);
        }
        println!(
            "{name} ({}): {} values + sum, max relative error {max:e}",
            info.ty,
            indices.len()
        );
    }
}

#[test]
fn smollm2_config_and_names() {
    let Some(file) = smollm2() else { return };
    let cfg = hf_config(&file).expect("config");
    assert_eq!(cfg["model_type"], "llama");
    assert_eq!(cfg["num_hidden_layers"], 30);
    assert_eq!(cfg["hidden_size"], 576);
    assert_eq!(cfg["num_attention_heads"], 9);
    assert_eq!(cfg["num_key_value_heads"], 3);
    assert_eq!(cfg["intermediate_size"], 1536);
    assert_eq!(cfg["vocab_size"], 49152);
    assert_eq!(cfg["rope_theta"], 100_000.0);
    assert_eq!(cfg["tie_word_embeddings"], true);

    let params = ModelParams::from_gguf(&file).expect("params");
    let mut mapped = 0;
    for info in &file.tensors {
        assert!(
            rewasm_gguf::hf_name(&info.name).is_some(),
            "{} has no mapping",
            info.name
        );
        mapped += 1;
    }
    assert_eq!(mapped, 272);
    let k = file.tensor("blk.0.attn_k.weight").expect("k").clone();
    let (name, t) = hf_tensor(&file, &params, &k).expect("ok").expect("mapped");
    assert_eq!(name, "model.layers.0.self_attn.k_proj.weight");
    assert_eq!(t.shape, vec![192, 576]);
    // Row 1 of the HF k_proj is GGUF row 2 (head 0, head_dim 64: a = 1, b = 0).
    let raw = file.dequantize("blk.0.attn_k.weight").expect("raw");
    assert_eq!(t.data[576..2 * 576], raw.data[2 * 576..3 * 576]);
    assert_eq!(t.data[32 * 576..33 * 576], raw.data[576..2 * 576]);
}
