use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use rewasm_api::{RewardError, RewardFn, Sample, Score};
use serde::{Deserialize, Serialize};

use crate::{
    Capability, Error, Grants, InstanceMode, Judge, JudgeConfig, LocalJudgeFactory, ModuleSource,
    ModuleStore, Plugin, PluginOptions, PublicKey, QuarantinePolicy, RewardEngine, SandboxLimits,
};

/// A reward-set file as written (TOML).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewardSetFile {
    /// Samples per plugin call when rows have no group (rows of one group
    /// always go together).
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    /// Refuse every module (built-ins excepted) without a valid signature
    /// by a trusted key: `MODULE.sig` beside a file, or the signature pulled
    /// with an OCI module. Read once, when the set is first loaded.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub require_signature: bool,
    /// Public keys (`ed25519:<hex>`) trusted to sign this set's modules,
    /// besides those in `$REWASM_HOME/trusted_keys`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_keys: Vec<String>,
    /// The judge that rewards granted `judge` ask. Read once, when the set
    /// is first loaded (a live set keeps the judge it started with).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judge: Option<JudgeConfig>,
    /// The rewards.
    #[serde(default)]
    pub reward: Vec<RewardSpec>,
}

fn default_batch_size() -> usize {
    64
}

/// One `[[reward]]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewardSpec {
    /// Name in outputs and metrics; unique within the set.
    pub name: String,
    /// A built-in name or a path to a `.wasm` component (relative to the file).
    pub plugin: String,
    /// Weight in the total; 0 logs the reward without training on it.
    #[serde(default = "default_weight")]
    pub weight: f64,
    /// Optional sha256 pin of the component bytes.
    #[serde(default)]
    pub sha256: Option<String>,
    /// Host capabilities granted to the plugin.
    #[serde(default)]
    pub capabilities: Vec<Capability>,
    /// Handed to the plugin's `configure()` as JSON.
    #[serde(default)]
    pub config: toml::Table,
    /// Sandbox limits.
    #[serde(default)]
    pub limits: SandboxLimits,
}

fn default_weight() -> f64 {
    1.0
}

impl RewardSetFile {
    /// Parses reward-set TOML; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, Error> {
        let file: RewardSetFile = toml::from_str(text).map_err(|e| Error::RewardSetSyntax {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        file.validate(path)?;
        Ok(file)
    }

    /// Reads and parses a reward-set file.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|cause| Error::Io {
            path: path.to_path_buf(),
            cause,
        })?;
        Self::parse(&text, path)
    }

    fn validate(&self, path: &Path) -> Result<(), Error> {
        let invalid = |reward: &str, message: String| Error::RewardSetInvalid {
            path: path.to_path_buf(),
            reward: reward.to_string(),
            message,
        };
        if self.reward.is_empty() {
            return Err(Error::RewardSetSyntax {
                path: path.to_path_buf(),
                message: "no [[reward]] tables".into(),
            });
        }
        if self.batch_size == 0 {
            return Err(Error::RewardSetSyntax {
                path: path.to_path_buf(),
                message: "batch_size must be positive".into(),
            });
        }
        if let Some(judge) = &self.judge {
            judge.validate().map_err(|m| Error::RewardSetSyntax {
                path: path.to_path_buf(),
                message: format!("[judge]: {m}"),
            })?;
        }
        let mut seen = std::collections::HashSet::new();
        for r in &self.reward {
            if r.name.is_empty()
                || r.name.len() > 64
                || !r
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            {
                return Err(invalid(
                    &r.name,
                    "name must be 1-64 characters of [A-Za-z0-9._-]".into(),
                ));
            }
            if !seen.insert(r.name.as_str()) {
                return Err(invalid(&r.name, "duplicate reward name".into()));
            }
            if !r.weight.is_finite() {
                return Err(invalid(
                    &r.name,
                    format!("weight must be finite, got {}", r.weight),
                ));
            }
            if let Some(pin) = &r.sha256 {
                if pin.len() != 64 || !pin.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(invalid(&r.name, "sha256 must be 64 hex digits".into()));
                }
            }
            r.limits.validate().map_err(|m| invalid(&r.name, m))?;
        }
        Ok(())
    }
}

