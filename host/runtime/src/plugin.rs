use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use rewasm_api::{RewardError, RewardFn, Sample, Score};
use wasmtime::component::Linker;
use wasmtime::Store;

use crate::bindings::{wit, RewardPlugin, RewardPluginPre};
use crate::capability::HostState;
use crate::limits::MemoryLimiter;
use crate::output::{classify_failure, convert_guest_error, convert_results};
use crate::quarantine::{Admission, Quarantine};
use crate::{Capability, Error, Grants, Judge, QuarantinePolicy, RewardEngine, SandboxLimits};

/// How calls get an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InstanceMode {
    /// A fresh instance per call (the default): no state leaks from one batch
    /// to the next, and a crashed instance is simply dropped. With the pooling
    /// allocator this costs microseconds.
    #[default]
    Fresh,
    /// Keep one configured instance per thread and reuse it until it fails.
    /// Weaker isolation (guest globals persist); kept for measuring what
    /// fresh instances cost.
    Reuse,
}

/// What a plugin says about itself (its `info()` export).
#[derive(Debug, Clone, PartialEq)]
pub struct PluginInfo {
    /// Plugin name.
    pub name: String,
    /// Plugin version.
    pub version: String,
    /// One-line description.
    pub description: String,
    /// JSON Schema of the config.
    pub config_schema: String,
    /// Capabilities the plugin asks for.
    pub capabilities: Vec<Capability>,
    /// Whether samples should carry images.
    pub needs_images: bool,
}

/// A loaded, configured reward component, ready to score.
pub struct Plugin {
    reward: Arc<str>,
    origin: String,
    digest: String,
    info: PluginInfo,
    imports: Vec<String>,
    exports: Vec<String>,
    engine: Arc<RewardEngine>,
    pre: RewardPluginPre<HostState>,
    limits: SandboxLimits,
    grants: Grants,
    judge: Option<Judge>,
    config_json: String,
    mode: InstanceMode,
    warm: Mutex<Vec<(Store<HostState>, RewardPlugin)>>,
    quarantine: Quarantine,
    from_cache: bool,
}

/// How to load a plugin: limits, grants, config.
#[derive(Debug, Clone)]
pub struct PluginOptions {
    /// Limits of every call.
    pub limits: SandboxLimits,
    /// Capabilities granted.
    pub grants: Grants,
    /// JSON text handed to `configure()`.
    pub config_json: String,
    /// Fresh instance per call, or reuse.
    pub mode: InstanceMode,
    /// When repeated failures pause the plugin.
    pub quarantine: QuarantinePolicy,
    /// What answers the plugin's `judge` calls (with the `judge` grant);
    /// none answers every request with an error.
    pub judge: Option<Judge>,
}

impl Default for PluginOptions {
    fn default() -> Self {
        PluginOptions {
            limits: SandboxLimits::default(),
            grants: Grants::none(),
            config_json: "{}".into(),
            mode: InstanceMode::Fresh,
            quarantine: QuarantinePolicy::default(),
            judge: None,
        }
    }
}

impl Plugin {
    /// Loads a component with default limits, no capabilities and an empty
    /// config (what `rewasm inspect` needs).
    pub fn load(engine: &Arc<RewardEngine>, origin: &str, bytes: &[u8]) -> Result<Self, Error> {
        Self::load_with(engine, origin, origin, bytes, PluginOptions::default())
    }

