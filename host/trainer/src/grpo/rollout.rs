//! Rollouts: G completions per prompt, scored by every reward of the set.
//! The trainer sees rewards only as [`RewardFn`]; scoring runs on a pool of
//! CPU threads, one (reward, group) call at a time per thread.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rewasm_api::{RewardError, RewardFn, Sample, Score};

use super::metrics::RewardStat;
use crate::generate::Generated;

/// One reward of the run's set.
#[derive(Clone)]
pub struct TrainReward {
    /// Its name in the set (metrics key).
    pub name: String,
    /// Weight in the total; 0 logs it without training on it.
    pub weight: f64,
    /// sha256 of the module, recorded in metrics and checkpoints.
    pub digest: String,
    pub reward: Arc<dyn RewardFn>,
}

impl std::fmt::Debug for TrainReward {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrainReward")
            .field("name", &self.name)
            .field("weight", &self.weight)
            .field("digest", &self.digest)
            .finish()
    }
}

/// The completions of one prompt and their scores.
#[derive(Debug)]
pub struct GroupRollout {
    /// Index of the prompt in the dataset.
    pub prompt: usize,
    pub completions: Vec<Generated>,
    /// Per reward (set order), per completion.
    pub scores: Vec<Vec<Result<Score, RewardError>>>,
    /// Weighted totals; `None` where a reward with non-zero weight failed.
    pub totals: Vec<Option<f64>>,
}

/// Scores `groups` (each a list of samples of one prompt) under every
/// reward, on up to `threads` threads. Returns `[group][reward][sample]`.
pub fn score_groups(
    rewards: &[TrainReward],
    groups: &[Vec<Sample>],
    threads: usize,
) -> Vec<Vec<Vec<Result<Score, RewardError>>>> {
    let jobs: Vec<(usize, usize)> = (0..groups.len())
        .flat_map(|g| (0..rewards.len()).map(move |r| (g, r)))
        .collect();
    type Slot = Mutex<Option<Vec<Result<Score, RewardError>>>>;
    let results: Vec<Slot> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, jobs.len().max(1)) {
            s.spawn(|| loop {
                let j = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(g, r)) = jobs.get(j) else { break };
                let samples = &groups[g];
                let mut out = rewards[r].reward.score(samples);
                // A reward that returns the wrong count is a broken reward,
                // not a reason to drop or invent scores.
                if out.len() != samples.len() {
                    let msg = format!(
                        "returned {} results for {} samples",
                        out.len(),
                        samples.len()
                    );
                    out = samples
                        .iter()
                        .map(|_| Err(RewardError::InvalidOutput(msg.clone())))
                        .collect();
                }
                if let Ok(mut slot) = results[j].lock() {
                    *slot = Some(out);
                }
            });
        }
    });
    let mut flat = results
        .into_iter()
        .map(|m| m.into_inner().ok().flatten().unwrap_or_default());
    groups
        .iter()
        .map(|_| {
            rewards
                .iter()
                .map(|_| flat.next().unwrap_or_default())
                .collect()
        })
        .collect()
}

/// Weighted totals of one group: `None` for a completion on which a reward
/// with non-zero weight failed.
pub fn totals(
    rewards: &[TrainReward],
    scores: &[Vec<Result<Score, RewardError>>],
    n: usize,
) -> Vec<Option<f64>> {
    (0..n)
        .map(|i| {
            let mut sum = 0.0;
            for (r, rw) in rewards.iter().enumerate() {
                match scores.get(r).and_then(|s| s.get(i)) {
                    Some(Ok(s)) => sum += rw.weight * s.value,
                    _ if rw.weight == 0.0 => {}
                    _ => return None,
                }
            }
            Some(sum)
        })
        .collect()
}

/// Per-reward mean, std and error counts over groups.
pub fn reward_stats(
    rewards: &[TrainReward],
    groups: &[GroupRollout],
) -> BTreeMap<String, RewardStat> {
    rewards
        .iter()
        .enumerate()
        .map(|(r, rw)| {
            let mut values = Vec::new();
            let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
            for g in groups {
                for res in g.scores.get(r).into_iter().flatten() {
                    match res {
                        Ok(s) => values.push(s.value),
                        Err(e) => *kinds.entry(e.kind().as_str().to_string()).or_default() += 1,
                    }
                }
            }
            let (mean, std) = mean_std(&values);
            (
                rw.name.clone(),
                RewardStat {
                    mean,
                    std,
                    errors: kinds.values().sum(),
                    error_kinds: kinds,
                },
            )
        })
        .collect()
}

/// Mean and population std, `None` for no values.
pub fn mean_std(values: &[f64]) -> (Option<f64>, Option<f64>) {
    if values.is_empty() {
        return (None, None);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (Some(mean), Some(var.sqrt()))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo(&'static str, bool);
    impl RewardFn for Echo {
        fn name(&self) -> &str {
            self.0
        }
        fn score(&self, samples: &[Sample]) -> Vec<Result<Score, RewardError>> {
            samples
                .iter()
                .map(|s| {
                    if self.1 && s.completion == "bad" {
                        Err(RewardError::Trap("boom".into()))
                    } else {
                        Ok(Score::new(s.completion.len() as f64))
                    }
                })
                .collect()
        }
    }

    fn reward(name: &'static str, weight: f64, fails: bool) -> TrainReward {
        TrainReward {
            name: name.into(),
            weight,
            digest: "d".into(),
            reward: Arc::new(Echo(name, fails)),
        }
    }

    #[test]
    fn scores_are_placed_by_group_and_reward_and_failures_void_totals() {
        let rewards = vec![reward("len", 1.0, false), reward("strict", 0.5, true)];
        let mk = |c: &str| Sample {
            completion: c.into(),
            ..Sample::default()
        };
        let groups = vec![vec![mk("ab"), mk("bad")], vec![mk("abcd"), mk("")]];
        let scored = score_groups(&rewards, &groups, 3);
        assert_eq!(scored.len(), 2);
        let t0 = totals(&rewards, &scored[0], 2);
        assert_eq!(t0, vec![Some(2.0 + 1.0), None]);
        let t1 = totals(&rewards, &scored[1], 2);
        assert_eq!(t1, vec![Some(6.0), Some(0.0)]);
        // A failing reward with weight 0 is logged but does not void totals.
        let logged = vec![reward("len", 1.0, false), reward("strict", 0.0, true)];
        assert_eq!(totals(&logged, &scored[0], 2), vec![Some(2.0), Some(3.0)]);
    }
}
