//! The `format` reward's config: which layout to check and how strictly.

use rewasm_plugin_sdk::{config_error as invalid, parse_validated, RewardError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Longest n-gram the repetition penalty accepts. Counting distinct n-grams
/// costs O(n) per position, so an unbounded `n` would let a config make every
/// sample slow; the published settings use 3 and 20.
pub const MAX_NGRAM: usize = 64;

/// Longest accepted tag name; tags are echoed in notes, which the WIT caps at 4 KiB.
pub const MAX_TAG_CHARS: usize = 64;

/// Which layout the completion must follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// `<think>…</think>` then `<answer>…</answer>` and nothing else (DeepSeek-R1).
    R1,
    /// Starts with `<think>` and never opens a second one.
    Think,
    /// Exactly one `<answer>…</answer>` block, holding a non-empty `\boxed{…}`.
    BoxedInAnswer,
}

/// What may sit outside and between the tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Whitespace {
    /// Any amount of whitespace before the first tag, between blocks and at the end.
    Any,
    /// Nothing at all outside the tags.
    None,
    /// The open-r1/TRL layout: a newline after each opening tag, before each
    /// closing tag and between the blocks; at most one trailing newline.
    Newline,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub preset: Preset,
    pub whitespace: Whitespace,
    pub think_tag: String,
    pub answer_tag: String,
    pub correct_score: f64,
    pub incorrect_score: f64,
    pub repetition_ngram: usize,
    pub repetition_weight: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            preset: Preset::R1,
            whitespace: Whitespace::Any,
            think_tag: "think".to_string(),
            answer_tag: "answer".to_string(),
            correct_score: 1.0,
            incorrect_score: 0.0,
            repetition_ngram: 3,
            repetition_weight: 0.0,
        }
    }
}

impl Config {
    /// Parses and validates the JSON given to `configure`.
    pub fn from_json(json: &str) -> Result<Config, RewardError> {
        parse_validated(json, Config::validate)
    }

    fn validate(&self) -> Result<(), RewardError> {
        for (key, tag) in [
            ("think_tag", &self.think_tag),
            ("answer_tag", &self.answer_tag),
        ] {
            let bad_char = tag
                .chars()
                .any(|c| c == '<' || c == '>' || c == '/' || c.is_whitespace());
            if tag.is_empty() || tag.chars().count() > MAX_TAG_CHARS || bad_char {
                return Err(invalid(format!(
                    "{key} must be a tag name of 1..={MAX_TAG_CHARS} characters without '<', '>', '/' or whitespace"
                )));
            }
        }
        if self.think_tag == self.answer_tag {
            return Err(invalid("think_tag and answer_tag must differ".to_string()));
        }
        for (key, v) in [
            ("correct_score", self.correct_score),
            ("incorrect_score", self.incorrect_score),
        ] {
            if !v.is_finite() {
                return Err(invalid(format!("{key} must be finite")));
            }
        }
        if self.repetition_ngram == 0 || self.repetition_ngram > MAX_NGRAM {
            return Err(invalid(format!(
                "repetition_ngram must be in 1..={MAX_NGRAM}, got {}",
                self.repetition_ngram
            )));
        }
        if !(self.repetition_weight.is_finite() && self.repetition_weight >= 0.0) {
            return Err(invalid(format!(
                "repetition_weight must be a finite number >= 0 (the penalty is subtracted), got {}",
                self.repetition_weight
            )));
        }
        Ok(())
    }
}

/// JSON Schema of [`Config`], with the defaults taken from `Config::default()`.
pub fn schema() -> Value {
    let d = Config::default();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "format reward config",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "preset": {
                "enum": ["r1", "think", "boxed_in_answer"],
                "default": d.preset,
                "description": "Layout the completion must follow."
            },
            "whitespace": {
                "enum": ["any", "none", "newline"],
                "default": d.whitespace,
                "description": "What may sit outside and between the tags."
            },
            "think_tag": {
                "type": "string", "minLength": 1, "default": d.think_tag,
                "description": "Name of the reasoning tag (without brackets)."
            },
            "answer_tag": {
                "type": "string", "minLength": 1, "default": d.answer_tag,
                "description": "Name of the answer tag (without brackets)."
            },
            "correct_score": {
                "type": "number", "default": d.correct_score,
                "description": "Format score when the layout matches."
            },
            "incorrect_score": {
                "type": "number", "default": d.incorrect_score,
                "description": "Format score when it does not."
            },
            "repetition_ngram": {
                "type": "integer", "minimum": 1, "maximum": MAX_NGRAM, "default": d.repetition_ngram,
                "description": "Word n-gram size of the repetition penalty."
            },
            "repetition_weight": {
                "type": "number", "minimum": 0, "default": d.repetition_weight,
                "description": "Weight w of the penalty (1 - unique/total) * -w; 0 turns it off."
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_gives_defaults() {
        assert_eq!(Config::from_json("{}").unwrap(), Config::default());
        assert_eq!(Config::from_json("  ").unwrap(), Config::default());
    }

    #[test]
    fn non_object_config_is_rejected() {
        for bad in ["[]", "[\"think\"]", "null", "3"] {
            assert!(Config::from_json(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn unknown_key_is_rejected_by_name() {
        let err = Config::from_json(r#"{"presett": "r1"}"#).unwrap_err();
        assert!(
            matches!(&err, RewardError::InvalidInput(m) if m.contains("presett")),
            "{err:?}"
        );
    }

    #[test]
    fn presets_and_whitespace_parse_in_snake_case() {
        let c =
            Config::from_json(r#"{"preset": "boxed_in_answer", "whitespace": "newline"}"#).unwrap();
        assert_eq!(c.preset, Preset::BoxedInAnswer);
        assert_eq!(c.whitespace, Whitespace::Newline);
        assert!(Config::from_json(r#"{"preset": "R1"}"#).is_err());
    }

    #[test]
    fn bad_values_are_rejected() {
        for bad in [
            r#"{"repetition_ngram": 0}"#,
            r#"{"repetition_ngram": 65}"#,
            r#"{"repetition_weight": -1}"#,
            r#"{"think_tag": ""}"#,
            r#"{"think_tag": "a b"}"#,
            r#"{"answer_tag": "<answer>"}"#,
            r#"{"think_tag": "x", "answer_tag": "x"}"#,
        ] {
            assert!(Config::from_json(bad).is_err(), "{bad} was accepted");
        }
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
