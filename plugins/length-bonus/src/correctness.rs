//! Reading whether the answer was correct from the sample's metadata, for
//! the cosine mode. The plugin cannot see other rewards' results, so the host
//! (or the dataset) must put correctness into the metadata.

use rewasm_plugin_sdk::RewardError;
use serde_json::Value;

/// `metadata[key]` as a correctness verdict: a bool as is, a number as
/// `>= threshold` (so both 1/0 and +1/-1 accuracy rewards work with 0.5).
/// Anything else, or no such key, is an error naming the key: a silent
/// "wrong" would bias training.
pub fn read(metadata: &Value, key: &str, threshold: f64) -> Result<bool, RewardError> {
    let missing = || {
        RewardError::InvalidInput(format!(
            "cosine mode needs metadata key `{key}` (bool, or a number compared with correct_threshold)"
        ))
    };
    match metadata.get(key).ok_or_else(missing)? {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.is_finite() => Ok(x >= threshold),
            _ => Err(missing()),
        },
        other => Err(RewardError::InvalidInput(format!(
            "metadata key `{key}` must be a bool or a number, got {}",
            kind(other)
        ))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bools_are_taken_as_is() {
        assert_eq!(read(&json!({"correct": true}), "correct", 0.5), Ok(true));
        assert_eq!(read(&json!({"correct": false}), "correct", 0.5), Ok(false));
    }

    #[test]
    fn numbers_are_compared_with_the_threshold() {
        assert_eq!(read(&json!({"acc": 1}), "acc", 0.5), Ok(true));
        assert_eq!(read(&json!({"acc": 0.0}), "acc", 0.5), Ok(false));
        assert_eq!(read(&json!({"acc": -1}), "acc", 0.5), Ok(false));
        assert_eq!(read(&json!({"acc": 0.5}), "acc", 0.5), Ok(true));
        assert_eq!(read(&json!({"acc": 0.1}), "acc", 0.0), Ok(true));
    }

    #[test]
    fn missing_key_names_the_key() {
        for metadata in [json!({}), json!(null), json!([1]), json!({"other": true})] {
            let err = read(&metadata, "is_right", 0.5).unwrap_err();
            assert!(
                matches!(&err, RewardError::InvalidInput(m) if m.contains("`is_right`")),
                "{err:?}"
            );
        }
    }

    #[test]
    fn other_types_are_rejected() {
        for value in [json!("true"), json!(null), json!([true]), json!({"v": 1})] {
            let err = read(&json!({"correct": value}), "correct", 0.5).unwrap_err();
            assert!(
                matches!(&err, RewardError::InvalidInput(m) if m.contains("must be a bool or a number"))
            );
        }
    }
}
