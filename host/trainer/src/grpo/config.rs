//! `rewasm train --config RUN.toml`: every setting of a GRPO run, with TRL's
//! `GRPOConfig` names where TRL has one. Unknown keys are errors.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::sampler::VadeConfig;

/// A run configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: `{key}` {message}")]
    Invalid {
        path: PathBuf,
        key: &'static str,
        message: String,
    },
}

/// Which model to train.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ModelSpec {
    /// A model pulled with `rewasm model pull` (by name) or a Hugging Face
    /// folder (by path).
    Named(String),
    /// A small model initialised at random, with a character-level tokenizer.
    Scratch(ScratchModel),
}

// By hand rather than `untagged`, so a typo inside `[model]` is reported as
// the unknown key it is, not as "did not match any variant".
impl<'de> Deserialize<'de> for ModelSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Spec;
        impl<'de> serde::de::Visitor<'de> for Spec {
            type Value = ModelSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a model name or folder, or a [model] table for a scratch model")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ModelSpec, E> {
                Ok(ModelSpec::Named(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<ModelSpec, A::Error> {
                ScratchModel::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(ModelSpec::Scratch)
            }
        }
        d.deserialize_any(Spec)
    }
}

/// A from-scratch Llama-architecture model over a character vocabulary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScratchModel {
    /// Every character the tokenizer knows (besides `<pad>` and `<eos>`).
    pub alphabet: String,
    #[serde(default = "defaults::scratch_hidden")]
    pub hidden_size: usize,
    #[serde(default = "defaults::scratch_layers")]
    pub num_hidden_layers: usize,
    #[serde(default = "defaults::scratch_heads")]
    pub num_attention_heads: usize,
    #[serde(default = "defaults::scratch_intermediate")]
    pub intermediate_size: usize,
}

/// How rewards are scaled into advantages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleRewards {
    /// Divide by the group's standard deviation (GRPO).
    Group,
    /// Divide by the standard deviation over the whole step.
    Batch,
    /// Do not divide (Dr. GRPO).
    None,
}

/// How per-token losses are aggregated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LossType {
    /// Mean over each completion's tokens, then over completions.
    Grpo,
    /// Sum over tokens / (completions x max_completion_length).
    DrGrpo,
    /// Sum over tokens / tokens in the whole step (token-level, DAPO).
    Dapo,
    /// Sum over tokens / tokens in each accumulation chunk, averaged over chunks.
    Bnpo,
}

/// Whether importance ratios are per token or per sequence (GSPO).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportanceLevel {
    Token,
    Sequence,
}

/// How prompts are chosen each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromptSamplerKind {
    /// Shuffled epochs, each prompt once per epoch.
    Uniform,
    /// VADE: Thompson sampling on per-prompt Beta posteriors of success.
    Vade,
}

/// Learning-rate decay after warm-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LrScheduler {
    Linear,
    Cosine,
    Constant,
}

