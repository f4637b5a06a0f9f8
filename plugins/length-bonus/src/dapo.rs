//! DAPO's soft overlong punishment (Yu et al., "DAPO: An Open-Source LLM
//! Reinforcement Learning System at Scale", 2025, eq. 13).

/// 0 up to `L_exp = max_len - cache_len`, then a linear ramp down to -1 at
/// `max_len`, and -1 beyond. `cache_len = 0` makes it a hard cut at `max_len`.
pub fn overlong_penalty(len: u64, max_len: u64, cache_len: u64) -> f64 {
    let expected = max_len.saturating_sub(cache_len);
    if len <= expected {
        0.0
    } else if len <= max_len {
        // len > expected implies cache_len > 0 here.
        (expected as f64 - len as f64) / cache_len as f64
    } else {
        -1.0
    }
}

#[cfg(test)]
mod tests {
    use super::overlong_penalty;

    #[test]
    fn no_penalty_up_to_the_expected_length() {
        assert_eq!(overlong_penalty(0, 20480, 4096), 0.0);
        assert_eq!(overlong_penalty(16384, 20480, 4096), 0.0);
    }

    #[test]
    fn linear_ramp_inside_the_cache() {
        assert_eq!(overlong_penalty(16384 + 1024, 20480, 4096), -0.25);
        assert_eq!(overlong_penalty(16384 + 2048, 20480, 4096), -0.5);
        assert_eq!(overlong_penalty(20480, 20480, 4096), -1.0);
    }

    #[test]
    fn minus_one_beyond_the_maximum() {
        assert_eq!(overlong_penalty(20481, 20480, 4096), -1.0);
        assert_eq!(overlong_penalty(u64::MAX, 20480, 4096), -1.0);
    }

    #[test]
    fn zero_cache_is_a_hard_cut() {
        assert_eq!(overlong_penalty(100, 100, 0), 0.0);
        assert_eq!(overlong_penalty(101, 100, 0), -1.0);
    }

    #[test]
    fn cache_equal_to_max_ramps_from_zero_length() {
        assert_eq!(overlong_penalty(0, 100, 100), 0.0);
        assert_eq!(overlong_penalty(50, 100, 100), -0.5);
    }
}
