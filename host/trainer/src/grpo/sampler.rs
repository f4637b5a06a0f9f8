//! Prompt sampling for GRPO: which prompts a step rolls out, and which of the
//! rolled-out groups it keeps.
//!
//! A group whose G rewards are all equal has zero advantage everywhere and only
//! costs compute. Two remedies live here:
//!
//! - **Filtering** (DAPO's dynamic sampling, Yu et al. 2025, arXiv:2503.14476):
//!   [`GroupFilter`] keeps the groups [`is_informative`] accepts and tells the
//!   training loop how many more prompts to roll out, for a bounded number of
//!   refill rounds.
//! - **Choosing** before rollout: [`PromptSampler::Vade`] follows VADE (Hu et
//!   al., "VADE: Variance-Aware Dynamic Sampling via Online Sample-Level
//!   Difficulty Estimation for Multimodal RL", arXiv:2511.18902, 2025). What the
//!   public text (abstract, project card) fixes: one Beta posterior per sample
//!   over its correctness probability, a Thompson sampler that picks the samples
//!   with the largest information gain through that probability, and a
//!   "two-scale prior decay" so the estimates follow the changing policy; data
//!   selection is treated as a non-stationary multi-armed bandit and needs no
//!   extra rollouts. The exact formulas of the method section could not be
//!   reached, so the decay here is this crate's own two-scale scheme, described
//!   on [`VadeConfig`].
//!
//! [`PromptSampler::Uniform`] is the baseline: an epoch-wise shuffle without
//! replacement, like a shuffling data loader.
//!
//! Every sampler's whole state (posteriors, RNG, epoch order and position) is
//! serde-serializable, so a checkpoint restores a sampler that continues the
//! exact same sequence. Floating-point state is written as decimal strings,
//! because serde_json's default float parsing may be off by one ulp and that
//! could change a later ranking.

use std::collections::HashSet;

use serde::{de::Error as _, Deserialize, Deserializer, Serialize};

/// Rewards closer than this count as equal for [`is_informative`].
pub const REWARD_EQUAL_EPS: f64 = 1e-9;

/// Whether a group's rewards can produce a non-zero advantage: at least two
/// rewards, all finite, and not all equal within [`REWARD_EQUAL_EPS`].
///
/// A non-finite reward makes the group's advantages undefined, so such a group
/// counts as not informative.
pub fn is_informative(rewards: &[f64]) -> bool {
    if rewards.len() < 2 || rewards.iter().any(|r| !r.is_finite()) {
        return false;
    }
    let (lo, hi) = rewards
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| {
            (lo.min(r), hi.max(r))
        });
    hi - lo > REWARD_EQUAL_EPS
}

/// Bad parameters for a sampler or group filter, or a restored state that
/// does not fit together.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SamplerError {
    #[error("a prompt sampler needs at least one prompt, got n_prompts = 0")]
    NoPrompts,
    #[error("VADE `{field}` must lie in (0, 1], got {value}")]
    DecayOutOfRange { field: &'static str, value: f64 },
    #[error("VADE `{field}` must be finite and > 0, got {value}")]
    PriorNotPositive { field: &'static str, value: f64 },
    #[error("a group filter needs prompts_per_step >= 1, got 0")]
    NoPromptsPerStep,
    #[error("sampler state does not fit together: {0}")]
    InvalidState(String),
}

// ---------------------------------------------------------------------------
// Dynamic-sampling group filter
// ---------------------------------------------------------------------------

/// One prompt's rolled-out group: its rewards and whatever the training loop
/// needs to keep with them (token ids, log-probs, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Group<T> {
    pub prompt: usize,
    pub rewards: Vec<f64>,
    pub payload: T,
}

/// What a step's filtering did, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GroupFilterStats {
    /// Groups pushed, over all rounds.
    pub groups_seen: usize,
    /// Pushed groups whose rewards were all equal.
    pub zero_variance: usize,
    /// Zero-variance groups left out of the step.
    pub zero_variance_dropped: usize,
    /// Zero-variance groups put back to reach `prompts_per_step`.
    pub zero_variance_refilled: usize,
    /// Informative groups beyond `prompts_per_step`, left out.
    pub informative_surplus: usize,
    /// Rollout rounds started: the first plus the refills.
    pub rounds: usize,
}

/// The groups a step trains on, and how they were chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct FilteredGroups<T> {
    /// Informative groups first (in push order), then any zero-variance
    /// groups used to fill up.
    pub groups: Vec<Group<T>>,
    pub stats: GroupFilterStats,
}

/// DAPO dynamic sampling as an accumulator; the training loop does the
/// generation:
///
/// ```text
/// let mut filter = GroupFilter::new(prompts_per_step, max_resample)?;
/// while let Some(n) = filter.next_round() {
///     for prompt in sampler.sample(n) { /* roll out G, score */ filter.push(group); }
/// }
/// let FilteredGroups { groups, stats } = filter.finish();
/// ```
///
/// At most `1 + max_resample` rounds run. If the informative groups are still
/// fewer than `prompts_per_step` after the last round, [`GroupFilter::finish`]
/// fills up with the zero-variance groups in the order they were pushed, so the
/// step keeps its size; they add no gradient of their own but keep the batch
/// shape and the loss normalisation of a plain GRPO step. With
/// `max_resample = 0` the step is exactly plain GRPO, reordered.
#[derive(Debug)]
pub struct GroupFilter<T> {
    prompts_per_step: usize,
    max_resample: usize,
    rounds: usize,
    seen: usize,
    kept: Vec<Group<T>>,
    dropped: Vec<Group<T>>,
}

impl<T> GroupFilter<T> {
    /// `max_resample` is the number of refill rounds after the first one.
    pub fn new(prompts_per_step: usize, max_resample: usize) -> Result<Self, SamplerError> {
        if prompts_per_step == 0 {
            return Err(SamplerError::NoPromptsPerStep);
        }
        Ok(Self {
            prompts_per_step,
            max_resample,
            rounds: 0,
            seen: 0,
            kept: Vec::with_capacity(prompts_per_step),
            dropped: Vec::new(),
        })
    }