/// One loaded reward of a set.
pub struct Reward {
    /// The spec it was loaded from.
    pub spec: RewardSpec,
    /// The loaded component.
    pub plugin: Plugin,
}

impl RewardFn for Reward {
    fn name(&self) -> &str {
        &self.spec.name
    }
    fn score(&self, samples: &[Sample]) -> Vec<Result<Score, RewardError>> {
        self.plugin.score_batch(samples)
    }
}

/// The rewards of a run, loaded and ready to score in parallel.
pub struct RewardSet {
    rewards: Vec<Arc<Reward>>,
    batch_size: usize,
    path: PathBuf,
}

/// The scores of one sample under every reward of a set.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredRow {
    /// Per reward, in set order.
    pub rewards: Vec<(String, Result<Score, RewardError>)>,
    /// Weighted sum; `None` when a reward with non-zero weight failed.
    pub total: Option<f64>,
}

/// Where and how the rewards of a set are loaded.
#[derive(Debug, Clone)]
pub struct LoadContext {
    /// The reward-set file (for messages).
    pub path: PathBuf,
    /// The folder relative plugin paths are resolved in.
    pub base: PathBuf,
    /// Fresh instance per call, or reuse.
    pub mode: InstanceMode,
    /// When repeated failures pause a plugin.
    pub quarantine: QuarantinePolicy,
    /// Where `sha256:<hex>` plugins are looked up, in order.
    pub stores: Vec<ModuleStore>,
    /// When set, modules must be signed by one of these keys.
    pub require_signature: Option<Arc<Vec<PublicKey>>>,
    /// The judge of rewards granted `judge`; built from the set's `[judge]`
    /// table by [`LoadContext::apply_policy`] unless one is set.
    pub judge: Option<Judge>,
    /// Builds the `local` judge backend (a model in this process); the CLI
    /// supplies it, since the runtime cannot run models.
    pub local_judge: Option<LocalJudgeFactory>,
}

impl LoadContext {
    /// The defaults for the set file `path`: fresh instances, the default
    /// quarantine, the user's module store.
    pub fn for_file(path: &Path) -> Self {
        LoadContext {
            path: path.to_path_buf(),
            base: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            mode: InstanceMode::Fresh,
            quarantine: QuarantinePolicy::default(),
            stores: vec![ModuleStore::default_location()],
            require_signature: None,
            judge: None,
            local_judge: None,
        }
    }

    /// Takes the policies of a set file, unless they are set already: the
    /// signature policy (`require_signature`, `trusted_keys` plus the user's
    /// trusted keys) and the judge (`[judge]`).
    pub fn apply_policy(&mut self, file: &RewardSetFile) -> Result<(), Error> {
        if let (None, Some(config)) = (&self.judge, &file.judge) {
            let judge = Judge::from_config(config, &self.base, self.local_judge.as_ref()).map_err(
                |message| Error::RewardSetSyntax {
                    path: self.path.clone(),
                    message: format!("[judge]: {message}"),
                },
            )?;
            self.judge = Some(judge);
        }
        if !file.require_signature || self.require_signature.is_some() {
            return Ok(());
        }
        let mut keys = crate::trusted_keys_from_user_config();
        for k in &file.trusted_keys {
            keys.push(PublicKey::parse(k).map_err(|e| Error::RewardSetSyntax {
                path: self.path.clone(),
                message: format!("trusted_keys: {e}"),
            })?);
        }
        self.require_signature = Some(Arc::new(keys));
        Ok(())
    }

    /// Under `require_signature`, checks the signature of a module read
    /// from `source`: the `.sig` beside a file, else one kept with the
    /// module in a store (pulled from OCI, or copied into a run's store).
    pub fn check_signature(
        &self,
        reward: &str,
        source: &ModuleSource,
        bytes: &[u8],
    ) -> Result<Option<Vec<u8>>, Error> {
        let Some(trusted) = &self.require_signature else {
            return Ok(None);
        };
        if source.is_builtin() {
            return Ok(None);
        }
        let digest = crate::cache::sha256_hex(bytes);
        let sig = self.find_signature(source, &digest)?;
        let refuse = |e: crate::SignatureError| {
            self.invalid(
                reward,
                format!("require_signature: {} ({})", e, source.origin()),
            )
        };
        let Some(sig) = sig else {
            return Err(refuse(crate::SignatureError::Unsigned {
                origin: source.origin(),
            }));
        };
        crate::ModuleSignature::parse(&sig, &source.origin())
            .and_then(|s| s.verify(&digest, trusted))
            .map_err(refuse)?;
        Ok(Some(sig))
    }

