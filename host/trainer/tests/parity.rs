//! Logits of the tch model against transformers on the same safetensors
//! (tests/reference/make_tiny_models.py made both), and the KV cache and
//! left padding against plain forward passes.

use std::path::PathBuf;

use rewasm_trainer::{CausalLm, Device, KvCache};
use serde_json::Value;
use tch::{Kind, Tensor};

fn dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(name)
}

fn reference(name: &str) -> Value {
    let text = std::fs::read_to_string(dir(name).join("logits.json")).expect("logits.json");
    serde_json::from_str(&text).expect("json")
}

fn to_rows(v: &Value) -> Vec<Vec<f32>> {
    v.as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            r.as_array()
                .expect("row")
                .iter()
                .map(|x| x.as_f64().expect("num") as f32)
                .collect()
        })
        .collect()
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .expect("ids")
        .iter()
        .map(|x| x.as_i64().expect("id"))
        .collect()
}

fn rows_of(t: &Tensor) -> Vec<Vec<f32>> {
    let t = t.to_kind(Kind::Float).to_device(tch::Device::Cpu);
    (0..t.size()[0])
        .map(|i| Vec::<f32>::try_from(t.get(i)).expect("row"))
        .collect()
}

/// Largest |a - b| relative to the largest |b|.
fn rel_err(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
    assert_eq!(a.len(), b.len(), "row count");
    let mut diff = 0f32;
    let mut scale = 0f32;
    for (ra, rb) in a.iter().zip(b) {
        assert_eq!(ra.len(), rb.len(), "row width");
        for (x, y) in ra.iter().zip(rb) {
            diff = diff.max((x - y).abs());
            scale = scale.max(y.abs());
        }
    }
    diff / scale.max(1e-12)
}

fn check_model(name: &str) {
    let model = CausalLm::load(&dir(name), Device::Cpu).expect("load");
    let r = reference(name);
    let input = Tensor::from_slice(&ids(&r["ids"])).unsqueeze(0);
    let mask = input.ones_like();
    let logits = tch::no_grad(|| model.forward(&input, &mask, None)).get(0);
    let err = rel_err(&rows_of(&logits), &to_rows(&r["logits"]));
    assert!(
        err < 1e-3,
        "{name}: logits differ from transformers by {err} (relative)"
    );

    // Left padding: real positions match transformers' padded batch.
    let padded: Vec<Vec<i64>> = r["padded_ids"]
        .as_array()
        .expect("rows")
        .iter()
        .map(ids)
        .collect();
    let pmask: Vec<Vec<i64>> = r["padded_mask"]
        .as_array()
        .expect("rows")
        .iter()
        .map(ids)
        .collect();
    let pin = Tensor::from_slice2(&padded);
    let pm = Tensor::from_slice2(&pmask);
    let out = tch::no_grad(|| model.forward(&pin, &pm, None));
    let want = r["padded_logits_real"].as_array().expect("rows");
    let row0 = rows_of(&out.get(0).narrow(0, 5, 7));
    assert!(
        rel_err(&row0, &to_rows(&want[0])) < 1e-3,
        "{name}: padded row"
    );
    let row1 = rows_of(&out.get(1));
    assert!(
        rel_err(&row1, &to_rows(&want[1])) < 1e-3,
        "{name}: full row"
    );
    // And a padded row equals the same row alone.
    let alone = tch::no_grad(|| {
        let x = pin.get(0).narrow(0, 5, 7).unsqueeze(0);
        model.forward(&x, &x.ones_like(), None)
    });
    assert!(
        rel_err(&row0, &rows_of(&alone.get(0))) < 1e-5,
        "{name}: padded vs alone"
    );
}

#[test]
fn tiny_qwen2_matches_transformers() {
    check_model("tiny-qwen2");
}

#[test]
fn tiny_llama_with_tied_embeddings_matches_transformers() {
    check_model("tiny-llama");
}

#[test]
fn kv_cache_gives_the_same_logits_as_a_full_pass() {
    let model = CausalLm::load(&dir("tiny-qwen2"), Device::Cpu).expect("load");
    let r = reference("tiny-qwen2");
    let all = ids(&r["ids"]);
    let full = tch::no_grad(|| {
        let x = Tensor::from_slice(&all).unsqueeze(0);
        model.forward(&x, &x.ones_like(), None)
    });
    // Prefill 5 tokens, then one token at a time through the cache.
    let mut cache = KvCache::default();
    let mut steps = Vec::new();
    tch::no_grad(|| {
        let x = Tensor::from_slice(&all[..5]).unsqueeze(0);
        steps.push(model.forward(&x, &x.ones_like(), Some(&mut cache)));
        for n in 5..all.len() {
            let x = Tensor::from_slice(&all[n..n + 1]).unsqueeze(0);
            let mask = Tensor::ones([1, n as i64 + 1], (Kind::Int64, tch::Device::Cpu));
            steps.push(model.forward(&x, &mask, Some(&mut cache)));
        }
    });
    assert_eq!(cache.len(), all.len() as i64);
    let stepped = Tensor::cat(&steps, 1);
    assert!(rel_err(&rows_of(&stepped.get(0)), &rows_of(&full.get(0))) < 1e-5);
}
