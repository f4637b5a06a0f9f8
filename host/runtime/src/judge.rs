//! The judge behind the `judge` capability: what a reward set's `[judge]`
//! table configures, and the backends that answer.
//!
//! A plugin granted `judge` calls `rewasm:reward/judge.judge(requests)`; the
//! host hands the requests to the set's [`Judge`] together with the calling
//! reward's deadline, so time spent judging counts against it. Backends:
//! - `http`: an OpenAI-compatible `/chat/completions` endpoint (vLLM,
//!   `rewasm serve-judge`, a hosted API), with a concurrency limit shared by
//!   every reward of the set, a per-request timeout, retries with
//!   exponential backoff and an on-disk cache keyed by the prompt's hash;
//! - `local`: a model run in this process by the trainer's code; the
//!   runtime never links it, so the caller supplies it as a
//!   [`LocalJudgeFactory`] (the CLI does);
//! - `rules`: deterministic answers for tests and examples (see
//!   [`rules`]).

mod cache;
mod http;
pub mod rules;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use cache::CachedJudge;
pub use http::HttpJudge;
pub use rules::{RuleSpec, RulesJudge};

/// One question for the judge.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeRequest {
    /// The whole prompt, sent as one user message.
    pub prompt: String,
    /// Most tokens of the answer.
    pub max_tokens: u32,
    /// Sampling temperature; 0 is greedy.
    pub temperature: f32,
}

/// The answer's text, or why there is none.
pub type JudgeReply = Result<String, String>;

/// Something that answers judge requests.
pub trait JudgeBackend: Send + Sync {
    /// One reply per request, in order. Must return by `deadline` (give up
    /// with an error for what is not answered by then).
    fn answer(&self, requests: &[JudgeRequest], deadline: Instant) -> Vec<JudgeReply>;

    /// Names the backend and model, for messages and cache keys.
    fn describe(&self) -> String;
}

/// What a judge has done since it was built.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JudgeStats {
    /// Requests asked.
    pub requests: u64,
    /// Answered from the on-disk cache.
    pub cache_hits: u64,
    /// Requests that ended in an error.
    pub errors: u64,
}

/// A judge shared by the rewards of a set (cheap to clone).
#[derive(Clone)]
pub struct Judge {
    backend: Arc<dyn JudgeBackend>,
    counters: Arc<Counters>,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    errors: AtomicU64,
    cache: Option<Arc<cache::HitCounter>>,
}

impl fmt::Debug for Judge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Judge({})", self.backend.describe())
    }
}

impl Judge {
    /// Wraps a backend.
    pub fn new(backend: Arc<dyn JudgeBackend>) -> Self {
        Judge {
            backend,
            counters: Arc::new(Counters::default()),
        }
    }

    fn with_cache(backend: Arc<dyn JudgeBackend>, dir: PathBuf) -> Self {
        let cached = CachedJudge::new(backend, dir);
        let hits = cached.hit_counter();
        Judge {
            backend: Arc::new(cached),
            counters: Arc::new(Counters {
                cache: Some(hits),
                ..Counters::default()
            }),
        }
    }

    /// Asks every request; replies in order.
    pub fn answer(&self, requests: &[JudgeRequest], deadline: Instant) -> Vec<JudgeReply> {
        let replies = self.backend.answer(requests, deadline);
        self.counters
            .requests
            .fetch_add(requests.len() as u64, Ordering::Relaxed);
        let errors = replies.iter().filter(|r| r.is_err()).count();
        self.counters
            .errors
            .fetch_add(errors as u64, Ordering::Relaxed);
        replies
    }

    /// Names the backend.
    pub fn describe(&self) -> String {
        self.backend.describe()
    }

    /// Counts so far.
    pub fn stats(&self) -> JudgeStats {
        JudgeStats {
            requests: self.counters.requests.load(Ordering::Relaxed),
            errors: self.counters.errors.load(Ordering::Relaxed),
            cache_hits: self.counters.cache.as_ref().map_or(0, |c| c.hits()),
        }
    }

