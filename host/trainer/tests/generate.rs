//! Generation: the KV cache changes nothing, padding changes nothing, and
//! sampling respects its settings.

use std::path::PathBuf;

use rewasm_trainer::{generate, generate_until, token_logprobs, CausalLm, Device, SamplingConfig};
use tch::{Kind, Tensor};

fn model() -> CausalLm {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/tiny-qwen2");
    CausalLm::load(&dir, Device::Cpu).expect("load tiny-qwen2")
}

/// Greedy decoding without a cache: the whole sequence through the model
/// at every step.
fn greedy_no_cache(model: &CausalLm, prompt: &[i64], steps: usize) -> Vec<i64> {
    let mut seq = prompt.to_vec();
    for _ in 0..steps {
        let x = Tensor::from_slice(&seq).unsqueeze(0);
        let logits = tch::no_grad(|| model.forward(&x, &x.ones_like(), None));
        let next = logits
            .get(0)
            .get(seq.len() as i64 - 1)
            .argmax(-1, false)
            .int64_value(&[]);
        seq.push(next);
    }
    seq[prompt.len()..].to_vec()
}

fn greedy(n: usize) -> SamplingConfig {
    SamplingConfig {
        max_new_tokens: n,
        greedy: true,
        ..SamplingConfig::default()
    }
}

#[test]
fn cached_greedy_equals_uncached_greedy() {
    let m = model();
    let prompt = vec![1, 5, 9, 17];
    let got = generate(&m, std::slice::from_ref(&prompt), &greedy(12));
    assert_eq!(got[0].ids, greedy_no_cache(&m, &prompt, 12));
    assert_eq!(got[0].logprobs.len(), 12);
    assert!(got[0].logprobs.iter().all(|l| *l <= 0.0 && l.is_finite()));
}

#[test]
fn a_padded_batch_equals_rows_alone() {
    let m = model();
    let prompts = vec![vec![1, 5], vec![1, 5, 9, 17, 33, 65], vec![7]];
    let batch = generate(&m, &prompts, &greedy(8));
    for (p, g) in prompts.iter().zip(&batch) {
        let alone = generate(&m, std::slice::from_ref(p), &greedy(8));
        assert_eq!(g.ids, alone[0].ids, "prompt {p:?}");
        for (a, b) in g.logprobs.iter().zip(&alone[0].logprobs) {
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        }
    }
}

#[test]
fn eos_stops_a_row_and_budget_stops_all() {
    let m = model();
    let free = generate(&m, &[vec![1, 5, 9]], &greedy(10));
    let eos = free[0].ids[3];
    let cfg = SamplingConfig {
        eos_ids: vec![eos],
        ..greedy(10)
    };
    let stopped = generate(&m, &[vec![1, 5, 9]], &cfg);
    let first = free[0]
        .ids
        .iter()
        .position(|&t| t == eos)
        .expect("eos in free run");
    assert_eq!(stopped[0].ids, free[0].ids[..=first].to_vec());
    assert!(stopped[0].finished);
    assert!(!free[0].finished);
    assert_eq!(free[0].ids.len(), 10);
}

#[test]
fn a_stop_predicate_ends_a_row_and_keeps_the_stop_tokens() {
    let m = model();
    let prompts = vec![vec![1, 5, 9], vec![2, 4]];
    let free = generate(&m, &prompts, &greedy(10));
    // Stop row 0 once it has produced its 4th token's id after its 3rd.
    let pair = [free[0].ids[2], free[0].ids[3]];
    let stop = |ids: &[i64]| ids.windows(2).any(|w| w == pair);
    let got = generate_until(&m, &prompts, &greedy(10), &stop);
    let cut = free[0]
        .ids
        .windows(2)
        .position(|w| w == pair)
        .expect("pair in free run")
        + 2;
    assert_eq!(got[0].ids, free[0].ids[..cut].to_vec());
    assert!(got[0].finished);
    // The other row is unaffected unless it produced the same pair.
    if !free[1].ids.windows(2).any(|w| w == pair) {
        assert_eq!(got[1].ids, free[1].ids);
        assert!(!got[1].finished);
    }
}

#[test]
fn sampling_is_seeded_and_top_k_one_is_greedy() {
    let m = model();
    let cfg = SamplingConfig {
        max_new_tokens: 10,
        temperature: 1.5,
        seed: 7,
        ..SamplingConfig::default()
    };
    let a = generate(&m, &[vec![1, 5, 9]], &cfg);
    let b = generate(&m, &[vec![1, 5, 9]], &cfg);
    assert_eq!(a, b, "same seed, same tokens");
    let k1 = SamplingConfig {
        top_k: 1,
        ..cfg.clone()
    };
    assert_eq!(
        generate(&m, &[vec![1, 5, 9]], &k1)[0].ids,
        generate(&m, &[vec![1, 5, 9]], &greedy(10))[0].ids
    );
    let tiny_p = SamplingConfig { top_p: 1e-6, ..cfg };
    assert_eq!(
        generate(&m, &[vec![1, 5, 9]], &tiny_p)[0].ids,
        generate(&m, &[vec![1, 5, 9]], &greedy(10))[0].ids
    );
}

#[test]
fn token_logprobs_match_generation_and_have_gradients() {
    let m = model();
    let prompt = vec![1i64, 5, 9];
    let g = generate(&m, std::slice::from_ref(&prompt), &greedy(6));
    let all: Vec<i64> = prompt.iter().chain(&g[0].ids).copied().collect();
    let ids = Tensor::from_slice(&all).unsqueeze(0);
    let lp = token_logprobs(&m, &ids, &ids.ones_like());
    let completion = lp.get(0).narrow(0, prompt.len() as i64 - 1, 6);
    let got = Vec::<f32>::try_from(completion.detach()).expect("vec");
    for (a, b) in got.iter().zip(&g[0].logprobs) {
        assert!((a - b).abs() < 1e-4, "{a} vs {b}");
    }
    let loss = completion.sum(Kind::Float).neg();
    loss.backward();
    let grads: f64 = m
        .var_store()
        .trainable_variables()
        .iter()
        .map(|v| v.grad().abs().sum(Kind::Float).double_value(&[]))
        .sum();
    assert!(grads > 0.0, "gradients flow to the weights");
}
