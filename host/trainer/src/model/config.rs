use std::path::Path;

use serde::Deserialize;

/// A Hugging Face `config.json` of a Llama or Qwen2 model (the fields this
/// implementation reads; others are ignored, as transformers does).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ModelConfig {
    /// `llama` or `qwen2`.
    pub model_type: String,
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    /// Grouped-query attention: fewer key/value heads than query heads.
    #[serde(default)]
    pub num_key_value_heads: Option<usize>,
    /// Per-head width; `hidden_size / num_attention_heads` when absent.
    #[serde(default)]
    pub head_dim: Option<usize>,
    #[serde(default = "default_eps")]
    pub rms_norm_eps: f64,
    #[serde(default = "default_rope_theta")]
    pub rope_theta: f64,
    pub vocab_size: usize,
    #[serde(default)]
    pub tie_word_embeddings: bool,
    /// Llama's switch for biases on q/k/v/o (Qwen2 always has q/k/v biases).
    #[serde(default)]
    pub attention_bias: bool,
    #[serde(default)]
    pub bos_token_id: Option<i64>,
    #[serde(default)]
    pub eos_token_id: Option<EosTokens>,
}

/// `eos_token_id` is a number or a list of numbers.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum EosTokens {
    One(i64),
    Many(Vec<i64>),
}

fn default_eps() -> f64 {
    1e-6
}

fn default_rope_theta() -> f64 {
    10_000.0
}

/// A config that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    Read { path: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

impl ModelConfig {
    /// Reads and checks `config.json`.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let cfg: ModelConfig = serde_json::from_str(&text).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks the architecture is supported and the shapes fit together.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !matches!(self.model_type.as_str(), "llama" | "qwen2") {
            return Err(ConfigError::Invalid(format!(
                "model_type `{}` is not supported (llama, qwen2)",
                self.model_type
            )));
        }
        let heads = self.num_attention_heads;
        if heads == 0
            || self.hidden_size == 0
            || self.num_hidden_layers == 0
            || self.vocab_size == 0
        {
            return Err(ConfigError::Invalid("sizes must be positive".into()));
        }
        if self.head_dim.is_none() && !self.hidden_size.is_multiple_of(heads) {
            return Err(ConfigError::Invalid(format!(
                "hidden_size {} is not a multiple of num_attention_heads {heads}",
                self.hidden_size
            )));
        }
        if !self.head_dim().is_multiple_of(2) {
            return Err(ConfigError::Invalid(format!(
                "head_dim {} must be even for RoPE",
                self.head_dim()
            )));
        }
        let kv = self.kv_heads();
        if kv == 0 || !heads.is_multiple_of(kv) {
            return Err(ConfigError::Invalid(format!(
                "num_attention_heads {heads} is not a multiple of num_key_value_heads {kv}"
            )));
        }
        Ok(())
    }

    /// Key/value heads.
    pub fn kv_heads(&self) -> usize {
        self.num_key_value_heads.unwrap_or(self.num_attention_heads)
    }

    /// Width of one attention head.
    pub fn head_dim(&self) -> usize {
        self.head_dim
            .unwrap_or(self.hidden_size / self.num_attention_heads.max(1))
    }

    /// Whether q/k/v projections have biases.
    pub fn qkv_bias(&self) -> bool {
        self.model_type == "qwen2" || self.attention_bias
    }

    /// Whether the output projection has a bias.
    pub fn o_bias(&self) -> bool {
        self.model_type == "llama" && self.attention_bias
    }

    /// End-of-sequence token ids.
    pub fn eos_ids(&self) -> Vec<i64> {
        match &self.eos_token_id {
            None => Vec::new(),
            Some(EosTokens::One(i)) => vec![*i],
            Some(EosTokens::Many(v)) => v.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg_with(model_type: &str, kv: usize, extra: &str) -> Result<ModelConfig, ConfigError> {
        let text = format!(
            r#"{{"model_type": "{model_type}", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
                "num_attention_heads": 4, "num_key_value_heads": {kv}, "vocab_size": 100 {extra}}}"#
        );
        let c: ModelConfig =
            serde_json::from_str(&text).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        c.validate()?;
        Ok(c)
    }

    #[test]
    fn reads_hf_fields_with_defaults() {
        let c = cfg_with(
            "qwen2",
            2,
            r#", "eos_token_id": [1, 2], "unknown_field": 3"#,
        )
        .unwrap();
        assert_eq!(c.head_dim(), 16);
        assert_eq!(c.kv_heads(), 2);
        assert!(c.qkv_bias() && !c.o_bias());
        assert_eq!(c.eos_ids(), vec![1, 2]);
        assert_eq!(c.rope_theta, 10_000.0);
    }

    #[test]
    fn rejects_unsupported_and_inconsistent() {
        assert!(cfg_with("qwen2", 2, "").is_ok());
        let e = cfg_with("qwen2", 3, "").unwrap_err();
        assert!(e.to_string().contains("num_key_value_heads 3"), "{e}");
        let e = cfg_with("gpt2", 2, "").unwrap_err();
        assert!(e.to_string().contains("`gpt2` is not supported"), "{e}");
        let llama = cfg_with("llama", 4, r#", "attention_bias": true"#).unwrap();
        assert!(llama.qkv_bias() && llama.o_bias());
    }
}
