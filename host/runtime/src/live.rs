//! Live reward sets: hot swap while a run goes on.
//!
//! A [`LiveRewardSet`] serves one [`Version`] of a reward set at a time.
//! New versions are prepared off the hot path: a background thread watches
//! the reward-set file and every module file it names (debounced), and
//! takes explicit swap requests from a control folder; [`LiveRewardSet::swap`]
//! does the same from library code. A prepared reward is compiled (or taken
//! from the compiled-artifact cache) and vetted: WIT version, the
//! capabilities it asks for against those granted, the lock file under
//! `--locked`. Only then is it queued, and the caller publishes the queued
//! version at its own boundary (a training step, a scoring batch) with
//! [`LiveRewardSet::publish`]: one pointer swap. Calls already running hold
//! their own `Arc` of the old version and finish on it. A reward whose new
//! module fails keeps its old version serving, and the reason is reported.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};

use crate::reward_set::{load_reward_bytes, LoadContext, Reward};
use crate::{Error, LockFile, ModuleStore, RewardEngine, RewardSet, RewardSetFile, RewardSpec};

/// A callback that sees every [`SwapEvent`] as it happens.
pub type EventHook = Arc<dyn Fn(&SwapEvent) + Send + Sync>;

/// How a live set watches and vets.
#[derive(Clone)]
pub struct LiveOptions {
    /// Watch the reward-set file and its module files.
    pub watch: bool,
    /// Quiet time after the last change before a reload.
    pub debounce: Duration,
    /// How often files and the control folder are looked at.
    pub poll_interval: Duration,
    /// Swap requests are read from here (`rewasm reward swap --run`).
    pub control_dir: Option<PathBuf>,
    /// Every module served is copied here, so a checkpoint's digests can be
    /// served again on resume.
    pub run_store: Option<ModuleStore>,
    /// Under `--locked`: the lock and its path; drifting modules are refused.
    pub lock: Option<(PathBuf, LockFile)>,
    /// Called on every event as it happens (progress lines).
    pub on_event: Option<EventHook>,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            watch: true,
            debounce: Duration::from_millis(200),
            poll_interval: Duration::from_millis(20),
            control_dir: None,
            run_store: None,
            lock: None,
            on_event: None,
        }
    }
}

impl std::fmt::Debug for LiveOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveOptions")
            .field("watch", &self.watch)
            .field("debounce", &self.debounce)
            .field("control_dir", &self.control_dir)
            .finish_non_exhaustive()
    }
}

/// One published version of a live set.
pub struct Version {
    /// 0 for the set loaded at start, then +1 per publication.
    pub generation: u64,
    /// The rewards of this version.
    pub set: RewardSet,
}

/// One reward's change in a publication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The reward.
    pub reward: String,
    /// Digest served before (`None`: the reward is new).
    pub from: Option<String>,
    /// Digest served after (`None`: the reward was removed).
    pub to: Option<String>,
    /// Where the new module came from.
    pub origin: String,
}

/// What happened to a live set, for logs and progress lines.
#[derive(Debug, Clone, PartialEq)]
pub enum SwapEvent {
    /// A new version serves from the next call on.
    Published {
        /// The new generation.
        generation: u64,
        /// The caller's boundary it was published at (a step, a batch).
        boundary: u64,
        /// What changed.
        changes: Vec<Change>,
    },
    /// A new module for a reward was refused; the old version keeps serving.
    Rejected {
        /// The reward.
        reward: String,
        /// The module offered.
        source: String,
        /// Why.
        reason: String,
    },
    /// The reward-set file could not be read; nothing changed.
    SetError {
        /// Why.
        message: String,
    },
}

fn short(d: &str) -> &str {
    &d[..d.len().min(12)]
}

