//! The plugin's configuration: the reward set's `[reward.config]` table.
//! Every field is documented in math-accuracy's README table, which a test
//! there compares with [`Config::default`].

use rewasm_plugin_sdk::RewardError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Where to look for the final answer in a completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Extractor {
    /// The last `\boxed{..}` or `\fbox{..}`.
    Boxed,
    /// The last `<answer>..</answer>`.
    AnswerTag,
    /// The last `Answer: ..` line.
    AnswerLine,
    /// The last `#### ..` (GSM8K).
    Gsm8k,
    /// The last number anywhere in the text.
    LastNumber,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Extractors tried in order; the first that finds an answer wins.
    pub extractors: Vec<Extractor>,
    /// Look only after the last `</think>`; a completion without one has no answer.
    pub after_think: bool,
    /// Relative tolerance for numeric comparison.
    pub rel_tol: f64,
    /// Compare a value written with `%` both as n and as n/100.
    pub percent_both: bool,
    /// Random points per symbolic (free-variable) comparison.
    pub symbolic_points: u32,
    /// Reward for a correct answer.
    pub correct_score: f64,
    /// Reward for a wrong or missing answer.
    pub wrong_score: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            extractors: vec![
                Extractor::Boxed,
                Extractor::AnswerTag,
                Extractor::AnswerLine,
                Extractor::Gsm8k,
            ],
            after_think: false,
            rel_tol: 1e-6,
            percent_both: false,
            symbolic_points: 8,
            correct_score: 1.0,
            wrong_score: 0.0,
        }
    }
}

impl Config {
    /// Rejects values serde accepts but the plugin cannot use.
    pub fn validate(&self) -> Result<(), RewardError> {
        let bad = |m: String| Err(RewardError::InvalidInput(format!("config: {m}")));
        if self.extractors.is_empty() {
            return bad("extractors must name at least one extractor".into());
        }
        for (i, e) in self.extractors.iter().enumerate() {
            if self.extractors[..i].contains(e) {
                return bad(format!("extractors lists {e:?} twice"));
            }
        }
        if !(self.rel_tol.is_finite() && (0.0..1.0).contains(&self.rel_tol)) {
            return bad(format!("rel_tol must be in [0, 1), got {}", self.rel_tol));
        }
        if !(2..=64).contains(&self.symbolic_points) {
            return bad(format!(
                "symbolic_points must be in 2..=64, got {}",
                self.symbolic_points
            ));
        }
        if !self.correct_score.is_finite() || !self.wrong_score.is_finite() {
            return bad("correct_score and wrong_score must be finite".into());
        }
        Ok(())
    }

    /// JSON Schema of the config object, with defaults from [`Config::default`].
    pub fn json_schema() -> String {
        let defaults = serde_json::to_value(Config::default()).unwrap_or(Value::Null);
        let d = |k: &str| defaults.get(k).cloned().unwrap_or(Value::Null);
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "math-accuracy config",
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "extractors": {
                    "type": "array",
                    "items": { "enum": ["boxed", "answer_tag", "answer_line", "gsm8k", "last_number"] },
                    "minItems": 1,
                    "uniqueItems": true,
                    "default": d("extractors"),
                    "description": "Extractors tried in order; the first that finds an answer wins."
                },
                "after_think": {
                    "type": "boolean",
                    "default": d("after_think"),
                    "description": "Look only after the last </think>; without one there is no answer."
                },
                "rel_tol": {
                    "type": "number",
                    "minimum": 0,
                    "exclusiveMaximum": 1,
                    "default": d("rel_tol"),
                    "description": "Relative tolerance for numeric comparison."
                },
                "percent_both": {
                    "type": "boolean",
                    "default": d("percent_both"),
                    "description": "Compare a value written with % both as n and as n/100."
                },
                "symbolic_points": {
                    "type": "integer",
                    "minimum": 2,
                    "maximum": 64,
                    "default": d("symbolic_points"),
                    "description": "Random points per symbolic comparison."
                },
                "correct_score": {
                    "type": "number",
                    "default": d("correct_score"),
                    "description": "Reward for a correct answer."
                },
                "wrong_score": {
                    "type": "number",
                    "default": d("wrong_score"),
                    "description": "Reward for a wrong or missing answer."
                }
            }
        })
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_object_gives_defaults_and_unknown_keys_fail() {
        let c: Config = rewasm_plugin_sdk::parse_config("{}").expect("defaults parse");
        assert_eq!(c, Config::default());
        assert!(rewasm_plugin_sdk::parse_config::<Config>(r#"{"tolerance": 1}"#).is_err());
        let c: Config = rewasm_plugin_sdk::parse_config(
            r#"{"extractors": ["gsm8k", "last_number"], "wrong_score": -1}"#,
        )
        .expect("parses");
        assert_eq!(c.extractors, vec![Extractor::Gsm8k, Extractor::LastNumber]);
        assert_eq!(c.wrong_score, -1.0);
        assert!(rewasm_plugin_sdk::parse_config::<Config>(r#"{"extractors": ["regex"]}"#).is_err());
    }

    #[test]
    fn validation_rejects_unusable_values() {
        assert!(Config::default().validate().is_ok());
        for c in [
            Config {
                extractors: vec![],
                ..Config::default()
            },
            Config {
                extractors: vec![Extractor::Boxed, Extractor::Boxed],
                ..Config::default()
            },
            Config {
                rel_tol: -1.0,
                ..Config::default()
            },
            Config {
                rel_tol: 1.0,
                ..Config::default()
            },
            Config {
                symbolic_points: 1,
                ..Config::default()
            },
            Config {
                correct_score: f64::INFINITY,
                ..Config::default()
            },
        ] {
            assert!(c.validate().is_err(), "{c:?}");
        }
    }

    #[test]
    fn schema_lists_exactly_the_fields_with_their_defaults() {
        let schema: Value = serde_json::from_str(&Config::json_schema()).expect("schema is JSON");
        let props = schema["properties"].as_object().expect("properties");
        let defaults = serde_json::to_value(Config::default()).expect("serializes");
        let fields = defaults.as_object().expect("object");
        assert_eq!(props.len(), fields.len());
        for (k, v) in fields {
            assert_eq!(&props[k]["default"], v, "{k}");
        }
    }
}
