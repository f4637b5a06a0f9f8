//! `iou`: rewards box predictions against reference boxes — grounding
//! (one box, continuous or thresholded IoU) and detection (many boxes,
//! one-to-one matching scored as VLM-R1 or Visual-RFT).
//!
//! Boxes are read from the completion's `<answer>` block (else the whole
//! text) by a forgiving one-pass scanner; the reference is strict JSON.

pub mod assignment;
pub mod bbox;
pub mod config;
pub mod coords;
pub mod detection;
pub mod lexer;
pub mod matching;
pub mod predictions;
pub mod reference;
pub mod single;
pub mod visual_rft;

use rewasm_plugin_sdk::{PluginInfo, Reward, RewardError, Sample, Score};

pub use config::{Config, CoordSpace, Matching, Mode};
use coords::{Frame, ImageSizes};
use predictions::Predicted;
use reference::{Reference, Target};

/// The configured `iou` reward; usable natively as well as through the
/// Wasm exports.
#[derive(Debug, Clone)]
pub struct Iou {
    config: Config,
}

impl Iou {
    /// Builds the reward from an already validated config.
    pub fn new(config: Config) -> Iou {
        Iou { config }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }
}

impl Reward for Iou {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "iou".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "IoU reward for grounding and detection: continuous IoU for one box, Hungarian or greedy \
                          matching with IoU and completeness parts for many"
                .to_string(),
            config_schema: config::schema().to_string(),
            capabilities: Vec::new(),
            needs_images: false,
        }
    }

    fn configure(config_json: &str) -> Result<Self, RewardError> {
        Ok(Iou::new(Config::from_json(config_json)?))
    }

    fn score(&self, sample: &Sample) -> Result<Score, RewardError> {
        let c = &self.config;
        let text = sample.reference.as_deref().ok_or_else(|| {
            RewardError::InvalidInput("iou needs a reference (box or boxes as JSON)".to_string())
        })?;
        let reference = reference::parse(text, c.max_boxes)?;
        let sizes = ImageSizes::from_metadata(&sample.metadata_json())?;
        let frame = Frame::new(c.pred_coords, c.ref_coords, &sizes, c.clip_to_image)?;

        let parsed =
            predictions::parse(predictions::answer_region(&sample.completion), c.max_boxes);
        let pred: Vec<Predicted> = parsed
            .boxes
            .iter()
            .map(|p| Predicted {
                bbox: frame.predicted(&p.bbox),
                ..p.clone()
            })
            .collect();
        let place = |targets: Vec<Target>| -> Vec<Target> {
            targets
                .into_iter()
                .map(|t| Target {
                    bbox: frame.reference(&t.bbox),
                    label: t.label,
                })
                .collect()
        };

        let mode = match (c.mode, &reference) {
            (Mode::Auto, Reference::Single(_)) => Mode::Single,
            (Mode::Auto, Reference::Many(_)) => Mode::Detection,
            (m, _) => m,
        };
        let score = match mode {
            Mode::Single => {
                let targets = reference.targets();
                let [target] = targets.as_slice() else {
                    return Err(RewardError::InvalidInput(format!(
                        "single mode needs exactly one reference box, got {}",
                        targets.len()
                    )));
                };
                single::score(
                    &frame.reference(&target.bbox),
                    &pred,
                    c.single_threshold,
                    c.match_threshold,
                )
            }
            // `Auto` was resolved above; listing it keeps the match exhaustive.
            Mode::Detection | Mode::Auto => detection::score(
                &place(reference.targets()),
                &pred,
                &detection::Params {
                    matching: c.matching,
                    match_threshold: c.match_threshold,
                    use_labels: c.use_labels,
                    iou_weight: c.iou_weight,
                    completeness_weight: c.completeness_weight,
                },
            ),
            Mode::VisualRft => visual_rft::score(
                &place(reference.targets()),
                &pred,
                &visual_rft::Params {
                    matching: c.matching,
                    match_threshold: c.match_threshold,
                    use_labels: c.use_labels,
                    confidence_weight: c.confidence_weight,
                },
            ),
        };

        let mut score = score.with_part("predicted", pred.len() as f64);
        if parsed.dropped > 0 {
            let note = format!(
                "{}; {} boxes beyond max_boxes = {} ignored",
                score.note.take().unwrap_or_default(),
                parsed.dropped,
                c.max_boxes
            );
            score = score.with_note(note);
        }
        Ok(score)
    }
}

