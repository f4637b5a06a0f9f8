//! Plain types shared by everything that produces or consumes rewards.
//!
//! This crate links neither wasmtime nor libtorch: the runtime implements
//! [`RewardFn`] with sandboxed Wasm components, and the trainer consumes it
//! without knowing how scores are made.

mod error;
mod sample;
mod score;

pub use error::{ErrorKind, RewardError};
pub use sample::{Image, Sample};
pub use score::Score;

/// Something that scores batches of samples.
///
/// Implementations return exactly one result per sample, in order; a failure
/// is a typed [`RewardError`] for the affected samples, never a made-up 0.
pub trait RewardFn: Send + Sync {
    /// The reward's name in its reward set (used in metrics).
    fn name(&self) -> &str;

    /// Scores a batch (often one GRPO group).
    fn score(&self, samples: &[Sample]) -> Vec<Result<Score, RewardError>>;
}
