//! The `length-bonus` reward's config: the shaping mode, the length unit and
//! each mode's parameters (prefixed with the mode's name).

use rewasm_plugin_sdk::{config_error as invalid, parse_validated, RewardError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// How the length becomes a reward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// DAPO's soft overlong punishment.
    Dapo,
    /// TRL/open-r1 cosine length scaling, by correctness.
    Cosine,
    /// A flat bonus inside a length band.
    Band,
}

/// What a unit of length is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Policy tokens, as counted by the host (`Sample.completion_tokens`).
    Tokens,
    /// Unicode scalar values.
    Chars,
    /// Whitespace-separated words.
    Words,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub mode: Mode,
    pub unit: Unit,
    pub dapo_max_len: u64,
    pub dapo_cache_len: u64,
    pub cosine_max_len: u64,
    pub cosine_min_value_wrong: f64,
    pub cosine_max_value_wrong: f64,
    pub cosine_min_value_correct: f64,
    pub cosine_max_value_correct: f64,
    pub correct_key: String,
    pub correct_threshold: f64,
    pub band_min: Option<u64>,
    pub band_max: Option<u64>,
    pub band_bonus: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            mode: Mode::Dapo,
            unit: Unit::Tokens,
            dapo_max_len: 20480,
            dapo_cache_len: 4096,
            cosine_max_len: 1000,
            cosine_min_value_wrong: -1.0,
            cosine_max_value_wrong: -0.5,
            cosine_min_value_correct: 0.5,
            cosine_max_value_correct: 1.0,
            correct_key: "correct".to_string(),
            correct_threshold: 0.5,
            band_min: None,
            band_max: None,
            band_bonus: 1.0,
        }
    }
}

impl Config {
    /// Parses and validates the JSON given to `configure`.
    pub fn from_json(json: &str) -> Result<Config, RewardError> {
        parse_validated(json, Config::validate)
    }

    fn validate(&self) -> Result<(), RewardError> {
        if self.dapo_cache_len > self.dapo_max_len {
            return Err(invalid(format!(
                "dapo_cache_len ({}) must not exceed dapo_max_len ({})",
                self.dapo_cache_len, self.dapo_max_len
            )));
        }
        if self.cosine_max_len == 0 {
            return Err(invalid("cosine_max_len must be > 0".to_string()));
        }
        for (key, v) in [
            ("cosine_min_value_wrong", self.cosine_min_value_wrong),
            ("cosine_max_value_wrong", self.cosine_max_value_wrong),
            ("cosine_min_value_correct", self.cosine_min_value_correct),
            ("cosine_max_value_correct", self.cosine_max_value_correct),
            ("correct_threshold", self.correct_threshold),
            ("band_bonus", self.band_bonus),
        ] {
            if !v.is_finite() {
                return Err(invalid(format!("{key} must be finite")));
            }
        }
        if self.correct_key.is_empty() {
            return Err(invalid("correct_key must not be empty".to_string()));
        }
        if let (Some(lo), Some(hi)) = (self.band_min, self.band_max) {
            if lo > hi {
                return Err(invalid(format!(
                    "band_min ({lo}) must not exceed band_max ({hi})"
                )));
            }
        }
        Ok(())
    }
}

/// JSON Schema of [`Config`], with the defaults taken from `Config::default()`.
pub fn schema() -> Value {
    let d = Config::default();
    let number = |default: f64, description: &str| json!({"type": "number", "default": default, "description": description});
    let length = |default: u64, description: &str| json!({"type": "integer", "minimum": 0, "default": default, "description": description});
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "length-bonus reward config",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "mode": {"enum": ["dapo", "cosine", "band"], "default": d.mode, "description": "How the length becomes a reward."},
            "unit": {"enum": ["tokens", "chars", "words"], "default": d.unit, "description": "Unit of the length."},
            "dapo_max_len": length(d.dapo_max_len, "L_max: longer completions get -1."),
            "dapo_cache_len": length(d.dapo_cache_len, "L_cache: width of the linear ramp below L_max."),
            "cosine_max_len": {"type": "integer", "minimum": 1, "default": d.cosine_max_len, "description": "L: length at which the cosine reaches its end value."},
            "cosine_min_value_wrong": number(d.cosine_min_value_wrong, "Reward of an empty wrong answer."),
            "cosine_max_value_wrong": number(d.cosine_max_value_wrong, "Reward of a wrong answer of length >= L."),
            "cosine_min_value_correct": number(d.cosine_min_value_correct, "Reward of a correct answer of length >= L."),
            "cosine_max_value_correct": number(d.cosine_max_value_correct, "Reward of an empty correct answer."),
            "correct_key": {"type": "string", "minLength": 1, "default": d.correct_key, "description": "Metadata key holding correctness (bool or number)."},
            "correct_threshold": number(d.correct_threshold, "A numeric correctness counts as correct when >= this."),
            "band_min": {"type": ["integer", "null"], "minimum": 0, "default": d.band_min, "description": "Lower end of the band (inclusive); null = 0."},
            "band_max": {"type": ["integer", "null"], "minimum": 0, "default": d.band_max, "description": "Upper end of the band (inclusive); null = unbounded."},
            "band_bonus": number(d.band_bonus, "Reward inside the band (0 outside)."),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_gives_the_published_defaults() {
        let c = Config::from_json("{}").unwrap();
        assert_eq!(c, Config::default());
        assert_eq!((c.dapo_max_len, c.dapo_cache_len), (20480, 4096));
        assert_eq!(c.cosine_max_len, 1000);
    }

    #[test]
    fn unknown_and_non_object_configs_are_rejected() {
        let err = Config::from_json(r#"{"max_len": 10}"#).unwrap_err();
        assert!(
            matches!(&err, RewardError::InvalidInput(m) if m.contains("max_len")),
            "{err:?}"
        );
        assert!(Config::from_json("[]").is_err());
    }

    #[test]
    fn inconsistent_values_are_rejected() {
        for bad in [
            r#"{"dapo_max_len": 100, "dapo_cache_len": 101}"#,
            r#"{"cosine_max_len": 0}"#,
            r#"{"band_min": 10, "band_max": 9}"#,
            r#"{"correct_key": ""}"#,
            r#"{"dapo_max_len": -1}"#,
            r#"{"unit": "bytes"}"#,
        ] {
            assert!(Config::from_json(bad).is_err(), "{bad} accepted");
        }
        assert!(Config::from_json(r#"{"dapo_max_len": 100, "dapo_cache_len": 100}"#).is_ok());
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
