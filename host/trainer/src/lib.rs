//! The rewasm trainer: GRPO on libtorch through `tch`.
//!
//! It sees rewards only as [`rewasm_api::RewardFn`] and never links wasmtime.
//! Device selection, the Llama/Qwen2 model, tokenizers with chat templates,
//! batched generation with a KV cache and per-token log-probabilities, and
//! GRPO training.

mod device;
mod generate;
pub mod model;
mod tokenizer;

pub use device::{cuda_available, set_cpu_threads, Device, DeviceError};
pub use generate::{generate, generate_until, token_logprobs, Generated, SamplingConfig};
pub use model::{CausalLm, KvCache, ModelConfig};
pub use tokenizer::{Message, Tokenizer, TokenizerError};
