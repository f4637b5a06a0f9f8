//! Plain Rust mirrors of the WIT types, usable on any target.

use std::fmt;

/// One completion to score (mirror of WIT `sample`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    pub id: String,
    pub group: Option<String>,
    pub prompt: String,
    pub completion: String,
    /// Completion length in policy tokens (0 when the host has no tokenizer).
    pub completion_tokens: u32,
    pub reference: Option<String>,
    /// JSON text of the row's metadata (`null` when absent).
    pub metadata: String,
    pub step: u64,
}

impl Sample {
    /// A sample with just a completion and an optional reference; handy in tests.
    pub fn new(completion: &str, reference: Option<&str>) -> Self {
        Sample {
            completion: completion.to_string(),
            reference: reference.map(str::to_string),
            metadata: "null".to_string(),
            ..Sample::default()
        }
    }

    /// The metadata parsed as JSON (`Null` when it does not parse).
    pub fn metadata_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.metadata).unwrap_or(serde_json::Value::Null)
    }
}

/// A named sub-score.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub name: String,
    pub value: f64,
}

/// The result of scoring one sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub value: f64,
    pub parts: Vec<Part>,
    pub note: Option<String>,
}

impl Score {
    /// A score with no parts and no note.
    pub fn new(value: f64) -> Self {
        Score {
            value,
            parts: Vec::new(),
            note: None,
        }
    }

    /// Adds a logged sub-score.
    pub fn with_part(mut self, name: &str, value: f64) -> Self {
        self.parts.push(Part {
            name: name.to_string(),
            value,
        });
        self
    }

    /// Sets the note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// The value of a named part, if present.
    pub fn part(&self, name: &str) -> Option<f64> {
        self.parts.iter().find(|p| p.name == name).map(|p| p.value)
    }
}

/// An error the plugin reports (mirror of WIT `reward-error`).
#[derive(Debug, Clone, PartialEq)]
pub enum RewardError {
    InvalidInput(String),
    Unsupported(String),
    Internal(String),
}

impl fmt::Display for RewardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RewardError::InvalidInput(m) => write!(f, "invalid input: {m}"),
            RewardError::Unsupported(m) => write!(f, "unsupported: {m}"),
            RewardError::Internal(m) => write!(f, "internal: {m}"),
        }
    }
}

impl std::error::Error for RewardError {}

/// Host capabilities a plugin may request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    Log,
    Judge,
}

/// What a plugin says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub description: String,
    /// JSON Schema of the config object.
    pub config_schema: String,
    pub capabilities: Vec<Capability>,
    pub needs_images: bool,
}
