//! A flat bonus for lengths inside a band.

/// `bonus` when `min <= len <= max` (a missing end is open), else 0.
pub fn bonus(len: u64, min: Option<u64>, max: Option<u64>, bonus: f64) -> f64 {
    let inside = len >= min.unwrap_or(0) && len <= max.unwrap_or(u64::MAX);
    if inside {
        bonus
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::bonus;

    #[test]
    fn ends_are_inclusive() {
        assert_eq!(bonus(100, Some(100), Some(200), 0.5), 0.5);
        assert_eq!(bonus(200, Some(100), Some(200), 0.5), 0.5);
        assert_eq!(bonus(99, Some(100), Some(200), 0.5), 0.0);
        assert_eq!(bonus(201, Some(100), Some(200), 0.5), 0.0);
    }

    #[test]
    fn missing_ends_are_open() {
        assert_eq!(bonus(0, None, Some(10), 1.0), 1.0);
        assert_eq!(bonus(u64::MAX, Some(10), None, 1.0), 1.0);
        assert_eq!(bonus(9, Some(10), None, 1.0), 0.0);
        assert_eq!(bonus(7, None, None, 2.0), 2.0);
    }
}