    /// Informative groups still missing.
    pub fn needed(&self) -> usize {
        self.prompts_per_step.saturating_sub(self.kept.len())
    }

    /// Starts a round and returns how many prompts to roll out in it, or
    /// `None` when the step is full or the rounds are used up.
    pub fn next_round(&mut self) -> Option<usize> {
        let needed = self.needed();
        if needed == 0 || self.rounds > self.max_resample {
            return None;
        }
        self.rounds += 1;
        Some(needed)
    }

    /// Adds a group; returns whether it was kept as informative.
    pub fn push(&mut self, group: Group<T>) -> bool {
        self.seen += 1;
        let informative = is_informative(&group.rewards);
        if informative {
            self.kept.push(group);
        } else {
            self.dropped.push(group);
        }
        informative
    }

    /// The step's groups: at most `prompts_per_step`, filled up with dropped
    /// groups when informative ones are short. Fewer only when fewer groups
    /// were pushed in all.
    pub fn finish(self) -> FilteredGroups<T> {
        let Self {
            prompts_per_step,
            rounds,
            seen,
            mut kept,
            mut dropped,
            ..
        } = self;
        let zero_variance = dropped.len();
        let informative_surplus = kept.len().saturating_sub(prompts_per_step);
        kept.truncate(prompts_per_step);
        let refill = (prompts_per_step - kept.len()).min(dropped.len());
        kept.extend(dropped.drain(..refill));
        FilteredGroups {
            groups: kept,
            stats: GroupFilterStats {
                groups_seen: seen,
                zero_variance,
                zero_variance_dropped: zero_variance - refill,
                zero_variance_refilled: refill,
                informative_surplus,
                rounds,
            },
        }
    }
}

// ---------------------------------------------------------------------------
// Random numbers: xoshiro256** seeded by SplitMix64, Box–Muller, Marsaglia–Tsang
// ---------------------------------------------------------------------------

/// xoshiro256** (Blackman & Vigna); the four words are the whole state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
struct Rng {
    s: [u64; 4],
}

impl Rng {
    fn seed_from(seed: u64) -> Self {
        // SplitMix64 outputs of distinct counters are distinct, so at most one
        // word is zero and the state is never all-zero.
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Self {
            s: [next(), next(), next(), next()],
        }
    }

    fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let out = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        out
    }

    /// Uniform in (0, 1]: never 0, so its logarithm is finite.
    fn open01(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [0, bound) without modulo bias (Lemire's multiply-shift with
    /// rejection). `bound > 0`.
    fn below(&mut self, bound: u64) -> u64 {
        let threshold = bound.wrapping_neg() % bound;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(bound);
            if m as u64 >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// Box–Muller; the pair's second value is dropped so the state stays the
    /// four RNG words.
    fn standard_normal(&mut self) -> f64 {
        let r = (-2.0 * self.open01().ln()).sqrt();
        r * (std::f64::consts::TAU * self.open01()).cos()
    }

    /// The natural logarithm of a Gamma(shape, 1) draw (Marsaglia & Tsang
    /// 2000). Kept in logs so that the shape < 1 boost, G(a) = G(a+1)·U^(1/a),
    /// cannot underflow to 0 for small shapes.
    fn ln_gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            let boost = self.open01().ln() / shape;
            return self.ln_gamma(shape + 1.0) + boost;
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let z = self.standard_normal();
            let v = 1.0 + c * z;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.open01();
            if u < 1.0 - 0.0331 * z.powi(4) || u.ln() < 0.5 * z * z + d * (1.0 - v + v.ln()) {
                return d.ln() + v.ln();
            }
        }
    }

    /// A Beta(a, b) draw as X/(X+Y) with X ~ Gamma(a), Y ~ Gamma(b), computed
    /// from the logarithms.
    fn beta(&mut self, a: f64, b: f64) -> f64 {
        let lx = self.ln_gamma(a);
        let ly = self.ln_gamma(b);
        1.0 / (1.0 + (ly - lx).exp())
    }

    fn check(&self) -> Result<(), SamplerError> {
        if self.s == [0; 4] {
            return Err(SamplerError::InvalidState(
                "the RNG state is all zero".into(),
            ));
        }
        Ok(())
    }
}

/// Exact f64 round trips through JSON: decimal strings parsed by Rust's
/// correctly rounded parser.
mod exact_f64 {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| format!("{x:?}")))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|t| parse::<D>(t))
            .collect()
    }

    pub fn parse<'de, D: Deserializer<'de>>(t: &str) -> Result<f64, D::Error> {
        t.parse::<f64>()
            .map_err(|e| D::Error::custom(format!("{t:?} is not a number: {e}")))
    }

    pub mod option {
        use super::parse;
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
            v.map(|x| format!("{x:?}")).serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
            Option::<String>::deserialize(d)?
                .map(|t| parse::<D>(&t))
                .transpose()
        }
    }
}

// ---------------------------------------------------------------------------
// Uniform sampler
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UniformState {
    /// The current epoch's order; `order[..pos]` has been handed out.
    order: Vec<usize>,
    pos: usize,
    /// Epochs begun.
    epoch: u64,
    /// `sample` calls with k > 0.
    steps: u64,
    rng: Rng,
}

/// Epoch-wise shuffle without replacement: each epoch is a fresh uniform
/// permutation, and the stream of handed-out indices is the concatenation of
/// the epochs, so every index appears exactly once per epoch.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct UniformSampler(UniformState);

impl UniformSampler {
    pub fn new(n_prompts: usize, seed: u64) -> Result<Self, SamplerError> {
        if n_prompts == 0 {
            return Err(SamplerError::NoPrompts);
        }
        Ok(Self(UniformState {
            order: (0..n_prompts).collect(),
            pos: n_prompts,
            epoch: 0,
            steps: 0,
            rng: Rng::seed_from(seed),
        }))
    }

