//! The crate's one error type.

/// Everything that can go wrong while reading or converting a GGUF file.
///
/// `source` names the file (or `<memory>` for in-memory input); `offset` is the byte offset in it
/// where the problem was found.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or read (other than ending early).
    #[error("{source_name}: {error}")]
    Io {
        source_name: String,
        #[source]
        error: std::io::Error,
    },
    /// The input ended before a field was complete.
    #[error("{source_name}: truncated at offset {offset} while reading {what}")]
    Truncated {
        source_name: String,
        offset: u64,
        what: &'static str,
    },
    /// The first four bytes are not `GGUF`.
    #[error("{source_name}: not a GGUF file (magic bytes {found:02x?})")]
    BadMagic { source_name: String, found: [u8; 4] },
    /// Only GGUF versions 2 and 3 are read.
    #[error("{source_name}: unsupported GGUF version {version} (2 and 3 are supported)")]
    UnsupportedVersion { source_name: String, version: u32 },
    /// A count or length is larger than the rest of the input could hold; refused before
    /// allocating.
    #[error("{source_name}: at offset {offset}: {what} {value} exceeds the limit {limit}")]
    LimitExceeded {
        source_name: String,
        offset: u64,
        what: &'static str,
        value: u64,
        limit: u64,
    },
    /// A metadata value carries a type id outside the GGUF specification.
    #[error("{source_name}: at offset {offset}: unknown metadata value type {id}")]
    UnknownValueType {
        source_name: String,
        offset: u64,
        id: u32,
    },
    /// A tensor carries a ggml type id this crate does not know.
    #[error("{source_name}: at offset {offset}: tensor {tensor:?} has unknown ggml type {id}")]
    UnknownTensorType {
        source_name: String,
        offset: u64,
        tensor: String,
        id: u32,
    },
    /// Structurally invalid input (bad UTF-8, misaligned or out-of-range tensor data, ...).
    #[error("{source_name}: at offset {offset}: {message}")]
    Malformed {
        source_name: String,
        offset: u64,
        message: String,
    },
    /// The tensor's type is known but has no dequantizer here.
    #[error("tensor {tensor:?}: dequantizing {ty} is not supported")]
    UnsupportedDequant { tensor: String, ty: &'static str },
    /// No tensor by that name.
    #[error("no tensor named {0:?}")]
    TensorNotFound(String),
    /// A metadata key needed for the conversion is missing or has the wrong type.
    #[error("metadata key {key:?}: {message}")]
    Metadata { key: String, message: String },
    /// The tokenizer metadata is missing, inconsistent, or of a kind this crate does not convert.
    #[error("{source_name}: tokenizer: {message}")]
    Tokenizer {
        source_name: String,
        message: String,
    },
    /// The export target already holds files and overwriting was not asked for.
    #[error("{path}: output folder exists and is not empty (pass force to replace it)")]
    OutputExists { path: String },
    /// A tensor's shape does not fit what the conversion expects.
    #[error("tensor {tensor:?}: {message}")]
    Shape { tensor: String, message: String },
}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
