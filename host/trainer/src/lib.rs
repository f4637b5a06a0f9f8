//! The rewasm trainer: GRPO on libtorch through `tch`.
//!
//! It sees rewards only as [`rewasm_api::RewardFn`] and never links wasmtime.
//! Device selection, the Llama/Qwen2 model, tokenizers with chat templates,
//! batched generation with a KV cache and per-token log-probabilities, and
//! GRPO training.

pub mod checkpoint;
mod device;
mod generate;
pub mod grpo;
pub mod model;
mod tokenizer;

pub use device::{
    cuda_available, measure_read_bandwidth, set_cpu_threads, synchronize, Device, DeviceError,
};
pub use generate::{generate, generate_until, token_logprobs, Generated, SamplingConfig};
pub use model::{CausalLm, KvCache, ModelConfig};
pub use tokenizer::{eos_ids, Message, Tokenizer, TokenizerError};
