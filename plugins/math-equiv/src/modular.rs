//! Evaluation modulo large primes, an exact identity test for rational
//! functions: two different polynomials of degree d agree at a random point
//! with probability at most d/p. This is what keeps a 400-term polynomial
//! honest, where floating point loses all low-order terms.

use crate::ast::{Func, Node};
use crate::budget::{Budget, MAX_INT_EXPONENT};
use crate::exact::exact;
use crate::rational::Rat;

const MERSENNE_61: u64 = (1 << 61) - 1;
const BELOW_2_64: u64 = 18_446_744_073_709_551_557;

/// The Mersenne prime 2^61 - 1 and the largest prime below 2^64 (2^64 - 59).
/// Both reduce with shifts and adds; a general `u128 %` is slow, above all
/// in Wasm where it is a library call.
pub const PRIMES: [u64; 2] = [MERSENNE_61, BELOW_2_64];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModError {
    /// Not a rational function (`\sqrt{2}`, `\pi`, a variable exponent).
    Unsupported,
    /// Division by zero at this point; try another.
    Singular,
    Exhausted,
}

/// `x mod p` for `x < p^2`.
fn reduce(x: u128, p: u64) -> u64 {
    match p {
        MERSENNE_61 => {
            let m = u128::from(MERSENNE_61);
            let r = (x & m) + (x >> 61);
            let r = (r & m) + (r >> 61);
            (if r >= m { r - m } else { r }) as u64
        }
        BELOW_2_64 => {
            // 2^64 = 59 (mod p).
            let fold = |x: u128| (x >> 64) * 59 + (x & u128::from(u64::MAX));
            let mut r = fold(fold(x));
            while r >= u128::from(p) {
                r -= u128::from(p);
            }
            r as u64
        }
        _ => (x % u128::from(p)) as u64,
    }
}

fn mul(a: u64, b: u64, p: u64) -> u64 {
    reduce(u128::from(a) * u128::from(b), p)
}

fn add(a: u64, b: u64, p: u64) -> u64 {
    let s = u128::from(a) + u128::from(b);
    (if s >= u128::from(p) {
        s - u128::from(p)
    } else {
        s
    }) as u64
}

fn neg(a: u64, p: u64) -> u64 {
    if a == 0 {
        0
    } else {
        p - a
    }
}

fn pow(mut base: u64, mut e: u128, p: u64) -> u64 {
    let mut acc = 1 % p;
    while e > 0 {
        if e & 1 == 1 {
            acc = mul(acc, base, p);
        }
        base = mul(base, base, p);
        e >>= 1;
    }
    acc
}

fn inv(a: u64, p: u64) -> Result<u64, ModError> {
    if a == 0 {
        Err(ModError::Singular)
    } else {
        Ok(pow(a, u128::from(p - 2), p))
    }
}

/// `x / y mod p`; `None` when `y = 0`.
pub fn div(x: u64, y: u64, p: u64) -> Option<u64> {
    inv(y, p).ok().map(|i| mul(x, i, p))
}

fn of_int(n: i128, p: u64) -> u64 {
    n.rem_euclid(i128::from(p)) as u64
}

fn of_rat(r: Rat, p: u64) -> Result<u64, ModError> {
    Ok(mul(of_int(r.num(), p), inv(of_int(r.den(), p), p)?, p))
}

pub type ModEnv = [(String, u64)];

