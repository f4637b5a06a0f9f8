//! Floating-point evaluation (complex, principal branches) at a given
//! assignment of the free variables.

use std::f64::consts::{E, PI};

use crate::ast::{Constant, Func, Node};
use crate::budget::{Budget, MAX_INT_EXPONENT};
use crate::complex::C64;
use crate::exact::exact;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalError {
    /// Outside the domain at this point (division by zero, `\ln 0`).
    Undefined,
    /// A finite computation left the `f64` range (`9^{9^9}`, `(10^8)!`).
    Overflow,
    /// Something with no numeric value (a set, `\infty`, `x!` for real x).
    Unsupported,
    Exhausted,
}

pub type Env = [(String, C64)];

pub fn eval(node: &Node, env: &Env, budget: &mut Budget) -> Result<C64, EvalError> {
    budget.spend(1).map_err(|_| EvalError::Exhausted)?;
    let v = match node {
        Node::Num(n) => C64::real(n.approx),
        Node::Var(name) => env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| *v)
            .ok_or(EvalError::Unsupported)?,
        Node::Const(Constant::Pi) => C64::real(PI),
        Node::Const(Constant::E) => C64::real(E),
        Node::Const(Constant::I) => C64::I,
        Node::Neg(x) => -eval(x, env, budget)?,
        Node::Sum(xs) => {
            let mut acc = C64::ZERO;
            for x in xs {
                acc = acc + eval(x, env, budget)?;
            }
            acc
        }
        Node::Product(xs) => {
            let mut acc = C64::ONE;
            let mut zero_factor = false;
            for x in xs {
                let v = eval(x, env, budget)?;
                zero_factor |= v.is_zero();
                acc = acc * v;
            }
            underflow(acc, !zero_factor)?
        }
        Node::Recip(x) => C64::ONE
            .div(eval(x, env, budget)?)
            .ok_or(EvalError::Undefined)?,
        Node::Div(a, b) => {
            let n = eval(a, env, budget)?;
            let q = n.div(eval(b, env, budget)?).ok_or(EvalError::Undefined)?;
            underflow(q, !n.is_zero())?
        }
        Node::Pow(a, b) => power(a, b, env, budget)?,
        Node::Call(f, args) => call(*f, args, env, budget)?,
        Node::Factorial(x) => factorial(eval(x, env, budget)?, budget)?,
        _ => return Err(EvalError::Unsupported),
    };
    if v.is_finite() {
        Ok(v)
    } else if v.re.is_nan() || v.im.is_nan() {
        Err(EvalError::Undefined)
    } else {
        Err(EvalError::Overflow)
    }
}

/// A zero produced from nonzero operands is an underflow: `10^{-400}` is not
/// 0, it is out of range like `10^{400}`.
fn underflow(v: C64, nonzero_inputs: bool) -> Result<C64, EvalError> {
    if v.is_zero() && nonzero_inputs {
        Err(EvalError::Overflow)
    } else {
        Ok(v)
    }
}

fn power(a: &Node, b: &Node, env: &Env, budget: &mut Budget) -> Result<C64, EvalError> {
    let base = eval(a, env, budget)?;
    let v = raw_power(base, b, env, budget)?;
    underflow(v, !base.is_zero())
}

fn raw_power(base: C64, b: &Node, env: &Env, budget: &mut Budget) -> Result<C64, EvalError> {
    if let Some(e) = exact(b, budget) {
        if e.is_integer() && e.num().unsigned_abs() <= MAX_INT_EXPONENT {
            return base.powi(e.num()).ok_or(EvalError::Undefined);
        }
        // Odd roots of negative reals are real: (-8)^{1/3} = -2.
        if base.is_real() && base.re < 0.0 && e.den() % 2 == 1 {
            let magnitude = (-base.re).powf(e.to_f64());
            let sign = if e.num() % 2 == 0 { 1.0 } else { -1.0 };
            return Ok(C64::real(sign * magnitude));
        }
    }
    if budget.exhausted() {
        return Err(EvalError::Exhausted);
    }
    let w = eval(b, env, budget)?;
    base.powc(w).ok_or(EvalError::Undefined)
}

fn arg(args: &[Node], k: usize) -> Result<&Node, EvalError> {
    args.get(k).ok_or(EvalError::Unsupported)
}