impl std::fmt::Display for SwapEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SwapEvent::Published {
                generation,
                boundary,
                changes,
            } => {
                let parts: Vec<String> = changes
                    .iter()
                    .map(|c| match (&c.from, &c.to) {
                        (Some(a), Some(b)) if a == b => format!("{} reconfigured", c.reward),
                        (Some(a), Some(b)) => {
                            format!("{} {} -> {}", c.reward, short(a), short(b))
                        }
                        (None, Some(b)) => format!("{} added ({})", c.reward, short(b)),
                        (Some(a), None) => format!("{} removed (was {})", c.reward, short(a)),
                        (None, None) => c.reward.clone(),
                    })
                    .collect();
                write!(
                    f,
                    "rewards v{generation} serving after {boundary}: {}",
                    parts.join(", ")
                )
            }
            SwapEvent::Rejected {
                reward,
                source,
                reason,
            } => write!(
                f,
                "swap of `{reward}` to {source} refused, old version keeps serving: {reason}"
            ),
            SwapEvent::SetError { message } => {
                write!(
                    f,
                    "reward set not reloaded, old version keeps serving: {message}"
                )
            }
        }
    }
}

/// A swap request in a run's control folder (`<id>.swap.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwapRequest {
    /// Names the answer file, `<id>.result.json`.
    pub id: String,
    /// The reward to swap.
    pub reward: String,
    /// Its new module: a built-in name, a path, or `sha256:<hex>`.
    pub source: String,
}

/// The answer to a [`SwapRequest`] (`<id>.result.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwapAnswer {
    /// The request's id.
    pub id: String,
    /// Whether the new module serves now.
    pub ok: bool,
    /// The reward.
    pub reward: String,
    /// The new module's digest, when it was loaded.
    #[serde(default)]
    pub digest: Option<String>,
    /// The generation that serves it, when published.
    #[serde(default)]
    pub generation: Option<u64>,
    /// The boundary (step) after which it serves, when published.
    #[serde(default)]
    pub boundary: Option<u64>,
    /// The reason of a refusal, or a summary.
    pub message: String,
}

/// The file named by the run's control folder while a live set serves it.
pub const LIVE_MARKER: &str = "live.json";

/// A reward set that can change while it serves.
pub struct LiveRewardSet {
    inner: Arc<Inner>,
    worker: Option<JoinHandle<()>>,
}

/// What the set file said the last time it was read.
#[derive(Default)]
struct FileView {
    /// Per reward: the spec and the digest of its module then.
    entries: HashMap<String, (RewardSpec, String)>,
    /// Files watched, with what they looked like.
    stamps: Vec<(PathBuf, Option<Stamp>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
    #[cfg(unix)]
    ino: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    Some(Stamp {
        modified: m.modified().ok(),
        len: m.len(),
        #[cfg(unix)]
        ino: std::os::unix::fs::MetadataExt::ino(&m),
    })
}

struct Pending {
    rewards: Vec<Arc<Reward>>,
    batch_size: usize,
    changes: Vec<Change>,
    /// Control requests answered at publication.
    answers: Vec<SwapAnswer>,
}

struct Inner {
    engine: Arc<RewardEngine>,
    ctx: LoadContext,
    /// The `[judge]` table the set started with (kept for snapshots).
    judge_config: Option<crate::JudgeConfig>,
    opts: LiveOptions,
    current: RwLock<Arc<Version>>,
    pending: Mutex<Option<Pending>>,
    /// Held while a new version is prepared (one at a time), with the last
    /// view of the set file.
    view: Mutex<FileView>,
    events: Mutex<Vec<SwapEvent>>,
    /// Swaps asked for with [`LiveRewardSet::request_swap`].
    requests: Mutex<Vec<(String, String)>>,
    /// Versions replaced by a publication, freed by the watcher thread.
    retired: Mutex<Vec<Arc<Version>>>,
    stop: AtomicBool,
    wake: (Mutex<bool>, Condvar),
}

impl LiveRewardSet {
    /// Loads the set file at `ctx.path` and starts watching it.
    pub fn start(
        engine: &Arc<RewardEngine>,
        ctx: LoadContext,
        opts: LiveOptions,
    ) -> Result<Self, Error> {
        let file = RewardSetFile::read(&ctx.path)?;
        Self::start_from(engine, ctx, opts, file)
    }

    /// Serves the set `snapshot` (as [`LiveRewardSet::snapshot`] wrote it
    /// into a checkpoint), and watches the set file at `ctx.path` for
    /// changes made from now on.
    pub fn restore(
        engine: &Arc<RewardEngine>,
        ctx: LoadContext,
        opts: LiveOptions,
        snapshot: RewardSetFile,
    ) -> Result<Self, Error> {
        Self::start_from(engine, ctx, opts, snapshot)
    }

