//! Explicit bounds on the work one sample may cost.
//!
//! Every stage is bounded by a size cap or by the operation counter below,
//! never by a clock, so a verdict is deterministic and arrives in bounded
//! time whatever the input: a power tower, `(10^8)!`, a 400-term polynomial
//! or a 200-deep `\frac` cost a few thousand counted operations at most.

/// Only this many trailing bytes of a completion are searched for an answer;
/// the final answer sits at the end, and scanning more buys nothing.
pub const MAX_COMPLETION_BYTES: usize = 256 * 1024;

/// Answers (and references) longer than this are not parsed. A 400-term
/// polynomial written out is about 5 KiB.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024;

/// Tokens per answer.
pub const MAX_TOKENS: usize = 8192;

/// Nesting depth of groups, fractions, exponents and function arguments.
/// Chosen so a 200-deep `\frac` parses while the recursive descent stays far
/// inside a 1 MiB Wasm stack.
pub const MAX_DEPTH: usize = 240;

/// Items in one list, set, tuple or matrix.
pub const MAX_ITEMS: usize = 512;

/// Distinct free variables in a symbolic comparison.
pub const MAX_VARIABLES: usize = 32;

/// `a ± b` occurrences expanded into separate answers (2^n variants).
pub const MAX_PLUS_MINUS: usize = 3;

/// Counted operations (node visits, loop steps) for one comparison.
pub const MAX_OPS: u64 = 400_000;

/// Largest exponent applied exactly to a rational; anything larger with a
/// base other than 0 or ±1 cannot fit in 128 bits anyway.
pub const MAX_EXACT_EXPONENT: u128 = 4096;

/// Largest integer exponent evaluated by repeated squaring in floating point
/// or modular arithmetic.
pub const MAX_INT_EXPONENT: u128 = 1 << 40;

/// The work left for one comparison.
#[derive(Debug)]
pub struct Budget {
    left: u64,
}

/// The operation counter ran out; the comparison gives up undecided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exhausted;

impl Budget {
    pub fn new(ops: u64) -> Self {
        Budget { left: ops }
    }

    /// Takes `n` operations from the budget.
    pub fn spend(&mut self, n: u64) -> Result<(), Exhausted> {
        if self.left < n {
            self.left = 0;
            Err(Exhausted)
        } else {
            self.left -= n;
            Ok(())
        }
    }

    pub fn exhausted(&self) -> bool {
        self.left == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spending_past_the_limit_fails_and_stays_exhausted() {
        let mut b = Budget::new(3);
        assert!(b.spend(2).is_ok());
        assert!(!b.exhausted());
        assert_eq!(b.spend(2), Err(Exhausted));
        assert!(b.exhausted());
        assert_eq!(b.spend(1), Err(Exhausted));
    }
}