    /// Builds the judge a `[judge]` table describes. Relative paths are
    /// resolved in `base` (the set file's folder); `local` needs a factory.
    pub fn from_config(
        config: &JudgeConfig,
        base: &Path,
        local: Option<&LocalJudgeFactory>,
    ) -> Result<Judge, String> {
        config.validate()?;
        let backend: Arc<dyn JudgeBackend> = match config.backend {
            JudgeBackendKind::Rules => {
                return Ok(Judge::new(Arc::new(RulesJudge::new(config)?)));
            }
            JudgeBackendKind::Http => Arc::new(HttpJudge::new(config)?),
            JudgeBackendKind::Local => {
                let Some(factory) = local else {
                    return Err(
                        "backend `local` runs a model in this process, which this command cannot do (use `rewasm score`/`rewasm train`, or serve the model with `rewasm serve-judge` and use backend `http`)".into(),
                    );
                };
                (factory.0)(config)?
            }
        };
        if !config.cache {
            return Ok(Judge::new(backend));
        }
        let dir = match &config.cache_dir {
            Some(d) if d.is_absolute() => d.clone(),
            Some(d) => base.join(d),
            None => crate::rewasm_home().join("judge-cache"),
        };
        Ok(Judge::with_cache(backend, dir))
    }
}

/// Builds the `local` backend from a `[judge]` table; supplied by a caller
/// that can run models (the runtime cannot).
#[derive(Clone)]
pub struct LocalJudgeFactory(
    #[allow(clippy::type_complexity)]
    pub  Arc<dyn Fn(&JudgeConfig) -> Result<Arc<dyn JudgeBackend>, String> + Send + Sync>,
);

impl fmt::Debug for LocalJudgeFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LocalJudgeFactory")
    }
}

/// Which backend answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JudgeBackendKind {
    /// An OpenAI-compatible chat-completions endpoint.
    Http,
    /// A model run in this process.
    Local,
    /// Deterministic rules.
    Rules,
}

/// A reward set's `[judge]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgeConfig {
    /// `http`, `local` or `rules`.
    pub backend: JudgeBackendKind,
    /// `http`: the API's base URL, up to and including `/v1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// `http`: the model name sent in requests; `local`: a model name
    /// under `$REWASM_HOME/models` or a model folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// `http`: the environment variable holding the API key (sent as a
    /// bearer token); none sends no key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_env: Option<String>,
    /// `http`: most requests in flight at once, over every reward of the set.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// `http`: seconds one attempt may take (the calling reward's deadline
    /// cuts it shorter).
    #[serde(default = "default_timeout_s")]
    pub timeout_s: f64,
    /// `http`: attempts after the first, on connection errors, timeouts,
    /// 429 and 5xx replies.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// `http`: the first retry waits this long; each next one twice as long.
    #[serde(default = "default_backoff_ms")]
    pub backoff_ms: u64,
    /// `http`/`local`: keep answers on disk by the hash of backend, model,
    /// prompt, temperature and max tokens; a repeated request is not sent.
    #[serde(default = "default_true")]
    pub cache: bool,
    /// Where the cache lives (relative to the set file); default
    /// `$REWASM_HOME/judge-cache`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_dir: Option<PathBuf>,
    /// `local`: `cpu`, `cuda` or `cuda:N`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// `rules`: tried in order; the first whose pattern matches answers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleSpec>,
    /// `rules`: answer Perception-R1 style annotation prompts (see
    /// [`rules`]) when no rule matched.
    #[serde(default = "default_true")]
    pub annotations: bool,
    /// `rules`: the answer when nothing matched; none makes it an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_reply: Option<String>,
}

fn default_concurrency() -> usize {
    4
}
fn default_timeout_s() -> f64 {
    60.0
}
fn default_retries() -> u32 {
    2
}
fn default_backoff_ms() -> u64 {
    250
}
fn default_true() -> bool {
    true
}

impl JudgeConfig {
    /// A config of `backend` with every default.
    pub fn new(backend: JudgeBackendKind) -> Self {
        JudgeConfig {
            backend,
            base_url: None,
            model: None,
            api_key_env: None,
            concurrency: default_concurrency(),
            timeout_s: default_timeout_s(),
            retries: default_retries(),
            backoff_ms: default_backoff_ms(),
            cache: true,
            cache_dir: None,
            device: None,
            rules: Vec::new(),
            annotations: true,
            default_reply: None,
        }
    }

    /// Checks what each backend needs; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.concurrency == 0 || self.concurrency > 1024 {
            return Err(format!(
                "concurrency must be 1-1024, got {}",
                self.concurrency
            ));
        }
        if !(self.timeout_s.is_finite() && self.timeout_s > 0.0) {
            return Err(format!(
                "timeout_s must be a positive number of seconds, got {}",
                self.timeout_s
            ));
        }
        if self.retries > 10 {
            return Err(format!("retries must be at most 10, got {}", self.retries));
        }
        match self.backend {
            JudgeBackendKind::Http => {
                let Some(url) = &self.base_url else {
                    return Err(
                        "backend `http` needs `base_url` (e.g. \"http://127.0.0.1:8011/v1\")"
                            .into(),
                    );
                };
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(format!(
                        "base_url must start with http:// or https://, got {url:?}"
                    ));
                }
                if self.model.is_none() {
                    return Err(
                        "backend `http` needs `model` (the name the server knows the model by)"
                            .into(),
                    );
                }
            }
            JudgeBackendKind::Local => {
                if self.model.is_none() {
                    return Err(
                        "backend `local` needs `model` (a pulled model's name or a model folder)"
                            .into(),
                    );
                }
            }
            JudgeBackendKind::Rules => {}
        }
        if self.backend != JudgeBackendKind::Rules
            && (!self.rules.is_empty() || self.default_reply.is_some())
        {
            return Err("`rules` and `default_reply` only apply to backend `rules`".into());
        }
        Ok(())
    }

    /// The timeout of one attempt.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.timeout_s)
    }
}

