//! Complex floating point, so that `i`, `\sqrt{-4}` and logarithms of
//! negative numbers have values and two sides can be compared anywhere.
//! Principal branches throughout.

use std::ops::{Add, Mul, Neg, Sub};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct C64 {
    pub re: f64,
    pub im: f64,
}

impl C64 {
    pub const ZERO: C64 = C64 { re: 0.0, im: 0.0 };
    pub const ONE: C64 = C64 { re: 1.0, im: 0.0 };
    pub const I: C64 = C64 { re: 0.0, im: 1.0 };

    pub fn new(re: f64, im: f64) -> C64 {
        C64 { re, im }
    }

    pub fn real(re: f64) -> C64 {
        C64 { re, im: 0.0 }
    }

    pub fn is_finite(self) -> bool {
        self.re.is_finite() && self.im.is_finite()
    }

    pub fn is_real(self) -> bool {
        self.im == 0.0
    }

    pub fn abs(self) -> f64 {
        self.re.hypot(self.im)
    }

    pub fn is_zero(self) -> bool {
        self.re == 0.0 && self.im == 0.0
    }

    /// `None` for division by zero.
    pub fn div(self, o: C64) -> Option<C64> {
        if o.is_zero() {
            return None;
        }
        if o.is_real() {
            return Some(C64::new(self.re / o.re, self.im / o.re));
        }
        let d = o.re * o.re + o.im * o.im;
        Some(C64::new(
            (self.re * o.re + self.im * o.im) / d,
            (self.im * o.re - self.re * o.im) / d,
        ))
    }

    pub fn exp(self) -> C64 {
        let m = self.re.exp();
        if self.im == 0.0 {
            return C64::real(m);
        }
        C64::new(m * self.im.cos(), m * self.im.sin())
    }

    /// `None` at zero.
    pub fn ln(self) -> Option<C64> {
        if self.is_zero() {
            return None;
        }
        if self.is_real() && self.re > 0.0 {
            return Some(C64::real(self.re.ln()));
        }
        Some(C64::new(self.abs().ln(), self.im.atan2(self.re)))
    }

    pub fn sqrt(self) -> C64 {
        if self.is_real() {
            return if self.re >= 0.0 {
                C64::real(self.re.sqrt())
            } else {
                C64::new(0.0, (-self.re).sqrt())
            };
        }
        let r = self.abs();
        let re = ((r + self.re) / 2.0).sqrt();
        let im = ((r - self.re) / 2.0).sqrt().copysign(self.im);
        C64::new(re, im)
    }

    /// Integer power by repeated squaring; `None` for `0^-n`.
    pub fn powi(self, n: i128) -> Option<C64> {
        let mut base = self;
        let mut e = n.unsigned_abs();
        let mut acc = C64::ONE;
        while e > 0 {
            if e & 1 == 1 {
                acc = acc * base;
            }
            e >>= 1;
            if e > 0 {
                base = base * base;
            }
        }
        if n < 0 {
            C64::ONE.div(acc)
        } else {
            Some(acc)
        }
    }

    /// Principal `self^w`; `None` for `0^w` with `Re w <= 0`.
    pub fn powc(self, w: C64) -> Option<C64> {
        if self.is_zero() {
            return (w.re > 0.0).then_some(C64::ZERO);
        }
        if self.is_real() && self.re > 0.0 && w.is_real() {
            return Some(C64::real(self.re.powf(w.re)));
        }
        Some((w * self.ln()?).exp())
    }

    pub fn sin(self) -> C64 {
        C64::new(
            self.re.sin() * self.im.cosh(),
            self.re.cos() * self.im.sinh(),
        )
    }

    pub fn cos(self) -> C64 {
        C64::new(
            self.re.cos() * self.im.cosh(),
            -(self.re.sin() * self.im.sinh()),
        )
    }

    pub fn sinh(self) -> C64 {
        C64::new(
            self.re.sinh() * self.im.cos(),
            self.re.cosh() * self.im.sin(),
        )
    }

    pub fn cosh(self) -> C64 {
        C64::new(
            self.re.cosh() * self.im.cos(),
            self.re.sinh() * self.im.sin(),
        )
    }

    pub fn asin(self) -> Option<C64> {
        if self.is_real() && self.re.abs() <= 1.0 {
            return Some(C64::real(self.re.asin()));
        }
        // -i ln(iz + sqrt(1 - z^2))
        let w = C64::I * self + (C64::ONE - self * self).sqrt();
        Some(-(C64::I * w.ln()?))
    }

    pub fn acos(self) -> Option<C64> {
        if self.is_real() && self.re.abs() <= 1.0 {
            return Some(C64::real(self.re.acos()));
        }
        Some(C64::real(std::f64::consts::FRAC_PI_2) - self.asin()?)
    }

    pub fn atan(self) -> Option<C64> {
        if self.is_real() {
            return Some(C64::real(self.re.atan()));
        }
        // (i/2) (ln(1 - iz) - ln(1 + iz))
        let iz = C64::I * self;
        let d = (C64::ONE - iz).ln()? - (C64::ONE + iz).ln()?;
        Some(C64::new(0.0, 0.5) * d)
    }
}

impl Add for C64 {
    type Output = C64;
    fn add(self, o: C64) -> C64 {
        C64::new(self.re + o.re, self.im + o.im)
    }
}

impl Sub for C64 {
    type Output = C64;
    fn sub(self, o: C64) -> C64 {
        C64::new(self.re - o.re, self.im - o.im)
    }
}

impl Mul for C64 {
    type Output = C64;
    fn mul(self, o: C64) -> C64 {
        if self.is_real() && o.is_real() {
            return C64::real(self.re * o.re);
        }
        C64::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
}

impl Neg for C64 {
    type Output = C64;
    fn neg(self) -> C64 {
        C64::new(-self.re, -self.im)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(a: C64, b: C64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn principal_values() {
        assert!(near(C64::real(-4.0).sqrt(), C64::new(0.0, 2.0)));
        assert!(near(C64::I.powi(2).unwrap_or(C64::ZERO), C64::real(-1.0)));
        let e_i_pi = (C64::I * C64::real(std::f64::consts::PI)).exp();
        assert!(near(e_i_pi, C64::real(-1.0)));
        assert!(near(
            C64::real(-1.0).ln().unwrap_or(C64::ZERO),
            C64::new(0.0, std::f64::consts::PI)
        ));
        assert_eq!(C64::ZERO.ln(), None);
        assert_eq!(C64::ZERO.powi(-1), None);
        let z = C64::new(0.3, 0.4);
        assert!(near(z.asin().map(|w| w.sin()).unwrap_or(C64::ZERO), z));
        assert!(near(
            z.atan()
                .map(|w| w.sin().div(w.cos()).unwrap_or(C64::ZERO))
                .unwrap_or(C64::ZERO),
            z
        ));
        assert!(near(
            C64::real(2.0).asin().map(C64::sin).unwrap_or(C64::ZERO),
            C64::real(2.0)
        ));
    }
}
