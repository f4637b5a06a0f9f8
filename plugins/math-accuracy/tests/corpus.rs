//! Runs every case of `corpus.jsonl` through the native API and checks the
//! verdict. Each line: `{"completion", "reference", "expected":
//! "correct"|"wrong"|"error", "config"?: {overrides}, "note"}`. All
//! mismatches are reported together, with their line numbers.

use math_accuracy::{verify, Config};
use rewasm_plugin_sdk::RewardError;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    completion: String,
    reference: String,
    expected: Expected,
    #[serde(default)]
    config: Option<serde_json::Value>,
    note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Expected {
    Correct,
    Wrong,
    Error,
}

fn clip(s: &str) -> String {
    let t: String = s.chars().take(70).collect();
    if t.len() < s.len() {
        format!("{t}…")
    } else {
        t
    }
}

fn run_corpus() -> (usize, [usize; 3], Vec<String>) {
    let text = include_str!("corpus.jsonl");
    let mut mismatches = Vec::new();
    let mut counts = [0usize; 3];
    let mut cases = 0;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let case: Case = match serde_json::from_str(line) {
            Ok(c) => c,
            Err(e) => {
                mismatches.push(format!("line {n}: malformed case: {e}"));
                continue;
            }
        };
        cases += 1;
        let config: Config = match case.config.clone().map(serde_json::from_value).transpose() {
            Ok(c) => c.unwrap_or_default(),
            Err(e) => {
                mismatches.push(format!("line {n}: bad config: {e}"));
                continue;
            }
        };
        let (got, detail) = match verify(&config, &case.completion, &case.reference) {
            Ok(v) if v.correct => (Expected::Correct, v.note),
            Ok(v) => (Expected::Wrong, v.note),
            Err(RewardError::InvalidInput(m)) => (Expected::Error, m),
            Err(e) => (Expected::Error, format!("unexpected error kind: {e}")),
        };
        counts[case.expected as usize] += 1;
        if got != case.expected || detail.starts_with("unexpected error kind") {
            mismatches.push(format!(
                "line {n}: expected {:?}, got {got:?} [{}]\n    completion: {}\n    reference:  {}\n    verdict:    {}",
                case.expected,
                case.note,
                clip(&case.completion),
                clip(&case.reference),
                clip(&detail)
            ));
        }
    }
    (cases, counts, mismatches)
}

#[test]
fn corpus_verdicts_match() {
    // Deeply nested cases need more stack in unoptimised builds.
    let (cases, counts, mismatches) = std::thread::Builder::new()
        .stack_size(16 << 20)
        .spawn(run_corpus)
        .expect("spawn")
        .join()
        .expect("no panic");
    assert!(cases >= 320, "only {cases} cases");
    assert!(
        counts.iter().all(|c| *c >= 10),
        "each expectation needs cases: {counts:?}"
    );
    assert!(
        mismatches.is_empty(),
        "{} of {cases} cases failed:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
