//! `format`: rewards completions that follow a fixed tag layout (DeepSeek-R1's
//! `<think>…</think><answer>…</answer>`, a leading `<think>`, or a `\boxed{}`
//! inside `<answer>`), minus an optional n-gram repetition penalty.
//!
//! The checks are a hand-written tag scanner rather than regexes: linear in
//! the completion, and free of a regex engine in the Wasm build.

pub mod boxed;
pub mod config;
pub mod layout;
pub mod repetition;

use rewasm_plugin_sdk::{PluginInfo, Reward, RewardError, Sample, Score};

pub use config::{Config, Preset, Whitespace};
use layout::Tags;

/// The configured `format` reward; usable natively as well as through the
/// Wasm exports.
#[derive(Debug, Clone)]
pub struct Format {
    config: Config,
    tags: Tags,
}

impl Format {
    /// Builds the reward from an already parsed config.
    pub fn new(config: Config) -> Format {
        let tags = Tags::new(&config.think_tag, &config.answer_tag);
        Format { config, tags }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }
}

impl Reward for Format {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "format".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "1 when the completion follows the configured tag layout (r1, think, boxed_in_answer), \
                          plus an optional n-gram repetition penalty"
                .to_string(),
            config_schema: config::schema().to_string(),
            capabilities: Vec::new(),
            needs_images: false,
        }
    }

    fn configure(config_json: &str) -> Result<Self, RewardError> {
        Ok(Format::new(Config::from_json(config_json)?))
    }

    fn score(&self, sample: &Sample) -> Result<Score, RewardError> {
        let c = &self.config;
        let verdict = layout::check(c.preset, c.whitespace, &self.tags, &sample.completion);
        let format = if verdict.is_ok() {
            c.correct_score
        } else {
            c.incorrect_score
        };
        let preset = serde_json::to_value(c.preset)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let mut note = match &verdict {
            Ok(()) => format!("{preset} layout ok"),
            Err(why) => format!("{preset} layout failed: {why}"),
        };

        // Skipped when off, so the default config costs nothing per sample.
        let penalty = if c.repetition_weight > 0.0 {
            let fraction = repetition::repeated_fraction(&sample.completion, c.repetition_ngram);
            note.push_str(&format!(
                "; {:.1}% of word {}-grams repeated",
                fraction * 100.0,
                c.repetition_ngram
            ));
            // `0.0 - x` rather than `-x` keeps a zero penalty at +0.0.
            0.0 - c.repetition_weight * fraction
        } else {
            0.0
        };

        Ok(Score::new(format + penalty)
            .with_part("format", format)
            .with_part("repetition_penalty", penalty)
            .with_note(note))
    }
}

rewasm_plugin_sdk::export_reward!(Format);

#[cfg(test)]
mod tests {
    use super::*;

    fn score(config: &str, completion: &str) -> Score {
        Format::configure(config)
            .unwrap()
            .score(&Sample::new(completion, None))
            .unwrap()
    }

    #[test]
    fn info_names_the_plugin_and_a_parsable_schema() {
        let info = Format::info();
        assert_eq!(info.name, "format");
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert!(info.capabilities.is_empty());
        assert!(!info.needs_images);
        let schema: serde_json::Value = serde_json::from_str(&info.config_schema).unwrap();
        assert_eq!(schema["additionalProperties"], false);
    }

    #[test]
    fn matching_layout_scores_correct_score() {
        let s = score("{}", "<think>a</think><answer>b</answer>");
        assert_eq!(s.value, 1.0);
        assert_eq!(s.part("format"), Some(1.0));
        assert_eq!(s.part("repetition_penalty"), Some(0.0));
        assert_eq!(s.note.as_deref(), Some("r1 layout ok"));
    }

    #[test]
    fn failing_layout_scores_incorrect_score_with_reason() {
        let s = score(r#"{"incorrect_score": -1}"#, "<answer>b</answer>");
        assert_eq!(s.value, -1.0);
        assert_eq!(s.note.as_deref(), Some("r1 layout failed: missing <think>"));
    }

    #[test]
    fn scores_are_configurable() {
        let s = score(
            r#"{"correct_score": 0.5}"#,
            "<think>a</think><answer>b</answer>",
        );
        assert_eq!(s.value, 0.5);
    }

    #[test]
    fn penalty_is_added_to_the_format_score() {
        // Ten words, five distinct (the four tags and "x") -> fraction 0.5; w = 3 -> -1.5.
        let s = score(
            r#"{"repetition_ngram": 1, "repetition_weight": 3}"#,
            "<think> x x x x x </think> <answer> x </answer>",
        );
        assert_eq!(s.part("format"), Some(1.0));
        assert_eq!(s.part("repetition_penalty"), Some(-1.5));
        assert_eq!(s.value, -0.5);
        assert!(s.note.unwrap().contains("50.0% of word 1-grams repeated"));
    }

    #[test]
    fn penalty_without_repetition_is_positive_zero() {
        let s = score(
            r#"{"repetition_weight": 2}"#,
            "<think>a b c d</think><answer>e</answer>",
        );
        assert!(s.part("repetition_penalty").unwrap().is_sign_positive());
        assert_eq!(s.value, 1.0);
    }

    #[test]
    fn penalty_is_off_by_default() {
        let s = score(
            "{}",
            &"<think>same same same</think><answer>x</answer>".repeat(3),
        );
        assert_eq!(s.part("repetition_penalty"), Some(0.0));
    }

    #[test]
    fn bad_config_is_invalid_input() {
        assert!(matches!(
            Format::configure(r#"{"preset": "xml"}"#),
            Err(RewardError::InvalidInput(_))
        ));
    }
}
