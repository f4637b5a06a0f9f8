//! Decoder-only transformers of the Llama family (Llama, Qwen2), in tch.

mod config;
mod llama;
mod weights;

pub use config::{ConfigError, ModelConfig};
pub use llama::{CausalLm, KvCache};
pub use weights::{load_into as load_weights, WeightsError};