    /// `k` indices. When `k <= n` they are distinct: a request that crosses an
    /// epoch boundary takes the rest of the old epoch, then the first indices of
    /// the new epoch that it does not already hold (the others stay later in
    /// that epoch). When `k > n` the stream simply runs on across epochs, so
    /// each index appears `k / n` or `k / n + 1` times.
    pub fn sample(&mut self, k: usize) -> Vec<usize> {
        let st = &mut self.0;
        if k == 0 {
            return Vec::new();
        }
        st.steps += 1;
        let n = st.order.len();
        let mut out = Vec::with_capacity(k);
        while out.len() < k {
            if st.pos == n {
                st.new_epoch();
                if k <= n && !out.is_empty() {
                    st.front_load_excluding(&out, k - out.len());
                }
            }
            out.push(st.order[st.pos]);
            st.pos += 1;
        }
        out
    }

    pub fn n_prompts(&self) -> usize {
        self.0.order.len()
    }

    /// Epochs begun so far.
    pub fn epoch(&self) -> u64 {
        self.0.epoch
    }
}

impl UniformState {
    fn new_epoch(&mut self) {
        for i in (1..self.order.len()).rev() {
            let j = self.rng.below(i as u64 + 1) as usize;
            self.order.swap(i, j);
        }
        self.pos = 0;
        self.epoch += 1;
    }

    /// Moves the first `need` entries of the fresh order that are not in
    /// `taken` to its front, keeping the relative order of the rest.
    fn front_load_excluding(&mut self, taken: &[usize], need: usize) {
        let taken: HashSet<usize> = taken.iter().copied().collect();
        let mut filled = 0;
        for j in 0..self.order.len() {
            if filled == need {
                break;
            }
            if !taken.contains(&self.order[j]) {
                self.order.swap(filled, j);
                filled += 1;
            }
        }
    }

    fn check(&self) -> Result<(), SamplerError> {
        let n = self.order.len();
        if n == 0 {
            return Err(SamplerError::NoPrompts);
        }
        let mut seen = vec![false; n];
        for &i in &self.order {
            if i >= n || std::mem::replace(&mut seen[i], true) {
                return Err(SamplerError::InvalidState(format!(
                    "the epoch order is not a permutation of 0..{n}"
                )));
            }
        }
        if self.pos > n {
            return Err(SamplerError::InvalidState(format!(
                "position {} past {n} prompts",
                self.pos
            )));
        }
        self.rng.check()
    }
}

impl<'de> Deserialize<'de> for UniformSampler {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let st = UniformState::deserialize(d)?;
        st.check().map_err(D::Error::custom)?;
        Ok(Self(st))
    }
}

// ---------------------------------------------------------------------------
// VADE sampler
// ---------------------------------------------------------------------------

/// VADE parameters.
///
/// Each prompt's success probability p has the posterior
/// `Beta(prior_alpha + s, prior_beta + f)`, where `s` and `f` are decayed
/// pseudo-counts of successes and failures (the evidence). The two-scale decay
/// shrinks the evidence, and so pulls the posterior back toward the prior:
///
/// - long scale: every step (each [`VadeSampler::sample`] call), all prompts'
///   evidence is multiplied by `slow_decay`. A prompt not picked for a while
///   grows uncertain again, Thompson draws for it spread out, and it gets
///   re-examined: this is what notices that the policy has changed on prompts
///   it no longer looks at.
/// - short scale: when a prompt gets new evidence
///   ([`VadeSampler::update`]), its old evidence is first multiplied by
///   `fast_decay`, so the estimate of a prompt that is picked often follows
///   the last few groups (about `1 / (1 - fast_decay)` of them).
///
/// Both factors set to 1 give the plain, non-decaying Beta–Bernoulli
/// posterior.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VadeConfig {
    /// Prior pseudo-successes, > 0. Default 1.0 (with `prior_beta` = 1, a
    /// uniform prior).
    pub prior_alpha: f64,
    /// Prior pseudo-failures, > 0. Default 1.0.
    pub prior_beta: f64,
    /// Long-scale factor applied to every prompt's evidence once per step, in
    /// (0, 1]. Default 0.99 (half-life about 69 steps).
    pub slow_decay: f64,
    /// Short-scale factor applied to a prompt's old evidence when new
    /// evidence arrives, in (0, 1]. Default 0.8 (memory of about 5 groups).
    pub fast_decay: f64,
}

impl Default for VadeConfig {
    fn default() -> Self {
        Self {
            prior_alpha: 1.0,
            prior_beta: 1.0,
            slow_decay: 0.99,
            fast_decay: 0.8,
        }
    }
}

