//! The `consistency` reward's config: the mode, and the options of each.

use rewasm_plugin_sdk::{config_error as invalid, parse_validated, RewardError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Most conclusion phrases a config may list (each is searched for in every
/// reasoning text).
pub const MAX_PHRASES: usize = 32;
/// Longest accepted conclusion phrase or metadata key, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// Most tokens a judge answer may be given.
pub const MAX_JUDGE_TOKENS: u32 = 8192;

/// What the reward checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Perception-R1: the share of the sample's annotated visual facts that
    /// the judge finds in the response.
    Perception,
    /// GRPO-CARE: 1 when the reasoning's conclusion equals the final answer.
    Answer,
}

/// Which text the judge reads as the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseText {
    /// The whole completion (what Perception-R1's released code sends).
    Completion,
    /// Only the reasoning: the text before the last `</think>` (after the
    /// first `<think>`); the text after `<think>` when it is never closed.
    Think,
}

/// What a sample without the needed parts scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnMissing {
    /// 0, with a note saying what was missing.
    Zero,
    /// An `invalid-input` error for the sample.
    Error,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub mode: Mode,
    pub annotations_key: String,
    pub response: ResponseText,
    pub no_annotations: OnMissing,
    pub temperature: f64,
    pub max_tokens: u32,
    pub missing: OnMissing,
    pub conclusion_phrases: Vec<String>,
    pub rel_tol: f64,
    pub percent_both: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            mode: Mode::Perception,
            annotations_key: "annotations".to_string(),
            response: ResponseText::Completion,
            no_annotations: OnMissing::Zero,
            temperature: 0.0,
            max_tokens: 512,
            missing: OnMissing::Zero,
            conclusion_phrases: [
                "final answer",
                "the answer is",
                "answer:",
                "therefore",
                "thus",
                "hence",
                "so",
            ]
            .map(str::to_string)
            .to_vec(),
            rel_tol: 1e-6,
            percent_both: false,
        }
    }
}

impl Config {
    /// Parses and validates the JSON given to `configure`.
    pub fn from_json(json: &str) -> Result<Config, RewardError> {
        parse_validated(json, Config::validate)
    }

    fn validate(&self) -> Result<(), RewardError> {
        let key = self.annotations_key.chars().count();
        if key == 0 || key > MAX_NAME_CHARS {
            return Err(invalid(format!(
                "annotations_key must have 1 to {MAX_NAME_CHARS} characters"
            )));
        }
        if !(self.temperature.is_finite() && (0.0..=2.0).contains(&self.temperature)) {
            return Err(invalid(format!(
                "temperature must be in [0, 2], got {}",
                self.temperature
            )));
        }
        if self.max_tokens == 0 || self.max_tokens > MAX_JUDGE_TOKENS {
            return Err(invalid(format!(
                "max_tokens must be in 1..={MAX_JUDGE_TOKENS}, got {}",
                self.max_tokens
            )));
        }
        if self.conclusion_phrases.len() > MAX_PHRASES {
            return Err(invalid(format!(
                "conclusion_phrases lists {} phrases; at most {MAX_PHRASES}",
                self.conclusion_phrases.len()
            )));
        }
        for phrase in &self.conclusion_phrases {
            let n = phrase.trim().chars().count();
            if n == 0 || n > MAX_NAME_CHARS {
                return Err(invalid(format!(
                    "conclusion phrase {phrase:?} must have 1 to {MAX_NAME_CHARS} non-blank characters"
                )));
            }
        }
        if !(self.rel_tol.is_finite() && (0.0..1.0).contains(&self.rel_tol)) {
            return Err(invalid(format!(
                "rel_tol must be in [0, 1), got {}",
                self.rel_tol
            )));
        }
        Ok(())
    }

