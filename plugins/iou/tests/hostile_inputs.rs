//! Odd and adversarial inputs: never a panic, always a finite score or a
//! clean error, in bounded time.

use std::time::{Duration, Instant};

use iou::Iou;
use rewasm_plugin_sdk::{Reward, RewardError, Sample};

fn odd_completions() -> Vec<String> {
    vec![
        String::new(),
        "\u{0}\u{1}\u{7f}".to_string(),
        "[".to_string(),
        "[1,2,3,".to_string(),
        "<answer>".to_string(),
        "</answer><answer>".to_string(),
        "\"".to_string(),
        "{\"bbox_2d\":".to_string(),
        "{\"bbox_2d\": [1, 2, 3, 4], \"label\": ".to_string(),
        "{\"label\": \"\\ud800\", \"bbox_2d\": [1,2,3,4]}".to_string(),
        "[1e999, -1e999, 1e-999, 0]".to_string(),
        "[nan, inf, 1, 2] [NaN, 1, 2, 3]".to_string(),
        "[é, 😀, 1, 2] ［1，2，3，4］ [1,2,3,4]".to_string(),
        "[-0, -0, -0, -0]".to_string(),
        "[18446744073709551616, 0, 1e308, 1e308]".to_string(),
        "(1,2),(3,4),(5,6),(7,8)".to_string(),
        "[".repeat(200_000),
        "{".repeat(200_000),
        "}".repeat(200_000) + &"]".repeat(200_000),
        format!("\"{}", "\\\"".repeat(100_000)),
        "\"a\n".repeat(100_000),
        "[0, 0, 10, 10] ".repeat(20_000),
        "{\"bbox_2d\": [0, 0, 10, 10], \"label\": \"dog\", \"score\": 0.5}, ".repeat(5_000),
        format!("[{}]", "1,".repeat(300_000)),
        "9".repeat(500_000),
    ]
}

#[test]
fn odd_completions_score_finite_in_bounded_time() {
    let configs = [
        "{}",
        r#"{"mode": "detection", "matching": "greedy"}"#,
        r#"{"mode": "visual_rft"}"#,
        r#"{"mode": "single", "single_threshold": 0.5}"#,
        r#"{"pred_coords": "thousand", "ref_coords": "normalized"}"#,
        r#"{"clip_to_image": false, "use_labels": false}"#,
    ];
    let references = [
        "[0, 0, 10, 10]",
        r#"[{"bbox_2d": [0, 0, 10, 10], "label": "dog"}, {"bbox_2d": [5, 5, 20, 20], "label": "cat"}]"#,
        "[]",
        "[[0.1, 0.1, 0.5, 0.5]]",
    ];
    for config in configs {
        let reward = Iou::configure(config).unwrap();
        for reference in references {
            for completion in odd_completions() {
                let sample = Sample::new(&completion, Some(reference));
                let started = Instant::now();
                let result = reward.score(&sample);
                let took = started.elapsed();
                assert!(
                    took < Duration::from_secs(10),
                    "{config} {reference}: {} bytes took {took:?}",
                    completion.len()
                );
                match result {
                    Ok(score) => {
                        assert!(score.value.is_finite(), "{config}: {score:?}");
                        assert!(
                            score.parts.iter().all(|p| p.value.is_finite()),
                            "{config}: {score:?}"
                        );
                        let predicted = score.part("predicted").unwrap_or(-1.0);
                        assert!((0.0..=1000.0).contains(&predicted), "{predicted}");
                    }
                    // Only the single mode rejects a multi-box reference.
                    Err(RewardError::InvalidInput(m)) => {
                        assert!(m.contains("exactly one"), "{config}: {m}")
                    }
                    Err(e) => panic!("{config}: {e}"),
                }
            }
        }
    }
}

#[test]
fn odd_metadata_is_an_error_or_ignored() {
    let reward = Iou::configure(r#"{"pred_coords": "normalized"}"#).unwrap();
    for metadata in [
        "",
        "{",
        "[]",
        "null",
        r#"{"image_width": "x", "image_height": 1}"#,
        r#"{"image_width": 0, "image_height": 1}"#,
        r#"{"image_width": -1, "image_height": 1}"#,
        r#"{"image_width": 1e308, "image_height": 1e308}"#,
        r#"{"image_width": 1e-308, "image_height": 1e-308}"#,
    ] {
        let sample = Sample {
            metadata: metadata.to_string(),
            ..Sample::new("[0, 0, 0.5, 0.5]", Some("[0, 0, 10, 10]"))
        };
        match reward.score(&sample) {
            Ok(score) => assert!(
                score.value.is_finite() && (0.0..=1.0).contains(&score.value),
                "{metadata}: {score:?}"
            ),
            Err(RewardError::InvalidInput(_)) => {}
            Err(e) => panic!("{metadata}: {e}"),
        }
    }
}

#[test]
fn many_boxes_against_a_large_reference_stay_bounded() {
    let reference = format!(
        "[{}]",
        (0..300)
            .map(|i| format!("[{}, 0, {}, 10]", i * 10, i * 10 + 10))
            .collect::<Vec<_>>()
            .join(",")
    );
    let completion = (0..2000)
        .map(|i| format!("[{}, 0, {}, 10]", i * 7, i * 7 + 12))
        .collect::<Vec<_>>()
        .join(" ");
    for config in [
        "{}",
        r#"{"matching": "greedy"}"#,
        r#"{"mode": "visual_rft"}"#,
    ] {
        let reward = Iou::configure(config).unwrap();
        let started = Instant::now();
        let score = reward
            .score(&Sample::new(&completion, Some(&reference)))
            .unwrap();
        assert_eq!(score.part("predicted"), Some(1000.0), "capped at max_boxes");
        assert!(score.value.is_finite());
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{config}: {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn dense_overlap_beyond_the_budget_falls_back_to_greedy() {
    // 250 ground truths all overlapping 250 predictions: 250^3 > 10^7.
    let reference = format!(
        "[{}]",
        (0..250)
            .map(|i| format!("[{i}, 0, {}, 10]", i + 500))
            .collect::<Vec<_>>()
            .join(",")
    );
    let completion = (0..250)
        .map(|i| format!("[{}, 0, {}, 10]", i + 1, i + 501))
        .collect::<Vec<_>>()
        .join(" ");
    let reward = Iou::configure("{}").unwrap();
    let started = Instant::now();
    let score = reward
        .score(&Sample::new(&completion, Some(&reference)))
        .unwrap();
    assert!(
        score
            .note
            .as_deref()
            .is_some_and(|n| n.contains("greedy used in part")),
        "{score:?}"
    );
    assert!(score.part("matched").unwrap() >= 249.0);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn odd_configs_are_errors_not_panics() {
    for config in [
        "null",
        "[]",
        "{",
        "1",
        r#"{"mode": null}"#,
        r#"{"max_boxes": -1}"#,
        r#"{"iou_weight": "0.7"}"#,
    ] {
        assert!(Iou::configure(config).is_err(), "{config}");
    }
}
