//! Table-driven cases through the public `Reward` interface: one row per
//! (config, completion) with the expected `format` part.

use format::Format;
use rewasm_plugin_sdk::{Reward, Sample};

const CASES: &[(&str, &str, f64)] = &[
    // r1, default whitespace "any"
    ("{}", "<think>I add.</think>\n<answer>4</answer>", 1.0),
    (
        "{}",
        "<think>\nI add.\n</think>\n<answer>\n4\n</answer>\n",
        1.0,
    ),
    ("{}", "<answer>4</answer>", 0.0),
    ("{}", "<think>I add.</think>", 0.0),
    (
        "{}",
        "<think>I add.</think>The answer: <answer>4</answer>",
        0.0,
    ),
    (
        "{}",
        "<think>a</think><answer>4</answer><think>b</think>",
        0.0,
    ),
    ("{}", "4", 0.0),
    ("{}", "", 0.0),
    // r1, TRL newline layout
    (
        r#"{"whitespace": "newline"}"#,
        "<think>\nI add.\n</think>\n<answer>\n4\n</answer>",
        1.0,
    ),
    (
        r#"{"whitespace": "newline"}"#,
        "<think>I add.</think>\n<answer>4</answer>",
        0.0,
    ),
    (
        r#"{"whitespace": "newline"}"#,
        "<think>\nI add.\n</think>\n<answer>\n4\n</answer>\nPS",
        0.0,
    ),
    // r1, no whitespace allowed
    (
        r#"{"whitespace": "none"}"#,
        "<think>a</think><answer>4</answer>",
        1.0,
    ),
    (
        r#"{"whitespace": "none"}"#,
        "<think>a</think>\n<answer>4</answer>",
        0.0,
    ),
    // think
    (r#"{"preset": "think"}"#, "<think>I add.</think>4", 1.0),
    (
        r#"{"preset": "think"}"#,
        "<think>I add, and never stop",
        1.0,
    ),
    (r#"{"preset": "think"}"#, "Let me <think>", 0.0),
    (
        r#"{"preset": "think"}"#,
        "<think>a</think><think>b</think>",
        0.0,
    ),
    (
        r#"{"preset": "think", "whitespace": "none"}"#,
        " <think>a",
        0.0,
    ),
    // boxed_in_answer
    (
        r#"{"preset": "boxed_in_answer"}"#,
        "<think>t</think><answer>\\boxed{4}</answer>",
        1.0,
    ),
    (
        r#"{"preset": "boxed_in_answer"}"#,
        "work... <answer>It is $\\boxed{\\frac{1}{2}}$.</answer>",
        1.0,
    ),
    (
        r#"{"preset": "boxed_in_answer"}"#,
        "<answer>4</answer>",
        0.0,
    ),
    (r#"{"preset": "boxed_in_answer"}"#, "\\boxed{4}", 0.0),
    (
        r#"{"preset": "boxed_in_answer"}"#,
        "<answer>\\boxed{}</answer>",
        0.0,
    ),
    // custom tags
    (
        r#"{"think_tag": "reasoning"}"#,
        "<reasoning>r</reasoning><answer>4</answer>",
        1.0,
    ),
    (
        r#"{"think_tag": "reasoning"}"#,
        "<think>r</think><answer>4</answer>",
        0.0,
    ),
];

#[test]
fn every_case_scores_as_expected() {
    let mut failures = Vec::new();
    for (i, (config, completion, expected)) in CASES.iter().enumerate() {
        let reward =
            Format::configure(config).unwrap_or_else(|e| panic!("case {i}: config {config}: {e}"));
        let score = reward
            .score(&Sample::new(completion, None))
            .unwrap_or_else(|e| panic!("case {i}: {e}"));
        if score.part("format") != Some(*expected) || score.value != *expected {
            failures.push(format!(
                "case {i} {config} {completion:?}: got {score:?}, want {expected}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn score_batch_keeps_order() {
    let reward = Format::configure("{}").unwrap();
    let samples = [
        Sample::new("<think>a</think><answer>b</answer>", None),
        Sample::new("nope", None),
    ];
    let values: Vec<f64> = reward
        .score_batch(&samples)
        .into_iter()
        .map(|r| r.unwrap().value)
        .collect();
    assert_eq!(values, vec![1.0, 0.0]);
}
