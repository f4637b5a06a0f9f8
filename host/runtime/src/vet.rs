//! Vetting a reward module before it is trusted with a training run.
//!
//! [`vet`] runs every check and returns a [`VetReport`]: the WIT version it
//! exports, its imports against the capabilities it asks for, its test
//! vectors (shipped in the module, see [`crate::vectors`], plus any the
//! vetter adds), determinism (the same batch twice on fresh instances gives
//! identical results), robustness (hostile and odd inputs: no trap, timeout,
//! out-of-memory or invalid output, one result per sample) and a resource
//! profile (peak memory, fuel per sample, samples/s at batch 64).
//!
//! [`check_vectors`] is the cheap subset a host runs on every new version
//! of a module it hot-swaps in: WIT version, imports, shipped vectors.

use std::collections::BTreeMap;
use std::sync::Arc;

use rewasm_api::{RewardError, Sample, Score};

use crate::plugin::{component_interface, CallProbe};
use crate::robustness::{probes, typical_samples};
use crate::vectors::{shipped_cases, TestCase};
use crate::vet_report::{
    CaseOutcome, Check, CheckStatus, Got, ModuleFacts, ProbeOutcome, ResourceProfile, VetReport,
    REPORT_FORMAT,
};
use crate::{Capability, Error, Grants, Plugin, PluginOptions, RewardEngine, SandboxLimits};

/// Fuel budget of the profiling call: large enough never to stop a module
/// that finishes within its deadline; only the consumption is reported.
const PROFILE_FUEL: u64 = 1 << 50;
/// Profiling batch size.
const PROFILE_BATCH: usize = 64;

/// How to vet.
#[derive(Debug, Clone)]
pub struct VetOptions {
    /// Names the module in the report and messages (a path or `builtin:NAME`).
    pub origin: String,
    /// Config for cases without their own, and for the other checks.
    pub config_json: String,
    /// Limits of every call.
    pub limits: SandboxLimits,
    /// Capabilities granted; `None` grants what the module asks for in
    /// `info()`, plus `wasi` if it imports WASI.
    pub grants: Option<Grants>,
    /// Cases to run besides the shipped ones (`rewasm vet --cases`).
    pub extra_cases: Vec<TestCase>,
    /// Skip robustness and the resource profile.
    pub quick: bool,
}

impl Default for VetOptions {
    fn default() -> Self {
        VetOptions {
            origin: "module".into(),
            config_json: "{}".into(),
            limits: SandboxLimits::default(),
            grants: None,
            extra_cases: Vec::new(),
            quick: false,
        }
    }
}

/// Why [`check_vectors`] refused a module.
#[derive(Debug, thiserror::Error)]
pub enum VetFailure {
    /// It does not load: not a component, another WIT version, a trap in
    /// `info()`, a config its `configure()` refuses.
    #[error(transparent)]
    Load(Error),
    /// Its imports do not fit what it declares (see the `imports_vs_capabilities` check).
    #[error("imports: {}", .0.join("; "))]
    Imports(Vec<String>),
    /// Its `rewasm:vectors` section cannot be read.
    #[error(transparent)]
    BadVectors(Error),
    /// Some shipped cases gave other results than expected.
    #[error("{} of {total} shipped test vectors failed: {}", failed.len(), describe_failures(failed))]
    Vectors {
        /// Cases run.
        total: usize,
        /// The failed ones.
        failed: Vec<CaseOutcome>,
    },
}

fn describe_failures(failed: &[CaseOutcome]) -> String {
    failed
        .iter()
        .take(3)
        .map(|c| format!("`{}`: {}", c.name, c.problem.as_deref().unwrap_or("failed")))
        .collect::<Vec<_>>()
        .join("; ")
        + if failed.len() > 3 { "; ..." } else { "" }
}

