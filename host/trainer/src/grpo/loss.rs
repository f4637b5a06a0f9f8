//! The clipped policy-gradient loss of GRPO and its variants (DAPO's
//! token-level mean and clip-higher, Dr. GRPO's constant normaliser, BNPO,
//! GSPO's sequence-level ratios), with the k3 KL estimate to a frozen
//! reference.
//!
//! A step's completions are split into chunks that go backward one at a
//! time; every normaliser is computed over the whole step up front, so the
//! summed chunk gradients equal the gradient of one big batch.

use tch::{Kind, Tensor};

use super::config::{ImportanceLevel, LossType};
use crate::model::CausalLm;

/// Loss settings of a run.
#[derive(Debug, Clone, Copy)]
pub struct LossConfig {
    pub loss_type: LossType,
    pub level: ImportanceLevel,
    pub epsilon_low: f64,
    pub epsilon_high: f64,
    pub beta: f64,
    pub max_completion_length: usize,
}

/// Counts over the whole step that scale each chunk's loss.
#[derive(Debug, Clone, Copy)]
pub struct StepTotals {
    /// Completions in the step.
    pub sequences: usize,
    /// Unmasked completion tokens in the step.
    pub tokens: f64,
    /// Chunks the step is split into.
    pub chunks: usize,
}

/// One chunk's inputs, all `[rows, completion_len]` except `advantages` `[rows]`.
pub struct ChunkInputs<'a> {
    /// Log-probabilities under the policy being trained (with gradients).
    pub logp: &'a Tensor,
    /// Under the policy that sampled the completions; `None`: `logp` detached
    /// (one iteration per generation, ratio 1 with the right gradient).
    pub old_logp: Option<&'a Tensor>,
    /// Under the frozen reference (needed when beta > 0).
    pub ref_logp: Option<&'a Tensor>,
    pub advantages: &'a Tensor,
    /// 1.0 for completion tokens that count, 0.0 for padding and masked rows.
    pub mask: &'a Tensor,
}

/// A chunk's loss (already scaled for summing over chunks) and statistics.
#[derive(Debug)]
pub struct ChunkLoss {
    pub loss: Tensor,
    /// Sum over tokens of the k3 KL estimate (0 when beta = 0).
    pub kl_sum: f64,
    /// Tokens whose ratio was clipped.
    pub clipped: f64,
    /// Tokens counted.
    pub tokens: f64,
}

/// The loss of one chunk.
pub fn chunk_loss(cfg: &LossConfig, totals: &StepTotals, x: &ChunkInputs<'_>) -> ChunkLoss {
    let mask = x.mask;
    let old = x
        .old_logp
        .map(Tensor::shallow_clone)
        .unwrap_or_else(|| x.logp.detach());
    let log_ratio = x.logp - &old;
    let tok_per_row = mask.sum_dim_intlist(-1, false, Kind::Float);
    let log_iw = match cfg.level {
        ImportanceLevel::Token => log_ratio,
        ImportanceLevel::Sequence => ((&log_ratio * mask).sum_dim_intlist(-1, false, Kind::Float)
            / tok_per_row.clamp_min(1.0))
        .unsqueeze(-1),
    };
    let coef1 = log_iw.exp();
    let coef2 = coef1.clamp(1.0 - cfg.epsilon_low, 1.0 + cfg.epsilon_high);
    let adv = x.advantages.unsqueeze(-1);
    let per_token = -((&coef1 * &adv).min_other(&(&coef2 * &adv)));
    let (per_token, kl_sum) = match (cfg.beta > 0.0, x.ref_logp) {
        (true, Some(r)) => {
            let d = r - x.logp;
            let kl = d.exp() - &d - 1.0;
            let kl_sum = tch::no_grad(|| (&kl * mask).sum(Kind::Double).double_value(&[]));
            (per_token + kl * cfg.beta, kl_sum)
        }
        _ => (per_token, 0.0),
    };
    let masked = &per_token * mask;
    let chunk_tokens = mask.sum(Kind::Double).double_value(&[]);
    let loss = match cfg.loss_type {
        LossType::Grpo => {
            { masked.sum_dim_intlist(-1, false, Kind::Float) / tok_per_row.clamp_min(1.0) }
                .sum(Kind::Float)
                / totals.sequences.max(1) as f64
        }
        LossType::DrGrpo => {
            masked.sum(Kind::Float)
                / (totals.sequences.max(1) * cfg.max_completion_length.max(1)) as f64
        }
        LossType::Dapo => masked.sum(Kind::Float) / totals.tokens.max(1.0),
        LossType::Bnpo => {
            masked.sum(Kind::Float) / chunk_tokens.max(1.0) / totals.chunks.max(1) as f64
        }
    };
    let clipped = tch::no_grad(|| {
        let low = coef1.lt(1.0 - cfg.epsilon_low).logical_and(&adv.lt(0.0));
        let high = coef1.gt(1.0 + cfg.epsilon_high).logical_and(&adv.gt(0.0));
        (low.logical_or(&high).to_kind(Kind::Float) * mask)
            .sum(Kind::Double)
            .double_value(&[])
    });
    ChunkLoss {
        loss,
        kl_sum,
        clipped,
        tokens: chunk_tokens,
    }
}