    fn start_from(
        engine: &Arc<RewardEngine>,
        mut ctx: LoadContext,
        opts: LiveOptions,
        file: RewardSetFile,
    ) -> Result<Self, Error> {
        if let Some(store) = &opts.run_store {
            if !ctx.stores.contains(store) {
                ctx.stores.insert(0, store.clone());
            }
        }
        ctx.apply_policy(&file)?;
        let batch_size = file.batch_size;
        let judge_config = file.judge.clone();
        let set = RewardSet::from_file(engine, file, &ctx)?;
        if let Some((path, lock)) = &opts.lock {
            let digests = set.digests();
            lock.check_all(path, digests.iter().map(|(n, d)| (n.as_str(), d.as_str())))?;
        }
        if let Some(store) = &opts.run_store {
            for r in set.rewards() {
                let source = ctx.resolve(&r.spec.plugin)?;
                let bytes = source.bytes()?;
                keep(store, &ctx, &source, &bytes)?;
            }
        }
        let rewards = set.into_rewards();
        let inner = Arc::new(Inner {
            engine: engine.clone(),
            current: RwLock::new(Arc::new(Version {
                generation: 0,
                set: RewardSet::from_rewards(rewards, batch_size, &ctx.path),
            })),
            ctx,
            judge_config,
            opts,
            pending: Mutex::new(None),
            view: Mutex::new(FileView::default()),
            events: Mutex::new(Vec::new()),
            retired: Mutex::new(Vec::new()),
            requests: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            wake: (Mutex::new(false), Condvar::new()),
        });
        {
            let mut view = lock(&inner.view);
            inner.read_view(&mut view);
        }
        if let Some(dir) = &inner.opts.control_dir {
            let marker = serde_json::json!({
                "pid": std::process::id(),
                "set": inner.ctx.path,
            });
            crate::store::write_atomically(&dir.join(LIVE_MARKER), marker.to_string().as_bytes())?;
        }
        let worker = {
            let w = inner.clone();
            Some(
                std::thread::Builder::new()
                    .name("rewasm-live".into())
                    .spawn(move || w.run())
                    .map_err(|e| Error::Engine(format!("cannot start the watcher: {e}")))?,
            )
        };
        Ok(LiveRewardSet { inner, worker })
    }

    /// The version serving now. Score through it: the digests it names are
    /// the ones that produced the scores.
    pub fn current(&self) -> Arc<Version> {
        read(&self.inner.current).clone()
    }

    /// Publishes the prepared version, if any, at `boundary` (the step or
    /// batch just finished); returns it. Calls in flight keep the old one.
    pub fn publish(&self, boundary: u64) -> Option<Arc<Version>> {
        let pending = lock(&self.inner.pending).take()?;
        let (version, old) = {
            let mut cur = write(&self.inner.current);
            let v = Arc::new(Version {
                generation: cur.generation + 1,
                set: RewardSet::from_rewards(
                    pending.rewards,
                    pending.batch_size,
                    &self.inner.ctx.path,
                ),
            });
            let old = std::mem::replace(&mut *cur, v.clone());
            (v, old)
        };
        // Freeing a version unmaps its compiled code: the watcher thread
        // does that, off the caller's boundary.
        lock(&self.inner.retired).push(old);
        for mut answer in pending.answers {
            answer.generation = Some(version.generation);
            answer.boundary = Some(boundary);
            self.inner.answer(&answer);
        }
        self.inner.emit(SwapEvent::Published {
            generation: version.generation,
            boundary,
            changes: pending.changes,
        });
        Some(version)
    }

    /// Whether a prepared version waits for [`LiveRewardSet::publish`].
    pub fn has_pending(&self) -> bool {
        lock(&self.inner.pending).is_some()
    }