    /// Loads `bytes` as reward `reward`: compiles (or takes from the cache),
    /// checks the WIT version, links, reads `info()` and checks the config
    /// with `configure()`. `origin` names the source in messages.
    pub fn load_with(
        engine: &Arc<RewardEngine>,
        reward: &str,
        origin: &str,
        bytes: &[u8],
        opts: PluginOptions,
    ) -> Result<Self, Error> {
        let req = opts;
        let origin = origin.to_string();
        let digest = crate::cache::sha256_hex(bytes);
        let wt = engine.engine_for(&req.limits);
        if !wasmparser_is_component(bytes) {
            return Err(Error::InvalidComponent {
                origin,
                message: "the file is not a Wasm component (a core module needs `wasm-tools component new`)"
                    .into(),
            });
        }
        let (component, from_cache) =
            engine
                .component(&req.limits, &digest, bytes)
                .map_err(|e| Error::InvalidComponent {
                    origin: origin.clone(),
                    message: format!("{e:#}"),
                })?;

        let ty = component.component_type();
        let imports: Vec<String> = ty.imports(wt).map(|(n, _)| n.to_string()).collect();
        let exports: Vec<String> = ty.exports(wt).map(|(n, _)| n.to_string()).collect();
        check_wit_version(&origin, &exports)?;

        let mut linker: Linker<HostState> = Linker::new(wt);
        RewardPlugin::add_to_linker::<_, wasmtime::component::HasSelf<_>>(&mut linker, |s| s)
            .map_err(|e| Error::Instantiate {
                origin: origin.clone(),
                message: format!("{e:#}"),
            })?;
        if req.grants.has(Capability::Wasi) {
            wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|e| Error::Instantiate {
                origin: origin.clone(),
                message: format!("{e:#}"),
            })?;
        }
        // Everything else a component may import (WASI unless granted, other
        // packages) is denied: calling it traps with a message naming it.
        let wasi = req.grants.has(Capability::Wasi);
        let reward_name: Arc<str> = Arc::from(reward);
        crate::capability::deny_unprovided_imports(
            &mut linker,
            &component,
            wt,
            |name| name.starts_with("rewasm:reward/") || (wasi && name.starts_with("wasi:")),
            &reward_name,
            wasi,
        )
        .map_err(|e| Error::Instantiate {
            origin: origin.clone(),
            message: format!("{e:#}"),
        })?;
        let pre = linker
            .instantiate_pre(&component)
            .and_then(RewardPluginPre::new)
            .map_err(|e| Error::Instantiate {
                origin: origin.clone(),
                message: format!("{e:#}"),
            })?;

