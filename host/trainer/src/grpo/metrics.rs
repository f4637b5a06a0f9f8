//! One `metrics.jsonl` row per training step, and the file they go to.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One reward's statistics over a step's completions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RewardStat {
    /// Mean over the completions it scored (`null` when all failed).
    pub mean: Option<f64>,
    pub std: Option<f64>,
    /// Completions it failed on (timeouts, traps, guest errors, ...).
    pub errors: usize,
    /// Failures by kind (`timeout`, `trap`, ...), when there were any.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub error_kinds: BTreeMap<String, usize>,
}

/// What one step did. Field names are the `metrics.jsonl` keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepMetrics {
    pub step: u64,
    /// Mean and std of the weighted total over completions whose rewards
    /// all succeeded.
    pub reward_mean: Option<f64>,
    pub reward_std: Option<f64>,
    pub rewards: BTreeMap<String, RewardStat>,
    /// Mean per-token k3 KL to the reference (0 when beta = 0).
    pub kl: f64,
    pub loss: f64,
    pub clip_fraction: f64,
    /// Mean per-token entropy of the policy on its completions.
    pub entropy: f64,
    pub completion_length_mean: f64,
    pub completion_length_max: usize,
    /// Completions that hit `max_completion_length` without ending.
    pub truncated_fraction: f64,
    /// Groups (of all generated this step, before any filtering) whose
    /// totals were all equal.
    pub zero_variance_fraction: f64,
    /// Completion tokens generated per second of step time.
    pub tokens_per_s: f64,
    pub step_s: f64,
    pub generation_s: f64,
    /// Wall time of reward scoring (it overlaps the policy's
    /// log-probability passes where the algorithm allows).
    pub reward_s: f64,
    /// Of `reward_s`, the part the step waited for.
    pub reward_wait_s: f64,
    /// Log-probability passes (old policy, reference) plus loss and backward.
    pub train_s: f64,
    pub lr: f64,
    pub grad_norm: f64,
    /// Generation rounds (more than 1 with dynamic sampling).
    pub rounds: usize,
    /// sha256 of every reward module used, by reward name.
    pub reward_sha256: BTreeMap<String, String>,
}

/// Appends rows to `OUTPUT/metrics.jsonl`, flushing each.
pub struct MetricsLog {
    path: PathBuf,
    file: std::fs::File,
}

impl MetricsLog {
    /// Opens (creating) the file for appending.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(MetricsLog {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Where it writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one JSON row.
    pub fn append<T: Serialize>(&mut self, row: &T) -> std::io::Result<()> {
        let mut line = serde_json::to_string(row).map_err(std::io::Error::other)?;
        line.push('\n');
        self.file.write_all(line.as_bytes())?;
        self.file.flush()
    }

    /// Before resuming from `step`: drops rows of later steps (a crashed run
    /// logged them after its last checkpoint; the resumed run logs them
    /// again), rewriting the file atomically.
    pub fn truncate_after(path: &Path, step: u64) -> std::io::Result<usize> {
        let Ok(text) = std::fs::read_to_string(path) else {
            return Ok(0);
        };
        let mut kept = String::new();
        let mut dropped = 0;
        for line in text.lines() {
            let later = serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .and_then(|v| v["step"].as_u64())
                .is_some_and(|s| s > step);
            if later {
                dropped += 1;
            } else if !line.trim().is_empty() {
                kept.push_str(line);
                kept.push('\n');
            }
        }
        if dropped > 0 {
            crate::checkpoint::write_atomic(path, kept.as_bytes())?;
        }
        Ok(dropped)
    }
}

/// The step rows of a `metrics.jsonl`, in file order; event rows such as
/// `{"event": "resume", ...}` are skipped. A line that is not a step row is
/// an error naming the file and line.
pub fn read_steps(path: &Path) -> std::io::Result<Vec<StepMetrics>> {
    let text = std::fs::read_to_string(path)?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |e: serde_json::Error| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}:{}: not a metrics row: {e}", path.display(), i + 1),
            )
        };
        let v: serde_json::Value = serde_json::from_str(line).map_err(bad)?;
        if v.get("event").is_none() {
            rows.push(serde_json::from_value(v).map_err(bad)?);
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_rows_up_to_the_checkpoint() {
        let p = std::env::temp_dir().join(format!("rewasm-metrics-{}.jsonl", std::process::id()));
        std::fs::write(
            &p,
            "{\"step\":1}\n{\"step\":2}\n{\"event\":\"resume\",\"step\":2}\n{\"step\":3}\n{\"step\":4}\n",
        )
        .expect("write");
        assert_eq!(MetricsLog::truncate_after(&p, 2).expect("truncate"), 2);
        assert_eq!(
            std::fs::read_to_string(&p).expect("read"),
            "{\"step\":1}\n{\"step\":2}\n{\"event\":\"resume\",\"step\":2}\n"
        );
        let mut log = MetricsLog::open(&p).expect("open");
        log.append(&serde_json::json!({"step": 3})).expect("append");
        assert!(std::fs::read_to_string(&p)
            .expect("read")
            .ends_with("{\"step\":3}\n"));
    }

    #[test]
    fn read_steps_skips_events_and_names_a_bad_line() {
        let row = StepMetrics {
            step: 1,
            reward_mean: Some(0.5),
            reward_std: Some(0.1),
            rewards: BTreeMap::new(),
            kl: 0.0,
            loss: 0.0,
            clip_fraction: 0.0,
            entropy: 0.0,
            completion_length_mean: 3.0,
            completion_length_max: 4,
            truncated_fraction: 0.0,
            zero_variance_fraction: 0.0,
            tokens_per_s: 1.0,
            step_s: 1.0,
            generation_s: 0.5,
            reward_s: 0.1,
            reward_wait_s: 0.0,
            train_s: 0.4,
            lr: 1e-5,
            grad_norm: 1.0,
            rounds: 1,
            reward_sha256: BTreeMap::new(),
        };
        let p = std::env::temp_dir().join(format!("rewasm-steps-{}.jsonl", std::process::id()));
        let mut second = row.clone();
        second.step = 2;
        let line = |m: &StepMetrics| serde_json::to_string(m).expect("json");
        std::fs::write(
            &p,
            format!(
                "{}\n{{\"event\":\"resume\",\"step\":1}}\n\n{}\n",
                line(&row),
                line(&second)
            ),
        )
        .expect("write");
        assert_eq!(read_steps(&p).expect("read"), vec![row.clone(), second]);
        std::fs::write(&p, format!("{}\n{{\"step\": \"x\"}}\n", line(&row))).expect("write");
        let e = read_steps(&p).expect_err("bad row").to_string();
        assert!(
            e.contains(&format!("{}:2: not a metrics row", p.display())),
            "{e}"
        );
        let _ = std::fs::remove_file(&p);
    }
}
