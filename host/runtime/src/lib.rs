//! The sandboxed reward runtime of rewasm.
//!
//! One [`RewardEngine`] (wasmtime with the pooling allocator and epoch
//! interruption) loads reward components ([`Plugin`]) that implement
//! `rewasm:reward@0.1.0`; a [`RewardSet`] is the set of rewards a run uses,
//! read from a TOML file, scored in parallel, each call in a fresh instance
//! under its [`SandboxLimits`].

mod bindings;
mod cache;
mod capability;
mod engine;
mod error;
pub mod judge;
mod limits;
mod live;
mod lock;
pub mod oci;
mod output;
mod plugin;
mod quarantine;
mod reward_set;
mod robustness;
mod sign;
mod source;
mod store;
pub mod vectors;
mod vet;
mod vet_report;
mod wasi;

pub use cache::ComponentCache;
pub use capability::{Capability, Grants};
pub use engine::{EngineOptions, RewardEngine};
pub use error::Error;
pub use judge::{Judge, JudgeBackend, JudgeConfig, JudgeRequest, JudgeStats, LocalJudgeFactory};
pub use limits::SandboxLimits;
pub use live::{Change, LiveOptions, LiveRewardSet, SwapEvent, Version};
pub use lock::{LockFile, LockedReward, LOCK_VERSION};
pub use oci::{OciRef, Pulled, Pushed};
pub use plugin::{InstanceMode, Plugin, PluginInfo, PluginOptions};
pub use quarantine::QuarantinePolicy;
pub use reward_set::{
    load_reward, load_reward_bytes, LoadContext, Reward, RewardSet, RewardSetFile, RewardSpec,
    RewardStats, ScoredRow,
};
pub use sign::{
    module_digest, read_trusted_keys, signature_path, trusted_keys_from_user_config, verify_module,
    ModuleSignature, PublicKey, SecretKey, SignatureError,
};
pub use source::{builtin_names, ModuleSource};
pub use store::ModuleStore;
pub use vectors::TestCase;
pub use vet::{check_vectors, vet, VetFailure, VetOptions};
pub use vet_report::{
    CaseOutcome, Check, CheckStatus, Got, ModuleFacts, ProbeOutcome, ReportSignature,
    ResourceProfile, VetReport,
};

pub use rewasm_api::{ErrorKind, RewardError, RewardFn, Sample, Score};

/// The WIT package version this host implements.
pub const WIT_VERSION: &str = "0.1.0";
/// The WIT package name.
pub const WIT_PACKAGE: &str = "rewasm:reward";

/// `$REWASM_HOME`, default `~/.cache/rewasm`: compiled components, models.
pub fn rewasm_home() -> std::path::PathBuf {
    if let Some(h) = std::env::var_os("REWASM_HOME").filter(|h| !h.is_empty()) {
        return h.into();
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| ".".into());
    std::path::PathBuf::from(home).join(".cache").join("rewasm")
}
