//! The vet report: what `rewasm vet` checked and found, as JSON, optionally
//! signed.
//!
//! A signed report carries a `signature` object: an Ed25519 signature, under
//! the prefix `b"rewasm vet report v1\0"`, of the module's sha256 (hex), a
//! newline, and the report's canonical bytes: the report without its
//! `signature` field as compact JSON with every object's keys sorted and
//! every float rounded to 12 significant digits. Floats in a report are
//! rounded the same way when it is made, so the canonical bytes survive a
//! trip through a JSON file and any JSON parser.

use std::collections::BTreeMap;
use std::path::Path;

use rewasm_api::{RewardError, Score};
use serde::{Deserialize, Serialize};

use crate::sign::{hex_signature, PublicKey, SecretKey, SignatureError};
use crate::vectors::Expectation;
use crate::{Capability, Error, SandboxLimits};

/// Prefix of the message a report signature signs.
const REPORT_DOMAIN: &[u8] = b"rewasm vet report v1\0";

/// Report format version.
pub const REPORT_FORMAT: u32 = 1;

/// What vetting found about one module.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VetReport {
    /// Report format version (1).
    pub format: u32,
    /// The host that vetted, e.g. `rewasm 0.1.0`.
    pub host: String,
    /// The module.
    pub module: ModuleFacts,
    /// The config the module was vetted with (JSON text).
    pub config: String,
    /// The limits every call ran under.
    pub limits: SandboxLimits,
    /// The capabilities granted while vetting.
    pub granted: Vec<Capability>,
    /// Every check, in the order run.
    pub checks: Vec<Check>,
    /// One entry per test case (shipped and `--cases`).
    pub vectors: Vec<CaseOutcome>,
    /// One entry per robustness probe.
    pub robustness: Vec<ProbeOutcome>,
    /// Measured resources (absent in quick mode or when the module did not load).
    pub profile: Option<ResourceProfile>,
    /// Whether no check failed.
    pub passed: bool,
    /// Signature over the rest of the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<ReportSignature>,
}

/// Facts about the vetted module.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleFacts {
    /// Where it came from (path or `builtin:NAME`).
    pub origin: String,
    /// sha256 of its bytes, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// `info().name` (absent when it did not load).
    pub name: Option<String>,
    /// `info().version`.
    pub version: Option<String>,
    /// The `rewasm:reward/reward@X` interface it exports.
    pub wit_export: Option<String>,
    /// Everything it imports.
    pub imports: Vec<String>,
    /// Everything it exports.
    pub exports: Vec<String>,
    /// Capabilities its `info()` asks for.
    pub capabilities: Vec<Capability>,
    /// Capabilities a reward set must grant for all of its imports to work
    /// (asked for, or imported: `wasi` for WASI imports).
    pub needs_granting: Vec<Capability>,
    /// Test cases shipped in its `rewasm:vectors` section.
    pub vectors_shipped: usize,
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// `wit_version`, `load`, `imports_vs_capabilities`, `vectors`,
    /// `determinism`, `robustness` or `resource_profile`.
    pub name: String,
    /// Passed, failed or skipped.
    pub status: CheckStatus,
    /// One line for people.
    pub summary: String,
    /// What went wrong, one entry per problem.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// Whether a check passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    /// Passed.
    Passed,
    /// Failed: the module does not pass vetting.
    Failed,
    /// Not run (quick mode, nothing to check, or an earlier check failed).
    Skipped,
}

impl CheckStatus {
    /// `PASS`, `FAIL` or `SKIP`.
    pub fn label(self) -> &'static str {
        match self {
            CheckStatus::Passed => "PASS",
            CheckStatus::Failed => "FAIL",
            CheckStatus::Skipped => "SKIP",
        }
    }
}

/// What one test case gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseOutcome {
    /// The case's name.
    pub name: String,
    /// `shipped` (in the module) or `cases` (given by the vetter).
    pub source: String,
    /// Whether the result met the expectation.
    pub passed: bool,
    /// What was expected.
    pub expected: Expectation,
    /// What the module returned.
    pub got: Got,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// A result as recorded in a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Got {
    /// The score's value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The score's parts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parts: BTreeMap<String, f64>,
    /// The score's note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The error kind, when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The error message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Got {
    pub(crate) fn from_result(r: &Result<Score, RewardError>) -> Self {
        match r {
            Ok(s) => Got {
                value: Some(s.value),
                parts: s.parts.iter().cloned().collect(),
                note: s.note.clone(),
                error: None,
                message: None,
            },
            Err(e) => Got {
                value: None,
                parts: BTreeMap::new(),
                note: None,
                error: Some(e.kind().as_str().to_string()),
                message: Some(e.message()),
            },
        }
    }

    /// `0.5` or `guest: invalid input: ...`, for tables.
    pub fn describe(&self) -> String {
        match (&self.value, &self.error) {
            (Some(v), _) => format!("{v}"),
            (None, Some(k)) => format!("{k}: {}", self.message.as_deref().unwrap_or("")),
            (None, None) => "nothing".into(),
        }
    }
}

