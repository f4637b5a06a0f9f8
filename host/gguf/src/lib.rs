//! Reading GGUF model files (llama.cpp's format) and converting them to the Hugging Face layout.
//!
//! - [`GgufFile`] parses a GGUF v2/v3 header: metadata ([`Value`]), tensor infos ([`TensorInfo`])
//!   and the data section. Malformed or truncated input gives an [`Error`] naming the source and
//!   byte offset; counts and lengths are checked against the input size before allocating.
//! - [`dequantize`] turns tensor data of the float and common quantized [`GgmlType`]s into f32.
//! - [`hf_name`] maps llama/qwen2 tensor names to Hugging Face names, [`unpermute_rows`] undoes the
//!   Q/K row permutation of llama-architecture files, and [`hf_tensor`] does both for a tensor.
//! - [`ModelParams`] / [`hf_config`] build `config.json` from the metadata.
//! - [`hf_tokenizer`] builds `tokenizer.json` and `tokenizer_config.json` from the tokenizer
//!   metadata (byte-level BPE only).
//! - [`export_hf_folder`] writes all of it as a Hugging Face model folder (`config.json`,
//!   f32 `model.safetensors`, tokenizer files, `generation_config.json`).
//!
//! Shape convention: GGUF stores dimensions fastest-axis first (`TensorInfo::dims`, ggml `ne`),
//! so a `[out, in]` PyTorch weight has `dims == [in, out]`. Everything this crate returns as a
//! [`Tensor`] is row-major with the shape in PyTorch order (`TensorInfo::shape`).
//!
//! The format facts follow the GGUF specification in the ggml repository
//! (`docs/gguf.md`); reference values in the tests come from the `gguf` Python package
//! (`tests/reference/make_reference.py`).

mod config;
mod convert;
mod dequant;
mod error;
mod export;
mod file;
mod ggml_type;
mod names;
mod permute;
mod safetensors;
#[cfg(test)]
mod test_image;
mod tokenizer;
mod value;

pub use config::{hf_config, Architecture, ModelParams};
pub use convert::hf_tensor;
pub use dequant::{bf16_to_f32, dequantize, f16_to_f32, Tensor};
pub use error::{Error, Result};
pub use export::{export_hf_folder, ExportSummary};
pub use file::{GgufFile, TensorInfo};
pub use ggml_type::GgmlType;
pub use names::{hf_name, HfName, Projection};
pub use permute::unpermute_rows;
pub use tokenizer::{hf_tokenizer, HfTokenizer};
pub use value::Value;
