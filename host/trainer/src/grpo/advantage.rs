//! Group-relative advantages: each completion's total reward against the
//! other completions of its prompt.
//!
//! A completion whose reward failed has no total (`None`): it is left out of
//! its group's mean and standard deviation and gets advantage 0, so it
//! neither pushes nor pulls the policy (TRL does the same with `None`).

use super::config::ScaleRewards;

/// Added to the standard deviation before dividing, as TRL does.
const STD_EPS: f64 = 1e-4;

/// Advantages of completions laid out group after group (`groups` groups of
/// `group_size` each).
pub fn group_advantages(
    totals: &[Option<f64>],
    group_size: usize,
    scale: ScaleRewards,
) -> Vec<f64> {
    let mut adv = vec![0.0; totals.len()];
    if group_size == 0 {
        return adv;
    }
    let batch_std = std(totals.iter().flatten().copied());
    for (g, chunk) in totals.chunks(group_size).enumerate() {
        let ok: Vec<f64> = chunk.iter().flatten().copied().collect();
        if ok.is_empty() {
            continue;
        }
        let mean = ok.iter().sum::<f64>() / ok.len() as f64;
        let denom = match scale {
            ScaleRewards::Group => std(ok.iter().copied()) + STD_EPS,
            ScaleRewards::Batch => batch_std + STD_EPS,
            ScaleRewards::None => 1.0,
        };
        for (i, t) in chunk.iter().enumerate() {
            if let Some(t) = t {
                adv[g * group_size + i] = (t - mean) / denom;
            }
        }
    }
    adv
}

/// Sample standard deviation (n - 1), as `torch.std` computes it; 0 for
/// fewer than two values.
pub fn std(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let n = values.clone().count();
    if n < 2 {
        return 0.0;
    }
    let mean = values.clone().sum::<f64>() / n as f64;
    (values.map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
}

/// The fraction of groups whose successful totals are all equal (no
/// learning signal), counting groups with fewer than two successful totals.
pub fn zero_variance_fraction(totals: &[Option<f64>], group_size: usize) -> f64 {
    if group_size == 0 || totals.is_empty() {
        return 0.0;
    }
    let groups: Vec<&[Option<f64>]> = totals.chunks(group_size).collect();
    let flat = groups
        .iter()
        .filter(|g| {
            let ok: Vec<f64> = g.iter().flatten().copied().collect();
            !super::sampler::is_informative(&ok)
        })
        .count();
    flat as f64 / groups.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-9, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn group_scaling_by_hand() {
        // Group [1, 0, 0, 1]: mean 0.5, sample std sqrt(1/3) = 0.57735.
        // Group [2, 2, 2, 2]: all equal -> 0.
        let t: Vec<Option<f64>> = [1.0, 0.0, 0.0, 1.0, 2.0, 2.0, 2.0, 2.0]
            .iter()
            .map(|&v| Some(v))
            .collect();
        let a = 0.5 / (0.577_350_269_189_625_8 + STD_EPS);
        close(
            &group_advantages(&t, 4, ScaleRewards::Group),
            &[a, -a, -a, a, 0.0, 0.0, 0.0, 0.0],
        );
        close(
            &group_advantages(&t, 4, ScaleRewards::None),
            &[0.5, -0.5, -0.5, 0.5, 0.0, 0.0, 0.0, 0.0],
        );
        // Batch std of [1,0,0,1,2,2,2,2]: mean 1.25, squares sum
        // 0.0625*2 + 1.5625*2 + 0.5625*4 = 5.5, / 7 -> std 0.886405.
        let b = 0.5 / ((5.5f64 / 7.0).sqrt() + STD_EPS);
        close(
            &group_advantages(&t, 4, ScaleRewards::Batch),
            &[b, -b, -b, b, 0.0, 0.0, 0.0, 0.0],
        );
    }

    #[test]
    fn failed_rewards_are_left_out_of_the_statistics() {
        // Without the failure the mean would be 2/3; with it, 1.
        let t = [Some(1.0), None, Some(1.0)];
        close(
            &group_advantages(&t, 3, ScaleRewards::None),
            &[0.0, 0.0, 0.0],
        );
        let t = [Some(3.0), None, Some(1.0)];
        close(
            &group_advantages(&t, 3, ScaleRewards::None),
            &[1.0, 0.0, -1.0],
        );
        assert_eq!(
            zero_variance_fraction(&[Some(1.0), None, Some(1.0), Some(0.0)], 2),
            0.5,
            "[1, fail] has one total (flat); [1, 0] varies"
        );
    }

    #[test]
    fn zero_variance_counts_flat_groups() {
        let t: Vec<Option<f64>> = [1.0, 1.0, 0.0, 1.0, 0.0, 0.0]
            .iter()
            .map(|&v| Some(v))
            .collect();
        assert!((zero_variance_fraction(&t, 2) - 2.0 / 3.0).abs() < 1e-12);
    }
}