        let mut plugin = Plugin {
            reward: Arc::from(reward),
            origin,
            digest,
            info: PluginInfo {
                name: String::new(),
                version: String::new(),
                description: String::new(),
                config_schema: String::new(),
                capabilities: Vec::new(),
                needs_images: false,
            },
            imports,
            exports,
            engine: engine.clone(),
            pre,
            limits: req.limits,
            grants: req.grants,
            judge: req.judge,
            config_json: req.config_json,
            mode: req.mode,
            warm: Mutex::new(Vec::new()),
            quarantine: crate::quarantine::Quarantine::new(req.quarantine),
            from_cache,
        };
        plugin.info = plugin.call_info()?;
        plugin.check_config()?;
        Ok(plugin)
    }

    fn new_store(&self) -> Store<HostState> {
        let state = HostState::new(
            MemoryLimiter::new(&self.limits),
            self.grants.clone(),
            self.reward.clone(),
            self.judge.clone(),
        );
        let mut store = Store::new(self.engine.engine_for(&self.limits), state);
        store.limiter(|s| &mut s.limiter);
        store
    }

    /// Arms the deadline and fuel for one call.
    fn arm(&self, store: &mut Store<HostState>) {
        store.set_epoch_deadline(self.engine.deadline_ticks(self.limits.timeout_ms));
        store.epoch_deadline_trap();
        // The judge gets what is left of the same deadline.
        store.data_mut().deadline =
            std::time::Instant::now() + std::time::Duration::from_millis(self.limits.timeout_ms);
        if let Some(fuel) = self.limits.fuel {
            let _ = store.set_fuel(fuel);
        }
    }

    fn instantiate(&self, store: &mut Store<HostState>) -> Result<RewardPlugin, RewardError> {
        self.pre
            .instantiate(&mut *store)
            .map_err(|e| classify_failure(&e, store.data(), &self.limits))
    }

    fn call_info(&self) -> Result<PluginInfo, Error> {
        let mut store = self.new_store();
        self.arm(&mut store);
        let fail = |call, failure| Error::LoadCall {
            reward: self.reward.to_string(),
            call,
            failure,
        };
        let inst = self
            .instantiate(&mut store)
            .map_err(|e| fail("instantiate", e))?;
        let info = inst
            .rewasm_reward_reward()
            .call_info(&mut store)
            .map_err(|e| fail("info", classify_failure(&e, store.data(), &self.limits)))?;
        Ok(PluginInfo {
            name: info.name,
            version: info.version,
            description: info.description,
            config_schema: info.config_schema,
            capabilities: info
                .capabilities
                .into_iter()
                .map(|c| match c {
                    wit::Capability::Log => Capability::Log,
                    wit::Capability::Judge => Capability::Judge,
                })
                .collect(),
            needs_images: info.needs_images,
        })
    }

    fn check_config(&self) -> Result<(), Error> {
        let mut store = self.new_store();
        self.arm(&mut store);
        let inst = self
            .instantiate(&mut store)
            .map_err(|failure| Error::LoadCall {
                reward: self.reward.to_string(),
                call: "instantiate",
                failure,
            })?;
        self.configure(&mut store, &inst).map_err(|e| match e {
            RewardError::Guest(m) | RewardError::Unsupported(m) => Error::Configure {
                reward: self.reward.to_string(),
                message: m,
            },
            failure => Error::LoadCall {
                reward: self.reward.to_string(),
                call: "configure",
                failure,
            },
        })
    }

    fn configure(
        &self,
        store: &mut Store<HostState>,
        inst: &RewardPlugin,
    ) -> Result<(), RewardError> {
        match inst
            .rewasm_reward_reward()
            .call_configure(&mut *store, &self.config_json)
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(convert_guest_error(e)),
            Err(e) => Err(classify_failure(&e, store.data(), &self.limits)),
        }
    }

    /// Scores one batch in the sandbox. A whole-call failure (trap, timeout,
    /// out-of-memory, wrong result count) is returned for every sample.
    pub fn score_batch(&self, samples: &[Sample]) -> Vec<Result<Score, RewardError>> {
        let refs: Vec<&Sample> = samples.iter().collect();
        self.score_refs(&refs)
    }

    /// [`Plugin::score_batch`] over borrowed samples (a reward set's batches
    /// gather rows without copying them).
    pub fn score_refs(&self, samples: &[&Sample]) -> Vec<Result<Score, RewardError>> {
        if samples.is_empty() {
            return Vec::new();
        }
        if let Admission::Skip { calls_left } = self.quarantine.admit() {
            let e = RewardError::Quarantined(format!(
                "reward `{}` failed repeatedly; skipping {} more call(s) before retrying",
                self.reward, calls_left
            ));
            return samples.iter().map(|_| Err(e.clone())).collect();
        }
        let outcome = self.run_batch(samples);
        self.quarantine.record(outcome.is_err());
        match outcome {
            Ok(results) => results,
            Err(e) => samples.iter().map(|_| Err(e.clone())).collect(),
        }
    }

    fn run_batch(
        &self,
        samples: &[&Sample],
    ) -> Result<Vec<Result<Score, RewardError>>, RewardError> {
        let buffers = LoweringBuffers::new(samples, self.info.needs_images);
        let wit_samples = buffers.samples(samples);
        let (mut store, inst) = match self.take_warm() {
            Some(pair) => pair,
            None => {
                let mut store = self.new_store();
                self.arm(&mut store);
                let inst = self.instantiate(&mut store)?;
                self.configure(&mut store, &inst).map_err(|e| match e {
                    // The config was accepted at load, so a refusal now is a
                    // plugin bug, not a data problem.
                    RewardError::Guest(m) => RewardError::InvalidOutput(format!(
                        "configure() failed on a fresh instance: {m}"
                    )),
                    other => other,
                })?;
                (store, inst)
            }
        };
        self.arm(&mut store);
        let results = inst
            .rewasm_reward_reward()
            .call_score(&mut store, &wit_samples)
            .map_err(|e| classify_failure(&e, store.data(), &self.limits))?;
        let converted = convert_results(results, samples.len())?;
        if self.mode == InstanceMode::Reuse {
            self.put_warm(store, inst);
        }
        Ok(converted)
    }

    fn take_warm(&self) -> Option<(Store<HostState>, RewardPlugin)> {
        if self.mode != InstanceMode::Reuse {
            return None;
        }
        self.warm.lock().unwrap_or_else(|p| p.into_inner()).pop()
    }

    fn put_warm(&self, store: Store<HostState>, inst: RewardPlugin) {
        self.warm
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((store, inst));
    }

    /// The reward name this plugin was loaded under.
    pub fn reward_name(&self) -> &str {
        &self.reward
    }
    /// Where the component came from (built-in name or path).
    pub fn origin(&self) -> &str {
        &self.origin
    }
    /// sha256 of the component bytes, hex.
    pub fn digest(&self) -> &str {
        &self.digest
    }
    /// The plugin's `info()`.
    pub fn info(&self) -> &PluginInfo {
        &self.info
    }
    /// Names the component imports.
    pub fn imports(&self) -> &[String] {
        &self.imports
    }
    /// Names the component exports.
    pub fn exports(&self) -> &[String] {
        &self.exports
    }
    /// The limits calls run under.
    pub fn limits(&self) -> &SandboxLimits {
        &self.limits
    }
    /// The config text `configure()` accepted.
    pub(crate) fn config_json(&self) -> &str {
        &self.config_json
    }
    /// The capabilities granted.
    pub fn grants(&self) -> &Grants {
        &self.grants
    }
    /// Whether the compiled code came from the on-disk cache.
    pub fn from_cache(&self) -> bool {
        self.from_cache
    }
    /// (times quarantined, calls skipped) so far.
    pub fn quarantine_stats(&self) -> (u32, u64) {
        self.quarantine.stats()
    }
    /// Capabilities the plugin asks for (in `info()`, or by importing WASI)
    /// that its reward set does not grant.
    pub fn missing_grants(&self) -> Vec<Capability> {
        let mut wanted = self.info.capabilities.clone();
        let imports = |prefix: &str| self.imports.iter().any(|i| i.starts_with(prefix));
        for (prefix, cap) in [
            ("wasi:", Capability::Wasi),
            ("rewasm:reward/judge@", Capability::Judge),
            ("rewasm:reward/log@", Capability::Log),
        ] {
            if imports(prefix) && !wanted.contains(&cap) {
                wanted.push(cap);
            }
        }
        wanted
            .into_iter()
            .filter(|c| !self.grants.has(*c))
            .collect()
    }

    /// A warning naming the capabilities this plugin wants but was not
    /// granted (calls to them fail), if any.
    pub fn missing_grants_warning(&self) -> Option<String> {
        let missing = self.missing_grants();
        if missing.is_empty() {
            return None;
        }
        let names: Vec<&str> = missing.iter().map(|c| c.as_str()).collect();
        Some(format!(
            "reward `{}` asks for capabilities not granted: {} (calls to them will fail)",
            self.reward,
            names.join(", ")
        ))
    }
}

