//! Test vectors: cases a reward module ships inside itself, so any host can
//! check that the module it is about to run still gives its author's answers.
//!
//! A file of cases is JSONL, one case per line (blank lines are skipped):
//! ```json
//! {"name": "boxed-half", "sample": {"completion": "\\boxed{1/2}", "reference": "0.5"}, "expect": {"value": 1.0}}
//! {"name": "no-ref", "config": {"after_think": true}, "sample": {"completion": "x"}, "expect": {"error": "invalid-input"}}
//! ```
//! A component carries its cases in a top-level custom section named
//! `rewasm:vectors` (the JSONL bytes); [`embed`] adds or replaces it and
//! [`extract`] finds it. Custom sections do not change what a component does,
//! but they are part of its bytes, so its sha256 (and any signature) covers
//! the vectors too.

use std::collections::BTreeMap;

use rewasm_api::{ErrorKind, RewardError, Sample, Score};
use serde::{Deserialize, Serialize};

use crate::Error;

/// Name of the custom section that holds a component's test vectors.
pub const SECTION_NAME: &str = "rewasm:vectors";

/// Tolerance of an expected value when a case gives none.
pub const DEFAULT_TOLERANCE: f64 = 1e-9;

/// One test case: a sample, optionally a config, and the expected result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    /// Unique name, used in reports.
    pub name: String,
    /// Config handed to `configure()`; absent: the config the module is
    /// vetted with (`{}` unless given). Cases with equal configs are scored
    /// in one batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<serde_json::Value>,
    /// The sample.
    pub sample: CaseSample,
    /// What the module must return for it.
    pub expect: Expectation,
}

/// The sample of a [`TestCase`]; every field may be left out.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CaseSample {
    /// Sample id (default: the case name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Group id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Prompt text.
    pub prompt: String,
    /// Completion text.
    pub completion: String,
    /// Completion length in tokens (0: unknown).
    pub completion_tokens: u32,
    /// Reference answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Metadata object.
    pub metadata: serde_json::Value,
    /// Training step.
    pub step: u64,
}

/// The expected result of a [`TestCase`]: a value (within `tolerance`,
/// optionally with parts), or an error of a kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// Expected score value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Absolute tolerance of `value` and `parts` (default 1e-9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// Expected sub-scores (only those named are checked).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parts: BTreeMap<String, f64>,
    /// Expected error: an error kind as written in output files (`guest`,
    /// `unsupported`, `timeout`, ...), or the plugin-side names
    /// `invalid-input` and `internal` (both of kind `guest`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Text the error message must contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_contains: Option<String>,
}

impl Expectation {
    /// Whether `got` meets this expectation; `Err` says why not.
    pub fn check(&self, got: &Result<Score, RewardError>) -> Result<(), String> {
        let tol = self.tolerance.unwrap_or(DEFAULT_TOLERANCE);
        match (got, &self.error) {
            (Ok(score), None) => {
                if let Some(want) = self.value {
                    // Written so that a NaN is never close to anything.
                    let close = (score.value - want).abs() <= tol;
                    if !close {
                        return Err(format!(
                            "expected value {want} (±{tol}), got {}",
                            score.value
                        ));
                    }
                }
                for (name, want) in &self.parts {
                    match score.part(name) {
                        Some(v) if (v - want).abs() <= tol => {}
                        Some(v) => {
                            return Err(format!("expected part `{name}` {want} (±{tol}), got {v}"))
                        }
                        None => return Err(format!("expected part `{name}`, which is missing")),
                    }
                }
                Ok(())
            }
            (Ok(score), Some(kind)) => Err(format!(
                "expected error `{kind}`, got value {}",
                score.value
            )),
            (Err(e), None) => Err(format!(
                "expected value {}, got error {}: {}",
                self.value.map_or("any".to_string(), |v| v.to_string()),
                e.kind(),
                e.message()
            )),
            (Err(e), Some(kind)) => {
                if !error_matches(kind, e) {
                    return Err(format!(
                        "expected error `{kind}`, got error {}: {}",
                        e.kind(),
                        e.message()
                    ));
                }
                if let Some(text) = &self.message_contains {
                    if !e.message().contains(text.as_str()) {
                        return Err(format!(
                            "expected an error message containing `{text}`, got `{}`",
                            e.message()
                        ));
                    }
                }
                Ok(())
            }
        }
    }