/// Checks a module the cheap way, as hot swap does for every new version:
/// it must load (WIT version, `info()`, `configure()`), import nothing it
/// does not declare, and give the expected result for every test case it
/// ships. Cases without a config run with `{}` (the vectors test the
/// module, not the reward set's config). `limits` and `grants` are those the
/// reward will run with. Returns the number of cases passed (0 when the
/// module ships none). A few milliseconds for a module in the compile cache.
pub fn check_vectors(
    engine: &Arc<RewardEngine>,
    bytes: &[u8],
    limits: &SandboxLimits,
    grants: &Grants,
) -> Result<usize, VetFailure> {
    let cases = shipped_cases(bytes).map_err(VetFailure::BadVectors)?;
    let origin = format!("module sha256:{}", &crate::cache::sha256_hex(bytes)[..12]);
    let base_config = vetting_config(&cases);
    let opts = PluginOptions {
        limits: *limits,
        grants: grants.clone(),
        config_json: base_config.clone(),
        ..PluginOptions::default()
    };
    let plugin =
        Plugin::load_with(engine, "vectors", &origin, bytes, opts).map_err(VetFailure::Load)?;
    check_cases(&plugin, &base_config, &cases)
}

/// [`check_vectors`] for a plugin already loaded from `bytes` (a hot swap
/// has just loaded it): reuses its compiled and linked component instead of
/// loading the module a second time.
pub fn check_vectors_of(plugin: &Plugin, bytes: &[u8]) -> Result<usize, VetFailure> {
    let cases = shipped_cases(bytes).map_err(VetFailure::BadVectors)?;
    let base_config = vetting_config(&cases);
    let derived;
    let base = if plugin.config_json() == base_config {
        plugin
    } else {
        derived = plugin
            .derive(&base_config, plugin.grants().clone())
            .map_err(VetFailure::Load)?;
        &derived
    };
    check_cases(base, &base_config, &cases)
}

/// The config cases without their own run under: `{}`, unless every case
/// carries one (a module that needs a config may ship only such cases).
fn vetting_config(cases: &[TestCase]) -> String {
    if cases.iter().all(|c| c.config.is_some()) && !cases.is_empty() {
        cases[0].config_json().unwrap_or_else(|| "{}".into())
    } else {
        "{}".to_string()
    }
}

fn check_cases(
    plugin: &Plugin,
    base_config: &str,
    cases: &[TestCase],
) -> Result<usize, VetFailure> {
    let (_, problems) = classify_imports(plugin.imports(), &plugin.info().capabilities);
    if !problems.is_empty() {
        return Err(VetFailure::Imports(problems));
    }
    let tagged: Vec<(&str, &TestCase)> = cases.iter().map(|c| ("shipped", c)).collect();
    let outcomes = run_cases(plugin, base_config, plugin.grants(), &tagged, &mut |_| {});
    let failed: Vec<CaseOutcome> = outcomes.into_iter().filter(|o| !o.passed).collect();
    if failed.is_empty() {
        Ok(cases.len())
    } else {
        Err(VetFailure::Vectors {
            total: cases.len(),
            failed,
        })
    }
}