/// Every setting of a run. Defaults follow TRL's `GRPOConfig` where it has
/// the key; the README's table lists them all (a test keeps the two in step).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Model: a pulled name, an HF folder, or a `[model]` scratch table.
    pub model: ModelSpec,
    /// The reward-set file.
    pub rewards: PathBuf,
    /// JSONL rows with `prompt` or `messages`, `reference`, `metadata`.
    pub dataset: PathBuf,
    #[serde(default = "defaults::output_dir")]
    pub output_dir: PathBuf,
    #[serde(default = "defaults::device")]
    pub device: String,
    #[serde(default = "defaults::max_steps")]
    pub max_steps: u64,
    #[serde(default = "defaults::prompts_per_step")]
    pub prompts_per_step: usize,
    #[serde(default = "defaults::num_generations")]
    pub num_generations: usize,
    #[serde(default = "defaults::max_prompt_length")]
    pub max_prompt_length: usize,
    #[serde(default = "defaults::max_completion_length")]
    pub max_completion_length: usize,
    #[serde(default = "defaults::one")]
    pub temperature: f64,
    #[serde(default = "defaults::one")]
    pub top_p: f64,
    #[serde(default)]
    pub top_k: usize,
    #[serde(default)]
    pub stop: Vec<String>,
    #[serde(default = "defaults::learning_rate")]
    pub learning_rate: f64,
    #[serde(default = "defaults::adam_beta1")]
    pub adam_beta1: f64,
    #[serde(default = "defaults::adam_beta2")]
    pub adam_beta2: f64,
    #[serde(default = "defaults::adam_epsilon")]
    pub adam_epsilon: f64,
    #[serde(default)]
    pub weight_decay: f64,
    #[serde(default = "defaults::lr_scheduler_type")]
    pub lr_scheduler_type: LrScheduler,
    #[serde(default)]
    pub warmup_ratio: f64,
    #[serde(default = "defaults::one")]
    pub max_grad_norm: f64,
    #[serde(default = "defaults::one_usize")]
    pub gradient_accumulation_steps: usize,
    #[serde(default)]
    pub beta: f64,
    #[serde(default = "defaults::epsilon")]
    pub epsilon: f64,
    #[serde(default)]
    pub epsilon_high: Option<f64>,
    #[serde(default = "defaults::loss_type")]
    pub loss_type: LossType,
    #[serde(default = "defaults::importance_sampling_level")]
    pub importance_sampling_level: ImportanceLevel,
    #[serde(default = "defaults::scale_rewards")]
    pub scale_rewards: ScaleRewards,
    #[serde(default = "defaults::one_usize")]
    pub num_iterations: usize,
    #[serde(default)]
    pub mask_truncated_completions: bool,
    #[serde(default)]
    pub dynamic_sampling: bool,
    #[serde(default = "defaults::max_resample")]
    pub max_resample: usize,
    #[serde(default = "defaults::prompt_sampler")]
    pub prompt_sampler: PromptSamplerKind,
    #[serde(default)]
    pub vade: VadeConfig,
    #[serde(default = "defaults::success_threshold")]
    pub success_threshold: f64,
    #[serde(default = "defaults::seed")]
    pub seed: u64,
    #[serde(default = "defaults::save_steps")]
    pub save_steps: u64,
    #[serde(default = "defaults::save_total_limit")]
    pub save_total_limit: usize,
    #[serde(default = "defaults::one_u64")]
    pub logging_steps: u64,
    #[serde(default)]
    pub threads: Option<i32>,
}

/// Defaults, written once (serde and the README test read them here).
pub mod defaults {
    use std::path::PathBuf;

    use super::*;

    pub fn output_dir() -> PathBuf {
        PathBuf::from("runs/grpo")
    }
    pub fn device() -> String {
        "auto".into()
    }
    pub fn max_steps() -> u64 {
        100
    }
    pub fn prompts_per_step() -> usize {
        8
    }
    pub fn num_generations() -> usize {
        8
    }
    pub fn max_prompt_length() -> usize {
        512
    }
    pub fn max_completion_length() -> usize {
        256
    }
    pub fn one() -> f64 {
        1.0
    }
    pub fn one_usize() -> usize {
        1
    }
    pub fn one_u64() -> u64 {
        1
    }
    pub fn learning_rate() -> f64 {
        1e-6
    }
    pub fn adam_beta1() -> f64 {
        0.9
    }
    pub fn adam_beta2() -> f64 {
        0.999
    }
    pub fn adam_epsilon() -> f64 {
        1e-8
    }
    pub fn lr_scheduler_type() -> LrScheduler {
        LrScheduler::Linear
    }
    pub fn epsilon() -> f64 {
        0.2
    }
    pub fn loss_type() -> LossType {
        LossType::Dapo
    }
    pub fn importance_sampling_level() -> ImportanceLevel {
        ImportanceLevel::Token
    }
    pub fn scale_rewards() -> ScaleRewards {
        ScaleRewards::Group
    }
    pub fn max_resample() -> usize {
        3
    }
    pub fn prompt_sampler() -> PromptSamplerKind {
        PromptSamplerKind::Uniform
    }
    pub fn success_threshold() -> f64 {
        0.5
    }
    pub fn seed() -> u64 {
        42
    }
    pub fn save_steps() -> u64 {
        50
    }
    pub fn save_total_limit() -> usize {
        2
    }
    pub fn scratch_hidden() -> usize {
        64
    }
    pub fn scratch_layers() -> usize {
        2
    }
    pub fn scratch_heads() -> usize {
        4
    }
    pub fn scratch_intermediate() -> usize {
        128
    }
}

