//! Config parsing with errors that name the offending key.

use serde::de::DeserializeOwned;

use crate::RewardError;

/// A config that did not parse, with serde's message (which names unknown
/// keys and wrong types).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError(pub String);

impl From<ConfigError> for RewardError {
    fn from(e: ConfigError) -> Self {
        RewardError::InvalidInput(format!("config: {}", e.0))
    }
}

/// Parses a plugin config from JSON text. An empty string means `{}`.
/// Config structs should use `#[serde(deny_unknown_fields, default)]`.
pub fn parse_config<T: DeserializeOwned>(json: &str) -> Result<T, ConfigError> {
    let text = if json.trim().is_empty() { "{}" } else { json };
    serde_json::from_str(text).map_err(|e| ConfigError(e.to_string()))
}