/// What one robustness probe found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeOutcome {
    /// What was sent, e.g. `huge completion (1 MiB)`.
    pub name: String,
    /// Calls made.
    pub calls: usize,
    /// Samples sent in all.
    pub samples: usize,
    /// No trap, timeout, out-of-memory or invalid output, and one result per sample.
    pub passed: bool,
    /// Errors by kind (typed plugin errors are fine).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, usize>,
    /// The first failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// Resources the module used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceProfile {
    /// The largest linear memory of any call made while vetting, in bytes.
    pub peak_memory_bytes: u64,
    /// The largest linear memory of a batch of 64 typical samples, in bytes.
    pub batch_64_peak_memory_bytes: u64,
    /// Fuel (about one unit per Wasm instruction) per sample, in a batch of
    /// 64 on the fuel-metered engine.
    pub fuel_per_sample: Option<f64>,
    /// Samples per second at batch 64 (fresh instance per call, one thread).
    pub samples_per_sec_batch_64: f64,
    /// Mean wall time of a batch-64 call (instantiate, configure, score), ms.
    pub batch_64_ms: f64,
    /// Batch-64 calls timed.
    pub batch_64_calls: u32,
}

/// A signature over a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSignature {
    /// The signer's key.
    pub key: PublicKey,
    /// The module the report is about (also inside the signed bytes).
    pub module_sha256: String,
    /// Ed25519 signature, hex.
    #[serde(with = "hex_signature")]
    pub signature: [u8; 64],
}

impl VetReport {
    /// The bytes a signature covers (see the module docs).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut unsigned = self.clone();
        unsigned.signature = None;
        let value = serde_json::to_value(&unsigned).unwrap_or(serde_json::Value::Null);
        let mut bytes = self.module.sha256.to_ascii_lowercase().into_bytes();
        bytes.push(b'\n');
        bytes.extend(serde_json::to_vec(&canonical(value)).unwrap_or_default());
        bytes
    }

    /// Signs the report (replacing an older signature).
    pub fn sign(&mut self, key: &SecretKey) {
        self.signature = None;
        let signature = key.sign_raw(REPORT_DOMAIN, &self.canonical_bytes());
        self.signature = Some(ReportSignature {
            key: key.public_key(),
            module_sha256: self.module.sha256.to_ascii_lowercase(),
            signature,
        });
    }

    /// Checks the report's signature and that its key is trusted; returns
    /// the signer. Unsigned, a signature naming another module, a report
    /// changed after signing, and an untrusted key are distinct errors.
    pub fn verify_signature(&self, trusted: &[PublicKey]) -> Result<PublicKey, SignatureError> {
        let sig = self
            .signature
            .as_ref()
            .ok_or_else(|| SignatureError::Unsigned {
                origin: format!("vet report of {}", self.module.origin),
            })?;
        if !sig.module_sha256.eq_ignore_ascii_case(&self.module.sha256) {
            return Err(SignatureError::DigestMismatch {
                signed: sig.module_sha256.clone(),
                actual: self.module.sha256.clone(),
            });
        }
        if !sig
            .key
            .verifies(REPORT_DOMAIN, &self.canonical_bytes(), &sig.signature)
        {
            return Err(SignatureError::BadSignature { key: sig.key });
        }
        if !trusted.contains(&sig.key) {
            return Err(SignatureError::UntrustedKey { key: sig.key });
        }
        Ok(sig.key)
    }

    /// The report as pretty JSON (what `--report` writes).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Parses a report; `origin` names it in errors.
    pub fn parse(bytes: &[u8], origin: &str) -> Result<Self, Error> {
        let report: VetReport = serde_json::from_slice(bytes).map_err(|e| Error::VetInput {
            origin: origin.to_string(),
            message: format!("not a rewasm vet report: {e}"),
        })?;
        if report.format != REPORT_FORMAT {
            return Err(Error::VetInput {
                origin: origin.to_string(),
                message: format!(
                    "vet report format {} (this host reads {REPORT_FORMAT})",
                    report.format
                ),
            });
        }
        Ok(report)
    }

    /// Reads a report file.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let bytes = std::fs::read(path).map_err(|cause| Error::Io {
            path: path.to_path_buf(),
            cause,
        })?;
        Self::parse(&bytes, &path.display().to_string())
    }

    /// Writes the report file (pretty JSON).
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        crate::store::write_atomically(path, self.to_json().as_bytes())
    }

    /// Rounds every float as the canonical form does, so the report reads
    /// back from JSON exactly as it was signed.
    pub(crate) fn stabilised(self) -> Self {
        let value = match serde_json::to_value(&self) {
            Ok(v) => round_floats(v),
            Err(_) => return self,
        };
        serde_json::from_value(value).unwrap_or(self)
    }

    /// The check named `name`.
    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }
}