    fn validate(&self) -> Result<(), String> {
        match (&self.value, &self.error) {
            (Some(_), Some(_)) => return Err("`expect` has both `value` and `error`".into()),
            (None, None) => return Err("`expect` needs `value` or `error`".into()),
            _ => {}
        }
        if let Some(kind) = &self.error {
            if !known_error_name(kind) {
                return Err(format!(
                    "unknown error kind `{kind}` (known: invalid-input, internal, {})",
                    ErrorKind::ALL.map(|k| k.as_str()).join(", ")
                ));
            }
            if !self.parts.is_empty() || self.tolerance.is_some() {
                return Err("`parts` and `tolerance` go with `value`, not `error`".into());
            }
        } else if self.message_contains.is_some() {
            return Err("`message_contains` goes with `error`".into());
        }
        if let Some(t) = self.tolerance {
            if !(t.is_finite() && t >= 0.0) {
                return Err(format!("`tolerance` must be finite and >= 0, not {t}"));
            }
        }
        Ok(())
    }
}

fn known_error_name(name: &str) -> bool {
    matches!(name, "invalid-input" | "internal")
        || ErrorKind::ALL.iter().any(|k| k.as_str() == name)
}

fn error_matches(name: &str, e: &RewardError) -> bool {
    // The host keeps which guest error it was in the message's prefix (see
    // output.rs: `invalid input: ...`, `internal: ...`).
    match name {
        "invalid-input" => {
            e.kind() == ErrorKind::Guest && e.message().starts_with("invalid input:")
        }
        "internal" => e.kind() == ErrorKind::Guest && e.message().starts_with("internal:"),
        other => e.kind().as_str() == other,
    }
}

impl TestCase {
    /// The sample to score.
    pub fn to_sample(&self) -> Sample {
        let s = &self.sample;
        Sample {
            id: s.id.clone().unwrap_or_else(|| self.name.clone()),
            group: s.group.clone(),
            prompt: s.prompt.clone(),
            completion: s.completion.clone(),
            completion_tokens: s.completion_tokens,
            reference: s.reference.clone(),
            metadata: s.metadata.clone(),
            images: Vec::new(),
            step: s.step,
        }
    }

    /// The JSON text of this case's config, or `None` for the default.
    pub fn config_json(&self) -> Option<String> {
        self.config.as_ref().map(|c| c.to_string())
    }
}

/// Parses a JSONL file of cases. `origin` names the source in errors
/// (`origin:line: ...`). Names must be unique.
pub fn parse_cases(text: &[u8], origin: &str) -> Result<Vec<TestCase>, Error> {
    let text = std::str::from_utf8(text).map_err(|e| Error::VetInput {
        origin: origin.to_string(),
        message: format!("not UTF-8: {e}"),
    })?;
    let mut cases: Vec<TestCase> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |message: String| Error::VetInput {
            origin: format!("{origin}:{}", i + 1),
            message,
        };
        let case: TestCase = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        if case.name.trim().is_empty() {
            return Err(bad("a case needs a non-empty `name`".into()));
        }
        if cases.iter().any(|c| c.name == case.name) {
            return Err(bad(format!("duplicate case name `{}`", case.name)));
        }
        if let Some(c) = &case.config {
            if !c.is_object() {
                return Err(bad(format!(
                    "case `{}`: `config` must be an object",
                    case.name
                )));
            }
        }
        case.expect
            .validate()
            .map_err(|m| bad(format!("case `{}`: {m}", case.name)))?;
        cases.push(case);
    }
    Ok(cases)
}

/// The cases a component ships (none when it has no `rewasm:vectors`
/// section); malformed shipped cases are an error.
pub fn shipped_cases(component: &[u8]) -> Result<Vec<TestCase>, Error> {
    match extract(component) {
        Some(jsonl) => parse_cases(jsonl, &format!("custom section `{SECTION_NAME}`")),
        None => Ok(Vec::new()),
    }
}

/// The payload of the component's top-level `rewasm:vectors` custom section
/// (the last one, if there are several). Only top-level sections are read:
/// nested modules and components are skipped whole.
pub fn extract(component: &[u8]) -> Option<&[u8]> {
    let mut found = None;
    for section in sections(component).ok()? {
        if let Some((name, payload)) = section.custom {
            if name == SECTION_NAME {
                found = Some(payload);
            }
        }
    }
    found
}

