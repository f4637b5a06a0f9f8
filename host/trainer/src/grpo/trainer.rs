//! The GRPO loop: sample prompts, generate G completions each, score them,
//! turn totals into group-relative advantages, and take clipped
//! policy-gradient steps; log a metrics row per step and checkpoint.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rewasm_api::Sample;
use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use super::advantage::{group_advantages, zero_variance_fraction};
use super::config::{ModelSpec, PromptSamplerKind, ScratchModel, TrainConfig};
use super::data::{load_dataset, DataError, PromptRow};
use super::loss::{chunk_loss, completion_logprobs, ChunkInputs, LossConfig, StepTotals};
use super::metrics::{MetricsLog, StepMetrics};
use super::optim::{lr_at, AdamW, AdamWConfig};
use super::rollout::{mean_std, reward_stats, score_groups, totals, GroupRollout, TrainReward};
use super::sampler::{Group, GroupFilter, PromptSampler};
use crate::checkpoint;
use crate::generate::{generate_until, SamplingConfig};
use crate::model::{CausalLm, ModelConfig};
use crate::tokenizer::Tokenizer;
use crate::Device;

/// Why a run cannot start or continue.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("model {path}: {message}")]
    Model { path: String, message: String },
    #[error(transparent)]
    Checkpoint(#[from] checkpoint::CheckpointError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("resume: {0}")]
    Resume(String),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> TrainError + '_ {
    move |source| TrainError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where the policy comes from, with names already resolved to folders.
#[derive(Debug, Clone)]
pub enum PolicySource {
    /// A Hugging Face folder.
    Folder(PathBuf),
    /// A from-scratch model (the `[model]` table).
    Scratch(ScratchModel),
}

impl PolicySource {
    /// The source for a config's model; `resolve` maps a pulled name to its
    /// folder (the CLI knows `$REWASM_HOME`).
    pub fn from_spec(
        spec: &ModelSpec,
        resolve: impl FnOnce(&str) -> Result<PathBuf, String>,
    ) -> Result<Self, TrainError> {
        match spec {
            ModelSpec::Scratch(s) => Ok(PolicySource::Scratch(s.clone())),
            ModelSpec::Named(n) => {
                resolve(n)
                    .map(PolicySource::Folder)
                    .map_err(|message| TrainError::Model {
                        path: n.clone(),
                        message,
                    })
            }
        }
    }
}

/// Everything a checkpoint holds besides tensors.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrainerState {
    step: u64,
    optimizer_steps: i64,
    seed: u64,
    sampler: PromptSampler,
    reward_sha256: BTreeMap<String, String>,
    /// What the reward provider needs to serve the same rewards again on
    /// resume (for rewasm: the reward set with its modules named by digest).
    #[serde(default)]
    reward_set: Option<serde_json::Value>,
    dataset_rows: usize,
    config: TrainConfig,
}

/// A new reward set, taken at a step boundary.
#[derive(Debug)]
pub struct RewardUpdate {
    /// The rewards from the next step on.
    pub rewards: Vec<TrainReward>,
    /// Saved in checkpoints from now on (see [`checkpoint_reward_state`]).
    pub state: Option<serde_json::Value>,
}

/// The reward state saved in the newest verified checkpoint of
/// `output_dir`, if there is one and it has a reward state.
pub fn checkpoint_reward_state(output_dir: &Path) -> Result<Option<serde_json::Value>, TrainError> {
    let Some(ck) = checkpoint::latest_verified(output_dir)? else {
        return Ok(None);
    };
    let path = ck.file("trainer_state.json");
    let text = std::fs::read_to_string(&path).map_err(io_err(&path))?;
    let state: TrainerState = serde_json::from_str(&text)
        .map_err(|e| TrainError::Resume(format!("{}: {e}", path.display())))?;
    Ok(state.reward_set)
}

/// Hooks for progress display.
pub trait TrainObserver {
    /// After every step.
    fn on_step(&mut self, _metrics: &StepMetrics) {}
    /// A line worth showing (checkpoint written, resumed, warnings).
    fn on_message(&mut self, _message: &str) {}
    /// At the boundary before step `next_step`: new rewards to use from
    /// that step on, if the reward set changed (hot swap).
    fn before_step(&mut self, _next_step: u64) -> Option<RewardUpdate> {
        None
    }
}

/// An observer that shows nothing.
#[derive(Debug, Default)]
pub struct Quiet;
impl TrainObserver for Quiet {}