    /// The math-accuracy settings answer mode compares with.
    pub fn math(&self) -> math_equiv::Config {
        math_equiv::Config {
            rel_tol: self.rel_tol,
            percent_both: self.percent_both,
            ..math_equiv::Config::default()
        }
    }
}

/// JSON Schema of [`Config`], with the defaults taken from `Config::default()`.
pub fn schema() -> Value {
    let d = Config::default();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "consistency reward config",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "mode": {"enum": ["perception", "answer"], "default": d.mode,
                     "description": "perception: share of annotated visual facts the judge finds in the response (Perception-R1); answer: the reasoning's conclusion equals the final answer (GRPO-CARE)."},
            "annotations_key": {"type": "string", "minLength": 1, "maxLength": MAX_NAME_CHARS, "default": d.annotations_key,
                                "description": "Perception: metadata key holding the annotations (<info1>..</info1>.. text, or a list of strings)."},
            "response": {"enum": ["completion", "think"], "default": d.response,
                         "description": "Perception: the text the judge reads, the whole completion or its reasoning."},
            "no_annotations": {"enum": ["zero", "error"], "default": d.no_annotations,
                               "description": "Perception: a sample without annotations scores 0, or is an invalid-input error."},
            "temperature": {"type": "number", "minimum": 0, "maximum": 2, "default": d.temperature,
                            "description": "Perception: judge sampling temperature."},
            "max_tokens": {"type": "integer", "minimum": 1, "maximum": MAX_JUDGE_TOKENS, "default": d.max_tokens,
                           "description": "Perception: most tokens of a judge answer."},
            "missing": {"enum": ["zero", "error"], "default": d.missing,
                        "description": "Answer: a completion without reasoning, conclusion or final answer scores 0, or is an invalid-input error."},
            "conclusion_phrases": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": MAX_NAME_CHARS},
                                   "maxItems": MAX_PHRASES, "default": d.conclusion_phrases,
                                   "description": "Answer: phrases after which the reasoning states its conclusion (when it has no \\boxed{})."},
            "rel_tol": {"type": "number", "minimum": 0, "exclusiveMaximum": 1, "default": d.rel_tol,
                        "description": "Answer: relative tolerance of numeric comparison."},
            "percent_both": {"type": "boolean", "default": d.percent_both,
                             "description": "Answer: compare a value written with % both as n and as n/100."}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_gives_defaults() {
        let c = Config::from_json("{}").unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(
            (c.mode, c.max_tokens, c.temperature),
            (Mode::Perception, 512, 0.0)
        );
    }

    #[test]
    fn unknown_and_out_of_range_values_are_rejected() {
        for bad in [
            r#"{"gamma": 0.7}"#,
            r#"{"mode": "visual"}"#,
            r#"{"annotations_key": ""}"#,
            r#"{"temperature": -0.1}"#,
            r#"{"temperature": 3}"#,
            r#"{"max_tokens": 0}"#,
            r#"{"max_tokens": 100000}"#,
            r#"{"conclusion_phrases": ["  "]}"#,
            r#"{"rel_tol": 1}"#,
            r#"{"no_annotations": "skip"}"#,
            "[]",
        ] {
            assert!(Config::from_json(bad).is_err(), "{bad} accepted");
        }
        let c = Config::from_json(
            r#"{"mode": "answer", "missing": "error", "conclusion_phrases": ["Hence"]}"#,
        )
        .unwrap();
        assert_eq!((c.mode, c.missing), (Mode::Answer, OnMissing::Error));
        assert_eq!(c.math().rel_tol, 1e-6);
    }

    #[test]
    fn schema_lists_every_field_with_its_default() {
        let schema = schema();
        let props = schema["properties"].as_object().unwrap();
        let defaults = serde_json::to_value(Config::default()).unwrap();
        let defaults = defaults.as_object().unwrap();
        assert_eq!(props.len(), defaults.len());
        for (key, value) in defaults {
            assert_eq!(&props[key]["default"], value, "schema default of {key}");
        }
    }
}