/// Vets a module: every check, and a report. An `Err` only when the bytes
/// are not a component wasmtime can compile; a module that fails a check
/// gives a report with `passed: false`.
pub fn vet(
    engine: &Arc<RewardEngine>,
    bytes: &[u8],
    opts: &VetOptions,
) -> Result<VetReport, Error> {
    if !(bytes.len() >= 8 && bytes[..4] == *b"\0asm" && bytes[6..8] == [1, 0]) {
        return Err(Error::InvalidComponent {
            origin: opts.origin.clone(),
            message: "not a Wasm component (a core module needs `wasm-tools component new`)".into(),
        });
    }
    let mut v = Vetting::new(opts, bytes);
    let shipped = shipped_cases(bytes);
    v.report.module.vectors_shipped = shipped.as_ref().map_or(0, Vec::len);

    let load_grants = opts
        .grants
        .clone()
        .unwrap_or_else(|| Grants::new([Capability::Wasi]));
    let load_opts = PluginOptions {
        limits: opts.limits,
        grants: load_grants.clone(),
        config_json: opts.config_json.clone(),
        ..PluginOptions::default()
    };
    let loaded = Plugin::load_with(engine, "vet", &opts.origin, bytes, load_opts);
    let base = match loaded {
        Ok(p) => p,
        Err(e @ Error::InvalidComponent { .. }) => return Err(e),
        Err(e) => {
            let wit_failed = matches!(
                e,
                Error::UnsupportedWitVersion { .. } | Error::NotAReward { .. }
            );
            if let Ok((imports, exports)) =
                component_interface(engine, &opts.origin, bytes, &opts.limits)
            {
                v.report.module.wit_export = wit_export(&exports);
                v.report.module.imports = imports;
                v.report.module.exports = exports;
            }
            if wit_failed {
                v.check("wit_version", CheckStatus::Failed, e.to_string(), vec![]);
            } else {
                v.wit_passed();
                v.check("load", CheckStatus::Failed, e.to_string(), vec![]);
            }
            for name in [
                "imports_vs_capabilities",
                "vectors",
                "determinism",
                "robustness",
                "resource_profile",
            ] {
                v.check(
                    name,
                    CheckStatus::Skipped,
                    "the module did not load".into(),
                    vec![],
                );
            }
            return Ok(v.finish());
        }
    };
    v.report.module.name = Some(base.info().name.clone());
    v.report.module.version = Some(base.info().version.clone());
    v.report.module.imports = base.imports().to_vec();
    v.report.module.exports = base.exports().to_vec();
    v.report.module.wit_export = wit_export(base.exports());
    v.report.module.capabilities = base.info().capabilities.clone();
    v.wit_passed();
    v.check(
        "load",
        CheckStatus::Passed,
        format!(
            "info(): {} {}; configure() accepted {}",
            base.info().name,
            base.info().version,
            opts.config_json
        ),
        vec![],
    );

    // Imports against what info() declares.
    let (needs, problems) = classify_imports(base.imports(), &base.info().capabilities);
    v.report.module.needs_granting = needs.clone();
    let needs_text = if needs.is_empty() {
        "nothing to grant".to_string()
    } else {
        format!(
            "needs granting: {}",
            needs
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    if problems.is_empty() {
        let imports = if base.imports().is_empty() {
            "no imports".to_string()
        } else {
            format!("{} import(s) declared", base.imports().len())
        };
        v.check(
            "imports_vs_capabilities",
            CheckStatus::Passed,
            format!("{imports}; {needs_text}"),
            vec![],
        );
    } else {
        v.check(
            "imports_vs_capabilities",
            CheckStatus::Failed,
            format!("{} problem(s); {needs_text}", problems.len()),
            problems,
        );
    }

    // The grants calls run with.
    let grants = match &opts.grants {
        Some(g) => g.clone(),
        None => {
            let mut wanted = base.info().capabilities.clone();
            if base.imports().iter().any(|i| i.starts_with("wasi:")) {
                wanted.push(Capability::Wasi);
            }
            Grants::new(wanted)
        }
    };
    v.report.granted = grants.iter().collect();
    let plugin = if grants == load_grants {
        base
    } else {
        match base.derive(&opts.config_json, grants.clone()) {
            Ok(p) => p,
            Err(e) => {
                v.check("vectors", CheckStatus::Failed, e.to_string(), vec![]);
                return Ok(v.finish());
            }
        }
    };

    // Test vectors.
    let mut cases: Vec<(&str, &TestCase)> = Vec::new();
    match &shipped {
        Ok(list) => cases.extend(list.iter().map(|c| ("shipped", c))),
        Err(e) => v.check(
            "vectors",
            CheckStatus::Failed,
            "the shipped test vectors cannot be read".into(),
            vec![e.to_string()],
        ),
    }
    cases.extend(opts.extra_cases.iter().map(|c| ("cases", c)));
    let mut peak = 0usize;
    let outcomes = run_cases(&plugin, &opts.config_json, &grants, &cases, &mut |p| {
        peak = peak.max(p.peak_memory_bytes)
    });
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| {
            format!(
                "case `{}`: {}",
                o.name,
                o.problem.as_deref().unwrap_or("failed")
            )
        })
        .collect();
    let shipped_n = cases.iter().filter(|(s, _)| *s == "shipped").count();
    let origin_text = format!(
        "{shipped_n} shipped, {} from --cases",
        cases.len() - shipped_n
    );
    if shipped.is_ok() {
        if cases.is_empty() {
            v.check(
                "vectors",
                CheckStatus::Skipped,
                "no test vectors (ship them with `rewasm vectors embed`, or pass --cases)".into(),
                vec![],
            );
        } else {
            let passed = outcomes.len() - failed.len();
            let status = if failed.is_empty() {
                CheckStatus::Passed
            } else {
                CheckStatus::Failed
            };
            v.check(
                "vectors",
                status,
                format!(
                    "{passed} of {} cases passed ({origin_text})",
                    outcomes.len()
                ),
                failed,
            );
        }
    }
    v.report.vectors = outcomes;

    // Determinism: every batch twice, on fresh instances.
    let batches = determinism_batches(&plugin, &opts.config_json, &grants, &cases);
    let mut problems = Vec::new();
    let mut compared = 0usize;
    for (label, p, samples) in &batches {
        let refs: Vec<&Sample> = samples.iter().collect();
        let first = p.probe_call(&refs, None);
        let second = p.probe_call(&refs, None);
        peak = peak
            .max(first.peak_memory_bytes)
            .max(second.peak_memory_bytes);
        compared += samples.len();
        if let Some(diff) = first_difference(&first.results, &second.results, samples) {
            problems.push(format!("{label}: {diff}"));
        }
    }
    if problems.is_empty() {
        v.check(
            "determinism",
            CheckStatus::Passed,
            format!(
                "{} batch(es), {compared} samples: identical results, parts and notes on fresh instances",
                batches.len()
            ),
            vec![],
        );
    } else {
        v.check(
            "determinism",
            CheckStatus::Failed,
            "the same batch gave different results twice".into(),
            problems,
        );
    }

    if opts.quick {
        v.check(
            "robustness",
            CheckStatus::Skipped,
            "quick mode".into(),
            vec![],
        );
        v.check(
            "resource_profile",
            CheckStatus::Skipped,
            "quick mode".into(),
            vec![],
        );
        return Ok(v.finish());
    }

    // Robustness.
    let mut failed_probes = Vec::new();
    let mut samples_sent = 0usize;
    let all = probes();
    for probe in &all {
        let outcome = run_probe(&plugin, probe, &mut peak);
        samples_sent += outcome.samples;
        if let Some(p) = &outcome.problem {
            failed_probes.push(format!("{}: {p}", outcome.name));
        }
        v.report.robustness.push(outcome);
    }
    let calls: usize = v.report.robustness.iter().map(|p| p.calls).sum();
    if failed_probes.is_empty() {
        v.check(
            "robustness",
            CheckStatus::Passed,
            format!(
                "{} probes, {calls} calls, {samples_sent} samples: no trap, timeout, out-of-memory or invalid output",
                all.len()
            ),
            vec![],
        );
    } else {
        v.check(
            "robustness",
            CheckStatus::Failed,
            format!("{} of {} probes failed", failed_probes.len(), all.len()),
            failed_probes,
        );
    }

    // Resource profile.
    let profile_samples = profile_batch(&cases, &typical_samples());
    let refs: Vec<&Sample> = profile_samples.iter().collect();
    let metered = profile_plugin(engine, bytes, opts, &load_grants, &grants);
    let mut problems = Vec::new();
    let fuel_per_sample = match &metered {
        Ok(m) => {
            let probe = m.probe_call(&refs, None);
            peak = peak.max(probe.peak_memory_bytes);
            match (&probe.results, probe.fuel_consumed) {
                (Ok(_), Some(fuel)) => Some(fuel as f64 / PROFILE_BATCH as f64),
                (Err(e), _) => {
                    problems.push(format!("batch of 64 on the fuel-metered engine: {e}"));
                    None
                }
                (Ok(_), None) => None,
            }
        }
        Err(e) => {
            problems.push(format!("cannot load on the fuel-metered engine: {e}"));
            None
        }
    };
    let mut batch_peak = 0usize;
    let mut calls = 0u32;
    let mut total = std::time::Duration::ZERO;
    while calls < 3 || (total.as_millis() < 300 && calls < 30) {
        let probe = plugin.probe_call(&refs, None);
        batch_peak = batch_peak.max(probe.peak_memory_bytes);
        total += probe.elapsed;
        calls += 1;
        if let Err(e) = &probe.results {
            problems.push(format!("batch of 64: {e}"));
            break;
        }
    }
    peak = peak.max(batch_peak);
    let secs = total.as_secs_f64().max(1e-9);
    let profile = ResourceProfile {
        peak_memory_bytes: peak as u64,
        batch_64_peak_memory_bytes: batch_peak as u64,
        fuel_per_sample,
        samples_per_sec_batch_64: (PROFILE_BATCH as f64 * calls as f64) / secs,
        batch_64_ms: secs * 1000.0 / f64::from(calls.max(1)),
        batch_64_calls: calls,
    };
    let summary = format!(
        "peak memory {:.1} MiB (batch 64: {:.1} MiB), {} fuel/sample, {:.0} samples/s at batch 64",
        profile.peak_memory_bytes as f64 / (1 << 20) as f64,
        profile.batch_64_peak_memory_bytes as f64 / (1 << 20) as f64,
        profile
            .fuel_per_sample
            .map_or("?".to_string(), |f| format!("{f:.0}")),
        profile.samples_per_sec_batch_64
    );
    let status = if problems.is_empty() {
        CheckStatus::Passed
    } else {
        CheckStatus::Failed
    };
    v.check("resource_profile", status, summary, problems);
    v.report.profile = Some(profile);
    Ok(v.finish())
}

/// A report under construction.
struct Vetting {
    report: VetReport,
}

impl Vetting {
    fn new(opts: &VetOptions, bytes: &[u8]) -> Self {
        Vetting {
            report: VetReport {
                format: REPORT_FORMAT,
                host: format!("rewasm {}", env!("CARGO_PKG_VERSION")),
                module: ModuleFacts {
                    origin: opts.origin.clone(),
                    sha256: crate::cache::sha256_hex(bytes),
                    size: bytes.len() as u64,
                    name: None,
                    version: None,
                    wit_export: None,
                    imports: Vec::new(),
                    exports: Vec::new(),
                    capabilities: Vec::new(),
                    needs_granting: Vec::new(),
                    vectors_shipped: 0,
                },
                config: opts.config_json.clone(),
                limits: opts.limits,
                granted: Vec::new(),
                checks: Vec::new(),
                vectors: Vec::new(),
                robustness: Vec::new(),
                profile: None,
                passed: false,
                signature: None,
            },
        }
    }

    fn check(&mut self, name: &str, status: CheckStatus, summary: String, problems: Vec<String>) {
        self.report.checks.push(Check {
            name: name.to_string(),
            status,
            summary,
            problems,
        });
    }

    fn wit_passed(&mut self) {
        let export = self
            .report
            .module
            .wit_export
            .clone()
            .unwrap_or_else(|| "?".into());
        self.check(
            "wit_version",
            CheckStatus::Passed,
            format!("exports {export}"),
            vec![],
        );
    }

    fn finish(mut self) -> VetReport {
        self.report.passed = self
            .report
            .checks
            .iter()
            .all(|c| c.status != CheckStatus::Failed);
        self.report.stabilised()
    }
}

fn wit_export(exports: &[String]) -> Option<String> {
    let prefix = format!("{}/reward@", crate::WIT_PACKAGE);
    exports.iter().find(|e| e.starts_with(&prefix)).cloned()
}

/// What a component's imports need granted, and what is wrong with them:
/// `log` or `judge` imported without being asked for in `info()`, another
/// version of a rewasm interface, an unknown rewasm interface, or an import
/// that is neither rewasm nor WASI.
pub(crate) fn classify_imports(
    imports: &[String],
    declared: &[Capability],
) -> (Vec<Capability>, Vec<String>) {
    let mut needs: Vec<Capability> = declared.to_vec();
    let mut problems = Vec::new();
    let package = format!("{}/", crate::WIT_PACKAGE);
    for import in imports {
        let (name, version) = import.split_once('@').unwrap_or((import.as_str(), ""));
        if let Some(interface) = name.strip_prefix(&package) {
            if version != crate::WIT_VERSION {
                problems.push(format!(
                    "imports `{import}`, but this host provides {}@{}",
                    name,
                    crate::WIT_VERSION
                ));
                continue;
            }
            let cap = match interface {
                "log" => Capability::Log,
                "judge" => Capability::Judge,
                "types" => continue,
                other => {
                    problems.push(format!(
                        "imports `{import}`: `{other}` is not an interface of {}",
                        crate::WIT_PACKAGE
                    ));
                    continue;
                }
            };
            if !declared.contains(&cap) {
                problems.push(format!(
                    "imports `{import}` but its info() does not ask for the `{cap}` capability"
                ));
            }
            needs.push(cap);
        } else if name.starts_with("wasi:") {
            needs.push(Capability::Wasi);
        } else if name.starts_with("rewasm:") {
            problems.push(format!(
                "imports `{import}`, which is not an interface this host provides"
            ));
        } else {
            problems.push(format!(
                "imports `{import}`, which is neither a rewasm interface nor WASI (calls to it trap)"
            ));
        }
    }
    needs.sort();
    needs.dedup();
    (needs, problems)
}

/// Runs cases grouped by config (each group one batch on a fresh instance)
/// and records each outcome, in the cases' order.
fn run_cases(
    base: &Plugin,
    base_config: &str,
    grants: &Grants,
    cases: &[(&str, &TestCase)],
    on_call: &mut dyn FnMut(&CallProbe),
) -> Vec<CaseOutcome> {
    let mut results: Vec<Option<Result<Score, RewardError>>> = vec![None; cases.len()];
    for (config, members) in group_by_config(cases, base_config) {
        let derived;
        let plugin = if config == base_config {
            base
        } else {
            match base.derive(&config, grants.clone()) {
                Ok(p) => {
                    derived = p;
                    &derived
                }
                Err(e) => {
                    // The plugin's own message keeps its kind prefix
                    // (`invalid input: ...`), so a case can expect a refused
                    // config as `{"error": "invalid-input"}`.
                    let err = RewardError::Guest(match e {
                        Error::Configure { message, .. } => {
                            format!("{message} (configure() refused the case's config)")
                        }
                        other => format!("the case's config was refused: {other}"),
                    });
                    for i in members {
                        results[i] = Some(Err(err.clone()));
                    }
                    continue;
                }
            }
        };
        let samples: Vec<Sample> = members.iter().map(|&i| cases[i].1.to_sample()).collect();
        let refs: Vec<&Sample> = samples.iter().collect();
        let probe = plugin.probe_call(&refs, None);
        on_call(&probe);
        match probe.results {
            Ok(list) => {
                for (i, r) in members.into_iter().zip(list) {
                    results[i] = Some(r);
                }
            }
            Err(e) => {
                for i in members {
                    results[i] = Some(Err(e.clone()));
                }
            }
        }
    }
    cases
        .iter()
        .zip(results)
        .map(|((source, case), got)| {
            let got = got.unwrap_or_else(|| Err(RewardError::InvalidOutput("not run".into())));
            let problem = case.expect.check(&got).err();
            CaseOutcome {
                name: case.name.clone(),
                source: source.to_string(),
                passed: problem.is_none(),
                expected: case.expect.clone(),
                got: Got::from_result(&got),
                problem,
            }
        })
        .collect()
}

/// (config JSON, indices of its cases), in order of first appearance.
fn group_by_config(cases: &[(&str, &TestCase)], base_config: &str) -> Vec<(String, Vec<usize>)> {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, (_, case)) in cases.iter().enumerate() {
        let config = case
            .config_json()
            .unwrap_or_else(|| base_config.to_string());
        match groups.iter_mut().find(|(c, _)| *c == config) {
            Some((_, members)) => members.push(i),
            None => groups.push((config, vec![i])),
        }
    }
    groups
}

