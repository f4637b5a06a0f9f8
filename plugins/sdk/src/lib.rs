//! Guest-side helpers for rewasm reward plugins written in Rust.
//!
//! A plugin implements [`Reward`] over plain Rust types (so its logic and
//! tests run natively) and calls [`export_reward!`] once; on `wasm32` the
//! macro wires the type to the `rewasm:reward@0.1.0` component exports.
//!
//! [`judge()`] asks the host's judge model (the `judge` capability); natively,
//! tests answer for it with [`judge::with_fake_judge`].

pub mod answer;
pub mod boxes;
mod config;
pub mod judge;
mod readme;
mod types;

pub use config::{config_error, parse_config, parse_validated, ConfigError};
pub use judge::{judge, JudgeRequest};
pub use readme::{assert_readme_documents, readme_config_defaults};
pub use types::{Capability, Part, PluginInfo, RewardError, Sample, Score};

/// The WIT version this SDK builds against.
pub const WIT_VERSION: &str = "0.1.0";

/// A reward: configured once, then asked to score batches of samples.
pub trait Reward: Sized + 'static {
    /// Static description: name, version, config schema, capabilities.
    fn info() -> PluginInfo;

    /// Builds the reward from the JSON text given to `configure`
    /// (`{}` when the reward set has no config table).
    fn configure(config_json: &str) -> Result<Self, RewardError>;

    /// Scores one sample.
    fn score(&self, sample: &Sample) -> Result<Score, RewardError>;

    /// Scores a batch; one result per sample, in order. Override for
    /// group-aware rewards.
    fn score_batch(&self, samples: &[Sample]) -> Vec<Result<Score, RewardError>> {
        samples.iter().map(|s| self.score(s)).collect()
    }
}

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/reward@0.1.0",
        world: "reward-plugin",
        pub_export_macro: true,
        default_bindings_module: "rewasm_plugin_sdk::bindings",
        generate_all,
    });
}

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod guest;

#[cfg(all(
    target_arch = "wasm32",
    not(target_feature = "atomics"),
    not(feature = "system-allocator")
))]
mod alloc;

/// Exports a [`Reward`] implementation as the plugin's component exports.
///
/// On targets other than `wasm32` this expands to nothing, so the plugin's
/// crate builds and tests natively.
#[macro_export]
macro_rules! export_reward {
    ($ty:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            struct __RewasmExport;
            impl $crate::bindings::exports::rewasm::reward::reward::Guest for __RewasmExport {
                fn info() -> $crate::bindings::rewasm::reward::types::PluginInfo {
                    $crate::guest::info::<$ty>()
                }
                fn configure(
                    config: ::std::string::String,
                ) -> ::std::result::Result<(), $crate::bindings::rewasm::reward::types::RewardError>
                {
                    $crate::guest::configure::<$ty>(&config)
                }
                fn score(
                    samples: ::std::vec::Vec<$crate::bindings::rewasm::reward::types::Sample>,
                ) -> ::std::vec::Vec<
                    ::std::result::Result<
                        $crate::bindings::rewasm::reward::types::Score,
                        $crate::bindings::rewasm::reward::types::RewardError,
                    >,
                > {
                    $crate::guest::score::<$ty>(samples)
                }
            }
    $crate::bindings::export!(__RewasmExport with_types_in $crate::bindings);
        };
    };
}