    /// Prepares a new module for `reward` in the calling thread (compile or
    /// cache, vet); it serves after the next [`LiveRewardSet::publish`].
    /// `source` is a built-in name, a path (relative to the set file's
    /// folder) or `sha256:<hex>`. Returns the new digest; on an error the
    /// old version keeps serving (and a `Rejected` event is recorded).
    pub fn swap(&self, reward: &str, source: &str) -> Result<String, Error> {
        self.inner.swap(reward, source, None)
    }

    /// Like [`LiveRewardSet::swap`], but prepared by the set's own thread,
    /// which runs at a lower scheduling priority than the caller: the hot
    /// path keeps its cores. The outcome arrives as an event.
    pub fn request_swap(&self, reward: &str, source: &str) {
        lock(&self.inner.requests).push((reward.to_string(), source.to_string()));
        let (m, cv) = &self.inner.wake;
        *lock(m) = true;
        cv.notify_all();
    }

    /// The judge of the set's `[judge]` table, if it has one.
    pub fn judge(&self) -> Option<crate::Judge> {
        self.inner.ctx.judge.clone()
    }

    /// Events since the last call (also passed to `on_event` as they happen).
    pub fn drain_events(&self) -> Vec<SwapEvent> {
        std::mem::take(&mut *lock(&self.inner.events))
    }

    /// The serving set as a reward-set file whose plugins are `sha256:`
    /// digests, for checkpoints; [`LiveRewardSet::restore`] serves it again
    /// (the modules are in the run store).
    pub fn snapshot(&self) -> RewardSetFile {
        let cur = self.current();
        RewardSetFile {
            batch_size: cur.set.batch_size(),
            require_signature: self.inner.ctx.require_signature.is_some(),
            trusted_keys: self
                .inner
                .ctx
                .require_signature
                .as_ref()
                .map(|keys| keys.iter().map(|k| k.to_string()).collect())
                .unwrap_or_default(),
            judge: self.inner.judge_config.clone(),
            reward: cur
                .set
                .rewards()
                .iter()
                .map(|r| RewardSpec {
                    plugin: format!("sha256:{}", r.plugin.digest()),
                    sha256: Some(r.plugin.digest().to_string()),
                    ..r.spec.clone()
                })
                .collect(),
        }
    }

    /// Whether the set file's rewards differ from those serving (after a
    /// restore: edits made while the run was stopped).
    pub fn differs_from_file(&self) -> bool {
        let view = lock(&self.inner.view);
        let cur = self.current();
        cur.set.rewards().len() != view.entries.len()
            || cur.set.rewards().iter().any(|r| {
                view.entries.get(&r.spec.name).is_none_or(|(spec, digest)| {
                    digest != r.plugin.digest() || !same_settings(spec, &r.spec)
                })
            })
    }

    /// Stops watching (also done on drop).
    pub fn stop(&mut self) {
        self.inner.stop.store(true, Ordering::SeqCst);
        {
            let (m, cv) = &self.inner.wake;
            *lock(m) = true;
            cv.notify_all();
        }
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
        if let Some(dir) = &self.inner.opts.control_dir {
            let _ = std::fs::remove_file(dir.join(LIVE_MARKER));
        }
    }
}

impl Drop for LiveRewardSet {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Two specs that differ only in how the module is named.
fn same_settings(a: &RewardSpec, b: &RewardSpec) -> bool {
    a.weight == b.weight
        && a.capabilities == b.capabilities
        && a.config == b.config
        && a.limits == b.limits
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
fn read<T>(m: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|p| p.into_inner())
}
fn write<T>(m: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|p| p.into_inner())
}

impl Inner {
    fn emit(&self, e: SwapEvent) {
        if let Some(cb) = &self.opts.on_event {
            cb(&e);
        }
        lock(&self.events).push(e);
    }

    fn answer(&self, a: &SwapAnswer) {
        if let Some(dir) = &self.opts.control_dir {
            let text = serde_json::to_string(a).unwrap_or_default();
            let _ = crate::store::write_atomically(
                &dir.join(format!("{}.result.json", a.id)),
                text.as_bytes(),
            );
        }
    }

    /// The newest rewards: the pending version's, else the serving one's.
    fn latest(&self) -> (Vec<Arc<Reward>>, usize) {
        if let Some(p) = lock(&self.pending).as_ref() {
            return (p.rewards.clone(), p.batch_size);
        }
        let cur = read(&self.current).clone();
        (cur.set.rewards().to_vec(), cur.set.batch_size())
    }

