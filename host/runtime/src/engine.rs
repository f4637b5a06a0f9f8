use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::component::Component;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::{ComponentCache, Error, SandboxLimits};

/// How the engine is set up. The defaults suit scoring on one machine.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Epoch tick: the granularity of wall-clock deadlines.
    pub epoch_tick: Duration,
    /// Instances the pooling allocator keeps slots for (concurrent calls).
    pub pool_instances: u32,
    /// Compiled-component cache; `None` compiles every time.
    pub cache: Option<ComponentCache>,
    /// Guest stack limit; deep recursion traps instead of overflowing the host.
    pub max_wasm_stack: usize,
    /// Bytes of each linear memory kept mapped between instances.
    pub keep_resident_bytes: usize,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            epoch_tick: Duration::from_millis(1),
            pool_instances: 256,
            cache: ComponentCache::default_location(),
            max_wasm_stack: 1 << 20,
            keep_resident_bytes: 2 << 20,
        }
    }
}

/// The wasmtime engines rewards run on, and the epoch ticker that enforces
/// their deadlines.
///
/// Two engines exist because fuel metering must be enabled engine-wide and
/// slows every call: rewards with a `fuel` limit are compiled for the metered
/// one, all others for the plain one.
pub struct RewardEngine {
    plain: Engine,
    metered: Engine,
    options: EngineOptions,
    ticker: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
    recent: Mutex<Vec<((String, bool), Component)>>,
}

impl RewardEngine {
    /// An engine with the default options.
    pub fn new() -> Result<Arc<Self>, Error> {
        Self::with_options(EngineOptions::default())
    }

    /// An engine with the given options.
    pub fn with_options(options: EngineOptions) -> Result<Arc<Self>, Error> {
        let plain = build_engine(&options, false)?;
        let metered = build_engine(&options, true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let (plain, metered, stop) = (plain.clone(), metered.clone(), stop.clone());
            let tick = options.epoch_tick;
            std::thread::Builder::new()
                .name("rewasm-epoch".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(tick);
                        plain.increment_epoch();
                        metered.increment_epoch();
                    }
                })
                .map_err(|e| Error::Engine(format!("cannot start the epoch ticker: {e}")))?
        };
        Ok(Arc::new(RewardEngine {
            plain,
            metered,
            options,
            ticker: Some(ticker),
            stop,
            recent: Mutex::new(Vec::new()),
        }))
    }

    /// The engine a reward with these limits runs on.
    pub(crate) fn engine_for(&self, limits: &SandboxLimits) -> &Engine {
        if limits.fuel.is_some() {
            &self.metered
        } else {
            &self.plain
        }
    }

    /// Epoch ticks that make up `timeout_ms` (at least one).
    pub(crate) fn deadline_ticks(&self, timeout_ms: u64) -> u64 {
        let tick_us = self.options.epoch_tick.as_micros().max(1) as u64;
        (timeout_ms.saturating_mul(1000)).div_ceil(tick_us).max(1)
    }

    /// The options this engine was built with.
    pub fn options(&self) -> &EngineOptions {
        &self.options
    }

    /// The compiled component of `bytes` (sha256 `digest`) for these
    /// limits: from memory when this engine loaded it recently, else from
    /// the on-disk cache, else compiled. Keeping recent components in memory
    /// makes swapping back to a known version map no new code. Returns
    /// whether it was already compiled.
    pub(crate) fn component(
        &self,
        limits: &SandboxLimits,
        digest: &str,
        bytes: &[u8],
    ) -> wasmtime::Result<(Component, bool)> {
        let metered = limits.fuel.is_some();
        let key = (digest.to_string(), metered);
        {
            let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(pos) = recent.iter().position(|(k, _)| *k == key) {
                let entry = recent.remove(pos);
                let c = entry.1.clone();
                recent.push(entry);
                return Ok((c, true));
            }
        }
        let wt = self.engine_for(limits);
        let (component, cached) = match &self.options.cache {
            Some(cache) => cache.load_or_compile(wt, digest, bytes)?,
            None => (Component::new(wt, bytes)?, false),
        };
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        if recent.len() >= RECENT_COMPONENTS {
            recent.remove(0);
        }
        recent.push((key, component.clone()));
        Ok((component, cached))
    }
}

/// Compiled components an engine keeps in memory (least recently used goes).
const RECENT_COMPONENTS: usize = 16;

impl Drop for RewardEngine {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
    }
}

fn build_engine(options: &EngineOptions, fuel: bool) -> Result<Engine, Error> {
    let mut pool = PoolingAllocationConfig::default();
    let n = options.pool_instances.max(1);
    pool.total_component_instances(n)
        .total_core_instances(n.saturating_mul(8))
        .total_memories(n.saturating_mul(2))
        .total_tables(n.saturating_mul(8))
        .max_core_instances_per_component(64)
        .max_memories_per_component(4)
        .max_tables_per_component(64)
        .max_memory_size(SandboxLimits::MAX_MEMORY_MB as usize * (1 << 20))
        .table_elements(100_000)
        .max_component_instance_size(1 << 20)
        .max_core_instance_size(1 << 20)
        // Reset the first MiBs of a slot with memset instead of madvise, so a
        // fresh instance does not page-fault its stack and heap back in.
        .linear_memory_keep_resident(options.keep_resident_bytes)
        .table_keep_resident(64 << 10);

    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .consume_fuel(fuel)
        .max_wasm_stack(options.max_wasm_stack)
        .concurrency_support(false)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config).map_err(|e| Error::Engine(e.to_string()))
}
