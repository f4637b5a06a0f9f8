//! The rewasm trainer: GRPO on libtorch through `tch`.
//!
//! It sees rewards only as [`rewasm_api::RewardFn`] and never links wasmtime.
//! So far: device selection, the Llama/Qwen2 model, batched generation
//! with a KV cache and per-token log-probabilities; tokenizers and training
//! follow.

mod device;
mod generate;
pub mod model;
mod tokenizer;

pub use device::{cuda_available, Device, DeviceError};
pub use generate::{generate, token_logprobs, Generated, SamplingConfig};
pub use model::{CausalLm, KvCache, ModelConfig};
pub use tokenizer::{Message, Tokenizer, TokenizerError};
