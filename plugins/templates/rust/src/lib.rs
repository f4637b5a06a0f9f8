//! `{{name}}`: a rewasm reward plugin.
//!
//! The reward: the answer is the text after the last `Answer:` in the
//! completion (the whole completion when there is none), trimmed; it scores
//! 1.0 when it equals the sample's reference (also trimmed), else 0.0. ASCII
//! letters compare case-insensitively unless the config says
//! `{"case_sensitive": true}`.
//!
//! `rewasm build` compiles this crate to a Wasm component (the
//! `export_reward!` line below wires it to the WIT exports); `cargo test`
//! runs the logic natively.

use rewasm_plugin_sdk::{
    export_reward, parse_config, PluginInfo, Reward, RewardError, Sample, Score,
};
use serde::Deserialize;

/// The config: a JSON object; unknown keys are refused.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Compare ASCII letters exactly (default: either case matches).
    pub case_sensitive: bool,
}

/// The configured reward.
pub struct ExactAnswer {
    config: Config,
}

/// The text after the last `Answer:` (the whole text without one), trimmed.
pub fn final_answer(completion: &str) -> &str {
    match completion.rfind("Answer:") {
        Some(at) => completion[at + "Answer:".len()..].trim_ascii(),
        None => completion.trim_ascii(),
    }
}

impl Reward for ExactAnswer {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "{{name}}".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "1.0 when the final answer equals the reference, else 0.0".to_string(),
            config_schema: r#"{"type": "object", "properties": {"case_sensitive": {"type": "boolean", "default": false}}, "additionalProperties": false}"#.to_string(),
            capabilities: Vec::new(),
            needs_images: false,
        }
    }

    fn configure(config_json: &str) -> Result<Self, RewardError> {
        Ok(ExactAnswer {
            config: parse_config(config_json)?,
        })
    }

    fn score(&self, sample: &Sample) -> Result<Score, RewardError> {
        let reference = sample
            .reference
            .as_deref()
            .ok_or_else(|| RewardError::InvalidInput("the sample has no reference".into()))?
            .trim_ascii();
        let answer = final_answer(&sample.completion);
        let same = if self.config.case_sensitive {
            answer == reference
        } else {
            answer.eq_ignore_ascii_case(reference)
        };
        let value = if same { 1.0 } else { 0.0 };
        Ok(Score::new(value).with_part("exact", value))
    }
}

export_reward!(ExactAnswer);

#[cfg(test)]
mod tests {
    use super::*;

    fn score(config: &str, completion: &str, reference: Option<&str>) -> Result<f64, RewardError> {
        let reward = ExactAnswer::configure(config)?;
        reward
            .score(&Sample::new(completion, reference))
            .map(|s| s.value)
    }

    #[test]
    fn takes_the_last_answer() {
        assert_eq!(score("{}", "Answer: 1\nAnswer: 2", Some("2")), Ok(1.0));
        assert_eq!(score("{}", "Answer: 1\nAnswer: 2", Some("1")), Ok(0.0));
    }

    #[test]
    fn case_folding_follows_the_config() {
        assert_eq!(score("{}", "Answer: PARIS", Some("paris")), Ok(1.0));
        let strict = r#"{"case_sensitive": true}"#;
        assert_eq!(score(strict, "Answer: PARIS", Some("paris")), Ok(0.0));
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(score("{}", "Answer: 1", None).is_err());
        assert!(ExactAnswer::configure(r#"{"case": true}"#).is_err());
    }
}
