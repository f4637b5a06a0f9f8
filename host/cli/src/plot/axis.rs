//! Axis ranges that start and end on round ticks, and the ticks' labels.

/// Tick spacings tried, times a power of ten, smallest first.
const MANTISSAS: [f64; 4] = [1.0, 2.0, 2.5, 5.0];

#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub lo: f64,
    pub hi: f64,
    pub step: f64,
    pub ticks: Vec<f64>,
    /// The step is `mantissa * 10^exponent`; labels show that many digits.
    mantissa: f64,
    exponent: i32,
}

impl Axis {
    /// The tightest axis around `min..=max` whose ends are ticks, with at
    /// most `max_ticks` of them (at least 3) spaced 1, 2, 2.5 or 5 times a
    /// power of ten; `whole` allows only whole-number spacings (steps). A
    /// range of one value is widened around it.
    pub fn covering(min: f64, max: f64, max_ticks: usize, whole: bool) -> Axis {
        let (mut min, mut max) = if min.is_finite() && max.is_finite() {
            (min.min(max), min.max(max))
        } else {
            (0.0, 1.0)
        };
        let scale = min.abs().max(max.abs());
        if max - min <= scale * 1e-12 {
            let pad = if whole || scale == 0.0 {
                1.0
            } else {
                scale * 0.1
            };
            min -= pad;
            max += pad;
        }
        let intervals = max_ticks.max(3) as f64 - 1.0;
        let mut exponent = ((max - min) / intervals).log10().floor() as i32 - 1;
        // With at least two intervals allowed, a step as long as the range
        // always fits, so this ends within a few powers of ten.
        loop {
            for mantissa in MANTISSAS {
                // Dividing keeps 0.2 and 0.25 exact where 2 * 10^-1 is not.
                let step = if exponent >= 0 {
                    mantissa * 10f64.powi(exponent)
                } else {
                    mantissa / 10f64.powi(-exponent)
                };
                if whole && (step < 1.0 || step.fract() != 0.0) {
                    continue;
                }
                // The tolerance keeps 0.3 / 0.1 = 2.9999999999999996 on tick 3.
                let k0 = (min / step + 1e-9).floor();
                let k1 = (max / step - 1e-9).ceil();
                if k1 - k0 <= intervals {
                    let ticks = (k0 as i64..=k1 as i64)
                        .map(|k| if k == 0 { 0.0 } else { k as f64 * step })
                        .collect();
                    return Axis {
                        lo: k0 * step,
                        hi: k1 * step,
                        step,
                        ticks,
                        mantissa,
                        exponent,
                    };
                }
            }
            exponent += 1;
        }
    }

    /// Where `v` falls between the ends: 0 at `lo`, 1 at `hi`.
    pub fn fraction(&self, v: f64) -> f64 {
        (v - self.lo) / (self.hi - self.lo)
    }

    /// A tick's label, with as many digits as the spacing needs (`0.25`,
    /// `1500`), in exponent form when that would be long (`2.5e-5`, `3e6`).
    pub fn label(&self, v: f64) -> String {
        // A spacing of 2.5 needs one digit more than its power of ten.
        let extra = i32::from(self.mantissa == 2.5);
        let decimals = (extra - self.exponent).max(0);
        let biggest = self.lo.abs().max(self.hi.abs());
        if decimals <= 4 && biggest < 1e6 {
            return format!("{v:.*}", decimals as usize);
        }
        if v == 0.0 {
            return "0".to_string();
        }
        let digits = ((v.abs().log10() + 1e-9).floor() as i32 - self.exponent + extra).clamp(0, 6);
        format!("{v:.*e}", digits as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(a: &Axis) -> Vec<String> {
        a.ticks.iter().map(|&t| a.label(t)).collect()
    }

    #[test]
    fn unit_range_gets_tenths_or_fifths() {
        let a = Axis::covering(0.0, 1.0, 6, false);
        assert_eq!((a.lo, a.hi, a.step), (0.0, 1.0, 0.2));
        assert_eq!(labels(&a), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
    }

    #[test]
    fn ends_are_rounded_outwards_to_ticks() {
        let a = Axis::covering(0.03, 0.81, 6, false);
        assert_eq!((a.lo, a.step), (0.0, 0.2));
        assert!((a.hi - 1.0).abs() < 1e-12);
        assert!(a.ticks.len() <= 6);
        let a = Axis::covering(0.3, 0.7, 6, false);
        assert_eq!(labels(&a), ["0.3", "0.4", "0.5", "0.6", "0.7"]);
    }

    #[test]
    fn a_spacing_of_two_and_a_half_shows_its_extra_digit() {
        let a = Axis::covering(0.0, 1.0, 5, false);
        assert_eq!(labels(&a), ["0.00", "0.25", "0.50", "0.75", "1.00"]);
    }

    #[test]
    fn steps_are_whole_numbers() {
        let a = Axis::covering(1.0, 3.0, 11, true);
        assert_eq!(a.ticks, [1.0, 2.0, 3.0]);
        assert_eq!(labels(&a), ["1", "2", "3"]);
        let a = Axis::covering(1.0, 100.0, 11, true);
        assert_eq!(a.step, 10.0);
        assert_eq!(a.lo, 0.0);
        assert_eq!(a.hi, 100.0);
        let a = Axis::covering(0.0, 10.0, 5, true);
        assert_eq!(a.step, 5.0, "2.5 is not a whole spacing");
    }

    #[test]
    fn one_value_is_widened_around_it() {
        for v in [0.0, 1.0, -3.5, 1e-7, 5e9] {
            let a = Axis::covering(v, v, 6, false);
            assert!(a.lo < v && v < a.hi, "{v}: {a:?}");
            assert!(a.ticks.len() >= 2);
        }
        let a = Axis::covering(7.0, 7.0, 6, true);
        assert_eq!((a.lo, a.hi), (6.0, 8.0));
    }

    #[test]
    fn tiny_and_huge_values_use_exponents() {
        let a = Axis::covering(0.0, 4e-5, 5, false);
        assert_eq!(labels(&a), ["0", "1e-5", "2e-5", "3e-5", "4e-5"]);
        let a = Axis::covering(0.0, 3e6, 4, false);
        assert_eq!(labels(&a), ["0", "1e6", "2e6", "3e6"]);
        let a = Axis::covering(0.001, 0.004, 4, false);
        assert_eq!(labels(&a), ["0.001", "0.002", "0.003", "0.004"]);
    }

    #[test]
    fn negative_and_reversed_ranges() {
        let a = Axis::covering(0.5, -0.5, 6, false);
        assert_eq!(labels(&a), ["-0.50", "-0.25", "0.00", "0.25", "0.50"]);
        assert_eq!(a.fraction(0.0), 0.5);
    }
}