impl VadeConfig {
    pub fn validate(&self) -> Result<(), SamplerError> {
        for (field, value) in [
            ("prior_alpha", self.prior_alpha),
            ("prior_beta", self.prior_beta),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(SamplerError::PriorNotPositive { field, value });
            }
        }
        for (field, value) in [
            ("slow_decay", self.slow_decay),
            ("fast_decay", self.fast_decay),
        ] {
            if !(value > 0.0 && value <= 1.0) {
                return Err(SamplerError::DecayOutOfRange { field, value });
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct VadeState {
    config: VadeConfig,
    /// Decayed pseudo-successes beyond the prior, per prompt.
    #[serde(with = "exact_f64")]
    success_evidence: Vec<f64>,
    /// Decayed pseudo-failures beyond the prior, per prompt.
    #[serde(with = "exact_f64")]
    failure_evidence: Vec<f64>,
    /// `sample` calls with k > 0.
    steps: u64,
    /// Mean posterior p of the prompts the last `sample` chose, at choice time.
    #[serde(with = "exact_f64::option")]
    last_chosen_mean_p: Option<f64>,
    rng: Rng,
}

/// VADE: Thompson sampling over per-prompt Beta posteriors, choosing the
/// prompts whose drawn success probability is most informative.
///
/// Each step draws p̃ ~ Beta(α, β) for every prompt and picks the `k` distinct
/// prompts with the largest p̃(1 − p̃), the variance of a Bernoulli reward:
/// GRPO's group variance comes from it, and a group of G is all-equal with
/// probability p^G + (1 − p)^G, smallest at p = 0.5. Any score symmetric about
/// 0.5 and falling with |p − 0.5| (Bernoulli entropy, variance) ranks prompts
/// the same way, so the top-k is the same for each of them. Drawing p̃ instead
/// of using the posterior mean is what makes uncertain prompts get tried.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct VadeSampler(VadeState);

impl VadeSampler {
    pub fn new(n_prompts: usize, config: VadeConfig, seed: u64) -> Result<Self, SamplerError> {
        if n_prompts == 0 {
            return Err(SamplerError::NoPrompts);
        }
        config.validate()?;
        Ok(Self(VadeState {
            config,
            success_evidence: vec![0.0; n_prompts],
            failure_evidence: vec![0.0; n_prompts],
            steps: 0,
            last_chosen_mean_p: None,
            rng: Rng::seed_from(seed),
        }))
    }

    /// One step: decays all evidence by `slow_decay`, draws, and returns the
    /// `k` best prompts, best first. When `k > n` the full ranking of all `n`
    /// prompts comes first and then repeats from the top until `k` indices are
    /// out. `k = 0` returns nothing and is not a step.
    pub fn sample(&mut self, k: usize) -> Vec<usize> {
        if k == 0 {
            return Vec::new();
        }
        let st = &mut self.0;
        st.steps += 1;
        let slow = st.config.slow_decay;
        if slow < 1.0 {
            st.success_evidence.iter_mut().for_each(|e| *e *= slow);
            st.failure_evidence.iter_mut().for_each(|e| *e *= slow);
        }
        let (prior_a, prior_b) = (st.config.prior_alpha, st.config.prior_beta);
        let rng = &mut st.rng;
        let mut scored: Vec<(f64, usize)> = (st.success_evidence.iter())
            .zip(&st.failure_evidence)
            .enumerate()
            .map(|(i, (s, f))| {
                let p = rng.beta(prior_a + s, prior_b + f);
                (p * (1.0 - p), i)
            })
            .collect();
        let n = scored.len();
        // Best score first; ties go to the lower index so the order is total.
        let best_first =
            |x: &(f64, usize), y: &(f64, usize)| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1));
        let take = k.min(n);
        if take < n {
            scored.select_nth_unstable_by(take - 1, best_first);
            scored.truncate(take);
        }
        scored.sort_unstable_by(best_first);
        let mean_p = scored.iter().map(|&(_, i)| st.mean(i)).sum::<f64>() / take as f64;
        st.last_chosen_mean_p = Some(mean_p);
        (0..k).map(|j| scored[j % take].1).collect()
    }

    /// Adds one group's outcome to `prompt`'s posterior, after discounting its
    /// old evidence by `fast_decay`. Call it once per rolled-out group.
    ///
    /// `successes` may be fractional: the training loop passes the sum of the
    /// group's rewards normalised to [0, 1], with `trials` = G. It is clamped
    /// to [0, trials]; a non-finite value, or `trials` that is not finite and
    /// > 0, adds nothing.
    ///
    /// # Panics
    /// If `prompt` is not below the number of prompts.
    pub fn update(&mut self, prompt: usize, successes: f64, trials: f64) {
        let st = &mut self.0;
        let n = st.success_evidence.len();
        assert!(prompt < n, "prompt {prompt} out of range for {n} prompts");
        if !(trials.is_finite() && trials > 0.0 && successes.is_finite()) {
            return;
        }
        let s = successes.clamp(0.0, trials);
        let fast = st.config.fast_decay;
        st.success_evidence[prompt] = fast * st.success_evidence[prompt] + s;
        st.failure_evidence[prompt] = fast * st.failure_evidence[prompt] + (trials - s);
    }

    /// Posterior mean of `prompt`'s success probability.
    ///
    /// # Panics
    /// If `prompt` is not below the number of prompts.
    pub fn posterior_mean(&self, prompt: usize) -> f64 {
        self.0.mean(prompt)
    }

    pub fn n_prompts(&self) -> usize {
        self.0.success_evidence.len()
    }

    pub fn config(&self) -> &VadeConfig {
        &self.0.config
    }
}

impl VadeState {
    fn posterior(&self, i: usize) -> (f64, f64) {
        (
            self.config.prior_alpha + self.success_evidence[i],
            self.config.prior_beta + self.failure_evidence[i],
        )
    }

    fn mean(&self, i: usize) -> f64 {
        let (a, b) = self.posterior(i);
        a / (a + b)
    }

    fn check(&self) -> Result<(), SamplerError> {
        let n = self.success_evidence.len();
        if n == 0 {
            return Err(SamplerError::NoPrompts);
        }
        if self.failure_evidence.len() != n {
            return Err(SamplerError::InvalidState(format!(
                "{n} success but {} failure counts",
                self.failure_evidence.len()
            )));
        }
        self.config.validate()?;
        let bad = |e: &f64| !(e.is_finite() && *e >= 0.0);
        if self
            .success_evidence
            .iter()
            .chain(&self.failure_evidence)
            .any(bad)
        {
            return Err(SamplerError::InvalidState(
                "evidence must be finite and >= 0".into(),
            ));
        }
        self.rng.check()
    }
}

impl<'de> Deserialize<'de> for VadeSampler {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let st = VadeState::deserialize(d)?;
        st.check().map_err(D::Error::custom)?;
        Ok(Self(st))
    }
}

// ---------------------------------------------------------------------------
// The sampler the training loop holds
// ---------------------------------------------------------------------------

/// Sampler numbers for the training log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SamplerStats {
    /// `sample` calls with k > 0 so far.
    pub steps: u64,
    /// Uniform: epochs begun.
    pub epoch: Option<u64>,
    /// VADE: mean posterior p of the prompts the last step chose, at choice
    /// time (near 0.5 when it finds informative prompts).
    pub chosen_mean_p: Option<f64>,
    /// VADE: fraction of all prompts whose posterior mean lies in (0.1, 0.9).
    pub uncertain_fraction: Option<f64>,
    /// VADE: mean posterior p over all prompts.
    pub mean_p: Option<f64>,
}