    /// The signature bytes of a module, if any can be found.
    pub fn find_signature(
        &self,
        source: &ModuleSource,
        digest: &str,
    ) -> Result<Option<Vec<u8>>, Error> {
        if let Some(p) = source.file() {
            let sig = crate::signature_path(p);
            if sig.is_file() {
                return std::fs::read(&sig)
                    .map(Some)
                    .map_err(|cause| Error::Io { path: sig, cause });
            }
        }
        let default = ModuleStore::default_location();
        for store in self.stores.iter().chain(std::iter::once(&default)) {
            if let Some(sig) = store.attachment(digest, "sig")? {
                return Ok(Some(sig));
            }
        }
        Ok(None)
    }

    fn invalid(&self, reward: &str, message: String) -> Error {
        Error::RewardSetInvalid {
            path: self.path.clone(),
            reward: reward.to_string(),
            message,
        }
    }

    /// Resolves a spec's plugin to its source.
    pub fn resolve(&self, plugin: &str) -> Result<ModuleSource, Error> {
        ModuleSource::resolve_in(plugin, &self.base, &self.stores)
    }
}

/// Loads one reward: resolves and reads its module, checks its `sha256`
/// pin, compiles (or takes from the cache), links and configures it.
pub fn load_reward(
    engine: &Arc<RewardEngine>,
    spec: RewardSpec,
    ctx: &LoadContext,
) -> Result<Reward, Error> {
    let source = ctx.resolve(&spec.plugin)?;
    let bytes = source.bytes()?;
    ctx.check_signature(&spec.name, &source, &bytes)?;
    load_reward_bytes(engine, spec, &source.origin(), &bytes, ctx)
}

/// [`load_reward`] for bytes already read (`origin` names them).
pub fn load_reward_bytes(
    engine: &Arc<RewardEngine>,
    spec: RewardSpec,
    origin: &str,
    bytes: &[u8],
    ctx: &LoadContext,
) -> Result<Reward, Error> {
    if let Some(pin) = &spec.sha256 {
        let got = crate::cache::sha256_hex(bytes);
        if !got.eq_ignore_ascii_case(pin) {
            return Err(ctx.invalid(
                &spec.name,
                format!("sha256 pin mismatch: the module has {got}, the set pins {pin}"),
            ));
        }
    }
    let config_json = serde_json::to_string(&spec.config).map_err(|e| {
        ctx.invalid(
            &spec.name,
            format!("config cannot be converted to JSON: {e}"),
        )
    })?;
    let judge = if spec.capabilities.contains(&Capability::Judge) {
        match &ctx.judge {
            Some(j) => Some(j.clone()),
            None => {
                return Err(ctx.invalid(
                    &spec.name,
                    "is granted `judge`, but the set has no [judge] table (backend \"http\", \"local\" or \"rules\")".into(),
                ))
            }
        }
    } else {
        None
    };
    let plugin = Plugin::load_with(
        engine,
        &spec.name,
        origin,
        bytes,
        PluginOptions {
            limits: spec.limits,
            grants: Grants::new(spec.capabilities.iter().copied()),
            config_json,
            mode: ctx.mode,
            quarantine: ctx.quarantine,
            judge,
        },
    )?;
    Ok(Reward { spec, plugin })
}

impl RewardSet {
    /// Loads a reward-set file and every plugin it names.
    pub fn load(engine: &Arc<RewardEngine>, path: &Path) -> Result<Self, Error> {
        Self::load_with(
            engine,
            path,
            InstanceMode::Fresh,
            QuarantinePolicy::default(),
        )
    }

    /// Like [`RewardSet::load`], choosing the instance mode and quarantine policy.
    pub fn load_with(
        engine: &Arc<RewardEngine>,
        path: &Path,
        mode: InstanceMode,
        quarantine: QuarantinePolicy,
    ) -> Result<Self, Error> {
        let file = RewardSetFile::read(path)?;
        let ctx = LoadContext {
            mode,
            quarantine,
            ..LoadContext::for_file(path)
        };
        Self::from_file(engine, file, &ctx)
    }