    /// Queues a version; changes and answers accumulate until published.
    fn queue(
        &self,
        rewards: Vec<Arc<Reward>>,
        batch_size: usize,
        changes: Vec<Change>,
        answer: Option<SwapAnswer>,
    ) {
        let mut p = lock(&self.pending);
        let (mut all_changes, mut answers) = match p.take() {
            Some(old) => (old.changes, old.answers),
            None => (Vec::new(), Vec::new()),
        };
        for c in changes {
            match all_changes.iter_mut().find(|o| o.reward == c.reward) {
                Some(o) => {
                    o.to = c.to;
                    o.origin = c.origin;
                }
                None => all_changes.push(c),
            }
        }
        answers.extend(answer);
        *p = Some(Pending {
            rewards,
            batch_size,
            changes: all_changes,
            answers,
        });
    }

    /// Loads and vets one reward's new module. The error is the reason it
    /// is refused.
    fn prepare(&self, spec: RewardSpec) -> Result<(Reward, Vec<u8>), Error> {
        let source = self.ctx.resolve(&spec.plugin)?;
        let bytes = source.bytes()?.into_owned();
        self.prepare_bytes(spec, &source, bytes)
    }

    /// [`Inner::prepare`] for a module already read.
    fn prepare_bytes(
        &self,
        spec: RewardSpec,
        source: &crate::ModuleSource,
        bytes: Vec<u8>,
    ) -> Result<(Reward, Vec<u8>), Error> {
        if let Some((path, lock)) = &self.opts.lock {
            lock.check(path, &spec.name, &crate::cache::sha256_hex(&bytes))?;
        }
        self.ctx.check_signature(&spec.name, source, &bytes)?;
        let name = spec.name.clone();
        let reward = load_reward_bytes(&self.engine, spec, &source.origin(), &bytes, &self.ctx)?;
        let missing = reward.plugin.missing_grants();
        if !missing.is_empty() {
            let names: Vec<&str> = missing.iter().map(|c| c.as_str()).collect();
            return Err(Error::VetRefused {
                reward: name,
                message: format!(
                    "the module asks for capabilities the set does not grant: {}",
                    names.join(", ")
                ),
            });
        }
        crate::vet::check_vectors_of(&reward.plugin, &bytes).map_err(|e| Error::VetRefused {
            reward: reward.spec.name.clone(),
            message: e.to_string(),
        })?;
        if let Some(store) = &self.opts.run_store {
            keep(store, &self.ctx, source, &bytes)?;
        }
        Ok((reward, bytes))
    }

    fn swap(&self, reward: &str, source: &str, request: Option<&str>) -> Result<String, Error> {
        let _view = lock(&self.view);
        let (mut rewards, batch_size) = self.latest();
        let refuse = |e: Error| {
            self.emit(SwapEvent::Rejected {
                reward: reward.to_string(),
                source: source.to_string(),
                reason: e.to_string(),
            });
            if let Some(id) = request {
                self.answer(&SwapAnswer {
                    id: id.to_string(),
                    ok: false,
                    reward: reward.to_string(),
                    digest: None,
                    generation: None,
                    boundary: None,
                    message: e.to_string(),
                });
            }
            Err(e)
        };
        let Some(i) = rewards.iter().position(|r| r.spec.name == reward) else {
            let names: Vec<&str> = rewards.iter().map(|r| r.spec.name.as_str()).collect();
            return refuse(Error::RewardSetInvalid {
                path: self.ctx.path.clone(),
                reward: reward.to_string(),
                message: format!("no such reward in the set (it has: {})", names.join(", ")),
            });
        };
        let spec = RewardSpec {
            plugin: source.to_string(),
            sha256: None,
            ..rewards[i].spec.clone()
        };
        let (new, _) = match self.prepare(spec) {
            Ok(r) => r,
            Err(e) => return refuse(e),
        };
        let digest = new.plugin.digest().to_string();
        let change = Change {
            reward: reward.to_string(),
            from: Some(rewards[i].plugin.digest().to_string()),
            to: Some(digest.clone()),
            origin: new.plugin.origin().to_string(),
        };
        rewards[i] = Arc::new(new);
        let answer = request.map(|id| SwapAnswer {
            id: id.to_string(),
            ok: true,
            reward: reward.to_string(),
            digest: Some(digest.clone()),
            generation: None,
            boundary: None,
            message: format!("serving {} as `{reward}`", change.origin),
        });
        self.queue(rewards, batch_size, vec![change], answer);
        Ok(digest)
    }

