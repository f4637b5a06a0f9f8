use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::bindings::rewasm::reward::{judge, log, types};
use crate::judge::{Judge, JudgeRequest};
use crate::limits::MemoryLimiter;
use crate::wasi::WasiState;

/// A host capability a reward set can grant to a plugin. Nothing is granted
/// by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Capability {
    /// `rewasm:reward/log`: messages go to the host's stderr.
    Log,
    /// `rewasm:reward/judge`: ask a judge model.
    Judge,
    /// WASI 0.2 imports, linked to a context that grants nothing (see
    /// `wasi.rs`); what componentize-py and componentize-js guests need.
    Wasi,
}

impl Capability {
    /// The name used in reward-set files.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Log => "log",
            Capability::Judge => "judge",
            Capability::Wasi => "wasi",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Capability {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "log" => Ok(Capability::Log),
            "judge" => Ok(Capability::Judge),
            "wasi" => Ok(Capability::Wasi),
            other => Err(format!(
                "unknown capability `{other}` (known: log, judge, wasi)"
            )),
        }
    }
}

/// The capabilities granted to one reward.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants(Vec<Capability>);

impl Grants {
    /// Grants exactly these capabilities.
    pub fn new(caps: impl IntoIterator<Item = Capability>) -> Self {
        let mut v: Vec<Capability> = caps.into_iter().collect();
        v.sort();
        v.dedup();
        Grants(v)
    }

    /// Grants nothing.
    pub fn none() -> Self {
        Grants(Vec::new())
    }

    /// Whether `cap` is granted.
    pub fn has(&self, cap: Capability) -> bool {
        self.0.contains(&cap)
    }

    /// The granted capabilities.
    pub fn iter(&self) -> impl Iterator<Item = Capability> + '_ {
        self.0.iter().copied()
    }
}

/// Raised (as a trap) when a plugin calls an import its reward set did not
/// grant.
#[derive(Debug, Clone)]
pub(crate) struct CapabilityDenied {
    pub(crate) capability: Capability,
    pub(crate) reward: Arc<str>,
}

impl fmt::Display for CapabilityDenied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "capability `{}` is not granted to reward `{}` (add it to the reward's `capabilities` list)",
            self.capability, self.reward
        )
    }
}

impl std::error::Error for CapabilityDenied {}

/// Raised (as a trap) when a plugin calls an import the host does not
/// provide to it: WASI without the `wasi` grant, or an unknown interface.
#[derive(Debug, Clone)]
pub(crate) struct ImportDenied {
    pub(crate) import: String,
    pub(crate) reward: Arc<str>,
}

impl fmt::Display for ImportDenied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.import.starts_with("wasi:") {
            write!(
                f,
                "reward `{}` called `{}`, but capability `wasi` is not granted (add it to the reward's `capabilities` list)",
                self.reward, self.import
            )
        } else {
            write!(
                f,
                "reward `{}` called `{}`, which this host does not provide",
                self.reward, self.import
            )
        }
    }
}

impl std::error::Error for ImportDenied {}

/// Links every function of every imported interface the linker does not
/// define yet to a stub that traps with [`ImportDenied`]. Whatever is left
/// (resources, bare functions) traps through wasmtime's own stubs, except
/// when WASI is granted: those stubs are looked up by exact version and would
/// shadow the semver-compatible match of, say, `wasi:random@0.2.0` against
/// the host's newer 0.2.x.
pub(crate) fn deny_unprovided_imports(
    linker: &mut wasmtime::component::Linker<HostState>,
    component: &wasmtime::component::Component,
    engine: &wasmtime::Engine,
    provided: impl Fn(&str) -> bool,
    reward: &Arc<str>,
    wasi_linked: bool,
) -> wasmtime::Result<()> {
    use wasmtime::component::types::ComponentItem;
    for (name, item) in component.component_type().imports(engine) {
        if provided(name) {
            continue;
        }
        let ComponentItem::ComponentInstance(instance) = item.ty else {
            continue;
        };
        let mut stubs = linker.instance(name)?;
        for (func, item) in instance.exports(engine) {
            if let ComponentItem::ComponentFunc(_) = item.ty {
                let denied = ImportDenied {
                    import: format!("{name}#{func}"),
                    reward: reward.clone(),
                };
                stubs.func_new(func, move |_, _, _, _| Err(denied.clone().into()))?;
            }
        }
    }
    if wasi_linked {
        Ok(())
    } else {
        linker.define_unknown_imports_as_traps(component)
    }
}

