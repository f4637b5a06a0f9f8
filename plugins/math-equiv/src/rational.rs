//! Exact rationals over `i128`, with every operation checked: an overflow
//! yields `None` and the caller falls back to floating point.

use crate::budget::MAX_EXACT_EXPONENT;

/// A reduced fraction with a positive denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rat {
    num: i128,
    den: i128,
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

impl Rat {
    pub const ZERO: Rat = Rat { num: 0, den: 1 };
    pub const ONE: Rat = Rat { num: 1, den: 1 };

    pub fn new(num: i128, den: i128) -> Option<Rat> {
        if den == 0 {
            return None;
        }
        let g = gcd(num.unsigned_abs(), den.unsigned_abs()).max(1);
        let n = i128::try_from(num.unsigned_abs() / g).ok()?;
        let d = i128::try_from(den.unsigned_abs() / g).ok()?;
        let negative = (num < 0) != (den < 0) && n != 0;
        Some(Rat {
            num: if negative { -n } else { n },
            den: d,
        })
    }

    pub fn int(n: i128) -> Option<Rat> {
        Rat::new(n, 1)
    }

    pub fn num(self) -> i128 {
        self.num
    }

    pub fn den(self) -> i128 {
        self.den
    }

    pub fn is_integer(self) -> bool {
        self.den == 1
    }

    /// Whether the decimal expansion ends (the denominator has no prime
    /// factors but 2 and 5).
    pub fn terminates(self) -> bool {
        let mut d = self.den;
        while d % 2 == 0 {
            d /= 2;
        }
        while d % 5 == 0 {
            d /= 5;
        }
        d == 1
    }

    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    pub fn neg(self) -> Option<Rat> {
        Some(Rat {
            num: self.num.checked_neg()?,
            den: self.den,
        })
    }

    pub fn abs(self) -> Option<Rat> {
        if self.num < 0 {
            self.neg()
        } else {
            Some(self)
        }
    }

    pub fn recip(self) -> Option<Rat> {
        Rat::new(self.den, self.num)
    }

    pub fn add(self, o: Rat) -> Option<Rat> {
        let g = i128::try_from(gcd(self.den.unsigned_abs(), o.den.unsigned_abs())).ok()?;
        let a = self.num.checked_mul(o.den / g)?;
        let b = o.num.checked_mul(self.den / g)?;
        Rat::new(a.checked_add(b)?, (self.den / g).checked_mul(o.den)?)
    }

    pub fn sub(self, o: Rat) -> Option<Rat> {
        self.add(o.neg()?)
    }

    pub fn mul(self, o: Rat) -> Option<Rat> {
        let g1 = i128::try_from(gcd(self.num.unsigned_abs(), o.den.unsigned_abs()).max(1)).ok()?;
        let g2 = i128::try_from(gcd(o.num.unsigned_abs(), self.den.unsigned_abs()).max(1)).ok()?;
        let n = (self.num / g1).checked_mul(o.num / g2)?;
        let d = (self.den / g2).checked_mul(o.den / g1)?;
        Rat::new(n, d)
    }

    pub fn div(self, o: Rat) -> Option<Rat> {
        self.mul(o.recip()?)
    }

    /// `self^e` for an integer exponent; `0^0 = 1`, `0^-n` is undefined.
    pub fn pow(self, e: i128) -> Option<Rat> {
        if e == 0 {
            return Some(Rat::ONE);
        }
        if self.num == 0 {
            return if e > 0 { Some(Rat::ZERO) } else { None };
        }
        if self.den == 1 && self.num == 1 {
            return Some(Rat::ONE);
        }
        if self.den == 1 && self.num == -1 {
            return Rat::int(if e % 2 == 0 { 1 } else { -1 });
        }
        if e.unsigned_abs() > MAX_EXACT_EXPONENT {
            return None;
        }
        let mut base = if e < 0 { self.recip()? } else { self };
        let mut n = e.unsigned_abs();
        let mut acc = Rat::ONE;
        while n > 0 {
            if n & 1 == 1 {
                acc = acc.mul(base)?;
            }
            n >>= 1;
            if n > 0 {
                base = base.mul(base)?;
            }
        }
        Some(acc)
    }

    /// The exact `k`-th root (k = 2 or 3) when numerator and denominator are
    /// perfect powers; odd roots keep the sign.
    pub fn root(self, k: u32) -> Option<Rat> {
        let negative = self.num < 0;
        if negative && k.is_multiple_of(2) {
            return None;
        }
        let n = iroot(self.num.unsigned_abs(), k)?;
        let d = iroot(self.den.unsigned_abs(), k)?;
        let n = i128::try_from(n).ok()?;
        Rat::new(if negative { -n } else { n }, i128::try_from(d).ok()?)
    }

