use serde::{Deserialize, Serialize};

/// A successful reward for one sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// The reward value; always finite.
    pub value: f64,
    /// Named sub-scores for logging, in the order the plugin gave them.
    pub parts: Vec<(String, f64)>,
    /// Short explanation from the plugin.
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

    /// The value of a named part.
    pub fn part(&self, name: &str) -> Option<f64> {
        self.parts.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
}