/// The prompt sampler of a GRPO run; serialize it into checkpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromptSampler {
    Uniform(UniformSampler),
    Vade(VadeSampler),
}

impl PromptSampler {
    pub fn new_uniform(n_prompts: usize, seed: u64) -> Result<Self, SamplerError> {
        UniformSampler::new(n_prompts, seed).map(Self::Uniform)
    }

    pub fn new_vade(n_prompts: usize, config: VadeConfig, seed: u64) -> Result<Self, SamplerError> {
        VadeSampler::new(n_prompts, config, seed).map(Self::Vade)
    }

    /// The next step's `k` prompt indices: distinct when `k <= n`; when
    /// `k > n`, every index and then repeats (see [`UniformSampler::sample`]
    /// and [`VadeSampler::sample`]).
    pub fn sample(&mut self, k: usize) -> Vec<usize> {
        match self {
            Self::Uniform(s) => s.sample(k),
            Self::Vade(s) => s.sample(k),
        }
    }

    /// Feeds back one group's outcome (see [`VadeSampler::update`]); a no-op
    /// for the uniform sampler.
    pub fn update(&mut self, prompt: usize, successes: f64, trials: f64) {
        if let Self::Vade(s) = self {
            s.update(prompt, successes, trials);
        }
    }

    /// VADE's posterior mean success probability of `prompt`; `None` for the
    /// uniform sampler or an index out of range.
    pub fn estimate(&self, prompt: usize) -> Option<f64> {
        match self {
            Self::Vade(s) if prompt < s.n_prompts() => Some(s.posterior_mean(prompt)),
            _ => None,
        }
    }

    pub fn n_prompts(&self) -> usize {
        match self {
            Self::Uniform(s) => s.n_prompts(),
            Self::Vade(s) => s.n_prompts(),
        }
    }

