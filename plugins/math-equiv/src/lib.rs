//! `math-equiv`: is a completion's final math answer equal to a reference?
//! The checker behind the `math-accuracy` reward, as a plain library so
//! that other rewards (`consistency`) compare answers the same way. It
//! exports no component: a plugin that depends on a crate exporting one
//! would define the component exports twice.
//!
//! The pipeline: [`extract`](extract) the answer (last `\boxed{}`,
//! `<answer>`, `Answer:` line, `####`, optionally the last number) →
//! normalise the text → exact string match → parse → compare exactly,
//! numerically, symbolically or element-wise. Every step is bounded by the
//! limits in [`budget`]; see math-accuracy's README for the rules and the
//! config.
//!
//! [`verify`] grades a completion against a reference (used by host-side
//! benchmarks); [`compare`] compares two answers as written.

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
mod tex;
mod verify;

pub use config::{Config, Extractor};
pub use equiv::Method;
pub use verify::{compare, verify, Comparison, Verdict};
