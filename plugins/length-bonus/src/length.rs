//! Measuring a completion in the configured unit.

use rewasm_plugin_sdk::{RewardError, Sample};

use crate::config::Unit;

/// The completion's length in `unit`. A token count of 0 for a non-empty
/// completion means the host has no tokenizer; scoring it as length 0 would
/// silently hand every sample the best length reward, so it is an error.
pub fn measure(unit: Unit, sample: &Sample) -> Result<u64, RewardError> {
    match unit {
        Unit::Tokens => {
            if sample.completion_tokens == 0 && !sample.completion.is_empty() {
                return Err(RewardError::InvalidInput(
                    "no token count from the host (completion-tokens = 0 for a non-empty completion); \
                     use unit = \"chars\" or \"words\""
                        .to_string(),
                ));
            }
            Ok(u64::from(sample.completion_tokens))
        }
        Unit::Chars => Ok(sample.completion.chars().count() as u64),
        Unit::Words => Ok(sample.completion.split_whitespace().count() as u64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(text: &str, tokens: u32) -> Sample {
        Sample {
            completion_tokens: tokens,
            ..Sample::new(text, None)
        }
    }

    #[test]
    fn tokens_come_from_the_host() {
        assert_eq!(measure(Unit::Tokens, &sample("hello world", 7)), Ok(7));
        assert_eq!(measure(Unit::Tokens, &sample("", 0)), Ok(0));
    }

    #[test]
    fn missing_token_count_is_an_error_that_names_the_fix() {
        let err = measure(Unit::Tokens, &sample("hello", 0)).unwrap_err();
        assert!(
            matches!(&err, RewardError::InvalidInput(m) if m.contains("unit = \"chars\"")),
            "{err:?}"
        );
    }

    #[test]
    fn chars_are_unicode_scalar_values() {
        assert_eq!(measure(Unit::Chars, &sample("héllo😀", 0)), Ok(6));
        assert_eq!(measure(Unit::Chars, &sample("", 0)), Ok(0));
    }

    #[test]
    fn words_split_on_any_whitespace() {
        assert_eq!(
            measure(Unit::Words, &sample("  one\ttwo\n three\u{3000}four ", 0)),
            Ok(4)
        );
        assert_eq!(measure(Unit::Words, &sample(" \n ", 0)), Ok(0));
    }
}