    pub fn stats(&self) -> SamplerStats {
        match self {
            Self::Uniform(s) => SamplerStats {
                steps: s.0.steps,
                epoch: Some(s.0.epoch),
                chosen_mean_p: None,
                uncertain_fraction: None,
                mean_p: None,
            },
            Self::Vade(s) => {
                let st = &s.0;
                let n = st.success_evidence.len();
                let means: Vec<f64> = (0..n).map(|i| st.mean(i)).collect();
                let uncertain = means.iter().filter(|&&m| m > 0.1 && m < 0.9).count();
                SamplerStats {
                    steps: st.steps,
                    epoch: None,
                    chosen_mean_p: st.last_chosen_mean_p,
                    uncertain_fraction: Some(uncertain as f64 / n as f64),
                    mean_p: Some(means.iter().sum::<f64>() / n as f64),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var)
    }

    #[test]
    fn beta_draws_have_the_right_mean_and_variance() {
        let mut rng = Rng::seed_from(7);
        // (a, b): both Marsaglia–Tsang branches, the shape < 1 boost, a skewed case.
        for (a, b) in [(2.0, 5.0), (0.5, 0.5), (0.3, 3.0), (30.0, 10.0)] {
            let xs: Vec<f64> = (0..200_000).map(|_| rng.beta(a, b)).collect();
            assert!(
                xs.iter().all(|x| (0.0..=1.0).contains(x)),
                "Beta({a},{b}) left [0,1]"
            );
            let (mean, var) = moments(&xs);
            let want_mean = a / (a + b);
            let want_var = a * b / ((a + b).powi(2) * (a + b + 1.0));
            assert!(
                (mean - want_mean).abs() < 0.005,
                "Beta({a},{b}) mean {mean} vs {want_mean}"
            );
            assert!(
                (var - want_var).abs() < 0.05 * want_var + 2e-4,
                "Beta({a},{b}) variance {var} vs {want_var}"
            );
        }
    }

    #[test]
    fn gamma_and_normal_draws_have_the_right_moments() {
        let mut rng = Rng::seed_from(11);
        let zs: Vec<f64> = (0..200_000).map(|_| rng.standard_normal()).collect();
        let (m, v) = moments(&zs);
        assert!(
            m.abs() < 0.01 && (v - 1.0).abs() < 0.02,
            "normal mean {m} var {v}"
        );
        for shape in [0.2, 1.0, 4.5] {
            let xs: Vec<f64> = (0..200_000).map(|_| rng.ln_gamma(shape).exp()).collect();
            let (m, v) = moments(&xs);
            // Gamma(k, 1): mean k, variance k.
            assert!(
                (m - shape).abs() < 0.02 * shape.max(1.0),
                "Gamma({shape}) mean {m}"
            );
            assert!(
                (v - shape).abs() < 0.06 * shape.max(1.0),
                "Gamma({shape}) var {v}"
            );
        }
        // Tiny shapes stay finite in log space where the plain boost underflows.
        assert!((0..1000).all(|_| rng.ln_gamma(1e-3).is_finite()));
        let p = rng.beta(1e-3, 1e-3);
        assert!((0.0..=1.0).contains(&p));
    }

    #[test]
    fn below_is_unbiased_enough_and_in_range() {
        let mut rng = Rng::seed_from(3);
        let mut counts = [0usize; 6];
        for _ in 0..60_000 {
            counts[rng.below(6) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_400..10_600).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn is_informative_needs_two_different_finite_rewards() {
        assert!(!is_informative(&[]));
        assert!(!is_informative(&[1.0]));
        assert!(!is_informative(&[0.5, 0.5, 0.5]));
        assert!(!is_informative(&[1.0, 1.0 + 1e-12]));
        assert!(!is_informative(&[0.0, f64::NAN]));
        assert!(is_informative(&[0.0, 0.0, 1.0]));
        assert!(is_informative(&[0.3, 0.3 + 1e-6]));
    }

    fn group(prompt: usize, rewards: &[f64]) -> Group<usize> {
        Group {
            prompt,
            rewards: rewards.to_vec(),
            payload: prompt * 10,
        }
    }

    #[test]
    fn group_filter_drops_all_equal_groups_and_refills() {
        let mut f = GroupFilter::new(3, 2).expect("filter");
        assert_eq!(f.next_round(), Some(3));
        assert!(f.push(group(0, &[0.0, 1.0])));
        assert!(!f.push(group(1, &[1.0, 1.0])));
        assert!(!f.push(group(2, &[0.0, 0.0])));
        assert_eq!(f.needed(), 2);
        assert_eq!(f.next_round(), Some(2));
        assert!(f.push(group(3, &[0.2, 0.7])));
        assert!(!f.push(group(4, &[0.5, 0.5])));
        assert_eq!(f.next_round(), Some(1));
        assert!(f.push(group(5, &[1.0, 0.0])));
        assert_eq!(f.next_round(), None, "full");
        let out = f.finish();
        let prompts: Vec<usize> = out.groups.iter().map(|g| g.prompt).collect();
        assert_eq!(prompts, [0, 3, 5]);
        assert_eq!(out.groups[1].payload, 30);
        assert_eq!(
            out.stats,
            GroupFilterStats {
                groups_seen: 6,
                zero_variance: 3,
                zero_variance_dropped: 3,
                zero_variance_refilled: 0,
                informative_surplus: 0,
                rounds: 3,
            }
        );
    }

    #[test]
    fn group_filter_fills_up_with_dropped_groups_after_the_last_round() {
        let mut f = GroupFilter::new(4, 1).expect("filter");
        let mut rounds = 0;
        let mut next_prompt = 0;
        while let Some(n) = f.next_round() {
            rounds += 1;
            for _ in 0..n {
                // Only prompt 1 is informative.
                let rewards = if next_prompt == 1 {
                    [0.0, 1.0]
                } else {
                    [1.0, 1.0]
                };
                f.push(group(next_prompt, &rewards));
                next_prompt += 1;
            }
        }
        assert_eq!(rounds, 2, "first round plus max_resample = 1 refill");
        let out = f.finish();
        let prompts: Vec<usize> = out.groups.iter().map(|g| g.prompt).collect();
        // Round 1: 0..4 (1 kept), round 2: 4..7; then the first dropped fill up.
        assert_eq!(prompts, [1, 0, 2, 3]);
        assert_eq!(out.stats.groups_seen, 7);
        assert_eq!(out.stats.zero_variance, 6);
        assert_eq!(out.stats.zero_variance_refilled, 3);
        assert_eq!(out.stats.zero_variance_dropped, 3);
        assert_eq!(out.stats.rounds, 2);
    }

    #[test]
    fn group_filter_without_resampling_is_plain_grpo_and_caps_surplus() {
        let mut f = GroupFilter::new(2, 0).expect("filter");
        assert_eq!(f.next_round(), Some(2));
        f.push(group(0, &[1.0, 1.0]));
        f.push(group(1, &[1.0, 1.0]));
        assert_eq!(f.next_round(), None, "no refill rounds");
        let out = f.finish();
        assert_eq!(out.groups.len(), 2);
        assert_eq!(out.stats.zero_variance_refilled, 2);

        let mut f = GroupFilter::new(1, 0).expect("filter");
        f.push(group(0, &[0.0, 1.0]));
        f.push(group(1, &[1.0, 0.0]));
        let out = f.finish();
        assert_eq!(out.groups.len(), 1);
        assert_eq!(out.stats.informative_surplus, 1);
        assert_eq!(
            GroupFilter::<()>::new(0, 1).err(),
            Some(SamplerError::NoPromptsPerStep)
        );
    }

    #[test]
    fn uniform_hands_out_every_index_once_per_epoch() {
        for (n, k) in [(10, 3), (10, 10), (7, 4), (1, 1)] {
            let mut s = PromptSampler::new_uniform(n, 42).expect("sampler");
            let mut stream = Vec::new();
            for _ in 0..(6 * n) {
                let batch = s.sample(k);
                assert_eq!(batch.len(), k);
                let distinct: HashSet<usize> = batch.iter().copied().collect();
                assert_eq!(
                    distinct.len(),
                    k,
                    "n={n} k={k}: repeated index in {batch:?}"
                );
                stream.extend(batch);
            }
            for epoch in stream.chunks_exact(n) {
                let mut sorted = epoch.to_vec();
                sorted.sort_unstable();
                assert_eq!(sorted, (0..n).collect::<Vec<_>>(), "n={n} k={k}");
            }
            assert_eq!(s.stats().epoch, Some((6 * n * k).div_ceil(n) as u64));
        }
    }

    #[test]
    fn uniform_orders_differ_between_epochs_and_seeds() {
        let mut a = PromptSampler::new_uniform(50, 1).expect("sampler");
        let mut b = PromptSampler::new_uniform(50, 2).expect("sampler");
        let a1 = a.sample(50);
        let a2 = a.sample(50);
        assert_ne!(a1, a2);
        assert_ne!(a1, b.sample(50));
        assert_ne!(a1, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn k_above_n_gives_all_indices_then_repeats() {
        let mut u = PromptSampler::new_uniform(4, 5).expect("sampler");
        let mut v = PromptSampler::new_vade(4, VadeConfig::default(), 5).expect("sampler");
        for s in [&mut u, &mut v] {
            let out = s.sample(10);
            assert_eq!(out.len(), 10);
            let mut head = out[..4].to_vec();
            head.sort_unstable();
            assert_eq!(head, [0, 1, 2, 3]);
            for i in 0..4 {
                assert!(out.iter().filter(|&&x| x == i).count() >= 2);
            }
            assert!(s.sample(0).is_empty());
        }
    }

    #[test]
    fn constructors_reject_bad_parameters() {
        assert_eq!(
            PromptSampler::new_uniform(0, 1).err(),
            Some(SamplerError::NoPrompts)
        );
        let vade = |cfg: VadeConfig| PromptSampler::new_vade(5, cfg, 1).err();
        assert_eq!(
            PromptSampler::new_vade(0, VadeConfig::default(), 1).err(),
            Some(SamplerError::NoPrompts)
        );
        for (slow, fast) in [(0.0, 0.8), (1.01, 0.8), (0.99, -0.1), (0.99, f64::NAN)] {
            let err = vade(VadeConfig {
                slow_decay: slow,
                fast_decay: fast,
                ..Default::default()
            });
            assert!(
                matches!(err, Some(SamplerError::DecayOutOfRange { .. })),
                "{slow} {fast}"
            );
        }
        for prior in [0.0, -1.0, f64::INFINITY, f64::NAN] {
            let err = vade(VadeConfig {
                prior_beta: prior,
                ..Default::default()
            });
            assert!(matches!(
                err,
                Some(SamplerError::PriorNotPositive {
                    field: "prior_beta",
                    ..
                })
            ));
        }
        let msg = vade(VadeConfig {
            fast_decay: 2.0,
            ..Default::default()
        })
        .expect("error")
        .to_string();
        assert!(
            msg.contains("fast_decay") && msg.contains("(0, 1]"),
            "{msg}"
        );
        let one = VadeConfig {
            slow_decay: 1.0,
            fast_decay: 1.0,
            ..Default::default()
        };
        assert!(
            vade(one).is_none(),
            "factors of 1 disable decay and are valid"
        );
    }

    #[test]
    fn vade_config_serde_defaults_and_unknown_fields() {
        let cfg: VadeConfig = serde_json::from_str("{}").expect("empty config");
        assert_eq!(cfg, VadeConfig::default());
        assert_eq!(
            (
                cfg.prior_alpha,
                cfg.prior_beta,
                cfg.slow_decay,
                cfg.fast_decay
            ),
            (1.0, 1.0, 0.99, 0.8)
        );
        let cfg: VadeConfig = serde_json::from_str(r#"{"fast_decay": 0.5}"#).expect("partial");
        assert_eq!(cfg.fast_decay, 0.5);
        assert_eq!(cfg.slow_decay, 0.99);
        assert!(serde_json::from_str::<VadeConfig>(r#"{"fast_decya": 0.5}"#).is_err());
    }

    #[test]
    fn vade_decay_arithmetic() {
        let cfg = VadeConfig {
            slow_decay: 0.5,
            fast_decay: 0.25,
            ..Default::default()
        };
        let mut s = VadeSampler::new(3, cfg, 0).expect("sampler");
        s.update(0, 6.0, 8.0);
        assert_eq!(s.posterior_mean(0), 7.0 / 10.0);
        s.update(0, 0.0, 8.0);
        // Old evidence (6, 2) * 0.25 + (0, 8) = (1.5, 8.5).
        assert_eq!(s.posterior_mean(0), 2.5 / 12.0);
        s.sample(1);
        s.sample(1);
        // Two steps of slow decay: (1.5, 8.5) * 0.25 = (0.375, 2.125).
        assert_eq!(s.posterior_mean(0), 1.375 / 4.5);
        // Fractional and out-of-range evidence.
        s.update(1, 2.5, 4.0);
        assert_eq!(s.posterior_mean(1), 3.5 / 6.0);
        s.update(2, 9.0, 4.0);
        assert_eq!(s.posterior_mean(2), 5.0 / 6.0, "successes clamp to trials");
        s.update(2, f64::NAN, 4.0);
        s.update(2, 1.0, 0.0);
        assert_eq!(s.posterior_mean(2), 5.0 / 6.0, "ignored");
    }

    struct Sim {
        picks: Vec<usize>,
        groups: usize,
        zero_variance: usize,
    }

    /// `steps` rounds of: pick k prompts, roll out G Bernoulli(rate) trials
    /// each, feed the successes back.
    fn simulate(
        s: &mut PromptSampler,
        rates: &[f64],
        steps: usize,
        k: usize,
        g: usize,
        rng: &mut Rng,
    ) -> Sim {
        let mut sim = Sim {
            picks: vec![0; rates.len()],
            groups: 0,
            zero_variance: 0,
        };
        for _ in 0..steps {
            for p in s.sample(k) {
                let wins = (0..g).filter(|_| rng.open01() <= rates[p]).count();
                sim.picks[p] += 1;
                sim.groups += 1;
                if wins == 0 || wins == g {
                    sim.zero_variance += 1;
                }
                s.update(p, wins as f64, g as f64);
            }
        }
        sim
    }

    #[test]
    fn vade_concentrates_on_informative_prompts() {
        // 40 prompts: 16 never solved, 16 always solved, 8 solved half the time.
        let rates: Vec<f64> = (0..40)
            .map(|i| match i % 5 {
                0 | 1 => 0.0,
                2 | 3 => 1.0,
                _ => 0.5,
            })
            .collect();
        let half: Vec<usize> = (0..40).filter(|&i| rates[i] == 0.5).collect();
        assert_eq!(half.len(), 8);
        let (steps, k, g) = (300, 8, 8);

        let mut vade = PromptSampler::new_vade(40, VadeConfig::default(), 9).expect("vade");
        let v = simulate(&mut vade, &rates, steps, k, g, &mut Rng::seed_from(100));
        let mut uniform = PromptSampler::new_uniform(40, 9).expect("uniform");
        let u = simulate(&mut uniform, &rates, steps, k, g, &mut Rng::seed_from(100));

        let share = |sim: &Sim| {
            half.iter().map(|&i| sim.picks[i]).sum::<usize>() as f64 / sim.groups as f64
        };
        let zero_frac = |sim: &Sim| sim.zero_variance as f64 / sim.groups as f64;
        let data_share = half.len() as f64 / 40.0;
        assert!(
            (share(&u) - data_share).abs() < 0.02,
            "uniform share {}",
            share(&u)
        );
        assert!(
            share(&v) > 3.0 * data_share,
            "VADE share {} vs data {data_share}",
            share(&v)
        );
        assert!(
            zero_frac(&u) > 0.75,
            "uniform zero-variance {}",
            zero_frac(&u)
        );
        assert!(
            zero_frac(&v) < 0.4 * zero_frac(&u),
            "VADE zero-variance {} vs uniform {}",
            zero_frac(&v),
            zero_frac(&u)
        );
        let stats = vade.stats();
        let chosen = stats.chosen_mean_p.expect("chosen mean");
        assert!((chosen - 0.5).abs() < 0.2, "chosen mean p {chosen}");
        let unc = stats.uncertain_fraction.expect("uncertain fraction");
        assert!((0.1..0.6).contains(&unc), "uncertain fraction {unc}");
        for (i, &rate) in rates.iter().enumerate() {
            let m = vade.estimate(i).expect("estimate");
            if rate == 0.0 {
                assert!(m < 0.5, "prompt {i} (never solved) estimated {m}");
            } else if rate == 1.0 {
                assert!(m > 0.5, "prompt {i} (always solved) estimated {m}");
            }
        }
    }

    /// Prompt 0 was always solved; then the policy changes and it is solved
    /// half the time. Returns the first phase-2 step that picks it, and its
    /// estimate averaged over the last 100 of 400 steps.
    fn drifted_prompt(cfg: VadeConfig) -> (Option<usize>, f64) {
        let mut s = PromptSampler::new_vade(10, cfg, 21).expect("vade");
        let mut rng = Rng::seed_from(22);
        let mut rates = vec![0.9; 10];
        rates[0] = 1.0;
        simulate(&mut s, &rates, 100, 3, 8, &mut rng);
        for _ in 0..20 {
            s.update(0, 8.0, 8.0);
        }
        assert!(s.estimate(0).expect("estimate") > 0.95);
        rates[0] = 0.5;
        let mut first = None;
        let mut late_estimate = 0.0;
        for step in 0..400 {
            let sim = simulate(&mut s, &rates, 1, 3, 8, &mut rng);
            if sim.picks[0] > 0 && first.is_none() {
                first = Some(step);
            }
            if step >= 300 {
                late_estimate += s.estimate(0).expect("estimate") / 100.0;
            }
        }
        (first, late_estimate)
    }

    #[test]
    fn prior_decay_notices_a_prompt_that_became_informative() {
        let (first, estimate) = drifted_prompt(VadeConfig::default());
        let first = first.expect("with decay the drifted prompt is sampled again");
        assert!(first < 300, "resampled only after {first} steps");
        assert!(
            (0.35..0.65).contains(&estimate),
            "estimate {estimate} did not move back"
        );

        let frozen = VadeConfig {
            slow_decay: 1.0,
            fast_decay: 1.0,
            ..Default::default()
        };
        let (first, estimate) = drifted_prompt(frozen);
        assert_eq!(
            first, None,
            "without decay the solved prompt is never looked at again"
        );
        assert!(estimate > 0.95, "estimate {estimate}");
    }

    fn outcome(rng: &mut Rng, p: usize) -> f64 {
        // A deterministic fake policy: prompt-dependent success rate.
        let rate = (p % 7) as f64 / 6.0;
        (0..8).filter(|_| rng.open01() <= rate).count() as f64
    }

    fn run(s: &mut PromptSampler, rng: &mut Rng, steps: usize) -> Vec<Vec<usize>> {
        (0..steps)
            .map(|_| {
                let batch = s.sample(5);
                for &p in &batch {
                    let wins = outcome(rng, p);
                    s.update(p, wins, 8.0);
                }
                batch
            })
            .collect()
    }

    #[test]
    fn serialized_samplers_continue_identically() {
        let samplers = [
            PromptSampler::new_uniform(23, 77).expect("uniform"),
            PromptSampler::new_vade(23, VadeConfig::default(), 77).expect("vade"),
        ];
        for mut original in samplers {
            let mut rng = Rng::seed_from(5);
            // 7 steps of 5 over 23 prompts: mid-epoch for the uniform sampler.
            run(&mut original, &mut rng, 7);
            let json = serde_json::to_string(&original).expect("serialize");
            let mut restored: PromptSampler = serde_json::from_str(&json).expect("deserialize");
            assert_eq!(restored, original);
            let mut rng2 = rng.clone();
            let a = run(&mut original, &mut rng, 60);
            let b = run(&mut restored, &mut rng2, 60);
            assert_eq!(a, b);
            assert_eq!(original, restored);
            assert_eq!(
                serde_json::to_string(&original).expect("serialize"),
                serde_json::to_string(&restored).expect("serialize")
            );
        }
    }

    #[test]
    fn bad_restored_state_is_an_error() {
        let s = PromptSampler::new_uniform(3, 1).expect("uniform");
        let mut v = serde_json::to_value(&s).expect("value");
        v["uniform"]["order"] = serde_json::json!([0, 0, 2]);
        let err = serde_json::from_value::<PromptSampler>(v).expect_err("not a permutation");
        assert!(err.to_string().contains("permutation"), "{err}");

        let s = PromptSampler::new_vade(3, VadeConfig::default(), 1).expect("vade");
        let mut v = serde_json::to_value(&s).expect("value");
        v["vade"]["failure_evidence"] = serde_json::json!(["0.0", "1.5"]);
        assert!(serde_json::from_value::<PromptSampler>(v.clone()).is_err());
        v["vade"]["failure_evidence"] = serde_json::json!(["0.0", "1.5", "-2.0"]);
        assert!(serde_json::from_value::<PromptSampler>(v.clone()).is_err());
        v["vade"]["failure_evidence"] = serde_json::json!(["0.0", "1.5", "2.0"]);
        v["vade"]["rng"] = serde_json::json!([0, 0, 0, 0]);
        assert!(serde_json::from_value::<PromptSampler>(v.clone()).is_err());
        v["vade"]["rng"] = serde_json::json!([1, 2, 3, 4]);
        let ok: PromptSampler = serde_json::from_value(v.clone()).expect("valid state");
        assert_eq!(ok.estimate(1), Some(1.0 / 3.5));
        v["vade"]["surprise"] = serde_json::json!(1);
        assert!(
            serde_json::from_value::<PromptSampler>(v).is_err(),
            "unknown field"
        );
    }
}