/// The batches the determinism check runs twice: each config's cases, and
/// the typical samples under the vetting config.
fn determinism_batches(
    base: &Plugin,
    base_config: &str,
    grants: &Grants,
    cases: &[(&str, &TestCase)],
) -> Vec<(String, Plugin, Vec<Sample>)> {
    let mut out = Vec::new();
    let mut groups = group_by_config(cases, base_config);
    if !groups.iter().any(|(c, _)| c == base_config) {
        groups.push((base_config.to_string(), Vec::new()));
    }
    for (config, members) in groups {
        let Ok(plugin) = base.derive(&config, grants.clone()) else {
            continue;
        };
        let mut samples: Vec<Sample> = members.iter().map(|&i| cases[i].1.to_sample()).collect();
        let label = if config == base_config {
            samples.extend(typical_samples());
            format!("config {config} (vectors and typical samples)")
        } else {
            format!("config {config}")
        };
        out.push((label, plugin, samples));
    }
    out
}

/// Where two runs of the same batch differ, if they do (values and parts
/// compared bit for bit).
fn first_difference(
    a: &Result<Vec<Result<Score, RewardError>>, RewardError>,
    b: &Result<Vec<Result<Score, RewardError>>, RewardError>,
    samples: &[Sample],
) -> Option<String> {
    let key = |r: &Result<Score, RewardError>| match r {
        Ok(s) => format!(
            "value {} ({:#x}), parts {:?}, note {:?}",
            s.value,
            s.value.to_bits(),
            s.parts
                .iter()
                .map(|(n, v)| (n.clone(), v.to_bits()))
                .collect::<Vec<_>>(),
            s.note
        ),
        Err(e) => format!("error {}: {}", e.kind(), e.message()),
    };
    match (a, b) {
        (Ok(x), Ok(y)) => x
            .iter()
            .zip(y)
            .zip(samples)
            .find(|((p, q), _)| key(p) != key(q))
            .map(|((p, q), s)| format!("sample `{}`: {} then {}", s.id, key(p), key(q))),
        (Err(x), Err(y)) if x == y => None,
        (x, y) => Some(format!(
            "whole call: {} then {}",
            x.as_ref().err().map_or("results".into(), |e| e.to_string()),
            y.as_ref().err().map_or("results".into(), |e| e.to_string())
        )),
    }
}

