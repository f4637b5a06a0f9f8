//! `math-accuracy`: a rewasm reward that is 1 when a completion's final
//! answer is mathematically equal to the reference answer, 0 otherwise.
//!
//! The checking itself lives in the `math-equiv` crate (re-exported here),
//! shared with the `consistency` reward; this crate is the
//! [`rewasm_plugin_sdk::Reward`] the component exports, [`MathAccuracy`].
//! See the README for the rules and the config.

mod reward;

pub use math_equiv::{budget, compare, verify, Comparison, Config, Extractor, Method, Verdict};
pub use reward::MathAccuracy;

rewasm_plugin_sdk::export_reward!(MathAccuracy);