/// Per-call store data: the limiter and what the plugin may do.
pub(crate) struct HostState {
    pub(crate) limiter: MemoryLimiter,
    pub(crate) grants: Grants,
    pub(crate) reward: Arc<str>,
    logs_left: u32,
    /// Built on first use, and only linked when `wasi` is granted.
    wasi: Option<WasiState>,
    /// What answers `judge` calls; none answers each with an error.
    judge: Option<Judge>,
    /// When the current call's deadline passes (set when a call is armed).
    pub(crate) deadline: Instant,
}

impl HostState {
    const LOGS_PER_CALL: u32 = 100;
    const LOG_MESSAGE_MAX: usize = 2000;
    const JUDGE_REQUESTS_PER_CALL: usize = 4096;
    const JUDGE_PROMPT_MAX: usize = 256 * 1024;
    const JUDGE_MAX_TOKENS: u32 = 8192;

    pub(crate) fn new(
        limiter: MemoryLimiter,
        grants: Grants,
        reward: Arc<str>,
        judge: Option<Judge>,
    ) -> Self {
        HostState {
            limiter,
            grants,
            reward,
            logs_left: Self::LOGS_PER_CALL,
            wasi: None,
            judge,
            deadline: Instant::now(),
        }
    }

    fn check(&self, capability: Capability) -> wasmtime::Result<()> {
        if self.grants.has(capability) {
            Ok(())
        } else {
            Err(CapabilityDenied {
                capability,
                reward: self.reward.clone(),
            }
            .into())
        }
    }
}

impl types::Host for HostState {}

impl wasmtime_wasi::WasiView for HostState {
    fn ctx(&mut self) -> wasmtime_wasi::WasiCtxView<'_> {
        let wasi = self.wasi.get_or_insert_with(WasiState::locked_down);
        wasmtime_wasi::WasiCtxView {
            ctx: &mut wasi.ctx,
            table: &mut wasi.table,
        }
    }
}

impl log::Host for HostState {
    fn log(&mut self, level: log::Level, message: String) -> wasmtime::Result<()> {
        self.check(Capability::Log)?;
        // A chatty plugin must not flood the host: cap count and size.
        if self.logs_left == 0 {
            return Ok(());
        }
        self.logs_left -= 1;
        let mut message = message;
        if message.len() > Self::LOG_MESSAGE_MAX {
            let mut cut = Self::LOG_MESSAGE_MAX;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push_str("...");
        }
        let level = match level {
            log::Level::Debug => "debug",
            log::Level::Info => "info",
            log::Level::Warn => "warn",
            log::Level::Error => "error",
        };
        eprintln!("[{}] {level}: {message}", self.reward);
        if self.logs_left == 0 {
            eprintln!(
                "[{}] warn: further log messages in this call are dropped",
                self.reward
            );
        }
        Ok(())
    }
}

impl judge::Host for HostState {
    fn judge(
        &mut self,
        requests: Vec<judge::JudgeRequest>,
    ) -> wasmtime::Result<Vec<Result<String, String>>> {
        self.check(Capability::Judge)?;
        let Some(judge) = &self.judge else {
            return Ok(requests
                .iter()
                .map(|_| {
                    Err("no judge is configured (the reward set has no [judge] table)".to_string())
                })
                .collect());
        };
        if requests.len() > Self::JUDGE_REQUESTS_PER_CALL {
            return Ok(requests
                .iter()
                .map(|_| {
                    Err(format!(
                        "{} judge requests in one call; at most {} are taken",
                        requests.len(),
                        Self::JUDGE_REQUESTS_PER_CALL
                    ))
                })
                .collect());
        }
        // Requests the host refuses get their error; the rest are asked.
        let mut replies: Vec<Option<Result<String, String>>> = vec![None; requests.len()];
        let mut asked = Vec::new();
        let mut at = Vec::new();
        for (i, r) in requests.into_iter().enumerate() {
            if r.prompt.len() > Self::JUDGE_PROMPT_MAX {
                replies[i] = Some(Err(format!(
                    "the prompt is {} bytes; at most {} are sent to the judge",
                    r.prompt.len(),
                    Self::JUDGE_PROMPT_MAX
                )));
            } else if !(r.temperature.is_finite() && (0.0..=2.0).contains(&r.temperature)) {
                replies[i] = Some(Err(format!(
                    "temperature must be in [0, 2], got {}",
                    r.temperature
                )));
            } else {
                at.push(i);
                asked.push(JudgeRequest {
                    prompt: r.prompt,
                    max_tokens: r.max_tokens.clamp(1, Self::JUDGE_MAX_TOKENS),
                    temperature: r.temperature,
                });
            }
        }
        if !asked.is_empty() {
            for (i, reply) in at.into_iter().zip(judge.answer(&asked, self.deadline)) {
                replies[i] = Some(reply);
            }
        }
        Ok(replies
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err("the judge gave no answer".into())))
            .collect())
    }
}
