//! Odd and adversarial completions: no panic, a finite score, bounded time.

use std::time::{Duration, Instant};

use format::Format;
use rewasm_plugin_sdk::{Reward, Sample};

fn odd_completions() -> Vec<String> {
    vec![
        String::new(),
        "\u{0}".to_string(),
        "<".to_string(),
        "<think".to_string(),
        "</think></answer><answer><think>".to_string(),
        "<think>é</think>\u{200b}<answer>😀</answer>".to_string(),
        "<think>\u{3000}</think>\u{3000}<answer>\u{3000}</answer>\u{3000}".to_string(),
        "\\".to_string(),
        "<answer>\\</answer>".to_string(),
        "<answer>\\boxed{é\\}</answer>".to_string(),
        "<answer>\\boxed{{{{{{</answer>".to_string(),
        "}}}}<answer>}}}\\boxed}{</answer>".to_string(),
        "<think>".repeat(100_000),
        "\\boxed{".repeat(100_000),
        format!(
            "<think>{}</think><answer>{}</answer>",
            "a ".repeat(200_000),
            "é".repeat(100_000)
        ),
        "word ".repeat(300_000),
        "\u{fffd}\u{feff}<think>\r\n</think>\r\n<answer>\r\n</answer>".to_string(),
    ]
}

#[test]
fn odd_inputs_never_panic_and_score_finite() {
    let configs = [
        "{}",
        r#"{"whitespace": "newline"}"#,
        r#"{"whitespace": "none"}"#,
        r#"{"preset": "think", "whitespace": "newline"}"#,
        r#"{"preset": "boxed_in_answer"}"#,
        r#"{"repetition_ngram": 64, "repetition_weight": 2}"#,
        r#"{"repetition_ngram": 1, "repetition_weight": 1}"#,
    ];
    for config in configs {
        let reward = Format::configure(config).unwrap();
        for completion in odd_completions() {
            let started = Instant::now();
            let score = reward.score(&Sample::new(&completion, None)).unwrap();
            assert!(score.value.is_finite(), "{config}: {score:?}");
            assert!(score.note.as_ref().is_some_and(|n| n.len() <= 4096));
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{config}: {} bytes took {:?}",
                completion.len(),
                started.elapsed()
            );
        }
    }
}

#[test]
fn carriage_returns_are_not_the_newline_layout() {
    let reward = Format::configure(r#"{"whitespace": "newline"}"#).unwrap();
    let s = reward
        .score(&Sample::new(
            "<think>\r\nx\r\n</think>\r\n<answer>\r\nx\r\n</answer>",
            None,
        ))
        .unwrap();
    assert_eq!(s.value, 0.0);
}

#[test]
fn odd_configs_are_errors_not_panics() {
    for config in [
        "",
        "null",
        "[]",
        "{",
        r#"{"preset": 1}"#,
        r#"{"repetition_ngram": -1}"#,
        r#"{"correct_score": "1"}"#,
    ] {
        // An empty string means defaults; everything else here is malformed.
        let result = Format::configure(config);
        assert_eq!(result.is_ok(), config.is_empty(), "{config:?}");
    }
}
