//! The [`Reward`] implementation the component exports.

use rewasm_plugin_sdk::{parse_config, PluginInfo, Reward, RewardError, Sample, Score};

use math_equiv::{verify, Config};

/// Rewards a completion whose final answer equals the sample's reference.
#[derive(Debug, Clone)]
pub struct MathAccuracy {
    config: Config,
}

impl MathAccuracy {
    /// A reward with a validated config.
    pub fn new(config: Config) -> Result<Self, RewardError> {
        config.validate()?;
        Ok(MathAccuracy { config })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }
}

impl Reward for MathAccuracy {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "math-accuracy".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description:
                "1 when the completion's final answer (boxed, <answer>, Answer:, ####) equals the \
                          reference: exact, rational, numeric within tolerance, or symbolic"
                    .to_string(),
            config_schema: Config::json_schema(),
            capabilities: Vec::new(),
            needs_images: false,
        }
    }

    fn configure(config_json: &str) -> Result<Self, RewardError> {
        let config: Config = parse_config(config_json)?;
        MathAccuracy::new(config)
    }

    fn score(&self, sample: &Sample) -> Result<Score, RewardError> {
        let reference = sample.reference.as_deref().ok_or_else(|| {
            RewardError::InvalidInput(
                "reference missing: math-accuracy needs the sample's reference answer".into(),
            )
        })?;
        let verdict = verify(&self.config, &sample.completion, reference)?;
        let value = if verdict.correct {
            self.config.correct_score
        } else {
            self.config.wrong_score
        };
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        Ok(Score::new(value)
            .with_part("correct", flag(verdict.correct))
            .with_part("extracted", flag(verdict.answer.is_some()))
            .with_note(verdict.note))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configure_score_and_errors() {
        let r = MathAccuracy::configure(r#"{"wrong_score": -1.0}"#).expect("configures");
        let s = r
            .score(&Sample::new(r"\boxed{4}", Some("4")))
            .expect("scores");
        assert_eq!(
            (s.value, s.part("correct"), s.part("extracted")),
            (1.0, Some(1.0), Some(1.0))
        );
        let s = r
            .score(&Sample::new("I give up", Some("4")))
            .expect("scores");
        assert_eq!((s.value, s.part("extracted")), (-1.0, Some(0.0)));
        assert!(s.note.is_some_and(|n| n.contains("no answer")));
        assert!(r.score(&Sample::new(r"\boxed{4}", None)).is_err());
        assert!(MathAccuracy::configure(r#"{"bogus": true}"#).is_err());
        assert!(MathAccuracy::configure(r#"{"symbolic_points": 0}"#).is_err());
        assert!(MathAccuracy::configure("").is_ok());
    }

    #[test]
    fn info_describes_the_plugin() {
        let i = MathAccuracy::info();
        assert_eq!(i.name, "math-accuracy");
        assert_eq!(i.version, env!("CARGO_PKG_VERSION"));
        assert!(i.capabilities.is_empty() && !i.needs_images);
        assert!(serde_json::from_str::<serde_json::Value>(&i.config_schema).is_ok());
    }
}
