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

/// The error for a config value `configure` cannot accept, in the same form
/// as a parse error (`config: ...`).
pub fn config_error(message: impl std::fmt::Display) -> RewardError {
    ConfigError(message.to_string()).into()
}

/// Parses a config (see [`parse_config`]) and runs the plugin's own checks
/// on it.
pub fn parse_validated<T: DeserializeOwned>(
    json: &str,
    validate: impl FnOnce(&T) -> Result<(), RewardError>,
) -> Result<T, RewardError> {
    let config: T = parse_config(json)?;
    validate(&config)?;
    Ok(config)
}

/// Parses a plugin config from JSON text. An empty string means `{}`.
/// Config structs should use `#[serde(deny_unknown_fields, default)]`.
/// Anything but a JSON object is refused: serde would otherwise fill a
/// struct from an array, field by field.
pub fn parse_config<T: DeserializeOwned>(json: &str) -> Result<T, ConfigError> {
    let text = json.trim();
    let text = if text.is_empty() { "{}" } else { text };
    if !text.starts_with('{') {
        return Err(ConfigError("config must be a JSON object".into()));
    }
    serde_json::from_str(text).map_err(|e| ConfigError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, Default, PartialEq)]
    #[serde(deny_unknown_fields, default)]
    struct Cfg {
        a: u32,
        b: bool,
    }

    #[test]
    fn validation_runs_after_parsing() {
        let ok = parse_validated::<Cfg>(r#"{"a": 1}"#, |_| Ok(()));
        assert_eq!(ok.unwrap(), Cfg { a: 1, b: false });
        let err = parse_validated::<Cfg>(r#"{"a": 0}"#, |c| {
            if c.a == 0 {
                Err(config_error("a must be positive"))
            } else {
                Ok(())
            }
        });
        assert_eq!(
            err.unwrap_err(),
            RewardError::InvalidInput("config: a must be positive".into())
        );
    }

    #[test]
    fn objects_parse_and_everything_else_is_refused() {
        assert_eq!(parse_config::<Cfg>("").unwrap(), Cfg::default());
        assert_eq!(
            parse_config::<Cfg>(r#"{"a": 3}"#).unwrap(),
            Cfg { a: 3, b: false }
        );
        assert!(parse_config::<Cfg>("[3, true]")
            .unwrap_err()
            .0
            .contains("JSON object"));
        assert!(parse_config::<Cfg>(r#"{"c": 1}"#)
            .unwrap_err()
            .0
            .contains("unknown field `c`"));
    }
}