impl TrainConfig {
    /// Parses a run file; relative paths in it are resolved against its folder.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let mut cfg: TrainConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        // `.` parts are dropped, so `output_dir = "."` names the run
        // file's own folder as `runs/demo`, not `runs/demo/.`.
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
            *p = p
                .components()
                .filter(|c| !matches!(c, std::path::Component::CurDir))
                .collect();
            if p.as_os_str().is_empty() {
                *p = PathBuf::from(".");
            }
        };
        resolve(&mut cfg.rewards);
        resolve(&mut cfg.dataset);
        resolve(&mut cfg.output_dir);
        if let ModelSpec::Named(name) = &mut cfg.model {
            // A relative path that exists beside the config is a folder; a
            // bare name stays a name for `$REWASM_HOME/models`.
            let beside = base.join(&*name);
            if beside.join("config.json").is_file() {
                *name = beside.to_string_lossy().into_owned();
            }
        }
        cfg.validate(path)?;
        Ok(cfg)
    }

    /// Reads and parses a run file.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// The upper clip bound's epsilon (clip-higher), `epsilon` when unset.
    pub fn epsilon_high(&self) -> f64 {
        self.epsilon_high.unwrap_or(self.epsilon)
    }

    fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let bad = |key: &'static str, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            key,
            message,
        };
        let positive = |key: &'static str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(bad(key, format!("must be positive, got {v}")))
            }
        };
        let at_least_one = |key: &'static str, v: usize| {
            if v >= 1 {
                Ok(())
            } else {
                Err(bad(key, "must be at least 1".into()))
            }
        };
        at_least_one("prompts_per_step", self.prompts_per_step)?;
        at_least_one("max_prompt_length", self.max_prompt_length)?;
        at_least_one("max_completion_length", self.max_completion_length)?;
        at_least_one(
            "gradient_accumulation_steps",
            self.gradient_accumulation_steps,
        )?;
        at_least_one("num_iterations", self.num_iterations)?;
        if self.num_generations < 2 {
            return Err(bad(
                "num_generations",
                format!(
                    "must be at least 2 (group-relative advantages need a group), got {}",
                    self.num_generations
                ),
            ));
        }
        if self.max_steps == 0 {
            return Err(bad("max_steps", "must be at least 1".into()));
        }
        positive("temperature", self.temperature)?;
        positive("learning_rate", self.learning_rate)?;
        positive("max_grad_norm", self.max_grad_norm)?;
        positive("adam_epsilon", self.adam_epsilon)?;
        positive("epsilon", self.epsilon)?;
        positive("epsilon_high", self.epsilon_high())?;
        if !(0.0..1.0).contains(&self.adam_beta1) {
            return Err(bad(
                "adam_beta1",
                format!("must be in [0, 1), got {}", self.adam_beta1),
            ));
        }
        if !(0.0..1.0).contains(&self.adam_beta2) {
            return Err(bad(
                "adam_beta2",
                format!("must be in [0, 1), got {}", self.adam_beta2),
            ));
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return Err(bad(
                "top_p",
                format!("must be in (0, 1], got {}", self.top_p),
            ));
        }
        if !(0.0..1.0).contains(&self.warmup_ratio) {
            return Err(bad(
                "warmup_ratio",
                format!("must be in [0, 1), got {}", self.warmup_ratio),
            ));
        }
        if !(self.beta >= 0.0 && self.beta.is_finite()) {
            return Err(bad("beta", format!("must be >= 0, got {}", self.beta)));
        }
        if !(self.weight_decay >= 0.0 && self.weight_decay.is_finite()) {
            return Err(bad(
                "weight_decay",
                format!("must be >= 0, got {}", self.weight_decay),
            ));
        }
        if let Some(n) = self.threads {
            if n < 1 {
                return Err(bad("threads", format!("must be at least 1, got {n}")));
            }
        }
        self.vade
            .validate()
            .map_err(|e| bad("vade", e.to_string()))?;
        if let ModelSpec::Scratch(s) = &self.model {
            if s.alphabet.is_empty() {
                return Err(bad("model.alphabet", "must not be empty".into()));
            }
            if s.num_attention_heads == 0 || s.hidden_size % s.num_attention_heads != 0 {
                return Err(bad(
                    "model.num_attention_heads",
                    format!(
                        "must divide hidden_size {} (got {})",
                        s.hidden_size, s.num_attention_heads
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<TrainConfig, ConfigError> {
        TrainConfig::parse(text, Path::new("runs/run.toml"))
    }

    const MIN: &str =
        "model = \"smollm2-135m-instruct\"\nrewards = \"set.toml\"\ndataset = \"d.jsonl\"\n";

    #[test]
    fn defaults_follow_trl_and_paths_resolve_beside_the_file() {
        let c = parse(MIN).expect("parse");
        assert_eq!(c.rewards, PathBuf::from("runs/set.toml"));
        assert_eq!(c.dataset, PathBuf::from("runs/d.jsonl"));
        assert_eq!(c.output_dir, PathBuf::from("runs/runs/grpo"));
        assert_eq!(c.loss_type, LossType::Dapo);
        assert_eq!(c.epsilon_high(), 0.2);
        assert_eq!(c.num_generations, 8);
        assert_eq!(c.model, ModelSpec::Named("smollm2-135m-instruct".into()));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let e = parse(&format!("{MIN}learning_rat = 1e-5\n")).expect_err("typo");
        assert!(e.to_string().contains("learning_rat"), "{e}");
        let e = parse(&format!("{MIN}num_generations = 1\n")).expect_err("G=1");
        assert!(
            e.to_string()
                .contains("`num_generations` must be at least 2"),
            "{e}"
        );
        let e = parse(&format!("{MIN}loss_type = \"ppo\"\n")).expect_err("loss");
        assert!(e.to_string().contains("ppo"), "{e}");
        let e = parse(&format!("{MIN}top_p = 0\n")).expect_err("top_p");
        assert!(e.to_string().contains("run.toml: `top_p`"), "{e}");
    }

    /// The README's table of run-file keys lists every key of the struct
    /// with the default the struct has.
    #[test]
    fn readme_table_matches_the_struct() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
                .expect("README.md");
        let section = readme
            .split("### Run file keys")
            .nth(1)
            .expect("README has a `### Run file keys` section");
        let mut table: Vec<(String, String)> = Vec::new();
        for line in section
            .lines()
            .skip_while(|l| !l.starts_with("| key"))
            .skip(2)
        {
            if !line.starts_with('|') {
                break;
            }
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            table.push((
                cells[1].trim_matches('`').to_string(),
                cells[2].trim_matches('`').to_string(),
            ));
        }
        let cfg = parse(MIN).expect("parse");
        let json = serde_json::to_value(&cfg).expect("json");
        let obj = json.as_object().expect("object");
        let required = ["model", "rewards", "dataset"];
        let struct_keys: Vec<&String> = obj
            .keys()
            .filter(|k| !required.contains(&k.as_str()))
            .collect();
        let table_keys: Vec<&String> = table.iter().map(|(k, _)| k).collect();
        assert_eq!(
            table_keys, struct_keys,
            "README keys vs TrainConfig fields (same order)"
        );
        for (key, doc) in &table {
            let v = &obj[key.as_str()];
            let documented = match v {
                serde_json::Value::String(s) => format!("\"{s}\""),
                serde_json::Value::Number(n) => {
                    let f = n.as_f64().expect("number");
                    // `1e-6` and `1.0` in the README are numbers too.
                    match doc.parse::<f64>() {
                        Ok(d) if (d - f).abs() <= f.abs() * 1e-12 => doc.clone(),
                        _ => n.to_string(),
                    }
                }
                serde_json::Value::Bool(b) => b.to_string(),
                serde_json::Value::Array(a) if a.is_empty() => "[]".into(),
                serde_json::Value::Null => doc.clone(), // `epsilon`, libtorch's choice
                serde_json::Value::Object(_) => doc.clone(), // [vade], documented below the table
                other => other.to_string(),
            };
            let documented = if key == "output_dir" {
                "\"runs/grpo\"".to_string()
            } else {
                documented
            };
            assert_eq!(doc, &documented, "README default of `{key}`");
        }
        assert_eq!(defaults::output_dir(), PathBuf::from("runs/grpo"));
    }

    #[test]
    fn a_scratch_model_is_a_table() {
        let text = "rewards = \"s.toml\"\ndataset = \"d.jsonl\"\n[model]\nalphabet = \"0123456789\"\nhidden_size = 32\n";
        let c = parse(text).expect("parse");
        match c.model {
            ModelSpec::Scratch(s) => {
                assert_eq!(s.hidden_size, 32);
                assert_eq!(s.num_hidden_layers, defaults::scratch_layers());
            }
            other => panic!("{other:?}"),
        }
        let e = parse(&format!("{text}num_attention_heads = 5\n")).expect_err("heads");
        assert!(e.to_string().contains("must divide"), "{e}");
        let e = parse(&text.replace("hidden_size", "hiden_size")).expect_err("typo");
        assert!(e.to_string().contains("unknown field `hiden_size`"), "{e}");
        let e = parse(&format!("{text}num_attention_heads = 5\n")).expect_err("heads");
        assert!(e.to_string().contains("must divide"), "{e}");
    }
}