    /// Reads the set file into `view` (digests only, nothing loaded) and
    /// stamps the files to watch.
    fn read_view(&self, view: &mut FileView) {
        let mut stamps = vec![(self.ctx.path.clone(), stamp(&self.ctx.path))];
        view.entries.clear();
        if let Ok(file) = RewardSetFile::read(&self.ctx.path) {
            for spec in file.reward {
                if let Ok(source) = self.ctx.resolve(&spec.plugin) {
                    if let Some(p) = source.file() {
                        stamps.push((p.to_path_buf(), stamp(p)));
                    }
                    if let Ok(bytes) = source.bytes() {
                        let d = crate::cache::sha256_hex(&bytes);
                        view.entries.insert(spec.name.clone(), (spec, d));
                    }
                }
            }
        }
        view.stamps = stamps;
    }

    /// Re-reads the set file after a change and prepares every reward whose
    /// spec or module changed.
    fn reload(&self) {
        let mut view = lock(&self.view);
        let file = match RewardSetFile::read(&self.ctx.path) {
            Ok(f) => f,
            Err(e) => {
                view.stamps = restamp(&view.stamps);
                drop(view);
                self.emit(SwapEvent::SetError {
                    message: e.to_string(),
                });
                return;
            }
        };
        let (old, _) = self.latest();
        let mut rewards: Vec<Arc<Reward>> = Vec::new();
        let mut changes = Vec::new();
        let mut stamps = vec![(self.ctx.path.clone(), stamp(&self.ctx.path))];
        let mut entries = HashMap::new();
        for spec in file.reward {
            let name = spec.name.clone();
            let serving = old.iter().find(|r| r.spec.name == name).cloned();
            let resolved = self.ctx.resolve(&spec.plugin).and_then(|s| {
                let b = s.bytes()?.into_owned();
                Ok((crate::cache::sha256_hex(&b), s, b))
            });
            let (digest, source, bytes) = match resolved {
                Ok(x) => x,
                Err(e) => {
                    self.emit(SwapEvent::Rejected {
                        reward: name.clone(),
                        source: spec.plugin.clone(),
                        reason: e.to_string(),
                    });
                    if let Some(prev) = view.entries.get(&name) {
                        entries.insert(name.clone(), prev.clone());
                    }
                    rewards.extend(serving);
                    continue;
                }
            };
            if let Some(p) = source.file() {
                stamps.push((p.to_path_buf(), stamp(p)));
            }
            let unchanged = view
                .entries
                .get(&name)
                .is_some_and(|(s, d)| *s == spec && *d == digest);
            if unchanged && serving.is_some() {
                entries.insert(name, (spec, digest));
                rewards.extend(serving);
                continue;
            }
            match self.prepare_bytes(spec.clone(), &source, bytes) {
                Ok((new, _)) => {
                    changes.push(Change {
                        reward: name.clone(),
                        from: serving.as_ref().map(|r| r.plugin.digest().to_string()),
                        to: Some(new.plugin.digest().to_string()),
                        origin: new.plugin.origin().to_string(),
                    });
                    entries.insert(name, (spec, digest));
                    rewards.push(Arc::new(new));
                }
                Err(e) => {
                    self.emit(SwapEvent::Rejected {
                        reward: name.clone(),
                        source: source.origin(),
                        reason: e.to_string(),
                    });
                    if let Some(prev) = view.entries.get(&name) {
                        entries.insert(name.clone(), prev.clone());
                    }
                    rewards.extend(serving);
                }
            }
        }
        for r in &old {
            if !rewards.iter().any(|n| n.spec.name == r.spec.name) {
                changes.push(Change {
                    reward: r.spec.name.clone(),
                    from: Some(r.plugin.digest().to_string()),
                    to: None,
                    origin: self.ctx.path.display().to_string(),
                });
            }
        }
        view.entries = entries;
        view.stamps = stamps;
        if rewards.is_empty() {
            self.emit(SwapEvent::SetError {
                message: "no reward of the new set could be loaded".into(),
            });
            return;
        }
        let old_batch = self.latest().1;
        if !changes.is_empty() || file.batch_size != old_batch {
            self.queue(rewards, file.batch_size, changes, None);
        }
    }

