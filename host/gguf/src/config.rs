//! Hugging Face `config.json` from GGUF metadata (llama and qwen2 architectures).

use serde_json::{json, Value as Json};

use crate::error::{Error, Result};
use crate::file::GgufFile;
use crate::value::Value;

/// Architectures this crate converts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    Llama,
    Qwen2,
}

impl Architecture {
    /// The `general.architecture` string, also the prefix of the model's metadata keys.
    pub fn gguf_name(self) -> &'static str {
        match self {
            Architecture::Llama => "llama",
            Architecture::Qwen2 => "qwen2",
        }
    }

    /// Whether llama.cpp's converter permuted the Q/K rows (see [`crate::permute`]).
    pub fn qk_permuted(self) -> bool {
        self == Architecture::Llama
    }
}

/// The model hyper-parameters read from the metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelParams {
    pub architecture: Architecture,
    pub block_count: u64,
    pub embedding_length: u64,
    pub feed_forward_length: u64,
    pub head_count: u64,
    pub head_count_kv: u64,
    pub context_length: u64,
    pub rope_freq_base: f64,
    pub rms_norm_eps: f64,
    pub vocab_size: u64,
    /// No `output.weight` tensor: the LM head reuses the token embedding.
    pub tie_word_embeddings: bool,
    pub bos_token_id: Option<u64>,
    pub eos_token_id: Option<u64>,
}

fn missing(key: &str, message: &str) -> Error {
    Error::Metadata {
        key: key.to_owned(),
        message: message.to_owned(),
    }
}

fn uint(file: &GgufFile, key: &str) -> Result<u64> {
    match file.get(key) {
        None => Err(missing(key, "missing")),
        Some(v) => v
            .as_u64()
            .ok_or_else(|| missing(key, "expected a non-negative integer")),
    }
}

fn float(file: &GgufFile, key: &str) -> Result<Option<f64>> {
    file.get(key)
        .map(|v| v.as_f64().ok_or_else(|| missing(key, "expected a number")))
        .transpose()
}

impl ModelParams {
    pub fn from_gguf(file: &GgufFile) -> Result<Self> {
        let arch_key = "general.architecture";
        let architecture = match file.architecture() {
            Some("llama") => Architecture::Llama,
            Some("qwen2") => Architecture::Qwen2,
            Some(other) => {
                return Err(missing(
                    arch_key,
                    &format!("architecture {other:?} is not supported (llama, qwen2)"),
                ))
            }
            None => return Err(missing(arch_key, "missing or not a string")),
        };
        let p = architecture.gguf_name();
        let key = |k: &str| format!("{p}.{k}");
        let head_count = uint(file, &key("attention.head_count"))?;
        let tokens = file.get("tokenizer.ggml.tokens").and_then(Value::as_array);
        let vocab_size = match tokens {
            Some(t) => t.len() as u64,
            None => uint(file, &key("vocab_size"))?,
        };
        let params = ModelParams {
            architecture,
            block_count: uint(file, &key("block_count"))?,
            embedding_length: uint(file, &key("embedding_length"))?,
            feed_forward_length: uint(file, &key("feed_forward_length"))?,
            head_count,
            // Absent means multi-head attention (as many KV heads as query heads).
            head_count_kv: match file.get(&key("attention.head_count_kv")) {
                None => head_count,
                Some(_) => uint(file, &key("attention.head_count_kv"))?,
            },
            context_length: uint(file, &key("context_length"))?,
            rope_freq_base: float(file, &key("rope.freq_base"))?.unwrap_or(10_000.0),
            rms_norm_eps: float(file, &key("attention.layer_norm_rms_epsilon"))?
                .ok_or_else(|| missing(&key("attention.layer_norm_rms_epsilon"), "missing"))?,
            vocab_size,
            tie_word_embeddings: file.tensor("output.weight").is_none(),
            bos_token_id: file
                .get("tokenizer.ggml.bos_token_id")
                .and_then(Value::as_u64),
            eos_token_id: file
                .get("tokenizer.ggml.eos_token_id")
                .and_then(Value::as_u64),
        };
        if params.head_count == 0
            || params.head_count_kv == 0
            || !params.embedding_length.is_multiple_of(params.head_count)
            || !params.head_count.is_multiple_of(params.head_count_kv)
        {
            return Err(missing(
                &key("attention.head_count"),
                &format!(
                    "{} heads / {} KV heads do not divide embedding length {}",
                    params.head_count, params.head_count_kv, params.embedding_length
                ),
            ));
        }
        Ok(params)
    }

    pub fn head_dim(&self) -> u64 {
        self.embedding_length / self.head_count
    }

