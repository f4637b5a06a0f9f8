//! `length-bonus`: shapes the reward by completion length — DAPO's soft
//! overlong punishment, TRL's cosine length scaling by correctness, or a
//! flat bonus inside a length band — measured in policy tokens, characters
//! or words.

pub mod band;
pub mod config;
pub mod correctness;
pub mod cosine;
pub mod dapo;
pub mod length;

use rewasm_plugin_sdk::{PluginInfo, Reward, RewardError, Sample, Score};

pub use config::{Config, Mode, Unit};
use cosine::Curve;

/// The configured `length-bonus` reward.
#[derive(Debug, Clone)]
pub struct LengthBonus {
    config: Config,
}

impl LengthBonus {
    /// Builds the reward from an already validated config.
    pub fn new(config: Config) -> LengthBonus {
        LengthBonus { config }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }
}

impl Reward for LengthBonus {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "length-bonus".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description:
                "Length shaping: DAPO soft overlong penalty, cosine length scaling by correctness, \
                          or a bonus inside a length band"
                    .to_string(),
            config_schema: config::schema().to_string(),
            capabilities: Vec::new(),
            needs_images: false,
        }
    }

    fn configure(config_json: &str) -> Result<Self, RewardError> {
        Ok(LengthBonus::new(Config::from_json(config_json)?))
    }

    fn score(&self, sample: &Sample) -> Result<Score, RewardError> {
        let c = &self.config;
        let len = length::measure(c.unit, sample)?;
        let unit = match c.unit {
            Unit::Tokens => "tokens",
            Unit::Chars => "chars",
            Unit::Words => "words",
        };
        let score = match c.mode {
            Mode::Dapo => {
                let value = dapo::overlong_penalty(len, c.dapo_max_len, c.dapo_cache_len);
                let expected = c.dapo_max_len.saturating_sub(c.dapo_cache_len);
                Score::new(value)
                    .with_part("dapo", value)
                    .with_note(format!(
                        "dapo: {len} {unit}, expected <= {expected}, max {}",
                        c.dapo_max_len
                    ))
            }
            Mode::Cosine => {
                let correct = correctness::read(
                    &sample.metadata_json(),
                    &c.correct_key,
                    c.correct_threshold,
                )?;
                let curve = if correct {
                    Curve::correct(c.cosine_min_value_correct, c.cosine_max_value_correct)
                } else {
                    Curve::wrong(c.cosine_min_value_wrong, c.cosine_max_value_wrong)
                };
                let value = cosine::scaled(len, c.cosine_max_len, curve);
                Score::new(value)
                    .with_part("cosine", value)
                    .with_part("correct", if correct { 1.0 } else { 0.0 })
                    .with_note(format!(
                        "cosine: {len} {unit} of {}, {}",
                        c.cosine_max_len,
                        if correct { "correct" } else { "wrong" }
                    ))
            }
            Mode::Band => {
                let value = band::bonus(len, c.band_min, c.band_max, c.band_bonus);
                let lo = c.band_min.unwrap_or(0);
                let hi = c
                    .band_max
                    .map_or_else(|| "inf".to_string(), |h| h.to_string());
                Score::new(value)
                    .with_part("band", value)
                    .with_note(format!("band: {len} {unit}, band [{lo}, {hi}]"))
            }
        };
        Ok(score.with_part("length", len as f64))
    }
}

rewasm_plugin_sdk::export_reward!(LengthBonus);

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(text: &str, tokens: u32, metadata: &str) -> Sample {
        Sample {
            completion_tokens: tokens,
            metadata: metadata.to_string(),
            ..Sample::new(text, None)
        }
    }

    fn score(config: &str, s: &Sample) -> Result<Score, RewardError> {
        LengthBonus::configure(config).unwrap().score(s)
    }

    #[test]
    fn info_names_the_plugin() {
        let info = LengthBonus::info();
        assert_eq!(info.name, "length-bonus");
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert!(info.capabilities.is_empty());
        let schema: serde_json::Value = serde_json::from_str(&info.config_schema).unwrap();
        assert_eq!(schema["properties"]["mode"]["default"], "dapo");
    }

    #[test]
    fn default_is_dapo_in_tokens() {
        let s = score("{}", &sample("x", 16384 + 2048, "null")).unwrap();
        assert_eq!(s.value, -0.5);
        assert_eq!(s.part("dapo"), Some(-0.5));
        assert_eq!(s.part("length"), Some(18432.0));
        assert!(s.note.unwrap().starts_with("dapo: 18432 tokens"));
    }

    #[test]
    fn dapo_in_chars() {
        let config = r#"{"unit": "chars", "dapo_max_len": 10, "dapo_cache_len": 4}"#;
        assert_eq!(
            score(config, &sample("abcdef", 0, "null")).unwrap().value,
            0.0
        );
        assert_eq!(
            score(config, &sample("abcdefgh", 0, "null")).unwrap().value,
            -0.5
        );
        assert_eq!(
            score(config, &sample("abcdefghijk", 0, "null"))
                .unwrap()
                .value,
            -1.0
        );
    }

    #[test]
    fn tokens_without_host_count_is_an_error() {
        let err = score("{}", &sample("some text", 0, "null")).unwrap_err();
        assert!(matches!(err, RewardError::InvalidInput(m) if m.contains("no token count")));
    }

    #[test]
    fn cosine_uses_correctness_from_metadata() {
        let config = r#"{"mode": "cosine", "unit": "words", "cosine_max_len": 4}"#;
        let right = score(config, &sample("a b", 0, r#"{"correct": true}"#)).unwrap();
        assert!((right.value - 0.75).abs() < 1e-12, "{right:?}");
        assert_eq!(right.part("correct"), Some(1.0));
        let wrong = score(config, &sample("a b", 0, r#"{"correct": 0}"#)).unwrap();
        assert!((wrong.value + 0.75).abs() < 1e-12, "{wrong:?}");
        assert_eq!(wrong.part("correct"), Some(0.0));
        assert_eq!(wrong.part("cosine"), Some(wrong.value));
    }

    #[test]
    fn cosine_key_is_configurable_and_its_absence_is_an_error() {
        let config = r#"{"mode": "cosine", "unit": "chars", "correct_key": "acc"}"#;
        assert!(score(config, &sample("", 0, r#"{"acc": 1.0}"#)).is_ok());
        let err = score(config, &sample("", 0, r#"{"correct": true}"#)).unwrap_err();
        assert!(matches!(err, RewardError::InvalidInput(m) if m.contains("`acc`")));
        assert!(score(config, &sample("", 0, "not json")).is_err());
    }

    #[test]
    fn band_gives_the_bonus_inside_only() {
        let config =
            r#"{"mode": "band", "unit": "words", "band_min": 2, "band_max": 3, "band_bonus": 0.2}"#;
        assert_eq!(score(config, &sample("a", 0, "null")).unwrap().value, 0.0);
        assert_eq!(score(config, &sample("a b", 0, "null")).unwrap().value, 0.2);
        assert_eq!(
            score(config, &sample("a b c", 0, "null"))
                .unwrap()
                .part("band"),
            Some(0.2)
        );
        assert_eq!(
            score(config, &sample("a b c d", 0, "null")).unwrap().value,
            0.0
        );
    }
}
