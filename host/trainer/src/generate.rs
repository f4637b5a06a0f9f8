//! Batched sampling with a KV cache: greedy, temperature, top-k, top-p,
//! stopping on end-of-sequence ids, stop strings or a token budget, with the
//! log-probability of every sampled token.

use tch::{Kind, Tensor};

use crate::model::{CausalLm, KvCache};

/// How to pick tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplingConfig {
    /// Tokens to generate at most per row.
    pub max_new_tokens: usize,
    /// Always take the most likely token (ignores the fields below).
    pub greedy: bool,
    /// Softmax temperature (> 0).
    pub temperature: f64,
    /// Keep the k most likely tokens (0: all).
    pub top_k: usize,
    /// Keep the smallest set of tokens whose probability reaches p (1: all).
    pub top_p: f64,
    /// A row stops after sampling one of these.
    pub eos_ids: Vec<i64>,
    /// Seed of the sampler.
    pub seed: i64,
}

impl Default for SamplingConfig {
    fn default() -> Self {
        SamplingConfig {
            max_new_tokens: 256,
            greedy: false,
            temperature: 1.0,
            top_k: 0,
            top_p: 1.0,
            eos_ids: Vec::new(),
            seed: 0,
        }
    }
}

/// What one row generated.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// Sampled token ids, the end-of-sequence id included when one was hit.
    pub ids: Vec<i64>,
    /// Log-probability of each sampled id under the model (temperature 1,
    /// before top-k/top-p), as the loss needs it.
    pub logprobs: Vec<f32>,
    /// Whether generation ended on an end-of-sequence id or a stop string
    /// (false: it ran out of `max_new_tokens`, i.e. it was truncated).
    pub finished: bool,
}

/// Generates continuations of `prompts` (token ids, any lengths) in one
/// left-padded batch with a KV cache.
pub fn generate(model: &CausalLm, prompts: &[Vec<i64>], cfg: &SamplingConfig) -> Vec<Generated> {
    generate_until(model, prompts, cfg, &|_: &[i64]| false)
}

/// [`generate`], where a row also stops as soon as `stop` returns true for
/// the ids it has generated so far (see [`crate::Tokenizer::stop_checker`]
/// for stop strings). The ids that completed the stop are kept.
pub fn generate_until(
    model: &CausalLm,
    prompts: &[Vec<i64>],
    cfg: &SamplingConfig,
    stop: &dyn Fn(&[i64]) -> bool,
) -> Vec<Generated> {
    tch::no_grad(|| generate_inner(model, prompts, cfg, stop))
}

fn generate_inner(
    model: &CausalLm,
    prompts: &[Vec<i64>],
    cfg: &SamplingConfig,
    stop: &dyn Fn(&[i64]) -> bool,
) -> Vec<Generated> {
    let n = prompts.len();
    if n == 0 {
        return Vec::new();
    }
    let dev = model.device().to_tch().unwrap_or(tch::Device::Cpu);
    let mut rng = SplitMix64(cfg.seed as u64);
    let longest = prompts.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let mut ids = vec![0i64; n * longest];
    let mut mask = vec![0i64; n * longest];
    for (r, p) in prompts.iter().enumerate() {
        let start = r * longest + (longest - p.len());
        ids[start..start + p.len()].copy_from_slice(p);
        mask[start..start + p.len()].iter_mut().for_each(|m| *m = 1);
    }
    let shape = [n as i64, longest as i64];
    let mut input = Tensor::from_slice(&ids).view(shape).to_device(dev);
    let mut attn = Tensor::from_slice(&mask).view(shape).to_device(dev);
    let mut cache = KvCache::default();
    let mut out: Vec<Generated> = (0..n)
        .map(|_| Generated {
            ids: vec![],
            logprobs: vec![],
            finished: false,
        })
        .collect();

    for _ in 0..cfg.max_new_tokens {
        let logits = model.forward(&input, &attn, Some(&mut cache));
        let last = logits.select(1, logits.size()[1] - 1);
        let logp = last.log_softmax(-1, Kind::Float);
        let uniforms: Vec<f64> = (0..n).map(|_| rng.next_f64()).collect();
        let next = pick(&last, cfg, &Tensor::from_slice(&uniforms).to_device(dev));
        let chosen = logp.gather(1, &next.unsqueeze(1), false).squeeze_dim(1);
        let next_v = Vec::<i64>::try_from(next.to_device(tch::Device::Cpu)).unwrap_or_default();
        let lp_v = Vec::<f32>::try_from(chosen.to_device(tch::Device::Cpu)).unwrap_or_default();
        let mut feed = Vec::with_capacity(n);
        for (r, g) in out.iter_mut().enumerate() {
            if g.finished {
                // A finished row stays in the batch (dropping it would mean
                // reshaping the cache); what it decodes is not recorded.
                feed.push(next_v[r]);
                continue;
            }
            g.ids.push(next_v[r]);
            g.logprobs.push(lp_v[r]);
            if cfg.eos_ids.contains(&next_v[r]) || stop(&g.ids) {
                g.finished = true;
            }
            feed.push(next_v[r]);
        }
        if out.iter().all(|g| g.finished) {
            break;
        }
        input = Tensor::from_slice(&feed).view([n as i64, 1]).to_device(dev);
        attn = Tensor::cat(&[&attn, &attn.ones_like().narrow(1, 0, 1)], 1);
    }
    out
}