pub fn eval_mod(node: &Node, env: &ModEnv, p: u64, budget: &mut Budget) -> Result<u64, ModError> {
    budget.spend(1).map_err(|_| ModError::Exhausted)?;
    match node {
        Node::Num(n) => of_rat(n.exact.ok_or(ModError::Unsupported)?, p),
        Node::Var(name) => env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| *v)
            .ok_or(ModError::Unsupported),
        Node::Neg(x) => Ok(neg(eval_mod(x, env, p, budget)?, p)),
        Node::Sum(xs) => xs
            .iter()
            .try_fold(0, |acc, x| Ok(add(acc, eval_mod(x, env, p, budget)?, p))),
        Node::Product(xs) => xs.iter().try_fold(1 % p, |acc, x| {
            Ok(mul(acc, eval_mod(x, env, p, budget)?, p))
        }),
        Node::Recip(x) => inv(eval_mod(x, env, p, budget)?, p),
        Node::Div(a, b) => {
            let n = eval_mod(a, env, p, budget)?;
            Ok(mul(n, inv(eval_mod(b, env, p, budget)?, p)?, p))
        }
        Node::Pow(a, b) => {
            let e = exact(b, budget).ok_or(ModError::Unsupported)?;
            if !e.is_integer() || e.num().unsigned_abs() > MAX_INT_EXPONENT {
                return Err(ModError::Unsupported);
            }
            let base = eval_mod(a, env, p, budget)?;
            let v = pow(base, e.num().unsigned_abs(), p);
            if e.num() < 0 {
                inv(v, p)
            } else if e.num() > 0 && base == 0 {
                Ok(0)
            } else {
                Ok(v)
            }
        }
        Node::Call(Func::Binom, args) => {
            let k = exact(args.get(1).ok_or(ModError::Unsupported)?, budget)
                .ok_or(ModError::Unsupported)?;
            if !k.is_integer() || !(0..=1000).contains(&k.num()) {
                return Err(ModError::Unsupported);
            }
            let n = eval_mod(args.first().ok_or(ModError::Unsupported)?, env, p, budget)?;
            budget
                .spend(k.num() as u64)
                .map_err(|_| ModError::Exhausted)?;
            let mut acc = 1 % p;
            for i in 0..k.num() {
                let term = add(n, neg(of_int(i, p), p), p);
                acc = mul(mul(acc, term, p), inv(of_int(i + 1, p), p)?, p);
            }
            Ok(acc)
        }
        // Anything else only when it has an exact rational value (`\sqrt{4}`, `5!`).
        other => of_rat(exact(other, budget).ok_or(ModError::Unsupported)?, p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    fn at(s: &str, x: u64, p: u64) -> Result<u64, ModError> {
        eval_mod(
            &parse(s).expect("parses"),
            &[("x".to_string(), x)],
            p,
            &mut Budget::new(1_000_000),
        )
    }

    #[test]
    fn fast_reduction_agrees_with_remainder() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for p in PRIMES {
                let (a, b) = (x % p, x.rotate_left(17) % p);
                let expected = ((u128::from(a) * u128::from(b)) % u128::from(p)) as u64;
                assert_eq!(mul(a, b, p), expected);
                assert_eq!(
                    add(a, b, p),
                    ((u128::from(a) + u128::from(b)) % u128::from(p)) as u64
                );
            }
        }
        for p in PRIMES {
            assert_eq!(mul(p - 1, p - 1, p), 1);
            assert_eq!(add(p - 1, 1, p), 0);
        }
    }

    #[test]
    fn identities_hold_and_differences_show() {
        for p in PRIMES {
            let x = 123_456_789;
            assert_eq!(at("(x+1)^2", x, p), at("x^2+2x+1", x, p));
            assert_eq!(at(r"\frac{x^2-1}{x-1}", x, p), at("x+1", x, p));
            assert_ne!(at("x^{400}+x", x, p), at("x^{400}+2x", x, p));
            assert_eq!(at(r"\binom{x}{2}", x, p), at(r"\frac{x(x-1)}{2}", x, p));
            assert_eq!(at("0.5x", x, p), at("x/2", x, p));
            assert_eq!(at("1/(x-x)", x, p), Err(ModError::Singular));
            assert_eq!(at(r"\sqrt{2}x", x, p), Err(ModError::Unsupported));
            assert_eq!(at("x^x", x, p), Err(ModError::Unsupported));
            assert_eq!(at(r"2^{2^{100}}", x, p), Err(ModError::Unsupported));
        }
    }
}
