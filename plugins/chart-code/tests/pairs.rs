//! The reference/candidate pairs in pairs.jsonl (written by make_pairs.py):
//! every candidate list must score in strictly decreasing order (identical,
//! small change, different chart type, broken), identical code scores
//! exactly 1, and the listed parts have the listed values.

use chart_code::ChartCode;
use rewasm_plugin_sdk::{Reward, Sample};
use serde_json::Value;

#[test]
fn candidates_score_in_the_expected_order() {
    let text = include_str!("pairs.jsonl");
    let mut pairs = 0;
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let row: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", n + 1));
        let name = row["name"].as_str().unwrap();
        let config = row
            .get("config")
            .map(|c| c.to_string())
            .unwrap_or_else(|| "{}".into());
        let reward = ChartCode::configure(&config).unwrap_or_else(|e| panic!("{name}: {e}"));
        let reference = row["reference"].as_str().unwrap();
        let mut previous: Option<f64> = None;
        for (k, cand) in row["candidates"].as_array().unwrap().iter().enumerate() {
            pairs += 1;
            let sample = Sample::new(cand["code"].as_str().unwrap(), Some(reference));
            let score = reward
                .score(&sample)
                .unwrap_or_else(|e| panic!("{name} #{k}: {e}"));
            let total = score.value;
            assert!((0.0..=1.0).contains(&total), "{name} #{k}: total {total}");
            if let Some(p) = previous {
                assert!(
                    total < p,
                    "{name}: candidate #{k} scored {total}, not below the previous {p} ({:?})",
                    score.parts
                );
            }
            previous = Some(total);
            for (part, want) in cand["expect"].as_object().unwrap() {
                let want = want.as_f64().unwrap();
                let got = if part == "total" {
                    Some(total)
                } else {
                    score.part(part)
                };
                let got = got.unwrap_or_else(|| panic!("{name} #{k}: no part {part}"));
                assert!(
                    (got - want).abs() < 1e-9,
                    "{name} #{k}: {part} = {got}, want {want} ({:?}; {:?})",
                    score.parts,
                    score.note
                );
            }
        }
    }
    assert!(pairs >= 50, "only {pairs} pairs");
}