fn call(f: Func, args: &[Node], env: &Env, budget: &mut Budget) -> Result<C64, EvalError> {
    let x = eval(arg(args, 0)?, env, budget)?;
    let undefined = EvalError::Undefined;
    Ok(match f {
        Func::Sqrt => x.sqrt(),
        Func::Root => {
            let v = eval(arg(args, 1)?, env, budget)?;
            let k = exact(arg(args, 0)?, budget);
            match k {
                Some(k) if k.is_integer() && k.num() % 2 == 1 && v.is_real() && v.re < 0.0 => {
                    C64::real(-(-v.re).powf(1.0 / k.to_f64()))
                }
                _ => v.powc(C64::ONE.div(x).ok_or(undefined)?).ok_or(undefined)?,
            }
        }
        Func::Exp => x.exp(),
        Func::Ln => x.ln().ok_or(undefined)?,
        Func::Log => {
            let v = eval(arg(args, 1)?, env, budget)?;
            let lb = x.ln().ok_or(undefined)?;
            v.ln().ok_or(undefined)?.div(lb).ok_or(undefined)?
        }
        Func::Sin => x.sin(),
        Func::Cos => x.cos(),
        Func::Tan => x.sin().div(x.cos()).ok_or(undefined)?,
        Func::Cot => x.cos().div(x.sin()).ok_or(undefined)?,
        Func::Sec => C64::ONE.div(x.cos()).ok_or(undefined)?,
        Func::Csc => C64::ONE.div(x.sin()).ok_or(undefined)?,
        Func::Asin => x.asin().ok_or(undefined)?,
        Func::Acos => x.acos().ok_or(undefined)?,
        Func::Atan => x.atan().ok_or(undefined)?,
        Func::Sinh => x.sinh(),
        Func::Cosh => x.cosh(),
        Func::Tanh => x.sinh().div(x.cosh()).ok_or(undefined)?,
        Func::Abs => C64::real(x.abs()),
        Func::Floor | Func::Ceil => {
            if x.im.abs() > 1e-12 * x.re.abs().max(1.0) {
                return Err(EvalError::Unsupported);
            }
            C64::real(if f == Func::Floor {
                x.re.floor()
            } else {
                x.re.ceil()
            })
        }
        Func::Binom => {
            // A polynomial in n for a fixed integer k, so n may be any value.
            let k = exact(arg(args, 1)?, budget).ok_or(EvalError::Unsupported)?;
            if !k.is_integer() {
                return Err(EvalError::Unsupported);
            }
            if k.num() < 0 {
                return Ok(C64::ZERO);
            }
            let k = u64::try_from(k.num())
                .ok()
                .filter(|k| *k <= 1000)
                .ok_or(EvalError::Overflow)?;
            budget.spend(k).map_err(|_| EvalError::Exhausted)?;
            let mut acc = C64::ONE;
            for i in 0..k {
                let i = i as f64;
                acc = (acc * (x - C64::real(i)))
                    .div(C64::real(i + 1.0))
                    .ok_or(undefined)?;
            }
            acc
        }
    })
}

fn factorial(x: C64, budget: &mut Budget) -> Result<C64, EvalError> {
    if !x.is_real() || x.re.fract() != 0.0 {
        return Err(EvalError::Unsupported);
    }
    if x.re < 0.0 {
        return Err(EvalError::Undefined);
    }
    if x.re > 170.0 {
        return Err(EvalError::Overflow);
    }
    let n = x.re as u64;
    budget.spend(n).map_err(|_| EvalError::Exhausted)?;
    Ok(C64::real((1..=n).fold(1.0, |acc, k| acc * k as f64)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    fn val(s: &str) -> Result<C64, EvalError> {
        eval(&parse(s).expect("parses"), &[], &mut Budget::new(100_000))
    }

    fn near(s: &str, v: f64) -> bool {
        val(s).is_ok_and(|c| (c.re - v).abs() < 1e-9 && c.im.abs() < 1e-9)
    }

    #[test]
    fn values() {
        assert!(near(r"\frac{\sqrt{3}}{2}", 3f64.sqrt() / 2.0));
        assert!(near(r"2\sin\frac{\pi}{6}", 1.0));
        assert!(near(r"e^{i\pi}", -1.0));
        assert!(near(r"\log_2 8", 3.0));
        assert!(near(r"\sqrt[3]{-8}", -2.0));
        assert!(near("(-8)^{1/3}", -2.0));
        assert!(near(r"\binom{5}{2}", 10.0));
        assert!(near("10!", 3628800.0));
        assert!(near(r"\arctan 1", std::f64::consts::FRAC_PI_4));
        assert!(near("|-3|", 3.0));
    }

    #[test]
    fn failures_are_classified() {
        assert_eq!(val("1/0"), Err(EvalError::Undefined));
        assert_eq!(val(r"\ln 0"), Err(EvalError::Undefined));
        assert_eq!(val("9^{9^{9^{9^9}}}"), Err(EvalError::Overflow));
        assert_eq!(val("(10^8)!"), Err(EvalError::Overflow));
        assert_eq!(val("(1/2)!"), Err(EvalError::Unsupported));
        assert_eq!(val(r"\infty"), Err(EvalError::Unsupported));
        assert_eq!(val("x"), Err(EvalError::Unsupported));
        assert_eq!(val("10^{-400}"), Err(EvalError::Overflow));
        assert_eq!(val(r"10^{-200} \cdot 10^{-200}"), Err(EvalError::Overflow));
        assert!(near("0 \\cdot 10^{-200}", 0.0));
    }
}