/// The sampler's own random numbers: libtorch's global generator is shared
/// with everything else in the process, so seeding it would not make a run
/// repeatable.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Picks one token per row from logits `[batch, vocab]`; `uniforms`
/// `[batch]` in [0, 1) drive inverse-CDF sampling.
fn pick(logits: &Tensor, cfg: &SamplingConfig, uniforms: &Tensor) -> Tensor {
    if cfg.greedy {
        return logits.argmax(-1, false);
    }
    let mut l = logits.to_kind(Kind::Float) / cfg.temperature.max(1e-5);
    let vocab = l.size()[1];
    if cfg.top_k > 0 && (cfg.top_k as i64) < vocab {
        let (top, _) = l.topk(cfg.top_k as i64, -1, true, true);
        let kth = top.narrow(1, cfg.top_k as i64 - 1, 1);
        l = l.masked_fill(&l.lt_tensor(&kth), f64::NEG_INFINITY);
    }
    if cfg.top_p < 1.0 {
        let (sorted, order) = l.sort(-1, true);
        let cum = sorted.softmax(-1, Kind::Float).cumsum(-1, Kind::Float);
        // Drop a token when the tokens before it already reach top_p.
        let before = &cum - sorted.softmax(-1, Kind::Float);
        let drop_sorted = before.gt(cfg.top_p);
        let drop = drop_sorted.zeros_like().scatter(-1, &order, &drop_sorted);
        l = l.masked_fill(&drop, f64::NEG_INFINITY);
    }
    let cdf = l.softmax(-1, Kind::Double).cumsum(-1, Kind::Double);
    // The first index whose cumulative probability exceeds u.
    let idx = cdf
        .lt_tensor(&uniforms.to_kind(Kind::Double).unsqueeze(1))
        .sum_dim_intlist(-1, false, Kind::Int64);
    idx.clamp_max(vocab - 1)
}

/// Per-token log-probabilities of `completion` given `prompt`, for each row,
/// with gradients (the policy-gradient loss differentiates through this).
///
/// `ids` `[batch, len]` hold prompt and completion, left-padded;
/// `attention_mask` marks real tokens; the result `[batch, len - 1]` holds
/// log p(ids[t+1] | ids[..=t]) (the caller masks out prompt and padding).
pub fn token_logprobs(model: &CausalLm, ids: &Tensor, attention_mask: &Tensor) -> Tensor {
    let len = ids.size()[1];
    let logits = model.forward(ids, attention_mask, None);
    let logp = logits.narrow(1, 0, len - 1).log_softmax(-1, Kind::Float);
    logp.gather(2, &ids.narrow(1, 1, len - 1).unsqueeze(-1), false)
        .squeeze_dim(-1)
}