rewasm_plugin_sdk::export_reward!(Iou);

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(completion: &str, reference: &str, metadata: &str) -> Sample {
        Sample {
            metadata: metadata.to_string(),
            ..Sample::new(completion, Some(reference))
        }
    }

    fn score(config: &str, s: &Sample) -> Result<Score, RewardError> {
        Iou::configure(config).unwrap().score(s)
    }

    #[test]
    fn info_names_the_plugin() {
        let info = Iou::info();
        assert_eq!(info.name, "iou");
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert!(info.capabilities.is_empty());
        let schema: serde_json::Value = serde_json::from_str(&info.config_schema).unwrap();
        assert_eq!(schema["properties"]["match_threshold"]["default"], 0.5);
    }

    #[test]
    fn auto_mode_grounding_reads_the_answer_block() {
        let s = score(
            "{}",
            &sample(
                "<think>maybe [0,0,1,1]</think><answer>[0, 0, 10, 5]</answer>",
                "[0,0,10,10]",
                "null",
            ),
        )
        .unwrap();
        assert_eq!(s.value, 0.5);
        assert_eq!(s.part("iou"), Some(0.5));
        assert_eq!(s.part("predicted"), Some(1.0));
    }

    #[test]
    fn auto_mode_detection_for_a_list_reference() {
        let reference = r#"[{"bbox_2d": [0,0,10,10], "label": "dog"}]"#;
        let completion = r#"```json
[{"bbox_2d": [0, 0, 10, 10], "label": "dog"}]
```"#;
        let s = score("{}", &sample(completion, reference, "null")).unwrap();
        assert_eq!(s.value, 1.0);
        assert_eq!(s.part("completeness"), Some(1.0));
        assert_eq!(s.part("label_acc"), Some(1.0));
    }

    #[test]
    fn missing_or_bad_reference_is_invalid_input() {
        let reward = Iou::configure("{}").unwrap();
        assert!(matches!(
            reward.score(&Sample::new("[0,0,1,1]", None)),
            Err(RewardError::InvalidInput(_))
        ));
        assert!(matches!(
            reward.score(&Sample::new("[0,0,1,1]", Some("a dog"))),
            Err(RewardError::InvalidInput(m)) if m.starts_with("reference:")
        ));
    }

    #[test]
    fn single_mode_rejects_several_reference_boxes() {
        let err = score(
            r#"{"mode": "single"}"#,
            &sample("[0,0,1,1]", "[[0,0,1,1],[1,1,2,2]]", "null"),
        )
        .unwrap_err();
        assert!(matches!(err, RewardError::InvalidInput(m) if m.contains("exactly one")));
        let ok = score(
            r#"{"mode": "single"}"#,
            &sample("[0,0,1,1]", "[[0,0,1,1]]", "null"),
        )
        .unwrap();
        assert_eq!(ok.value, 1.0);
    }

    #[test]
    fn qwen2_thousand_coordinates_against_pixels() {
        let config = r#"{"pred_coords": "thousand"}"#;
        let meta = r#"{"image_width": 200, "image_height": 100}"#;
        let s = score(
            config,
            &sample("(500,500),(1000,1000)", "[100,50,200,100]", meta),
        )
        .unwrap();
        assert!((s.value - 1.0).abs() < 1e-12);
        let err = score(
            config,
            &sample("(500,500),(1000,1000)", "[100,50,200,100]", "null"),
        )
        .unwrap_err();
        assert!(matches!(err, RewardError::InvalidInput(m) if m.contains("image_width")));
    }

    #[test]
    fn out_of_image_predictions_are_clipped() {
        let meta = r#"{"image_width": 10, "image_height": 10}"#;
        let s = score("{}", &sample("[-100, -100, 10, 10]", "[0,0,10,10]", meta)).unwrap();
        assert_eq!(s.value, 1.0);
        let unclipped = score(
            r#"{"clip_to_image": false}"#,
            &sample("[-10, 0, 10, 10]", "[0,0,10,10]", meta),
        )
        .unwrap();
        assert_eq!(unclipped.value, 0.5);
    }

    #[test]
    fn dropped_boxes_are_noted() {
        let s = score(
            r#"{"max_boxes": 2}"#,
            &sample(&"[0,0,1,1] ".repeat(5), "[[0,0,1,1]]", "null"),
        )
        .unwrap();
        assert_eq!(s.part("predicted"), Some(2.0));
        assert!(s
            .note
            .unwrap()
            .contains("3 boxes beyond max_boxes = 2 ignored"));
    }

    #[test]
    fn visual_rft_mode_is_selectable() {
        let s = score(
            r#"{"mode": "visual_rft"}"#,
            &sample(
                r#"{"bbox_2d": [0,0,10,10], "score": 0.8}"#,
                "[0,0,10,10]",
                "null",
            ),
        )
        .unwrap();
        assert!((s.value - 1.8).abs() < 1e-12);
        assert_eq!(s.part("confidence"), Some(0.8));
    }
}