    /// Takes the swap requests waiting in the control folder, oldest first.
    fn take_requests(&self, dir: &Path) -> Vec<SwapRequest> {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut found: Vec<(SystemTime, PathBuf)> = rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().ends_with(".swap.json"))
            .map(|p| {
                let t = std::fs::metadata(&p)
                    .and_then(|m| m.modified())
                    .unwrap_or(SystemTime::UNIX_EPOCH);
                (t, p)
            })
            .collect();
        found.sort();
        let mut out = Vec::new();
        for (_, path) in found {
            let taken = path.with_extension("taken");
            if std::fs::rename(&path, &taken).is_err() {
                continue;
            }
            let text = std::fs::read_to_string(&taken).unwrap_or_default();
            match serde_json::from_str::<SwapRequest>(&text) {
                Ok(r) => out.push(r),
                Err(e) => {
                    let id = path
                        .file_name()
                        .and_then(|n| n.to_str())
                        .and_then(|n| n.strip_suffix(".swap.json"))
                        .unwrap_or("unknown")
                        .to_string();
                    self.answer(&SwapAnswer {
                        id,
                        ok: false,
                        reward: String::new(),
                        digest: None,
                        generation: None,
                        boundary: None,
                        message: format!("{}: not a swap request: {e}", path.display()),
                    });
                }
            }
            let _ = std::fs::remove_file(&taken);
        }
        out
    }

    /// The watcher thread: control requests, then file changes, debounced.
    fn run(&self) {
        lower_priority();
        let mut changed_at: Option<Instant> = None;
        while !self.stop.load(Ordering::SeqCst) {
            let retired = std::mem::take(&mut *lock(&self.retired));
            drop(retired);
            let requests = std::mem::take(&mut *lock(&self.requests));
            for (reward, source) in requests {
                let _ = self.swap(&reward, &source, None);
            }
            if let Some(dir) = &self.opts.control_dir {
                for r in self.take_requests(dir) {
                    let _ = self.swap(&r.reward, &r.source, Some(&r.id));
                }
            }
            if self.opts.watch {
                let moved = {
                    let mut view = lock(&self.view);
                    let now = restamp(&view.stamps);
                    let moved = now != view.stamps;
                    if moved {
                        view.stamps = now;
                    }
                    moved
                };
                if moved {
                    changed_at = Some(Instant::now());
                } else if changed_at.is_some_and(|t| t.elapsed() >= self.opts.debounce) {
                    changed_at = None;
                    self.reload();
                }
            }
            let (m, cv) = &self.wake;
            let mut guard = lock(m);
            if !*guard {
                guard = cv
                    .wait_timeout(guard, self.opts.poll_interval)
                    .map_or_else(|p| p.into_inner().0, |r| r.0);
            }
            *guard = false;
        }
    }
}

/// Copies a module (and its signature, if it has one) into a run's store.
fn keep(
    store: &ModuleStore,
    ctx: &LoadContext,
    source: &crate::ModuleSource,
    bytes: &[u8],
) -> Result<(), Error> {
    let digest = store.put(bytes)?;
    if let Some(sig) = ctx.find_signature(source, &digest)? {
        store.put_attachment(&digest, "sig", &sig)?;
    }
    Ok(())
}

/// Compiling and vetting run at nice 10 on Linux, so they yield to scoring
/// and training on a busy machine.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls on the calling thread's own id.
    unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 10);
    }
}

fn restamp(stamps: &[(PathBuf, Option<Stamp>)]) -> Vec<(PathBuf, Option<Stamp>)> {
    stamps.iter().map(|(p, _)| (p.clone(), stamp(p))).collect()
}