/// A counting semaphore: at most `n` holders at once.
pub(crate) struct Gate {
    free: Mutex<usize>,
    freed: Condvar,
}

impl Gate {
    pub(crate) fn new(n: usize) -> Self {
        Gate {
            free: Mutex::new(n),
            freed: Condvar::new(),
        }
    }

    /// Waits for a slot until `deadline`; `None` when it passed first.
    pub(crate) fn enter(&self, deadline: Instant) -> Option<GateSlot<'_>> {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if *free > 0 {
                *free -= 1;
                return Some(GateSlot(self));
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            free = self
                .freed
                .wait_timeout(free, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

pub(crate) struct GateSlot<'a>(&'a Gate);

impl Drop for GateSlot<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.0.freed.notify_one();
    }
}

/// Runs `f` on every index with at most `workers` threads, results in order.
pub(crate) fn map_parallel<T: Send>(
    n: usize,
    workers: usize,
    f: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    if n <= 1 || workers <= 1 {
        return (0..n).map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<T>>> = (0..n).map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..workers.min(n) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let v = f(i);
                *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(v);
            });
        }
    });
    slots
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every index was taken by a worker")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_defaults_and_checks() {
        let c: JudgeConfig = toml::from_str(
            "backend = \"http\"\nbase_url = \"http://127.0.0.1:1/v1\"\nmodel = \"m\"",
        )
        .expect("parses");
        assert_eq!(c.concurrency, 4);
        assert_eq!(c.retries, 2);
        assert!(c.cache);
        c.validate().expect("valid");

        let no_url: JudgeConfig = toml::from_str("backend = \"http\"\nmodel = \"m\"").expect("p");
        assert!(no_url.validate().unwrap_err().contains("base_url"));
        let local: JudgeConfig = toml::from_str("backend = \"local\"").expect("p");
        assert!(local.validate().unwrap_err().contains("model"));
        let bad = toml::from_str::<JudgeConfig>("backend = \"rules\"\nbogus = 1");
        assert!(bad.unwrap_err().to_string().contains("bogus"));
        let zero: JudgeConfig = toml::from_str("backend = \"rules\"\nconcurrency = 0").expect("p");
        assert!(zero.validate().unwrap_err().contains("concurrency"));
        let rules_on_http: JudgeConfig = toml::from_str(
            "backend = \"http\"\nbase_url = \"http://x/v1\"\nmodel = \"m\"\ndefault_reply = \"x\"",
        )
        .expect("p");
        assert!(rules_on_http.validate().unwrap_err().contains("rules"));
    }

    #[test]
    fn local_without_a_factory_is_a_clear_error() {
        let mut c = JudgeConfig::new(JudgeBackendKind::Local);
        c.model = Some("m".into());
        let err = Judge::from_config(&c, Path::new("."), None).unwrap_err();
        assert!(err.contains("serve-judge"), "{err}");
    }

    #[test]
    fn map_parallel_keeps_order_and_bounds_workers() {
        let live = std::sync::atomic::AtomicUsize::new(0);
        let most = std::sync::atomic::AtomicUsize::new(0);
        let out = map_parallel(40, 3, |i| {
            let now = live.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(1));
            live.fetch_sub(1, Ordering::SeqCst);
            i * 2
        });
        assert_eq!(out, (0..40).map(|i| i * 2).collect::<Vec<_>>());
        assert!(most.load(Ordering::SeqCst) <= 3);
    }

    #[test]
    fn gate_times_out_when_full() {
        let g = Gate::new(1);
        let held = g
            .enter(Instant::now() + Duration::from_secs(1))
            .expect("free");
        assert!(g
            .enter(Instant::now() + Duration::from_millis(20))
            .is_none());
        drop(held);
        assert!(g
            .enter(Instant::now() + Duration::from_millis(20))
            .is_some());
    }
}
