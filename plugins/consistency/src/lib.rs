//! `consistency`: rewards a completion that agrees with something it should
//! agree with, in one of two modes.
//!
//! - `perception` — the visual perception reward of Perception-R1 (Xiao et
//!   al., "Advancing Multimodal Reasoning Capabilities of Multimodal Large
//!   Language Models via Visual Perception Reward", arXiv:2506.07218): a
//!   judge model, asked through the host's `judge` capability, says which of
//!   the sample's annotated visual facts the response includes; the reward
//!   is the share it finds.
//! - `answer` — reasoning-answer consistency as GRPO-CARE (arXiv:2506.16141)
//!   measures it: 1 when the conclusion of the `<think>` reasoning equals
//!   the final answer, compared with math-accuracy's equivalence. A rule,
//!   not the paper's likelihood-based bonus from a reference model.
//!
//! See the crate README for the rules, the prompt and the config.

pub mod agreement;
pub mod annotations;
pub mod config;
pub mod perception;
pub mod prompt;
pub mod reasoning;
pub mod verdict;

use rewasm_plugin_sdk::{Capability, PluginInfo, Reward, RewardError, Sample, Score};

pub use config::{Config, Mode, OnMissing, ResponseText};

/// The configured `consistency` reward; usable natively as well as through
/// the Wasm exports.
#[derive(Debug, Clone)]
pub struct Consistency {
    config: Config,
    /// The conclusion phrases, ASCII-lowercased once.
    phrases: Vec<String>,
}

impl Consistency {
    /// Builds the reward from an already validated config.
    pub fn new(config: Config) -> Consistency {
        let phrases = config
            .conclusion_phrases
            .iter()
            .map(|p| p.trim().to_ascii_lowercase())
            .collect();
        Consistency { config, phrases }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }
}

impl Reward for Consistency {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "consistency".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "Consistency: share of annotated visual facts a judge model finds in the response \
                          (Perception-R1), or agreement of the reasoning's conclusion with the final answer \
                          (GRPO-CARE)"
                .to_string(),
            config_schema: config::schema().to_string(),
            // Perception mode asks the judge; answer mode never calls it.
            capabilities: vec![Capability::Judge],
            needs_images: false,
        }
    }

    fn configure(config_json: &str) -> Result<Self, RewardError> {
        Ok(Consistency::new(Config::from_json(config_json)?))
    }

    fn score(&self, sample: &Sample) -> Result<Score, RewardError> {
        self.score_batch(std::slice::from_ref(sample))
            .pop()
            .unwrap_or_else(|| Err(RewardError::Internal("no result for the sample".into())))
    }

    fn score_batch(&self, samples: &[Sample]) -> Vec<Result<Score, RewardError>> {
        match self.config.mode {
            Mode::Perception => perception::score_batch(&self.config, samples),
            Mode::Answer => samples
                .iter()
                .map(|s| agreement::score(&self.config, &self.phrases, s))
                .collect(),
        }
    }
}

rewasm_plugin_sdk::export_reward!(Consistency);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_asks_for_the_judge() {
        let info = Consistency::info();
        assert_eq!(info.name, "consistency");
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(info.capabilities, vec![Capability::Judge]);
        let schema: serde_json::Value = serde_json::from_str(&info.config_schema).unwrap();
        assert_eq!(schema["properties"]["max_tokens"]["default"], 512);
    }

    #[test]
    fn the_mode_picks_the_rule() {
        let completion = "<think>Thus x = 2.</think><answer>\\boxed{2}</answer>";
        let answer = Consistency::configure(r#"{"mode": "answer"}"#).unwrap();
        assert_eq!(
            answer.score(&Sample::new(completion, None)).unwrap().value,
            1.0
        );
        let perception = Consistency::configure("{}").unwrap();
        let s = perception.score(&Sample::new(completion, None)).unwrap();
        assert_eq!((s.value, s.part("facts")), (0.0, Some(0.0)));
        assert!(Consistency::configure(r#"{"mode": "both"}"#).is_err());
    }
}
