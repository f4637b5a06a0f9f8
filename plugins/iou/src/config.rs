//! The `iou` reward's config: scoring mode, matching, thresholds, weights
//! and coordinate spaces.

use rewasm_plugin_sdk::{config_error as invalid, parse_validated, RewardError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Upper bound for `max_boxes`: Hungarian matching is O(min(G,P)^2 * max(G,P)),
/// so this keeps the worst case of one sample near 10^9 simple steps.
pub const MAX_BOXES_LIMIT: usize = 1000;

/// Which scoring rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// `single` when the reference is one bare `[x1,y1,x2,y2]`, else `detection`.
    Auto,
    /// Grounding: IoU of the first predicted box with the one reference box.
    Single,
    /// Detection scored as VLM-R1: matched IoU and completeness.
    Detection,
    /// Detection scored as Visual-RFT: IoU over max(|G|,|P|) plus a confidence term.
    VisualRft,
}

/// How predicted boxes are paired with ground-truth boxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Matching {
    /// Optimal one-to-one assignment: most pairs, then largest total IoU.
    Hungarian,
    /// Repeatedly take the eligible pair with the highest IoU (VLM-R1).
    Greedy,
}

/// The space coordinates are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoordSpace {
    /// Pixels of the original image.
    Pixels,
    /// Fractions of the image size, 0 to 1.
    Normalized,
    /// Thousandths of the image size, 0 to 1000 (Qwen2-VL).
    Thousand,
    /// Pixels of the resized image the model saw (Qwen2.5-VL); rescaled to
    /// the original with the `input_*`/`image_*` metadata. Predictions only.
    InputPixels,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub mode: Mode,
    pub matching: Matching,
    pub match_threshold: f64,
    pub single_threshold: Option<f64>,
    pub use_labels: bool,
    pub iou_weight: f64,
    pub completeness_weight: f64,
    pub confidence_weight: f64,
    pub pred_coords: CoordSpace,
    pub ref_coords: CoordSpace,
    pub clip_to_image: bool,
    pub max_boxes: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            mode: Mode::Auto,
            matching: Matching::Hungarian,
            match_threshold: 0.5,
            single_threshold: None,
            use_labels: true,
            iou_weight: 0.7,
            completeness_weight: 0.3,
            confidence_weight: 1.0,
            pred_coords: CoordSpace::Pixels,
            ref_coords: CoordSpace::Pixels,
            clip_to_image: true,
            max_boxes: MAX_BOXES_LIMIT,
        }
    }
}

impl Config {
    /// Parses and validates the JSON given to `configure`.
    pub fn from_json(json: &str) -> Result<Config, RewardError> {
        parse_validated(json, Config::validate)
    }

    fn validate(&self) -> Result<(), RewardError> {
        let unit = |key: &str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(invalid(format!("{key} must be in [0, 1], got {v}")))
            }
        };
        unit("match_threshold", self.match_threshold)?;
        if let Some(t) = self.single_threshold {
            unit("single_threshold", t)?;
        }
        for (key, v) in [
            ("iou_weight", self.iou_weight),
            ("completeness_weight", self.completeness_weight),
            ("confidence_weight", self.confidence_weight),
        ] {
            if !v.is_finite() {
                return Err(invalid(format!("{key} must be finite")));
            }
        }
        if self.ref_coords == CoordSpace::InputPixels {
            return Err(invalid(
                "ref_coords cannot be \"input_pixels\": references describe the original image"
                    .to_string(),
            ));
        }
        if self.max_boxes == 0 || self.max_boxes > MAX_BOXES_LIMIT {
            return Err(invalid(format!(
                "max_boxes must be in 1..={MAX_BOXES_LIMIT}, got {}",
                self.max_boxes
            )));
        }
        Ok(())
    }
}

/// JSON Schema of [`Config`], with the defaults taken from `Config::default()`.
pub fn schema() -> Value {
    let d = Config::default();
    let spaces = ["pixels", "normalized", "thousand", "input_pixels"];
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "iou reward config",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "mode": {"enum": ["auto", "single", "detection", "visual_rft"], "default": d.mode,
                     "description": "Scoring rule; auto picks single for a bare [x1,y1,x2,y2] reference."},
            "matching": {"enum": ["hungarian", "greedy"], "default": d.matching,
                         "description": "How predicted boxes are paired with ground-truth boxes."},
            "match_threshold": {"type": "number", "minimum": 0, "maximum": 1, "default": d.match_threshold,
                                "description": "IoU a pair needs to count as a match."},
            "single_threshold": {"type": ["number", "null"], "minimum": 0, "maximum": 1, "default": d.single_threshold,
                                 "description": "Single mode: null = continuous IoU, t = 1 if IoU >= t else 0."},
            "use_labels": {"type": "boolean", "default": d.use_labels,
                           "description": "A match also needs equal labels where the reference has one."},
            "iou_weight": {"type": "number", "default": d.iou_weight,
                           "description": "Detection: weight of the mean matched IoU."},
            "completeness_weight": {"type": "number", "default": d.completeness_weight,
                                    "description": "Detection: weight of completeness."},
            "confidence_weight": {"type": "number", "default": d.confidence_weight,
                                  "description": "Visual-RFT: weight of the confidence term."},
            "pred_coords": {"enum": spaces, "default": d.pred_coords,
                            "description": "Coordinate space of predicted boxes."},
            "ref_coords": {"enum": ["pixels", "normalized", "thousand"], "default": d.ref_coords,
                           "description": "Coordinate space of reference boxes."},
            "clip_to_image": {"type": "boolean", "default": d.clip_to_image,
                              "description": "Clip boxes to the image before computing IoU."},
            "max_boxes": {"type": "integer", "minimum": 1, "maximum": MAX_BOXES_LIMIT, "default": d.max_boxes,
                          "description": "Most predicted (and reference) boxes considered per sample."}
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
            (c.iou_weight, c.completeness_weight, c.match_threshold),
            (0.7, 0.3, 0.5)
        );
    }

    #[test]
    fn unknown_and_non_object_configs_are_rejected() {
        let err = Config::from_json(r#"{"threshold": 0.5}"#).unwrap_err();
        assert!(
            matches!(&err, RewardError::InvalidInput(m) if m.contains("threshold")),
            "{err:?}"
        );
        assert!(Config::from_json("[]").is_err());
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        for bad in [
            r#"{"match_threshold": 1.5}"#,
            r#"{"match_threshold": -0.1}"#,
            r#"{"single_threshold": 2}"#,
            r#"{"ref_coords": "input_pixels"}"#,
            r#"{"max_boxes": 0}"#,
            r#"{"max_boxes": 1001}"#,
            r#"{"mode": "rec"}"#,
            r#"{"pred_coords": "percent"}"#,
        ] {
            assert!(Config::from_json(bad).is_err(), "{bad} accepted");
        }
        assert!(
            Config::from_json(r#"{"single_threshold": 0.5, "pred_coords": "input_pixels"}"#)
                .is_ok()
        );
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