    /// Loads the plugins of an already-parsed file.
    pub fn from_file(
        engine: &Arc<RewardEngine>,
        file: RewardSetFile,
        ctx: &LoadContext,
    ) -> Result<Self, Error> {
        let mut ctx = ctx.clone();
        ctx.apply_policy(&file)?;
        let ctx = &ctx;
        // Plugins compile in parallel; the first error (in file order) wins.
        let loaded: Vec<Result<Reward, Error>> = file
            .reward
            .into_par_iter()
            .map(|spec| load_reward(engine, spec, ctx))
            .collect();
        let rewards = loaded
            .into_iter()
            .map(|r| r.map(Arc::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RewardSet {
            rewards,
            batch_size: file.batch_size,
            path: ctx.path.clone(),
        })
    }

    /// A set of rewards already loaded (a live set's versions share the
    /// rewards that did not change).
    pub fn from_rewards(rewards: Vec<Arc<Reward>>, batch_size: usize, path: &Path) -> Self {
        RewardSet {
            rewards,
            batch_size,
            path: path.to_path_buf(),
        }
    }

    /// Samples per call for ungrouped rows.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// `(name, sha256)` of every reward, in set order.
    pub fn digests(&self) -> Vec<(String, String)> {
        self.rewards
            .iter()
            .map(|r| (r.spec.name.clone(), r.plugin.digest().to_string()))
            .collect()
    }

    /// The rewards, in file order.
    pub fn rewards(&self) -> &[Arc<Reward>] {
        &self.rewards
    }

    /// The rewards, taken out of the set (the trainer holds each on its own).
    pub fn into_rewards(self) -> Vec<Arc<Reward>> {
        self.rewards
    }

    /// The file this set came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Scores samples under every reward. Rows of one group go to a plugin
    /// in one call; other rows in chunks of `batch_size`. Every (reward,
    /// batch) pair runs in parallel.
    pub fn score(&self, samples: &[Sample]) -> Vec<ScoredRow> {
        let batches = plan_batches(samples, self.batch_size);
        let work: Vec<(usize, usize)> = (0..self.rewards.len())
            .flat_map(|r| (0..batches.len()).map(move |b| (r, b)))
            .collect();
        let done: Vec<(usize, usize, Batch)> = work
            .into_par_iter()
            .map(|(r, b)| {
                let batch: Vec<&Sample> = batches[b].iter().map(|&i| &samples[i]).collect();
                (r, b, self.rewards[r].plugin.score_refs(&batch))
            })
            .collect();

        let mut per_reward: Vec<Vec<Option<Result<Score, RewardError>>>> = (0..self.rewards.len())
            .map(|_| vec![None; samples.len()])
            .collect();
        for (r, b, results) in done {
            for (&i, res) in batches[b].iter().zip(results) {
                per_reward[r][i] = Some(res);
            }
        }
        (0..samples.len())
            .map(|i| {
                let rewards: Vec<(String, Result<Score, RewardError>)> = self
                    .rewards
                    .iter()
                    .enumerate()
                    .map(|(r, rw)| {
                        let res = per_reward[r][i].take().unwrap_or_else(|| {
                            Err(RewardError::InvalidOutput(
                                "no result was produced for this sample".into(),
                            ))
                        });
                        (rw.spec.name.clone(), res)
                    })
                    .collect();
                let total = self.total(&rewards);
                ScoredRow { rewards, total }
            })
            .collect()
    }

    fn total(&self, rewards: &[(String, Result<Score, RewardError>)]) -> Option<f64> {
        let mut sum = 0.0;
        for (rw, (_, res)) in self.rewards.iter().zip(rewards) {
            if rw.spec.weight == 0.0 {
                continue;
            }
            sum += rw.spec.weight * res.as_ref().ok()?.value;
        }
        Some(sum)
    }
}

/// One call's results, one per sample of the batch.
type Batch = Vec<Result<Score, RewardError>>;

/// Groups sample indices into calls: one call per group id (split if a group
/// is larger than 4x the batch size), ungrouped rows in chunks.
fn plan_batches(samples: &[Sample], batch_size: usize) -> Vec<Vec<usize>> {
    let mut batches: Vec<Vec<usize>> = Vec::new();
    let mut by_group: HashMap<&str, usize> = HashMap::new();
    let mut loose: Vec<usize> = Vec::new();
    let max_group = batch_size.saturating_mul(4).max(1);
    for (i, s) in samples.iter().enumerate() {
        match &s.group {
            Some(g) => {
                let b = *by_group.entry(g.as_str()).or_insert_with(|| {
                    batches.push(Vec::new());
                    batches.len() - 1
                });
                if batches[b].len() >= max_group {
                    batches.push(vec![i]);
                    by_group.insert(g.as_str(), batches.len() - 1);
                } else {
                    batches[b].push(i);
                }
            }
            None => {
                loose.push(i);
                if loose.len() == batch_size {
                    batches.push(std::mem::take(&mut loose));
                }
            }
        }
    }
    if !loose.is_empty() {
        batches.push(loose);
    }
    batches
}

/// Per-reward statistics over scored rows, for summaries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RewardStats {
    /// Successful scores.
    pub ok: usize,
    /// Mean of successful scores.
    pub mean: f64,
    /// Errors by kind.
    pub errors: BTreeMap<rewasm_api::ErrorKind, usize>,
}