/// A GRPO run.
pub struct Trainer {
    cfg: TrainConfig,
    policy: CausalLm,
    reference: Option<CausalLm>,
    tok: Tokenizer,
    /// What a checkpoint folder needs to load as a model: config.json (and
    /// generation_config.json) text.
    model_files: Vec<(String, String)>,
    eos_ids: Vec<i64>,
    pad_id: i64,
    data: Vec<PromptRow>,
    sampler: PromptSampler,
    opt: AdamW,
    rewards: Vec<TrainReward>,
    reward_state: Option<serde_json::Value>,
    step: u64,
    metrics: MetricsLog,
    device: Device,
    threads: usize,
}

impl std::fmt::Debug for Trainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trainer").field("step", &self.step).finish()
    }
}

fn scratch_config(s: &ScratchModel, vocab: usize) -> serde_json::Value {
    serde_json::json!({
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": s.hidden_size,
        "intermediate_size": s.intermediate_size,
        "num_hidden_layers": s.num_hidden_layers,
        "num_attention_heads": s.num_attention_heads,
        "num_key_value_heads": s.num_attention_heads,
        "rms_norm_eps": 1e-6,
        "rope_theta": 10000.0,
        "vocab_size": vocab,
        "tie_word_embeddings": true,
        "bos_token_id": null,
        "eos_token_id": 1,
        "pad_token_id": 0,
        "max_position_embeddings": 4096,
        "torch_dtype": "float32",
    })
}

