//! `math-accuracy`: a rewasm reward that is 1 when a completion's final
//! answer is mathematically equal to the reference answer, 0 otherwise.
//!
//! The pipeline: [`extract`](extract) the answer (last `\boxed{}`,
//! `<answer>`, `Answer:` line, `####`, optionally the last number) →
//! normalise the text → exact string match → parse → compare exactly,
//! numerically, symbolically or element-wise. Every step is bounded by the
//! limits in [`budget`]; see the crate README for the rules and the config.
//!
//! [`verify`] is the native API (used by host-side benchmarks);
//! [`MathAccuracy`] is the [`rewasm_plugin_sdk::Reward`] exported by the component.

mod answer;
mod ast;
pub mod budget;
mod complex;
mod config;
mod equiv;
mod exact;
mod extract;
mod lexer;
mod modular;
mod normalize;
mod numeric;
mod parse;
mod prng;
mod rational;
mod reward;
mod tex;
mod verify;

pub use config::{Config, Extractor};
pub use equiv::Method;
pub use reward::MathAccuracy;
pub use verify::{verify, Verdict};

rewasm_plugin_sdk::export_reward!(MathAccuracy);