/// What one measured call did (see [`Plugin::probe_call`]).
pub(crate) struct CallProbe {
    /// The results, or the failure of the whole call.
    pub(crate) results: Result<Vec<Result<Score, RewardError>>, RewardError>,
    /// The largest linear memory of the instance, in bytes.
    pub(crate) peak_memory_bytes: usize,
    /// Fuel the `score` call consumed (on the fuel-metered engine only).
    pub(crate) fuel_consumed: Option<u64>,
    /// Wall time of the whole call: instantiate, configure, score.
    pub(crate) elapsed: std::time::Duration,
}

impl Plugin {
    /// The same compiled and linked component under another config and
    /// grants, checked with `configure()`. Grants only gate `log` and
    /// `judge` here: whether WASI is linked was settled when `self` loaded.
    pub(crate) fn derive(&self, config_json: &str, grants: Grants) -> Result<Plugin, Error> {
        let plugin = Plugin {
            reward: self.reward.clone(),
            origin: self.origin.clone(),
            digest: self.digest.clone(),
            info: self.info.clone(),
            imports: self.imports.clone(),
            exports: self.exports.clone(),
            engine: self.engine.clone(),
            pre: self.pre.clone(),
            limits: self.limits,
            grants,
            judge: self.judge.clone(),
            config_json: config_json.to_string(),
            mode: InstanceMode::Fresh,
            warm: Mutex::new(Vec::new()),
            quarantine: Quarantine::new(QuarantinePolicy::default()),
            from_cache: self.from_cache,
        };
        plugin.check_config()?;
        Ok(plugin)
    }

    /// One call in a fresh instance, measured, bypassing quarantine and
    /// calling the guest even for an empty batch (vetting probes the guest,
    /// not the host's shortcuts). `raw_metadata`, when given, replaces each
    /// sample's metadata text as lowered (to send text that is not JSON).
    pub(crate) fn probe_call(
        &self,
        samples: &[&Sample],
        raw_metadata: Option<&[String]>,
    ) -> CallProbe {
        let mut buffers = LoweringBuffers::new(samples, self.info.needs_images);
        if let Some(raw) = raw_metadata {
            for (m, r) in buffers.metadata.iter_mut().zip(raw) {
                *m = Cow::Owned(r.clone());
            }
        }
        let wit_samples = buffers.samples(samples);
        let start = std::time::Instant::now();
        let mut store = self.new_store();
        self.arm(&mut store);
        let results = self.probe_in(&mut store, &wit_samples, samples.len());
        let elapsed = start.elapsed();
        let fuel_consumed = self
            .limits
            .fuel
            .and_then(|budget| Some(budget.saturating_sub(store.get_fuel().ok()?)));
        CallProbe {
            results,
            peak_memory_bytes: store.data().limiter.peak_bytes,
            fuel_consumed,
            elapsed,
        }
    }