/// The component with its test vectors set to `jsonl`: every top-level
/// `rewasm:vectors` section is dropped and one new section is appended.
/// The cases are not parsed here (see [`parse_cases`]).
pub fn embed(component: &[u8], jsonl: &[u8]) -> Result<Vec<u8>, Error> {
    let all = sections(component).map_err(|message| Error::InvalidComponent {
        origin: "component".into(),
        message,
    })?;
    let mut out = Vec::with_capacity(component.len() + jsonl.len() + 32);
    out.extend_from_slice(&component[..HEADER_LEN]);
    for s in all {
        if matches!(s.custom, Some((name, _)) if name == SECTION_NAME) {
            continue;
        }
        out.extend_from_slice(s.bytes);
    }
    let mut payload = Vec::with_capacity(jsonl.len() + SECTION_NAME.len() + 5);
    write_leb128(&mut payload, SECTION_NAME.len() as u64);
    payload.extend_from_slice(SECTION_NAME.as_bytes());
    payload.extend_from_slice(jsonl);
    out.push(0);
    write_leb128(&mut out, payload.len() as u64);
    out.extend_from_slice(&payload);
    Ok(out)
}

const HEADER_LEN: usize = 8;

struct Section<'a> {
    /// The whole section: id, size and contents.
    bytes: &'a [u8],
    /// (name, payload) of a custom section.
    custom: Option<(&'a str, &'a [u8])>,
}

/// Splits a component binary into its top-level sections.
fn sections(bytes: &[u8]) -> Result<Vec<Section<'_>>, String> {
    if bytes.len() < HEADER_LEN || bytes[..4] != *b"\0asm" || bytes[6..8] != [1, 0] {
        return Err("not a Wasm component (bad header)".into());
    }
    let mut pos = HEADER_LEN;
    let mut out = Vec::new();
    while pos < bytes.len() {
        let start = pos;
        let id = bytes[pos];
        pos += 1;
        let size = read_leb128(bytes, &mut pos)? as usize;
        let end = pos
            .checked_add(size)
            .filter(|e| *e <= bytes.len())
            .ok_or_else(|| format!("section at byte {start} runs past the end"))?;
        let custom = if id == 0 {
            let mut p = pos;
            let len = read_leb128(&bytes[..end], &mut p)? as usize;
            let name_end = p
                .checked_add(len)
                .filter(|e| *e <= end)
                .ok_or_else(|| format!("custom section at byte {start}: name runs past it"))?;
            let name = std::str::from_utf8(&bytes[p..name_end])
                .map_err(|_| format!("custom section at byte {start}: name is not UTF-8"))?;
            Some((name, &bytes[name_end..end]))
        } else {
            None
        };
        out.push(Section {
            bytes: &bytes[start..end],
            custom,
        });
        pos = end;
    }
    Ok(out)
}

fn read_leb128(bytes: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..35).step_by(7) {
        let b = *bytes
            .get(*pos)
            .ok_or_else(|| "truncated LEB128 size".to_string())?;
        *pos += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("LEB128 size longer than 5 bytes".into())
}