fn run_probe(plugin: &Plugin, probe: &crate::robustness::Probe, peak: &mut usize) -> ProbeOutcome {
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    let mut problem = None;
    let mut samples = 0;
    for (n, call) in probe.calls.iter().enumerate() {
        let refs: Vec<&Sample> = call.samples.iter().collect();
        samples += refs.len();
        let result = plugin.probe_call(&refs, call.raw_metadata.as_deref());
        *peak = (*peak).max(result.peak_memory_bytes);
        let where_ = |i: usize| {
            let what = call.samples.get(i).map_or(String::new(), |s| {
                let head: String = s.completion.chars().take(32).collect();
                format!(", completion {head:?}")
            });
            if probe.calls.len() > 1 {
                format!("call {} of {}{what}", n + 1, probe.calls.len())
            } else {
                format!("sample {}{what}", i + 1)
            }
        };
        match result.results {
            Ok(list) => {
                for (i, r) in list.iter().enumerate() {
                    if let Err(e) = r {
                        *errors.entry(e.kind().as_str().to_string()).or_default() += 1;
                        if e.is_sandbox_failure() && problem.is_none() {
                            problem = Some(format!("{}: {e}", where_(i)));
                        }
                    }
                }
            }
            Err(e) => {
                *errors.entry(e.kind().as_str().to_string()).or_default() += refs.len().max(1);
                if problem.is_none() {
                    problem = Some(format!("{}: {e}", where_(0)));
                }
            }
        }
    }
    ProbeOutcome {
        name: probe.name.to_string(),
        calls: probe.calls.len(),
        samples,
        passed: problem.is_none(),
        errors,
        problem,
    }
}