    fn probe_in(
        &self,
        store: &mut Store<HostState>,
        wit_samples: &[wit::Sample<'_>],
        expected: usize,
    ) -> Result<Vec<Result<Score, RewardError>>, RewardError> {
        let inst = self.instantiate(store)?;
        self.configure(store, &inst)?;
        self.arm(store);
        let results = inst
            .rewasm_reward_reward()
            .call_score(&mut *store, wit_samples)
            .map_err(|e| classify_failure(&e, store.data(), &self.limits))?;
        convert_results(results, expected)
    }
}

/// Compiles `bytes` (or takes them from the cache) for the engine `limits`
/// select, and lists the component's imports and exports, without linking
/// or running anything (what vetting reports for a component that does not
/// load).
pub(crate) fn component_interface(
    engine: &RewardEngine,
    origin: &str,
    bytes: &[u8],
    limits: &SandboxLimits,
) -> Result<(Vec<String>, Vec<String>), Error> {
    let wt = engine.engine_for(limits);
    let digest = crate::cache::sha256_hex(bytes);
    let (component, _) =
        engine
            .component(limits, &digest, bytes)
            .map_err(|e| Error::InvalidComponent {
                origin: origin.to_string(),
                message: format!("{e:#}"),
            })?;
    let ty = component.component_type();
    Ok((
        ty.imports(wt).map(|(n, _)| n.to_string()).collect(),
        ty.exports(wt).map(|(n, _)| n.to_string()).collect(),
    ))
}

impl RewardFn for Plugin {
    fn name(&self) -> &str {
        &self.reward
    }
    fn score(&self, samples: &[Sample]) -> Vec<Result<Score, RewardError>> {
        self.score_batch(samples)
    }
}

/// Owned pieces a borrowed WIT sample points into.
struct LoweringBuffers<'a> {
    metadata: Vec<Cow<'static, str>>,
    images: Vec<Vec<wit::Image<'a>>>,
}

impl<'a> LoweringBuffers<'a> {
    fn new(samples: &[&'a Sample], with_images: bool) -> Self {
        LoweringBuffers {
            // `null` is by far the most common metadata: no allocation for it.
            metadata: samples
                .iter()
                .map(|s| {
                    if s.metadata.is_null() {
                        Cow::Borrowed("null")
                    } else {
                        Cow::Owned(s.metadata.to_string())
                    }
                })
                .collect(),
            images: samples
                .iter()
                .map(|s| {
                    if with_images {
                        s.images
                            .iter()
                            .map(|i| wit::Image {
                                mime: &i.mime,
                                data: &i.data,
                            })
                            .collect()
                    } else {
                        Vec::new()
                    }
                })
                .collect(),
        }
    }

    fn samples<'b>(&'b self, samples: &[&'b Sample]) -> Vec<wit::Sample<'b>> {
        samples
            .iter()
            .zip(&self.metadata)
            .zip(&self.images)
            .map(|((s, metadata), images)| wit::Sample {
                id: &s.id,
                group: s.group.as_deref(),
                prompt: &s.prompt,
                completion: &s.completion,
                completion_tokens: s.completion_tokens,
                reference: s.reference.as_deref(),
                metadata,
                images,
                step: s.step,
            })
            .collect()
    }
}

/// A component binary starts with `\0asm`, then version 0x0d and layer 1.
fn wasmparser_is_component(bytes: &[u8]) -> bool {
    bytes.len() >= 8 && bytes[..4] == *b"\0asm" && bytes[6..8] == [1, 0]
}

/// Refuses components built for another version of the reward interface.
fn check_wit_version(origin: &str, exports: &[String]) -> Result<(), Error> {
    let prefix = format!("{}/reward", crate::WIT_PACKAGE);
    let wanted = format!("{prefix}@{}", crate::WIT_VERSION);
    if exports.contains(&wanted) {
        return Ok(());
    }
    if let Some(found) = exports.iter().find(|e| e.starts_with(&prefix)) {
        return Err(Error::UnsupportedWitVersion {
            origin: origin.to_string(),
            found: found.clone(),
            supported: crate::WIT_VERSION.to_string(),
        });
    }
    Err(Error::NotAReward {
        origin: origin.to_string(),
        exports: if exports.is_empty() {
            "none".into()
        } else {
            exports.join(", ")
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_check_names_both_versions() {
        let err = check_wit_version("x.wasm", &["rewasm:reward/reward@0.2.0".into()]).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("rewasm:reward/reward@0.2.0") && msg.contains("@0.1.0"),
            "{msg}"
        );
        assert!(check_wit_version("x", &["rewasm:reward/reward@0.1.0".into()]).is_ok());
        assert!(matches!(
            check_wit_version("x", &["foo:bar/baz".into()]),
            Err(Error::NotAReward { .. })
        ));
    }

    #[test]
    fn component_magic_is_checked() {
        assert!(wasmparser_is_component(b"\0asm\x0d\0\x01\0"));
        assert!(!wasmparser_is_component(b"\0asm\x01\0\0\0"));
        assert!(!wasmparser_is_component(b"\0as"));
    }
}