    pub fn floor(self) -> Rat {
        Rat {
            num: self.num.div_euclid(self.den),
            den: 1,
        }
    }

    pub fn ceil(self) -> Option<Rat> {
        let f = self.floor();
        if f == self {
            Some(f)
        } else {
            f.add(Rat::ONE)
        }
    }

    /// Parses a decimal literal: `12`, `0.25`, `.5`, `1.5e3`, `2E-4`.
    pub fn parse_decimal(s: &str) -> Option<Rat> {
        let (mantissa, exponent) = match s.find(['e', 'E']) {
            Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
            None => (s, 0),
        };
        let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        let mut num: i128 = 0;
        for c in int_part.chars().chain(frac_part.chars()) {
            let d = c.to_digit(10)?;
            num = num.checked_mul(10)?.checked_add(i128::from(d))?;
        }
        let shift = i32::try_from(frac_part.len()).ok()?.checked_sub(exponent)?;
        if shift.unsigned_abs() > 60 {
            return None;
        }
        let scale = 10i128.checked_pow(shift.unsigned_abs())?;
        if shift >= 0 {
            Rat::new(num, scale)
        } else {
            Rat::new(num.checked_mul(scale)?, 1)
        }
    }
}

/// Integer k-th root of `n` if `n` is a perfect k-th power.
fn iroot(n: u128, k: u32) -> Option<u128> {
    let mut lo: u128 = 0;
    let mut hi: u128 = match k {
        2 => 1 << 64,
        3 => 1 << 43,
        _ => return None,
    };
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        match mid.checked_pow(k) {
            Some(p) if p <= n => lo = mid,
            _ => hi = mid - 1,
        }
    }
    (lo.checked_pow(k)? == n).then_some(lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(n: i128, d: i128) -> Rat {
        Rat::new(n, d).expect("valid test rational")
    }

    #[test]
    fn arithmetic_reduces_and_keeps_sign_on_numerator() {
        assert_eq!(r(2, -4), r(-1, 2));
        assert_eq!(r(1, 2).add(r(1, 3)), Some(r(5, 6)));
        assert_eq!(r(1, 2).sub(r(1, 2)), Some(Rat::ZERO));
        assert_eq!(r(2, 3).mul(r(3, 4)), Some(r(1, 2)));
        assert_eq!(r(1, 2).div(Rat::ZERO), None);
        assert_eq!(r(2, 3).pow(-2), Some(r(9, 4)));
        assert_eq!(r(-1, 1).pow(1_000_001), Some(r(-1, 1)));
        assert_eq!(r(0, 1).pow(-1), None);
    }

    #[test]
    fn overflow_is_none_not_a_panic() {
        assert_eq!(r(2, 1).pow(200), None);
        assert_eq!(r(3, 1).pow(1 << 60), None);
        assert_eq!(Rat::new(i128::MIN, 1), None);
        let big = r(i128::MAX, 1);
        assert_eq!(big.add(Rat::ONE), None);
        assert_eq!(big.mul(r(2, 1)), None);
        assert_eq!(Rat::new(i128::MAX, -1).and_then(|x| x.sub(r(2, 1))), None);
    }

    #[test]
    fn decimals_roots_and_rounding() {
        assert_eq!(Rat::parse_decimal("0.25"), Some(r(1, 4)));
        assert_eq!(Rat::parse_decimal(".5"), Some(r(1, 2)));
        assert_eq!(Rat::parse_decimal("1.5e3"), Some(r(1500, 1)));
        assert_eq!(Rat::parse_decimal("2E-2"), Some(r(1, 50)));
        assert_eq!(Rat::parse_decimal("1e999"), None);
        assert_eq!(Rat::parse_decimal("1".repeat(60).as_str()), None);
        assert_eq!(r(9, 4).root(2), Some(r(3, 2)));
        assert_eq!(r(-8, 27).root(3), Some(r(-2, 3)));
        assert_eq!(r(2, 1).root(2), None);
        assert_eq!(r(-7, 2).floor(), r(-4, 1));
        assert_eq!(r(7, 2).ceil(), Some(r(4, 1)));
        assert!(r(3, 40).terminates());
        assert!(!r(1, 3).terminates());
    }
}