/// Keys sorted at every level, floats rounded.
fn canonical(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match round_floats(value) {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, canonical(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

fn round_floats(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => n
            .as_f64()
            .and_then(|f| serde_json::Number::from_f64(round12(f)))
            .map_or(Value::Number(n), Value::Number),
        Value::Array(items) => Value::Array(items.into_iter().map(round_floats).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, round_floats(v))).collect())
        }
        other => other,
    }
}

/// `x` rounded to 12 significant digits (Rust's formatting and parsing are
/// exact, so this is the double nearest a 12-digit decimal, which any JSON
/// reader gets back from its shortest representation).
fn round12(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    format!("{x:.11e}").parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample_report() -> VetReport {
        VetReport {
            format: REPORT_FORMAT,
            host: "rewasm test".into(),
            module: ModuleFacts {
                origin: "m.wasm".into(),
                sha256: crate::cache::sha256_hex(b"m"),
                size: 1,
                name: Some("m".into()),
                version: Some("1".into()),
                wit_export: Some("rewasm:reward/reward@0.1.0".into()),
                imports: vec![],
                exports: vec!["rewasm:reward/reward@0.1.0".into()],
                capabilities: vec![],
                needs_granting: vec![],
                vectors_shipped: 1,
            },
            config: "{}".into(),
            limits: SandboxLimits::default(),
            granted: vec![],
            checks: vec![Check {
                name: "vectors".into(),
                status: CheckStatus::Passed,
                summary: "1 of 1".into(),
                problems: vec![],
            }],
            vectors: vec![CaseOutcome {
                name: "c".into(),
                source: "shipped".into(),
                passed: true,
                expected: serde_json::from_str(r#"{"value":0.1}"#).unwrap(),
                got: Got::from_result(&Ok(Score::new(0.1 + 0.2 - 0.2))),
                problem: None,
            }],
            robustness: vec![],
            profile: Some(ResourceProfile {
                peak_memory_bytes: 1 << 20,
                batch_64_peak_memory_bytes: 1 << 20,
                fuel_per_sample: Some(12345.678901234567),
                samples_per_sec_batch_64: 1.0 / 3.0,
                batch_64_ms: 0.30000000000000004,
                batch_64_calls: 3,
            }),
            passed: true,
            signature: None,
        }
        .stabilised()
    }

    #[test]
    fn signed_report_verifies_after_a_trip_through_json() {
        let key = SecretKey::generate().unwrap();
        let mut report = sample_report();
        report.sign(&key);
        let text = report.to_json();
        let back = VetReport::parse(text.as_bytes(), "r.json").unwrap();
        assert_eq!(back, report);
        assert_eq!(
            back.verify_signature(&[key.public_key()]).unwrap(),
            key.public_key()
        );
    }

    #[test]
    fn changed_unsigned_or_untrusted_reports_are_refused() {
        let key = SecretKey::generate().unwrap();
        let mut report = sample_report();
        assert!(matches!(
            report.verify_signature(&[key.public_key()]),
            Err(SignatureError::Unsigned { .. })
        ));
        report.sign(&key);
        let mut changed = report.clone();
        changed.passed = false;
        assert!(matches!(
            changed.verify_signature(&[key.public_key()]),
            Err(SignatureError::BadSignature { .. })
        ));
        let mut moved = report.clone();
        moved.module.sha256 = crate::cache::sha256_hex(b"other");
        assert!(matches!(
            moved.verify_signature(&[key.public_key()]),
            Err(SignatureError::DigestMismatch { .. })
        ));
        let other = SecretKey::generate().unwrap();
        assert!(matches!(
            report.verify_signature(&[other.public_key()]),
            Err(SignatureError::UntrustedKey { .. })
        ));
        // The text form: one flipped value breaks it.
        let text = report
            .to_json()
            .replace("\"passed\": true", "\"passed\": false");
        let back = VetReport::parse(text.as_bytes(), "r").unwrap();
        assert!(back.verify_signature(&[key.public_key()]).is_err());
    }

    #[test]
    fn canonical_bytes_sort_keys_and_ignore_the_signature() {
        let key = SecretKey::generate().unwrap();
        let mut report = sample_report();
        let before = report.canonical_bytes();
        report.sign(&key);
        assert_eq!(report.canonical_bytes(), before);
        let text = String::from_utf8(before).unwrap();
        let json = text.split_once('\n').unwrap().1;
        assert!(json.starts_with("{\"checks\":"), "{json}");
        assert_eq!(round12(0.30000000000000004), 0.3);
        assert_eq!(round12(round12(1.0 / 3.0)), round12(1.0 / 3.0));
    }
}