/// A mixing of the run seed with step and round, so every generation round
/// has its own reproducible stream (and resuming needs no RNG state).
fn round_seed(seed: u64, step: u64, round: usize) -> i64 {
    let mut z = seed
        ^ step.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (round as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (z >> 1) as i64
}

impl Trainer {
    /// Sets up a run: loads the policy (and the frozen reference when
    /// beta > 0), the dataset and the optimizer; with `resume`, continues
    /// from the newest complete checkpoint in `output_dir`.
    pub fn new(
        cfg: TrainConfig,
        source: PolicySource,
        rewards: Vec<TrainReward>,
        device: Device,
        resume: bool,
    ) -> Result<Self, TrainError> {
        if rewards.is_empty() {
            return Err(TrainError::Invalid("the reward set has no rewards".into()));
        }
        std::fs::create_dir_all(&cfg.output_dir).map_err(io_err(&cfg.output_dir))?;
        let model_err = |path: &Path, e: &dyn std::fmt::Display| TrainError::Model {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        // Training keeps f32 weights on every device: bf16 weights would
        // swallow small AdamW updates.
        let (policy, tok, model_files, eos, pad_id) = match &source {
            PolicySource::Folder(dir) => {
                let tok = Tokenizer::load(dir).map_err(|e| model_err(dir, &e))?;
                let mut policy = CausalLm::load(dir, device).map_err(|e| model_err(dir, &*e))?;
                policy.set_kind(Kind::Float);
                let mut files = Vec::new();
                for name in ["config.json", "generation_config.json"] {
                    if let Ok(text) = std::fs::read_to_string(dir.join(name)) {
                        files.push((name.to_string(), text));
                    }
                }
                let eos = crate::tokenizer::eos_ids(dir, policy.config(), &tok);
                let pad = eos.first().copied().unwrap_or(0);
                (policy, tok, files, eos, pad)
            }
            PolicySource::Scratch(s) => {
                let tok = Tokenizer::char_level(&s.alphabet)
                    .map_err(|e| model_err(Path::new("scratch"), &e))?;
                let json = scratch_config(s, tok.vocab_size());
                let mcfg: ModelConfig = serde_json::from_value(json.clone())
                    .map_err(|e| model_err(Path::new("scratch"), &e))?;
                let policy = CausalLm::random(&mcfg, device, cfg.seed as i64)
                    .map_err(|e| model_err(Path::new("scratch"), &e))?;
                let files = vec![("config.json".to_string(), json.to_string())];
                (policy, tok, files, vec![1], 0)
            }
        };
        let reference = if cfg.beta > 0.0 {
            let mut r = match &source {
                PolicySource::Folder(dir) => {
                    CausalLm::load(dir, device).map_err(|e| model_err(dir, &*e))?
                }
                PolicySource::Scratch(_) => {
                    let mut r = CausalLm::random(policy.config(), device, cfg.seed as i64)
                        .map_err(|e| model_err(Path::new("scratch"), &e))?;
                    r.copy_weights_from(&policy)
                        .map_err(|e| model_err(Path::new("scratch"), &e))?;
                    r
                }
            };
            r.set_kind(Kind::Float);
            r.freeze();
            Some(r)
        } else {
            None
        };
        let data = load_dataset(&cfg.dataset, &tok, cfg.max_prompt_length)?;
        if matches!(source, PolicySource::Scratch(_)) {
            for row in &data {
                let back = tok.decode(&row.ids).unwrap_or_default();
                if !row.text.ends_with(&back) || back.chars().count() != row.ids.len() {
                    return Err(TrainError::Invalid(format!(
                        "{}: row {}: the prompt `{}` has characters outside the model's alphabet",
                        cfg.dataset.display(),
                        row.id,
                        row.text
                    )));
                }
            }
        }
        let sampler = match cfg.prompt_sampler {
            PromptSamplerKind::Uniform => PromptSampler::new_uniform(data.len(), cfg.seed),
            PromptSamplerKind::Vade => {
                PromptSampler::new_vade(data.len(), cfg.vade.clone(), cfg.seed)
            }
        }
        .map_err(|e| TrainError::Invalid(e.to_string()))?;
        let opt = AdamW::new(
            policy.var_store(),
            AdamWConfig {
                beta1: cfg.adam_beta1,
                beta2: cfg.adam_beta2,
                eps: cfg.adam_epsilon,
                weight_decay: cfg.weight_decay,
            },
        );
        let metrics_path = cfg.output_dir.join("metrics.jsonl");
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut trainer = Trainer {
            policy,
            reference,
            tok,
            model_files,
            eos_ids: eos,
            pad_id,
            data,
            sampler,
            opt,
            rewards,
            reward_state: None,
            step: 0,
            metrics: MetricsLog::open(&metrics_path).map_err(io_err(&metrics_path))?,
            device,
            threads,
            cfg,
        };
        if resume {
            trainer.resume()?;
        } else if checkpoint::latest(&trainer.cfg.output_dir)
            .ok()
            .flatten()
            .is_some()
        {
            return Err(TrainError::Invalid(format!(
                "{} already holds checkpoints of a run: pass --resume to continue it, or choose another output_dir",
                trainer.cfg.output_dir.display()
            )));
        } else {
            // A fresh run: rows of an earlier attempt that never reached a
            // checkpoint are dropped.
            trainer.restart_metrics()?;
        }
        Ok(trainer)
    }

    /// Steps done.
    pub fn step(&self) -> u64 {
        self.step
    }

    /// The policy being trained.
    pub fn policy(&self) -> &CausalLm {
        &self.policy
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tok
    }

    /// The run's configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.cfg
    }

    /// Where metrics rows go.
    pub fn metrics_path(&self) -> &Path {
        self.metrics.path()
    }

    /// Replaces the reward set (between steps).
    pub fn set_rewards(&mut self, rewards: Vec<TrainReward>) {
        self.rewards = rewards;
    }

    /// Sets what checkpoints save about the rewards (see
    /// [`checkpoint_reward_state`]).
    pub fn set_reward_state(&mut self, state: Option<serde_json::Value>) {
        self.reward_state = state;
    }

    fn digests(&self) -> BTreeMap<String, String> {
        self.rewards
            .iter()
            .map(|r| (r.name.clone(), r.digest.clone()))
            .collect()
    }

    /// Runs steps until `max_steps`, checkpointing every `save_steps` and at
    /// the end. Returns the metrics of the steps it ran.
    pub fn run(&mut self, obs: &mut dyn TrainObserver) -> Result<Vec<StepMetrics>, TrainError> {
        let mut all = Vec::new();
        while self.step < self.cfg.max_steps {
            if let Some(update) = obs.before_step(self.step + 1) {
                if update.rewards.is_empty() {
                    obs.on_message("reward update with no rewards ignored");
                } else {
                    self.rewards = update.rewards;
                    self.reward_state = update.state;
                }
            }
            let m = self.train_step()?;
            self.metrics
                .append(&m)
                .map_err(io_err(&self.cfg.output_dir.join("metrics.jsonl")))?;
            obs.on_step(&m);
            all.push(m);
            if self.step.is_multiple_of(self.cfg.save_steps.max(1))
                || self.step == self.cfg.max_steps
            {
                let dir = self.save_checkpoint()?;
                obs.on_message(&format!("checkpoint {}", dir.display()));
            }
        }
        Ok(all)
    }

    /// One GRPO step (generation rounds, scoring, updates); does not log or
    /// checkpoint.
    pub fn train_step(&mut self) -> Result<StepMetrics, TrainError> {
        let t_step = Instant::now();
        let step = self.step + 1;
        let g = self.cfg.num_generations;
        let ro = if self.cfg.dynamic_sampling {
            self.rollout_dynamic(step)?
        } else {
            self.rollout_plain(step)?
        };
        let groups = &ro.groups;
        let zero_var = zero_variance_fraction(&ro.all_totals, g);

        // The update.
        let t_train = Instant::now();
        let mut batch = match ro.batch {
            Some(b) => b,
            None => Batch::layout(groups, &self.data, self.pad_id, self.device)?,
        };
        let totals: Vec<Option<f64>> = groups
            .iter()
            .flat_map(|gr| gr.totals.iter().copied())
            .collect();
        batch.set_mask(&totals, groups, self.cfg.mask_truncated_completions);
        let adv = group_advantages(&totals, g, self.cfg.scale_rewards);
        let advantages = Tensor::from_slice(&adv.iter().map(|&a| a as f32).collect::<Vec<_>>())
            .to_device(batch.ids.device());
        let (old, refs) = match ro.pre {
            Some(pre) => pre,
            None => self.pre_logprobs(&batch),
        };
        let chunks = batch.chunks(self.cfg.gradient_accumulation_steps);
        let step_totals = StepTotals {
            sequences: batch.rows,
            tokens: batch.mask.sum(Kind::Double).double_value(&[]),
            chunks: chunks.len(),
        };
        let lcfg = LossConfig {
            loss_type: self.cfg.loss_type,
            level: self.cfg.importance_sampling_level,
            epsilon_low: self.cfg.epsilon,
            epsilon_high: self.cfg.epsilon_high(),
            beta: self.cfg.beta,
            max_completion_length: self.cfg.max_completion_length,
        };
        let total_updates = self.cfg.max_steps * self.cfg.num_iterations as u64;
        let warmup = (self.cfg.warmup_ratio * total_updates as f64).ceil() as u64;
        let (mut loss_sum, mut clipped, mut counted, mut kl_sum, mut ent_sum) =
            (0.0, 0.0, 0.0, 0.0, 0.0);
        let (mut lr, mut grad_norm) = (0.0, 0.0);
        // Nothing to learn from (every completion failed or was masked):
        // no update, rather than a step on an empty loss.
        if step_totals.tokens > 0.0 {
            for it in 0..self.cfg.num_iterations {
                self.opt.zero_grad();
                for (c, &(start, len)) in chunks.iter().enumerate() {
                    let mask = batch.mask.narrow(0, start, len);
                    let (logp, ent) = completion_logprobs(
                        &self.policy,
                        &batch.ids.narrow(0, start, len),
                        &batch.attn.narrow(0, start, len),
                        batch.prompt_len,
                        self.cfg.temperature,
                    );
                    let out = chunk_loss(
                        &lcfg,
                        &step_totals,
                        &ChunkInputs {
                            logp: &logp,
                            old_logp: old.get(c),
                            ref_logp: refs.get(c),
                            advantages: &advantages.narrow(0, start, len),
                            mask: &mask,
                        },
                    );
                    out.loss.backward();
                    loss_sum += out.loss.double_value(&[]);
                    clipped += out.clipped;
                    counted += out.tokens;
                    if it == 0 {
                        kl_sum += out.kl_sum;
                        ent_sum += (&ent * &mask).sum(Kind::Double).double_value(&[]);
                    }
                }
                grad_norm = self.opt.clip_grad_norm(self.cfg.max_grad_norm);
                lr = lr_at(
                    self.cfg.learning_rate,
                    self.cfg.lr_scheduler_type,
                    self.opt.steps() as u64,
                    warmup,
                    total_updates,
                );
                self.opt.step(lr);
            }
        }
        crate::synchronize(self.device);
        let train_s = t_train.elapsed().as_secs_f64() + ro.pre_s;
        self.step = step;

        let ok_totals: Vec<f64> = totals.iter().flatten().copied().collect();
        let (reward_mean, reward_std) = mean_std(&ok_totals);
        let lengths: Vec<usize> = groups
            .iter()
            .flat_map(|g| g.completions.iter().map(|c| c.ids.len()))
            .collect();
        let truncated = groups
            .iter()
            .flat_map(|g| g.completions.iter())
            .filter(|c| !c.finished)
            .count();
        let n = lengths.len().max(1) as f64;
        let tokens = step_totals.tokens.max(1.0);
        let step_s = t_step.elapsed().as_secs_f64();
        Ok(StepMetrics {
            step,
            reward_mean,
            reward_std,
            rewards: reward_stats(&self.rewards, groups),
            kl: kl_sum / tokens,
            loss: loss_sum / self.cfg.num_iterations as f64,
            clip_fraction: if counted > 0.0 {
                clipped / counted
            } else {
                0.0
            },
            entropy: ent_sum / tokens,
            completion_length_mean: lengths.iter().sum::<usize>() as f64 / n,
            completion_length_max: lengths.iter().copied().max().unwrap_or(0),
            truncated_fraction: truncated as f64 / n,
            zero_variance_fraction: zero_var,
            tokens_per_s: ro.generated_tokens as f64 / step_s.max(1e-9),
            step_s,
            generation_s: ro.gen_s,
            reward_s: ro.reward_s,
            reward_wait_s: ro.reward_wait_s,
            train_s,
            lr,
            grad_norm,
            rounds: ro.rounds,
            reward_sha256: self.digests(),
        })
    }

    /// Generates G completions for each of `prompts`.
    fn generate_round(&self, prompts: &[usize], step: u64, round: usize) -> Vec<crate::Generated> {
        let g = self.cfg.num_generations;
        let rows: Vec<Vec<i64>> = prompts
            .iter()
            .flat_map(|&i| std::iter::repeat_n(self.data[i].ids.clone(), g))
            .collect();
        let sc = SamplingConfig {
            max_new_tokens: self.cfg.max_completion_length,
            greedy: false,
            temperature: self.cfg.temperature,
            top_k: self.cfg.top_k,
            top_p: self.cfg.top_p,
            eos_ids: self.eos_ids.clone(),
            seed: round_seed(self.cfg.seed, step, round),
        };
        let stop = self.tok.stop_checker(&self.cfg.stop);
        let out = generate_until(&self.policy, &rows, &sc, &stop);
        crate::synchronize(self.device);
        out
    }

    fn samples(
        &self,
        prompts: &[usize],
        gens: &[crate::Generated],
        step: u64,
        round: usize,
    ) -> Vec<Vec<Sample>> {
        prompts
            .iter()
            .zip(gens.chunks(self.cfg.num_generations))
            .map(|(&pi, chunk)| {
                chunk
                    .iter()
                    .map(|gen| self.sample_for(pi, gen, step, round))
                    .collect()
            })
            .collect()
    }

    /// Turns scores into groups and feeds the prompt sampler.
    fn make_groups(
        &mut self,
        prompts: &[usize],
        gens: Vec<crate::Generated>,
        scored: Vec<Vec<Vec<Result<rewasm_api::Score, rewasm_api::RewardError>>>>,
    ) -> Vec<GroupRollout> {
        let g = self.cfg.num_generations;
        let mut gens = gens.into_iter();
        prompts
            .iter()
            .zip(scored)
            .map(|(&pi, scores)| {
                let completions: Vec<crate::Generated> = gens.by_ref().take(g).collect();
                let t = totals(&self.rewards, &scores, completions.len());
                let ok: Vec<f64> = t.iter().flatten().copied().collect();
                let successes = ok
                    .iter()
                    .filter(|&&v| v > self.cfg.success_threshold)
                    .count();
                self.sampler.update(pi, successes as f64, ok.len() as f64);
                GroupRollout {
                    prompt: pi,
                    completions,
                    scores,
                    totals: t,
                }
            })
            .collect()
    }

    /// One round, every group kept. Scoring runs on CPU threads while the
    /// policy computes the old/reference log-probabilities the update needs.
    fn rollout_plain(&mut self, step: u64) -> Result<Rollouts, TrainError> {
        let prompts = self.sampler.sample(self.cfg.prompts_per_step);
        let t = Instant::now();
        let gens = self.generate_round(&prompts, step, 0);
        let gen_s = t.elapsed().as_secs_f64();
        let generated_tokens = gens.iter().map(|x| x.ids.len()).sum();
        let samples = self.samples(&prompts, &gens, step, 0);
        let layout: Vec<GroupRollout> = prompts
            .iter()
            .zip(gens.chunks(self.cfg.num_generations))
            .map(|(&pi, chunk)| GroupRollout {
                prompt: pi,
                completions: chunk.to_vec(),
                scores: Vec::new(),
                totals: Vec::new(),
            })
            .collect();
        let batch = Batch::layout(&layout, &self.data, self.pad_id, self.device)?;
        let rewards = self.rewards.clone();
        let threads = self.threads;
        let mut pre_s = 0.0;
        let mut reward_wait_s = 0.0;
        let (scored, pre) = std::thread::scope(|s| {
            let scorer = s.spawn(|| {
                let t = Instant::now();
                let out = score_groups(&rewards, &samples, threads);
                (out, t.elapsed().as_secs_f64())
            });
            let t = Instant::now();
            let pre = self.pre_logprobs(&batch);
            pre_s = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let joined = scorer.join();
            reward_wait_s = t.elapsed().as_secs_f64();
            (joined, pre)
        });
        let (scored, reward_s) =
            scored.map_err(|_| TrainError::Invalid("the reward scoring thread panicked".into()))?;
        let groups = self.make_groups(&prompts, gens, scored);
        let all_totals = groups
            .iter()
            .flat_map(|g| g.totals.iter().copied())
            .collect();
        Ok(Rollouts {
            groups,
            all_totals,
            rounds: 1,
            gen_s,
            reward_s,
            reward_wait_s,
            generated_tokens,
            batch: Some(batch),
            pre: Some(pre),
            pre_s,
        })
    }

    /// DAPO dynamic sampling: rounds of generation and scoring until
    /// `prompts_per_step` groups with varying rewards are found, at most
    /// `max_resample` extra rounds.
    fn rollout_dynamic(&mut self, step: u64) -> Result<Rollouts, TrainError> {
        let mut filter = GroupFilter::new(self.cfg.prompts_per_step, self.cfg.max_resample)
            .map_err(|e| TrainError::Invalid(e.to_string()))?;
        let (mut gen_s, mut reward_s, mut generated_tokens, mut round) = (0.0, 0.0, 0, 0);
        let mut all_totals = Vec::new();
        while let Some(k) = filter.next_round() {
            let prompts = self.sampler.sample(k);
            let t = Instant::now();
            let gens = self.generate_round(&prompts, step, round);
            gen_s += t.elapsed().as_secs_f64();
            generated_tokens += gens.iter().map(|x| x.ids.len()).sum::<usize>();
            let samples = self.samples(&prompts, &gens, step, round);
            let t = Instant::now();
            let scored = score_groups(&self.rewards, &samples, self.threads);
            reward_s += t.elapsed().as_secs_f64();
            for gr in self.make_groups(&prompts, gens, scored) {
                all_totals.extend(gr.totals.iter().copied());
                let ok: Vec<f64> = gr.totals.iter().flatten().copied().collect();
                filter.push(Group {
                    prompt: gr.prompt,
                    rewards: ok,
                    payload: gr,
                });
            }
            round += 1;
        }
        let done = filter.finish();
        Ok(Rollouts {
            groups: done.groups.into_iter().map(|g| g.payload).collect(),
            all_totals,
            rounds: done.stats.rounds,
            gen_s,
            reward_s,
            reward_wait_s: reward_s,
            generated_tokens,
            batch: None,
            pre: None,
            pre_s: 0.0,
        })
    }

    fn sample_for(&self, prompt: usize, gen: &crate::Generated, step: u64, round: usize) -> Sample {
        let row = &self.data[prompt];
        let ids: Vec<i64> = gen
            .ids
            .iter()
            .copied()
            .filter(|i| !self.eos_ids.contains(i))
            .collect();
        Sample {
            id: row.id.clone(),
            group: Some(format!("{step}:{round}:{prompt}")),
            prompt: row.text.clone(),
            completion: self.tok.decode(&ids).unwrap_or_default(),
            completion_tokens: gen.ids.len() as u32,
            reference: row.reference.clone(),
            metadata: row.metadata.clone(),
            images: row.images.clone(),
            step,
        }
    }

    /// Old-policy log-probabilities (only when the batch is reused for
    /// several updates) and reference log-probabilities (only when beta > 0),
    /// per chunk, without gradients.
    fn pre_logprobs(&self, batch: &Batch) -> (Vec<Tensor>, Vec<Tensor>) {
        let chunks = batch.chunks(self.cfg.gradient_accumulation_steps);
        let pass = |m: &CausalLm| -> Vec<Tensor> {
            chunks
                .iter()
                .map(|r| {
                    tch::no_grad(|| {
                        completion_logprobs(
                            m,
                            &batch.ids.narrow(0, r.0, r.1),
                            &batch.attn.narrow(0, r.0, r.1),
                            batch.prompt_len,
                            self.cfg.temperature,
                        )
                        .0
                    })
                })
                .collect()
        };
        let old = if self.cfg.num_iterations > 1 {
            pass(&self.policy)
        } else {
            Vec::new()
        };
        let refs = self.reference.as_ref().map(pass).unwrap_or_default();
        (old, refs)
    }

    /// Writes a checkpoint of the current step: a loadable model folder
    /// (config, weights, tokenizer) plus optimizer moments and trainer state.
    pub fn save_checkpoint(&self) -> Result<PathBuf, TrainError> {
        let state = TrainerState {
            step: self.step,
            optimizer_steps: self.opt.steps(),
            seed: self.cfg.seed,
            sampler: self.sampler.clone(),
            reward_sha256: self.digests(),
            reward_set: self.reward_state.clone(),
            dataset_rows: self.data.len(),
            config: self.cfg.clone(),
        };
        let dir = checkpoint::save(
            &self.cfg.output_dir,
            self.step,
            self.cfg.save_total_limit,
            |dir| {
                let other = |e: &dyn std::fmt::Display| std::io::Error::other(e.to_string());
                self.policy
                    .var_store()
                    .save(dir.join("model.safetensors"))
                    .map_err(|e| other(&e))?;
                let named = self.opt.state();
                Tensor::write_safetensors(&named, dir.join("optimizer.safetensors"))
                    .map_err(|e| other(&e))?;
                for (name, text) in &self.model_files {
                    std::fs::write(dir.join(name), text)?;
                }
                self.tok.save(dir).map_err(|e| other(&e))?;
                let json = serde_json::to_string_pretty(&state).map_err(|e| other(&e))?;
                std::fs::write(dir.join("trainer_state.json"), json)
            },
        )?;
        Ok(dir)
    }

    fn restart_metrics(&mut self) -> Result<(), TrainError> {
        let metrics_path = self.metrics.path().to_path_buf();
        MetricsLog::truncate_after(&metrics_path, 0).map_err(io_err(&metrics_path))?;
        self.metrics = MetricsLog::open(&metrics_path).map_err(io_err(&metrics_path))?;
        Ok(())
    }

    fn resume(&mut self) -> Result<(), TrainError> {
        let Some(ck) = checkpoint::latest_verified(&self.cfg.output_dir)? else {
            // Killed before its first checkpoint: the run starts over, and
            // the rows it logged are dropped so steps are not repeated.
            return self.restart_metrics();
        };
        let path = ck.file("trainer_state.json");
        let text = std::fs::read_to_string(&path).map_err(io_err(&path))?;
        let state: TrainerState = serde_json::from_str(&text)
            .map_err(|e| TrainError::Resume(format!("{}: {e}", path.display())))?;
        if state.dataset_rows != self.data.len() {
            return Err(TrainError::Resume(format!(
                "the checkpoint saw {} dataset rows, {} has {}",
                state.dataset_rows,
                self.cfg.dataset.display(),
                self.data.len()
            )));
        }
        let weights = ck.file("model.safetensors");
        crate::model::load_weights(self.policy.var_store(), std::slice::from_ref(&weights))
            .map_err(|e| TrainError::Resume(format!("{}: {e}", weights.display())))?;
        let opt_path = ck.file("optimizer.safetensors");
        let named = Tensor::read_safetensors(&opt_path)
            .map_err(|e| TrainError::Resume(format!("{}: {e}", opt_path.display())))?;
        let named: Vec<(String, Tensor)> = named
            .into_iter()
            .map(|(n, t)| (n, t.to_device(self.policy.var_store().device())))
            .collect();
        self.opt
            .load_state(&named, state.optimizer_steps)
            .map_err(TrainError::Resume)?;
        self.sampler = state.sampler;
        self.step = state.step;
        let metrics_path = self.metrics.path().to_path_buf();
        MetricsLog::truncate_after(&metrics_path, self.step).map_err(io_err(&metrics_path))?;
        self.metrics = MetricsLog::open(&metrics_path).map_err(io_err(&metrics_path))?;
        self.metrics
            .append(
                &serde_json::json!({"event": "resume", "step": self.step, "checkpoint": ck.dir}),
            )
            .map_err(io_err(&metrics_path))?;
        Ok(())
    }
}

/// What the rollout phase of a step produced.
struct Rollouts {
    groups: Vec<GroupRollout>,
    /// Totals of every group generated (kept or dropped), for the
    /// zero-variance metric.
    all_totals: Vec<Option<f64>>,
    rounds: usize,
    gen_s: f64,
    reward_s: f64,
    reward_wait_s: f64,
    generated_tokens: usize,
    /// The batch layout and the log-probabilities computed while scoring.
    batch: Option<Batch>,
    pre: Option<(Vec<Tensor>, Vec<Tensor>)>,
    pre_s: f64,
}

/// A step's completions as tensors: `ids` `[rows, prompt_len + comp_len]`
/// with left-padded prompts and right-padded completions, `attn` marking
/// real tokens, `mask` `[rows, comp_len]` marking the tokens that train.
struct Batch {
    ids: Tensor,
    attn: Tensor,
    mask: Tensor,
    prompt_len: i64,
    comp_len: usize,
    rows: usize,
}

impl Batch {
    fn layout(
        groups: &[GroupRollout],
        data: &[PromptRow],
        pad: i64,
        device: Device,
    ) -> Result<Self, TrainError> {
        let dev = device
            .to_tch()
            .map_err(|e| TrainError::Invalid(e.to_string()))?;
        let rows: Vec<(&[i64], &[i64])> = groups
            .iter()
            .flat_map(|gr| {
                gr.completions
                    .iter()
                    .map(move |c| (data[gr.prompt].ids.as_slice(), c.ids.as_slice()))
            })
            .collect();
        let p = rows.iter().map(|r| r.0.len()).max().unwrap_or(1).max(1);
        let c = rows.iter().map(|r| r.1.len()).max().unwrap_or(1).max(1);
        let n = rows.len();
        let mut ids = vec![pad; n * (p + c)];
        let mut attn = vec![0i64; n * (p + c)];
        for (r, (prompt, comp)) in rows.iter().enumerate() {
            let base = r * (p + c);
            let start = base + p - prompt.len();
            ids[start..base + p].copy_from_slice(prompt);
            ids[base + p..base + p + comp.len()].copy_from_slice(comp);
            attn[start..base + p + comp.len()]
                .iter_mut()
                .for_each(|a| *a = 1);
        }
        let shape = [n as i64, (p + c) as i64];
        Ok(Batch {
            ids: Tensor::from_slice(&ids).view(shape).to_device(dev),
            attn: Tensor::from_slice(&attn).view(shape).to_device(dev),
            mask: Tensor::zeros([n as i64, c as i64], (Kind::Float, dev)),
            prompt_len: p as i64,
            comp_len: c,
            rows: n,
        })
    }

    /// Marks the completion tokens that train: not of a completion whose
    /// reward failed, nor (with `mask_truncated`) of one that was cut off.
    fn set_mask(&mut self, totals: &[Option<f64>], groups: &[GroupRollout], mask_truncated: bool) {
        let c = self.comp_len;
        let mut mask = vec![0f32; self.rows * c];
        let completions = groups.iter().flat_map(|g| g.completions.iter());
        for (r, (gen, total)) in completions.zip(totals).enumerate() {
            if total.is_some() && (gen.finished || !mask_truncated) {
                mask[r * c..r * c + gen.ids.len()]
                    .iter_mut()
                    .for_each(|m| *m = 1.0);
            }
        }
        self.mask = Tensor::from_slice(&mask)
            .view([self.rows as i64, c as i64])
            .to_device(self.ids.device());
    }

    /// `(start, len)` row ranges of `parts` near-equal chunks.
    fn chunks(&self, parts: usize) -> Vec<(i64, i64)> {
        let parts = parts.clamp(1, self.rows.max(1));
        let base = self.rows / parts;
        let extra = self.rows % parts;
        let mut out = Vec::new();
        let mut start = 0;
        for i in 0..parts {
            let len = base + usize::from(i < extra);
            if len > 0 {
                out.push((start as i64, len as i64));
            }
            start += len;
        }
        out
    }
}
