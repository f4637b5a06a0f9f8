//! The `chart-code` reward's config: part weights, data tolerances, render
//! size, interpreter budgets and what code outside the subset earns.

use rewasm_plugin_sdk::{config_error as invalid, parse_validated, RewardError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// What a candidate using code outside the supported subset gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnUnsupported {
    /// An `unsupported` error for the sample, naming the line and construct.
    Error,
    /// A score with `exec = 0` (and every other part 0).
    Zero,
}

/// Weight of each part in the total (normalised by their sum).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    pub exec: f64,
    pub text: f64,
    pub layout: f64,
    #[serde(rename = "type")]
    pub chart_type: f64,
    pub color: f64,
    pub data: f64,
    pub image: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            exec: 0.1,
            text: 0.15,
            layout: 0.1,
            chart_type: 0.15,
            color: 0.1,
            data: 0.25,
            image: 0.15,
        }
    }
}

impl Weights {
    pub fn sum(&self) -> f64 {
        self.exec + self.text + self.layout + self.chart_type + self.color + self.data + self.image
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub weights: Weights,
    pub rel_tol: f64,
    pub abs_tol: f64,
    pub width: u32,
    pub height: u32,
    pub on_unsupported: OnUnsupported,
    pub max_steps: u64,
    pub max_elements: u64,
    pub max_code_bytes: usize,
}

impl Default for Config {
    fn default() -> Self {
        let limits = rewasm_chart::Limits::default();
        Config {
            weights: Weights::default(),
            rel_tol: 0.02,
            abs_tol: 1e-6,
            width: 320,
            height: 240,
            on_unsupported: OnUnsupported::Error,
            max_steps: limits.max_steps,
            max_elements: limits.max_elements,
            max_code_bytes: limits.max_code_bytes,
        }
    }
}

/// Render sides allowed (the image part renders two scenes per sample).
pub const MIN_SIDE: u32 = 16;
pub const MAX_SIDE: u32 = 1024;

impl Config {
    /// Parses and validates the JSON given to `configure`.
    pub fn from_json(json: &str) -> Result<Config, RewardError> {
        parse_validated(json, Config::validate)
    }

    fn validate(&self) -> Result<(), RewardError> {
        let w = &self.weights;
        for (k, v) in [
            ("exec", w.exec),
            ("text", w.text),
            ("layout", w.layout),
            ("type", w.chart_type),
            ("color", w.color),
            ("data", w.data),
            ("image", w.image),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(invalid(format!(
                    "weights.{k} must be a finite number >= 0, got {v}"
                )));
            }
        }
        if w.sum() <= 0.0 {
            return Err(invalid("at least one weight must be positive"));
        }
        for (k, v) in [("rel_tol", self.rel_tol), ("abs_tol", self.abs_tol)] {
            if !v.is_finite() || v < 0.0 {
                return Err(invalid(format!(
                    "{k} must be a finite number >= 0, got {v}"
                )));
            }
        }
        for (k, v) in [("width", self.width), ("height", self.height)] {
            if !(MIN_SIDE..=MAX_SIDE).contains(&v) {
                return Err(invalid(format!(
                    "{k} must be in {MIN_SIDE}..={MAX_SIDE}, got {v}"
                )));
            }
        }
        if self.max_steps == 0 || self.max_steps > 100_000_000 {
            return Err(invalid("max_steps must be in 1..=100000000"));
        }
        if self.max_elements == 0 || self.max_elements > 10_000_000 {
            return Err(invalid("max_elements must be in 1..=10000000"));
        }
        if self.max_code_bytes == 0 || self.max_code_bytes > 1 << 20 {
            return Err(invalid("max_code_bytes must be in 1..=1048576"));
        }
        Ok(())
    }

    /// The interpreter budgets this config sets.
    pub fn limits(&self) -> rewasm_chart::Limits {
        rewasm_chart::Limits {
            max_steps: self.max_steps,
            max_elements: self.max_elements,
            max_code_bytes: self.max_code_bytes,
            ..rewasm_chart::Limits::default()
        }
    }
}

/// JSON Schema of the config.
pub fn schema() -> Value {
    let d = Config::default();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "chart-code reward config",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "weights": {"type": "object", "default": d.weights,
                        "description": "Weight of each part (exec, text, layout, type, color, data, image); the total is the weighted mean."},
            "rel_tol": {"type": "number", "minimum": 0, "default": d.rel_tol,
                        "description": "Relative tolerance for data values."},
            "abs_tol": {"type": "number", "minimum": 0, "default": d.abs_tol,
                        "description": "Absolute tolerance for data values."},
            "width": {"type": "integer", "minimum": MIN_SIDE, "maximum": MAX_SIDE, "default": d.width,
                      "description": "Render width for the image part."},
            "height": {"type": "integer", "minimum": MIN_SIDE, "maximum": MAX_SIDE, "default": d.height,
                       "description": "Render height for the image part."},
            "on_unsupported": {"enum": ["error", "zero"], "default": d.on_unsupported,
                               "description": "Candidate code outside the subset: an unsupported error, or exec = 0."},
            "max_steps": {"type": "integer", "minimum": 1, "default": d.max_steps,
                          "description": "Interpreter step budget per program."},
            "max_elements": {"type": "integer", "minimum": 1, "default": d.max_elements,
                             "description": "Interpreter element budget per program."},
            "max_code_bytes": {"type": "integer", "minimum": 1, "default": d.max_code_bytes,
                               "description": "Largest program accepted, in bytes."}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_sum_to_one_and_validate() {
        let d = Config::default();
        assert!((d.weights.sum() - 1.0).abs() < 1e-12);
        assert_eq!(Config::from_json("{}").unwrap(), d);
    }

    #[test]
    fn bad_values_are_refused_by_name() {
        for (json, needle) in [
            (r#"{"weights": {"data": -1}}"#, "weights.data"),
            (
                r#"{"weights": {"exec": 0, "text": 0, "layout": 0, "type": 0, "color": 0, "data": 0, "image": 0}}"#,
                "positive",
            ),
            (r#"{"rel_tol": -0.1}"#, "rel_tol"),
            (r#"{"width": 5000}"#, "width"),
            (r#"{"on_unsupported": "maybe"}"#, "maybe"),
            (r#"{"max_steps": 0}"#, "max_steps"),
            (r#"{"bogus": 1}"#, "bogus"),
            (r#"{"weights": {"colour": 1}}"#, "colour"),
        ] {
            let e = Config::from_json(json).unwrap_err().to_string();
            assert!(e.contains(needle), "{json}: {e}");
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
