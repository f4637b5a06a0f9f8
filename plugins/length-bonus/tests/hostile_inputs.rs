//! Odd samples and configs: errors or finite scores, never a panic.

use length_bonus::LengthBonus;
use rewasm_plugin_sdk::{Reward, Sample};

#[test]
fn odd_samples_score_finite_or_fail_cleanly() {
    let configs = [
        "{}",
        r#"{"unit": "chars"}"#,
        r#"{"unit": "words", "mode": "cosine"}"#,
        r#"{"unit": "tokens", "mode": "band", "band_min": 0, "band_max": 0}"#,
        r#"{"dapo_max_len": 0, "dapo_cache_len": 0, "unit": "chars"}"#,
        r#"{"dapo_max_len": 18446744073709551615, "dapo_cache_len": 18446744073709551615, "unit": "chars"}"#,
        r#"{"mode": "cosine", "unit": "chars", "cosine_max_len": 18446744073709551615}"#,
    ];
    let metadata = [
        "null",
        "",
        "{",
        "[]",
        r#"{"correct": 1e308}"#,
        r#"{"correct": -1e308}"#,
        r#"{"correct": "yes"}"#,
        r#"{"correct": true}"#,
    ];
    let texts = [
        "".to_string(),
        "\u{0}".to_string(),
        "é😀\u{200b}".to_string(),
        " ".repeat(100_000),
        "a ".repeat(100_000),
    ];
    for config in configs {
        let reward = LengthBonus::configure(config).unwrap();
        for meta in metadata {
            for text in &texts {
                for tokens in [0, 1, u32::MAX] {
                    let sample = Sample {
                        completion_tokens: tokens,
                        metadata: meta.to_string(),
                        ..Sample::new(text, None)
                    };
                    if let Ok(score) = reward.score(&sample) {
                        assert!(score.value.is_finite(), "{config} {meta}: {score:?}");
                        assert!(score.parts.iter().all(|p| p.value.is_finite()));
                    }
                }
            }
        }
    }
}

#[test]
fn max_token_count_is_beyond_dapo_max() {
    let reward = LengthBonus::configure("{}").unwrap();
    let sample = Sample {
        completion_tokens: u32::MAX,
        ..Sample::new("x", None)
    };
    assert_eq!(reward.score(&sample).unwrap().value, -1.0);
}

#[test]
fn malformed_configs_are_errors() {
    for config in [
        "null",
        "[]",
        "{",
        r#"{"mode": 1}"#,
        r#"{"band_min": 1.5}"#,
        r#"{"cosine_max_value_correct": "1"}"#,
    ] {
        assert!(LengthBonus::configure(config).is_err(), "{config}");
    }
}
