//! Odd and adversarial inputs: never a panic, always a finite score or a
//! clean error, in bounded time, in both modes.

use std::time::{Duration, Instant};

use consistency::Consistency;
use rewasm_plugin_sdk::judge::with_fake_judge;
use rewasm_plugin_sdk::{Reward, Sample};

fn odd_texts() -> Vec<String> {
    vec![
        String::new(),
        "\u{0}\u{1}\u{7f}".to_string(),
        "</think>".to_string(),
        "<think></think><answer></answer>".to_string(),
        "<think>\\boxed{</think><answer>\\boxed{}</answer>".to_string(),
        "<think>so $</think><answer>$</answer>".to_string(),
        "<think>İİİ so İ = 3</think><answer>3</answer>".to_string(),
        "<info1>1</info1>".repeat(10_000),
        format!("<think>{}</think><answer>1</answer>", "so ".repeat(100_000)),
        format!(
            "<think>{}</think><answer>1</answer>",
            "therefore x = 1, ".repeat(20_000)
        ),
        format!("<think>{}</think><answer>1</answer>", "$".repeat(200_001)),
        format!("<think>{}</think><answer>1</answer>", "\\[".repeat(100_000)),
        format!(
            "<think>so {}</think><answer>{}</answer>",
            "9".repeat(100_000),
            "9".repeat(100_000)
        ),
        format!(
            "<think>so {}</think><answer>1</answer>",
            "\\frac{".repeat(20_000)
        ),
        "</think>".repeat(50_000) + "\\boxed{1}",
        "Response:\nJudgement:\nVisual annotations:\n".repeat(1_000),
    ]
}

fn odd_metadata() -> Vec<String> {
    vec![
        "null".to_string(),
        "not json".to_string(),
        r#"{"annotations": "<info1>a</info1><info2>b</info2>"}"#.to_string(),
        r#"{"annotations": ["a", "b", "c"]}"#.to_string(),
        format!(r#"{{"annotations": "{}"}}"#, "<info1>".repeat(50_000)),
        format!(
            r#"{{"annotations": "<info1>{}</info1>"}}"#,
            "x ".repeat(100_000)
        ),
        r#"{"annotations": {"a": 1}}"#.to_string(),
    ]
}

fn odd_replies() -> Vec<Result<String, String>> {
    vec![
        Ok(String::new()),
        Ok("<info1>1</info1><info2>0</info2><info3>1</info3>".to_string()),
        Ok("<info1>nan</info1>".to_string()),
        Ok("</info1><info1>".repeat(20_000)),
        Ok(format!(
            "<info1>{}</info1><info2>1</info2>",
            "9".repeat(10_000)
        )),
        Err("judge timed out".to_string()),
    ]
}

fn samples() -> Vec<Sample> {
    odd_texts()
        .iter()
        .flat_map(|text| {
            odd_metadata().into_iter().map(move |metadata| Sample {
                metadata,
                ..Sample::new(text, None)
            })
        })
        .collect()
}

fn check(config: &str, reply: Option<Result<String, String>>) {
    let reward = Consistency::configure(config).unwrap();
    let samples = samples();
    let started = Instant::now();
    let results = match reply {
        Some(reply) => with_fake_judge(
            move |reqs| reqs.iter().map(|_| reply.clone()).collect(),
            || reward.score_batch(&samples),
        ),
        None => reward.score_batch(&samples),
    };
    assert_eq!(results.len(), samples.len());
    for r in results.into_iter().flatten() {
        assert!(
            r.value.is_finite() && (0.0..=1.0).contains(&r.value),
            "{config}: {r:?}"
        );
        assert!(r.note.as_deref().unwrap_or("").len() < 4096);
    }
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{config}: {:?}",
        started.elapsed()
    );
}

#[test]
fn perception_mode_scores_finite_or_fails_cleanly_in_bounded_time() {
    for config in ["{}", r#"{"response": "think", "no_annotations": "error"}"#] {
        for reply in odd_replies() {
            check(config, Some(reply));
        }
    }
}

#[test]
fn answer_mode_scores_finite_or_fails_cleanly_in_bounded_time() {
    for config in [
        r#"{"mode": "answer"}"#,
        r#"{"mode": "answer", "missing": "error", "percent_both": true}"#,
    ] {
        check(config, None);
    }
}