/// Per-token log-probabilities (and entropies, without gradients) of the
/// completion part of `ids`.
///
/// `ids` `[rows, prompt_len + completion_len]` holds left-padded prompts in
/// the first `prompt_len` columns and right-padded completions after them;
/// `attention_mask` marks real tokens. Logits are divided by `temperature`
/// first, as the sampler did. Returns `[rows, completion_len]` tensors.
pub fn completion_logprobs(
    model: &CausalLm,
    ids: &Tensor,
    attention_mask: &Tensor,
    prompt_len: i64,
    temperature: f64,
) -> (Tensor, Tensor) {
    let total = ids.size()[1];
    let comp = total - prompt_len;
    // Only the positions that predict completion tokens go through the
    // output projection: the prompt's logits would be computed and dropped.
    let hidden = model.hidden_states(ids, attention_mask, None);
    let logits = model.logits(&hidden.narrow(1, prompt_len - 1, comp));
    let logits = if temperature != 1.0 {
        logits / temperature
    } else {
        logits
    };
    let logp_all = logits.log_softmax(-1, Kind::Float);
    let target = ids.narrow(1, prompt_len, comp).unsqueeze(-1);
    let logp = logp_all.gather(2, &target, false).squeeze_dim(-1);
    let entropy =
        tch::no_grad(|| -(logp_all.exp() * &logp_all).sum_dim_intlist(-1, false, Kind::Float));
    (logp, entropy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(rows: &[&[f64]]) -> Tensor {
        let flat: Vec<f64> = rows.iter().flat_map(|r| r.iter().copied()).collect();
        Tensor::from_slice(&flat)
            .view([rows.len() as i64, rows[0].len() as i64])
            .to_kind(Kind::Float)
    }

    fn cfg(loss_type: LossType) -> LossConfig {
        LossConfig {
            loss_type,
            level: ImportanceLevel::Token,
            epsilon_low: 0.2,
            epsilon_high: 0.28,
            beta: 0.0,
            max_completion_length: 4,
        }
    }

    /// Two rows: 3 real tokens and 1 real token. With old = logp, ratio 1,
    /// per-token loss = -A.
    fn inputs() -> (Tensor, Tensor, Tensor) {
        let logp = t(&[&[-1.0, -2.0, -0.5, 0.0], &[-0.3, 0.0, 0.0, 0.0]]);
        let adv = Tensor::from_slice(&[1.0f32, -2.0]);
        let mask = t(&[&[1.0, 1.0, 1.0, 0.0], &[1.0, 0.0, 0.0, 0.0]]);
        (logp, adv, mask)
    }

    /// The step of [`inputs`]: two completions, four tokens.
    fn two_rows(chunks: usize) -> StepTotals {
        StepTotals {
            sequences: 2,
            tokens: 4.0,
            chunks,
        }
    }

    fn value(lt: LossType, chunks: usize) -> f64 {
        let (logp, adv, mask) = inputs();
        let totals = two_rows(chunks);
        let x = ChunkInputs {
            logp: &logp,
            old_logp: None,
            ref_logp: None,
            advantages: &adv,
            mask: &mask,
        };
        chunk_loss(&cfg(lt), &totals, &x).loss.double_value(&[])
    }

    #[test]
    fn each_loss_type_by_hand() {
        // Per-token losses: row 0: -1 x3, row 1: +2 x1.
        // grpo: mean(-1, 2) = 0.5.
        assert!((value(LossType::Grpo, 1) - 0.5).abs() < 1e-6);
        // dapo: (-3 + 2) / 4 tokens = -0.25.
        assert!((value(LossType::Dapo, 1) + 0.25).abs() < 1e-6);
        // dr_grpo: -1 / (2 rows x 4) = -0.125.
        assert!((value(LossType::DrGrpo, 1) + 0.125).abs() < 1e-6);
        // bnpo with the chunk being half the step: -1 / 4 / 2.
        assert!((value(LossType::Bnpo, 2) + 0.125).abs() < 1e-6);
    }

    #[test]
    fn ratios_clip_asymmetrically() {
        let (logp, adv, mask) = inputs();
        // Row 0 (A = +1): ratio e^0.5 = 1.65 > 1.28 -> clipped at 1.28.
        // Row 1 (A = -2): ratio e^-0.5 = 0.61 < 0.8 -> clipped at 0.8:
        // -min(0.61 x -2, 0.8 x -2) = 1.6.
        let old = &logp - t(&[&[0.5, 0.5, 0.5, 0.5], &[-0.5, 0.0, 0.0, 0.0]]);
        let totals = two_rows(1);
        let x = ChunkInputs {
            logp: &logp,
            old_logp: Some(&old),
            ref_logp: None,
            advantages: &adv,
            mask: &mask,
        };
        let out = chunk_loss(&cfg(LossType::Dapo), &totals, &x);
        let want = (3.0 * -1.28 + 1.6) / 4.0;
        assert!((out.loss.double_value(&[]) - want).abs() < 1e-5, "{out:?}");
        assert_eq!(out.clipped, 4.0, "all four tokens are clipped");
    }

    #[test]
    fn sequence_level_ratio_is_the_mean_log_ratio() {
        let (logp, adv, mask) = inputs();
        // Row 0 log-ratios 0.3, -0.3, 0.6 -> mean 0.2 -> ratio e^0.2 = 1.2214
        // (inside [0.8, 1.28]); per-token loss -1.2214 on 3 tokens.
        let old = &logp - t(&[&[0.3, -0.3, 0.6, 9.0], &[0.0, 0.0, 0.0, 0.0]]);
        let totals = two_rows(1);
        let x = ChunkInputs {
            logp: &logp,
            old_logp: Some(&old),
            ref_logp: None,
            advantages: &adv,
            mask: &mask,
        };
        let c = LossConfig {
            level: ImportanceLevel::Sequence,
            ..cfg(LossType::Dapo)
        };
        let want = (3.0 * -(0.2f64.exp()) + 2.0) / 4.0;
        let got = chunk_loss(&c, &totals, &x).loss.double_value(&[]);
        assert!((got - want).abs() < 1e-5, "{got} vs {want}");
    }

    #[test]
    fn k3_kl_by_hand() {
        let (logp, _, mask) = inputs();
        let zero = Tensor::zeros([2], (Kind::Float, tch::Device::Cpu));
        // ref - logp = d; k3 = e^d - d - 1. Row 0 d = 0.1 x3, row 1 d = -0.2.
        let reference = &logp + t(&[&[0.1, 0.1, 0.1, 5.0], &[-0.2, 0.0, 0.0, 0.0]]);
        let totals = two_rows(1);
        let x = ChunkInputs {
            logp: &logp,
            old_logp: None,
            ref_logp: Some(&reference),
            advantages: &zero,
            mask: &mask,
        };
        let c = LossConfig {
            beta: 0.5,
            ..cfg(LossType::Dapo)
        };
        let k = |d: f64| d.exp() - d - 1.0;
        let kl = 3.0 * k(0.1) + k(-0.2);
        let out = chunk_loss(&c, &totals, &x);
        assert!((out.kl_sum - kl).abs() < 1e-6);
        assert!((out.loss.double_value(&[]) - 0.5 * kl / 4.0).abs() < 1e-6);
    }

    #[test]
    fn gradient_is_minus_advantage_at_ratio_one() {
        let (logp, adv, mask) = inputs();
        let logp = logp.set_requires_grad(true);
        let totals = two_rows(1);
        let x = ChunkInputs {
            logp: &logp,
            old_logp: None,
            ref_logp: None,
            advantages: &adv,
            mask: &mask,
        };
        chunk_loss(&cfg(LossType::Dapo), &totals, &x)
            .loss
            .backward();
        let g = Vec::<f32>::try_from(logp.grad().view([-1])).expect("grad");
        // d/dlogp of -A * ratio / 4 = -A / 4 on real tokens, 0 on padding.
        assert_eq!(g, vec![-0.25, -0.25, -0.25, 0.0, 0.5, 0.0, 0.0, 0.0]);
    }
}