impl RewardSet {
    /// Mean and error counts per reward over `rows`.
    pub fn stats(rows: &[ScoredRow]) -> Vec<(String, RewardStats)> {
        let mut out: Vec<(String, RewardStats)> = Vec::new();
        for row in rows {
            for (k, (name, res)) in row.rewards.iter().enumerate() {
                if out.len() <= k {
                    out.push((name.clone(), RewardStats::default()));
                }
                let st = &mut out[k].1;
                match res {
                    Ok(s) => {
                        st.ok += 1;
                        st.mean += (s.value - st.mean) / st.ok as f64;
                    }
                    Err(e) => *st.errors.entry(e.kind()).or_default() += 1,
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(group: Option<&str>) -> Sample {
        Sample {
            group: group.map(str::to_string),
            ..Sample::default()
        }
    }

    #[test]
    fn groups_stay_together_and_loose_rows_are_chunked() {
        let s = vec![
            sample(Some("a")),
            sample(None),
            sample(Some("b")),
            sample(Some("a")),
            sample(None),
            sample(None),
        ];
        let b = plan_batches(&s, 2);
        assert!(b.contains(&vec![0, 3]));
        assert!(b.contains(&vec![2]));
        assert!(b.contains(&vec![1, 4]));
        assert!(b.contains(&vec![5]));
        let mut all: Vec<usize> = b.concat();
        all.sort();
        assert_eq!(all, (0..6).collect::<Vec<_>>());
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = RewardSetFile::parse(
            "[[reward]]\nname='a'\nplugin='x'\nwieght=1\n",
            Path::new("set.toml"),
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("wieght") && msg.contains("set.toml"), "{msg}");
        let err = RewardSetFile::parse(
            "[[reward]]\nname='a'\nplugin='x'\n[reward.limits]\ntimeout=1\n",
            Path::new("s.toml"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("timeout"), "{err}");
    }

    #[test]
    fn duplicate_names_and_bad_limits_are_rejected() {
        let err = RewardSetFile::parse(
            "[[reward]]\nname='a'\nplugin='x'\n[[reward]]\nname='a'\nplugin='y'\n",
            Path::new("s.toml"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("duplicate"), "{err}");
        let err = RewardSetFile::parse(
            "[[reward]]\nname='a'\nplugin='x'\n[reward.limits]\ntimeout_ms=0\n",
            Path::new("s.toml"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("timeout_ms"), "{err}");
    }

    #[test]
    fn defaults_fill_in() {
        let f = RewardSetFile::parse(
            "[[reward]]\nname='a'\nplugin='x'\ncapabilities=['log']\n",
            Path::new("s.toml"),
        )
        .unwrap();
        let r = &f.reward[0];
        assert_eq!(r.weight, 1.0);
        assert_eq!(r.limits, SandboxLimits::default());
        assert_eq!(r.capabilities, vec![Capability::Log]);
        assert_eq!(f.batch_size, 64);
    }
}
