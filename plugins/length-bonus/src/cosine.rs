//! Cosine length scaling from "Demystifying Long Chain-of-Thought Reasoning
//! in LLMs" (arXiv:2502.03373), with the parameter names of open-r1/TRL's
//! `get_cosine_scaled_reward`.

use std::f64::consts::PI;

/// The end values of the curve for one kind of answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Curve {
    /// Reward at length 0.
    pub at_zero: f64,
    /// Reward at length `max_len` and beyond.
    pub at_max: f64,
}

impl Curve {
    /// Correct answers: `max_value_correct` when empty, falling to
    /// `min_value_correct` at `max_len`, so shorter correct answers earn more.
    pub fn correct(min_value: f64, max_value: f64) -> Curve {
        Curve {
            at_zero: max_value,
            at_max: min_value,
        }
    }

    /// Wrong answers: `min_value_wrong` when empty, rising to
    /// `max_value_wrong` at `max_len`, so a long wrong attempt is punished
    /// less than a short one. (TRL swaps min and max for wrong answers; this
    /// is the same curve.)
    pub fn wrong(min_value: f64, max_value: f64) -> Curve {
        Curve {
            at_zero: min_value,
            at_max: max_value,
        }
    }
}

/// `R = v_min + (v_max - v_min)/2 * (1 + cos(pi * min(len/L, 1)))` with
/// `v_max = curve.at_zero` and `v_min = curve.at_max`.
pub fn scaled(len: u64, max_len: u64, curve: Curve) -> f64 {
    let progress = if max_len == 0 {
        1.0
    } else {
        (len as f64 / max_len as f64).min(1.0)
    };
    let (v_min, v_max) = (curve.at_max, curve.at_zero);
    v_min + (v_max - v_min) / 2.0 * (1.0 + (PI * progress).cos())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn correct_answers_fall_from_max_to_min() {
        let c = Curve::correct(0.5, 1.0);
        assert!(close(scaled(0, 1000, c), 1.0));
        assert!(close(scaled(500, 1000, c), 0.75));
        assert!(close(scaled(1000, 1000, c), 0.5));
        assert!(scaled(200, 1000, c) > scaled(400, 1000, c));
    }

    #[test]
    fn wrong_answers_rise_from_min_to_max() {
        let c = Curve::wrong(-1.0, -0.5);
        assert!(close(scaled(0, 1000, c), -1.0));
        assert!(close(scaled(500, 1000, c), -0.75));
        assert!(close(scaled(1000, 1000, c), -0.5));
        assert!(scaled(200, 1000, c) < scaled(400, 1000, c));
    }

    #[test]
    fn lengths_beyond_max_are_clamped() {
        let c = Curve::correct(0.5, 1.0);
        assert!(close(scaled(5000, 1000, c), 0.5));
        assert!(close(scaled(u64::MAX, 1000, c), 0.5));
    }

    #[test]
    fn quarter_point_matches_the_formula() {
        // cos(pi/4) = sqrt(2)/2.
        let c = Curve::correct(0.0, 1.0);
        assert!(close(
            scaled(250, 1000, c),
            0.5 * (1.0 + std::f64::consts::FRAC_1_SQRT_2)
        ));
    }
}