/// 64 samples: the vetting config's case samples, else typical ones, repeated.
fn profile_batch(cases: &[(&str, &TestCase)], typical: &[Sample]) -> Vec<Sample> {
    let from_cases: Vec<Sample> = cases
        .iter()
        .filter(|(_, c)| c.config.is_none())
        .map(|(_, c)| c.to_sample())
        .collect();
    let pool = if from_cases.is_empty() {
        typical
    } else {
        &from_cases
    };
    (0..PROFILE_BATCH)
        .map(|i| {
            let mut s = pool[i % pool.len()].clone();
            s.id = format!("profile-{i}");
            s
        })
        .collect()
}

fn profile_plugin(
    engine: &Arc<RewardEngine>,
    bytes: &[u8],
    opts: &VetOptions,
    load_grants: &Grants,
    grants: &Grants,
) -> Result<Plugin, Error> {
    let limits = SandboxLimits {
        fuel: Some(PROFILE_FUEL),
        ..opts.limits
    };
    let p = Plugin::load_with(
        engine,
        "vet",
        &opts.origin,
        bytes,
        PluginOptions {
            limits,
            grants: load_grants.clone(),
            config_json: opts.config_json.clone(),
            ..PluginOptions::default()
        },
    )?;
    if grants == load_grants {
        Ok(p)
    } else {
        p.derive(&opts.config_json, grants.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_are_classified() {
        let v = |s: &str| s.to_string();
        let (needs, problems) = classify_imports(
            &[
                v("rewasm:reward/types@0.1.0"),
                v("rewasm:reward/log@0.1.0"),
                v("wasi:random/random@0.2.0"),
            ],
            &[Capability::Log],
        );
        assert_eq!(needs, vec![Capability::Log, Capability::Wasi]);
        assert!(problems.is_empty(), "{problems:?}");

        let (needs, problems) = classify_imports(
            &[
                v("rewasm:reward/judge@0.1.0"),
                v("rewasm:reward/log@0.2.0"),
                v("rewasm:reward/files@0.1.0"),
                v("acme:net/http@1.0.0"),
            ],
            &[],
        );
        assert_eq!(needs, vec![Capability::Judge]);
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].contains("`judge` capability"));
        assert!(problems[1].contains("@0.1.0"));
        assert!(problems[3].contains("neither a rewasm interface nor WASI"));
    }

    #[test]
    fn cases_group_by_config_in_order() {
        let case = |name: &str, config: Option<serde_json::Value>| TestCase {
            name: name.into(),
            config,
            sample: Default::default(),
            expect: serde_json::from_str(r#"{"value":1}"#).unwrap(),
        };
        let a = case("a", None);
        let b = case("b", Some(serde_json::json!({"k": 1})));
        let c = case("c", Some(serde_json::json!({})));
        let d = case("d", Some(serde_json::json!({"k": 1})));
        let cases = [
            ("shipped", &a),
            ("shipped", &b),
            ("shipped", &c),
            ("cases", &d),
        ];
        let groups = group_by_config(&cases, "{}");
        assert_eq!(
            groups,
            vec![
                ("{}".to_string(), vec![0, 2]),
                ("{\"k\":1}".to_string(), vec![1, 3])
            ]
        );
    }
}