    /// The Hugging Face `config.json` contents. Weights are exported as f32.
    pub fn hf_config(&self) -> Json {
        let mut cfg = json!({
            "hidden_act": "silu",
            "hidden_size": self.embedding_length,
            "intermediate_size": self.feed_forward_length,
            "num_hidden_layers": self.block_count,
            "num_attention_heads": self.head_count,
            "num_key_value_heads": self.head_count_kv,
            "head_dim": self.head_dim(),
            "max_position_embeddings": self.context_length,
            "rms_norm_eps": self.rms_norm_eps,
            "rope_theta": self.rope_freq_base,
            "rope_scaling": null,
            "vocab_size": self.vocab_size,
            "tie_word_embeddings": self.tie_word_embeddings,
            "bos_token_id": self.bos_token_id,
            "eos_token_id": self.eos_token_id,
            "attention_dropout": 0.0,
            "initializer_range": 0.02,
            "use_cache": true,
            "torch_dtype": "float32",
        });
        let extra = match self.architecture {
            Architecture::Llama => json!({
                "architectures": ["LlamaForCausalLM"],
                "model_type": "llama",
                "attention_bias": false,
                "mlp_bias": false,
                "pretraining_tp": 1,
            }),
            Architecture::Qwen2 => json!({
                "architectures": ["Qwen2ForCausalLM"],
                "model_type": "qwen2",
                "use_sliding_window": false,
                "sliding_window": self.context_length,
                "max_window_layers": self.block_count,
            }),
        };
        if let (Some(cfg), Json::Object(extra)) = (cfg.as_object_mut(), extra) {
            cfg.extend(extra);
        }
        cfg
    }
}

/// Shorthand for `ModelParams::from_gguf(file)?.hf_config()`.
pub fn hf_config(file: &GgufFile) -> Result<Json> {
    Ok(ModelParams::from_gguf(file)?.hf_config())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_image::{image, RawTensor};

    fn smol_like(arch: &str, with_output: bool) -> GgufFile {
        let k = |s: &str| format!("{arch}.{s}");
        let keys = [
            k("block_count"),
            k("embedding_length"),
            k("feed_forward_length"),
            k("attention.head_count"),
            k("attention.head_count_kv"),
            k("context_length"),
            k("rope.freq_base"),
            k("attention.layer_norm_rms_epsilon"),
        ];
        let meta = vec![
            ("general.architecture", Value::String(arch.into())),
            (keys[0].as_str(), Value::U32(30)),
            (keys[1].as_str(), Value::U32(576)),
            (keys[2].as_str(), Value::U32(1536)),
            (keys[3].as_str(), Value::U32(9)),
            (keys[4].as_str(), Value::U32(3)),
            (keys[5].as_str(), Value::U32(8192)),
            (keys[6].as_str(), Value::F32(100_000.0)),
            (keys[7].as_str(), Value::F32(1e-5)),
            (
                "tokenizer.ggml.tokens",
                Value::Array(vec![Value::String("a".into()); 7]),
            ),
            ("tokenizer.ggml.bos_token_id", Value::U32(1)),
            ("tokenizer.ggml.eos_token_id", Value::U32(2)),
        ];
        let tensors: Vec<RawTensor> = if with_output {
            vec![RawTensor {
                name: "output.weight".into(),
                dims: vec![1],
                type_id: 0,
                data: vec![0; 4],
            }]
        } else {
            vec![]
        };
        GgufFile::from_bytes(image(&meta, &tensors)).expect("parses")
    }

    #[test]
    fn llama_config_from_metadata() {
        let cfg = hf_config(&smol_like("llama", false)).expect("config");
        assert_eq!(cfg["architectures"], json!(["LlamaForCausalLM"]));
        assert_eq!(cfg["model_type"], "llama");
        assert_eq!(cfg["num_hidden_layers"], 30);
        assert_eq!(cfg["hidden_size"], 576);
        assert_eq!(cfg["intermediate_size"], 1536);
        assert_eq!(cfg["num_attention_heads"], 9);
        assert_eq!(cfg["num_key_value_heads"], 3);
        assert_eq!(cfg["head_dim"], 64);
        assert_eq!(cfg["max_position_embeddings"], 8192);
        assert_eq!(cfg["rope_theta"], 100_000.0);
        assert!((cfg["rms_norm_eps"].as_f64().expect("eps") - 1e-5).abs() < 1e-12);
        assert_eq!(cfg["vocab_size"], 7);
        assert_eq!(cfg["tie_word_embeddings"], true);
        assert_eq!(cfg["bos_token_id"], 1);
        assert_eq!(cfg["eos_token_id"], 2);
    }

    #[test]
    fn qwen2_config_and_untied_head() {
        let cfg = hf_config(&smol_like("qwen2", true)).expect("config");
        assert_eq!(cfg["architectures"], json!(["Qwen2ForCausalLM"]));
        assert_eq!(cfg["model_type"], "qwen2");
        assert_eq!(cfg["tie_word_embeddings"], false);
        assert_eq!(cfg["use_sliding_window"], false);
    }

    #[test]
    fn unsupported_architecture_and_missing_keys_are_errors() {
        let f = GgufFile::from_bytes(image(
            &[("general.architecture", Value::String("gpt2".into()))],
            &[],
        ))
        .expect("parses");
        assert!(matches!(hf_config(&f), Err(Error::Metadata { .. })));
        let f = GgufFile::from_bytes(image(
            &[("general.architecture", Value::String("llama".into()))],
            &[],
        ))
        .expect("parses");
        let err = hf_config(&f).expect_err("missing keys");
        assert!(err.to_string().contains("llama."), "{err}");
    }
}
