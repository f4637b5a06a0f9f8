//! Reading the trainer's `metrics.jsonl`: one JSON object per training step,
//! with events (`{"event": "resume", ...}`) in between.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context};
use serde_json::{Map, Value};

/// What the plot draws of one training step; `None` where the row had no
/// finite number for it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepMetrics {
    pub step: u64,
    pub reward_mean: f64,
    pub reward_std: Option<f64>,
    /// Each reward's mean, by reward name.
    pub rewards: BTreeMap<String, f64>,
    pub kl: Option<f64>,
    pub length_mean: Option<f64>,
    pub length_max: Option<f64>,
}

/// The steps of a metrics file in step order.
pub fn read(path: &Path) -> anyhow::Result<Vec<StepMetrics>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text, &path.display().to_string())
}

/// The steps in `text`; errors name `origin:LINE`.
///
/// Rows without a `reward_mean` (events, or steps that scored nothing) are
/// skipped. A row whose step is not past the last one comes from a run
/// resumed at an earlier checkpoint: it replaces that step and drops every
/// later one, which the resumed run is about to log again.
pub fn parse(text: &str, origin: &str) -> anyhow::Result<Vec<StepMetrics>> {
    let mut steps: BTreeMap<u64, StepMetrics> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let row: Value =
            serde_json::from_str(line).with_context(|| format!("{origin}:{}: bad JSON", i + 1))?;
        let Value::Object(row) = row else {
            bail!("{origin}:{}: expected a JSON object", i + 1);
        };
        let Some(reward_mean) = number(&row, "reward_mean") else {
            continue;
        };
        // A row without a step number is taken to follow the one before.
        let step =
            step_number(&row).unwrap_or_else(|| steps.last_key_value().map_or(0, |(&s, _)| s + 1));
        steps.split_off(&step);
        steps.insert(
            step,
            StepMetrics {
                step,
                reward_mean,
                reward_std: number(&row, "reward_std"),
                rewards: reward_means(&row),
                kl: number(&row, "kl"),
                length_mean: number(&row, "completion_length_mean"),
                length_max: number(&row, "completion_length_max"),
            },
        );
    }
    Ok(steps.into_values().collect())
}

fn number(row: &Map<String, Value>, key: &str) -> Option<f64> {
    row.get(key)?.as_f64().filter(|v| v.is_finite())
}

fn step_number(row: &Map<String, Value>) -> Option<u64> {
    let v = row.get("step")?;
    v.as_u64().or_else(|| {
        let f = v.as_f64()?;
        (f >= 0.0 && f.fract() == 0.0 && f < u64::MAX as f64).then_some(f as u64)
    })
}

/// `rewards: {name: {"mean": ...}}`; a bare number is taken as the mean.
fn reward_means(row: &Map<String, Value>) -> BTreeMap<String, f64> {
    let Some(Value::Object(rewards)) = row.get("rewards") else {
        return BTreeMap::new();
    };
    rewards
        .iter()
        .filter_map(|(name, r)| {
            let mean = match r {
                Value::Object(stats) => number(stats, "mean"),
                v => v.as_f64().filter(|v| v.is_finite()),
            }?;
            Some((name.clone(), mean))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(rows: &[StepMetrics]) -> Vec<u64> {
        rows.iter().map(|r| r.step).collect()
    }

    #[test]
    fn reads_every_drawn_key_and_ignores_the_rest() {
        let text = r#"{"step": 3, "reward_mean": 0.5, "reward_std": 0.1, "kl": 0.02, "loss": 1.0,
            "completion_length_mean": 120.5, "completion_length_max": 256, "future_key": [1],
            "rewards": {"format": {"mean": 0.9, "std": 0.1, "errors": 0}, "iou": 0.25}}"#
            .replace('\n', " ");
        let rows = parse(&text, "m.jsonl").expect("parses");
        let mut rewards = BTreeMap::new();
        rewards.insert("format".to_string(), 0.9);
        rewards.insert("iou".to_string(), 0.25);
        assert_eq!(
            rows,
            [StepMetrics {
                step: 3,
                reward_mean: 0.5,
                reward_std: Some(0.1),
                rewards,
                kl: Some(0.02),
                length_mean: Some(120.5),
                length_max: Some(256.0),
            }]
        );
    }

    #[test]
    fn missing_null_and_non_numeric_values_are_left_out() {
        let text = concat!(
            r#"{"step": 1, "reward_mean": 0.5, "kl": null, "reward_std": "NaN", "rewards": {"a": {"mean": null}, "b": {"std": 1}}}"#,
            "\n",
            r#"{"step": 2, "reward_mean": 0.6, "rewards": null}"#,
        );
        let rows = parse(text, "m.jsonl").expect("parses");
        assert_eq!(steps(&rows), [1, 2]);
        for r in &rows {
            assert_eq!((r.kl, r.reward_std, r.length_mean), (None, None, None));
            assert!(r.rewards.is_empty());
        }
    }

    #[test]
    fn events_and_rows_without_a_reward_mean_are_skipped() {
        let text = "\n{\"event\": \"resume\", \"step\": 1}\n{\"step\": 1, \"reward_mean\": null}\n\
                    {\"step\": 2, \"reward_mean\": 1}\n";
        assert_eq!(steps(&parse(text, "m.jsonl").expect("parses")), [2]);
    }

    #[test]
    fn a_resumed_run_replaces_the_steps_it_repeats_and_those_after() {
        let text = [
            r#"{"step": 1, "reward_mean": 0.1}"#,
            r#"{"step": 2, "reward_mean": 0.2}"#,
            r#"{"step": 3, "reward_mean": 0.3}"#,
            r#"{"step": 4, "reward_mean": 0.4}"#,
            r#"{"event": "resume", "step": 2}"#,
            r#"{"step": 2, "reward_mean": 2.0}"#,
            r#"{"step": 3, "reward_mean": 3.0}"#,
        ]
        .join("\n");
        let rows = parse(&text, "m.jsonl").expect("parses");
        let means: Vec<(u64, f64)> = rows.iter().map(|r| (r.step, r.reward_mean)).collect();
        assert_eq!(means, [(1, 0.1), (2, 2.0), (3, 3.0)]);
    }

    #[test]
    fn rows_without_a_step_follow_the_previous_one() {
        let text = "{\"step\": 5, \"reward_mean\": 1}\n{\"reward_mean\": 2}\n{\"step\": 7.0, \"reward_mean\": 3}";
        assert_eq!(steps(&parse(text, "m.jsonl").expect("parses")), [5, 6, 7]);
    }

    #[test]
    fn bad_lines_are_named_by_file_and_line_number() {
        let text = "{\"step\": 1, \"reward_mean\": 1}\n\n{\"step\": 2, \"reward_mean\":\n";
        let err = parse(text, "run/metrics.jsonl").expect_err("bad JSON");
        assert!(
            format!("{err:#}").starts_with("run/metrics.jsonl:3: bad JSON"),
            "{err:#}"
        );
        let err = parse("[1, 2]", "run/metrics.jsonl").expect_err("not an object");
        assert_eq!(
            err.to_string(),
            "run/metrics.jsonl:1: expected a JSON object"
        );
    }

    #[test]
    fn a_missing_file_is_named() {
        let err = read(Path::new("/nonexistent/metrics.jsonl")).expect_err("no file");
        assert!(err.to_string().contains("/nonexistent/metrics.jsonl"));
    }
}