fn write_leb128(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let b = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal component: header plus one custom section named `other`.
    fn tiny_component() -> Vec<u8> {
        let mut c = b"\0asm\x0d\0\x01\0".to_vec();
        c.extend_from_slice(&[0, 7, 5]);
        c.extend_from_slice(b"other!");
        c
    }

    #[test]
    fn embed_then_extract_and_replace() {
        let c = tiny_component();
        assert_eq!(extract(&c), None);
        let with = embed(&c, b"{\"a\":1}\n").unwrap();
        assert!(
            with.starts_with(&c),
            "existing sections are kept as they were"
        );
        assert_eq!(extract(&with), Some(&b"{\"a\":1}\n"[..]));
        let replaced = embed(&with, b"x").unwrap();
        assert_eq!(extract(&replaced), Some(&b"x"[..]));
        assert_eq!(replaced.len(), c.len() + 1 + 1 + 1 + SECTION_NAME.len() + 1);
        // A payload over 127 bytes needs a multi-byte size.
        let big = vec![b'y'; 300];
        let with_big = embed(&c, &big).unwrap();
        assert_eq!(extract(&with_big), Some(&big[..]));
        assert!(embed(b"\0asm\x01\0\0\0", b"x").is_err());
        let mut truncated = with.clone();
        truncated.pop();
        assert_eq!(extract(&truncated), None);
    }

    #[test]
    fn embedded_component_still_compiles() {
        let wat = r#"(component (core module (func (export "f"))))"#;
        let bytes = wat::parse_str(wat).unwrap();
        let with = embed(&bytes, b"{}\n").unwrap();
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true);
        let engine = wasmtime::Engine::new(&config).unwrap();
        wasmtime::component::Component::new(&engine, &with).unwrap();
        assert_eq!(extract(&with), Some(&b"{}\n"[..]));
    }

    #[test]
    fn cases_parse_and_bad_lines_are_named() {
        let text = br#"{"name":"a","sample":{"completion":"x","reference":"1"},"expect":{"value":1.0}}

{"name":"b","config":{"k":1},"sample":{},"expect":{"error":"invalid-input","message_contains":"ref"}}
"#;
        let cases = parse_cases(text, "v.jsonl").unwrap();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].to_sample().id, "a");
        assert_eq!(cases[1].config_json().as_deref(), Some("{\"k\":1}"));
        for (bad, want) in [
            (
                r#"{"name":"a","sample":{},"expect":{}}"#,
                "needs `value` or `error`",
            ),
            (
                r#"{"name":"a","sample":{},"expect":{"error":"nope"}}"#,
                "unknown error kind",
            ),
            (
                r#"{"name":"a","sample":{"x":1},"expect":{"value":1}}"#,
                "unknown field",
            ),
            (
                r#"{"name":"","sample":{},"expect":{"value":1}}"#,
                "non-empty",
            ),
            (
                r#"{"name":"a","config":1,"sample":{},"expect":{"value":1}}"#,
                "object",
            ),
        ] {
            let text =
                format!("{{\"name\":\"z\",\"sample\":{{}},\"expect\":{{\"value\":0}}}}\n{bad}\n");
            let err = parse_cases(text.as_bytes(), "v.jsonl")
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("v.jsonl:2:") && err.contains(want), "{err}");
        }
        let dup = r#"{"name":"a","sample":{},"expect":{"value":1}}"#;
        let err = parse_cases(format!("{dup}\n{dup}\n").as_bytes(), "v")
            .unwrap_err()
            .to_string();
        assert!(err.contains("duplicate"), "{err}");
    }

    #[test]
    fn expectations_check_values_parts_and_error_kinds() {
        let exp: Expectation =
            serde_json::from_str(r#"{"value":1.0,"tolerance":0.01,"parts":{"p":0.5}}"#).unwrap();
        let mut s = Score::new(1.005);
        s.parts.push(("p".into(), 0.5));
        assert!(exp.check(&Ok(s.clone())).is_ok());
        s.value = 1.1;
        assert!(exp
            .check(&Ok(s.clone()))
            .unwrap_err()
            .contains("expected value 1"));
        s.value = 1.0;
        s.parts.clear();
        assert!(exp.check(&Ok(s)).unwrap_err().contains("missing"));
        let nan = Score::new(f64::NAN);
        assert!(exp.check(&Ok(nan)).is_err());

        let exp: Expectation = serde_json::from_str(r#"{"error":"invalid-input"}"#).unwrap();
        assert!(exp
            .check(&Err(RewardError::Guest("invalid input: bad ref".into())))
            .is_ok());
        assert!(exp
            .check(&Err(RewardError::Guest("internal: oops".into())))
            .is_err());
        assert!(exp.check(&Ok(Score::new(0.0))).is_err());
        let exp: Expectation = serde_json::from_str(r#"{"error":"guest"}"#).unwrap();
        assert!(exp
            .check(&Err(RewardError::Guest("internal: oops".into())))
            .is_ok());
        let exp: Expectation =
            serde_json::from_str(r#"{"error":"timeout","message_contains":"50 ms"}"#).unwrap();
        assert!(exp
            .check(&Err(RewardError::Timeout { timeout_ms: 50 }))
            .is_ok());
        assert!(exp
            .check(&Err(RewardError::Trap("unreachable".into())))
            .is_err());
    }
}
