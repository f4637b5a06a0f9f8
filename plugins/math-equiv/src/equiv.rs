//! Deciding whether two parsed answers are equal.
//!
//! Structures compare element-wise (sets and bare lists ignoring order,
//! tuples, intervals and matrices in order); inequalities are turned into
//! intervals; equations compare by proportional sides. Two expressions are
//! tried, in order: exact rationals; with no free variables, floating point
//! within `rel_tol` (checked against modular arithmetic, which tells huge
//! integers apart); with free variables, random points modulo large primes
//! (exact for rational functions) or in floating point; finally, for values
//! too large to evaluate, the trees after constant folding.

use std::collections::BTreeSet;

use crate::ast::{Bracket, Node, RelOp, Seq};
use crate::budget::{Budget, MAX_VARIABLES};
use crate::complex::C64;
use crate::config::Config;
use crate::exact::{exact, fold};
use crate::modular::{self, eval_mod, ModError, PRIMES};
use crate::numeric::{eval, EvalError};
use crate::prng::SplitMix64;

/// How an answer was found equal to the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The normalised strings are identical.
    String,
    /// Equal exact rationals.
    Rational,
    /// Equal within `rel_tol`.
    Numeric,
    /// Equal at random points of the free variables.
    Symbolic,
    /// Identical after constant folding (values too large to evaluate).
    Structural,
    /// Equal as words.
    Text,
    /// Equal element by element.
    Elementwise,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::String => "string",
            Method::Rational => "rational",
            Method::Numeric => "numeric",
            Method::Symbolic => "symbolic",
            Method::Structural => "structural",
            Method::Text => "text",
            Method::Elementwise => "elementwise",
        }
    }
}

const SEED: u64 = 0x6d61_7468_2d61_6363;

/// Below this scale two values are both taken as zero (`\sin\pi` vs `0`).
const ZERO_SCALE: f64 = 1e-9;

pub struct Comparator<'a> {
    cfg: &'a Config,
    budget: &'a mut Budget,
}

/// Ordered or not, for sequence comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SeqKind {
    Set,
    Bare,
    Ordered(Bracket, Bracket),
}

fn seq_kind(s: &Seq) -> SeqKind {
    match (s.open, s.close) {
        (Bracket::Brace, _) => SeqKind::Set,
        (Bracket::None, _) => SeqKind::Bare,
        (o, c) => SeqKind::Ordered(o, c),
    }
}

/// `+1` for `\infty`, `-1` for `-\infty`.
fn infinity_sign(n: &Node) -> Option<i8> {
    match n {
        Node::Infinity => Some(1),
        Node::Neg(x) => infinity_sign(x).map(|s| -s),
        Node::Sum(xs) if xs.len() == 1 => infinity_sign(&xs[0]),
        _ => None,
    }
}

impl<'a> Comparator<'a> {
    pub fn new(cfg: &'a Config, budget: &'a mut Budget) -> Self {
        Comparator { cfg, budget }
    }

    /// Whether any reading of the candidate equals any reading of the
    /// reference (see [`crate::answer::Answer::forms`]).
    pub fn answers(&mut self, cands: &[Node], refs: &[Node]) -> Option<Method> {
        for c in cands {
            for r in refs {
                if let Some(m) = self.equivalent(c, r) {
                    return Some(m);
                }
                if self.budget.exhausted() {
                    return None;
                }
            }
        }
        None
    }

    pub fn equivalent(&mut self, a: &Node, b: &Node) -> Option<Method> {
        self.budget.spend(1).ok()?;
        match (a, b) {
            (Node::Text(x), Node::Text(y)) => (x == y).then_some(Method::Text),
            (Node::Text(_), _) | (_, Node::Text(_)) => None,
            (Node::Seq(x), Node::Seq(y)) => self.seqs(x, y),
            (Node::Relation(..), _) | (_, Node::Relation(..)) => self.relations(a, b),
            (Node::Seq(s), other) | (other, Node::Seq(s))
                if s.open != Bracket::Paren && s.open != Bracket::Square =>
            {
                // `\{3\}` or `3, 3` against `3`.
                self.unordered(&s.items, std::slice::from_ref(other))
                    .then_some(Method::Elementwise)
            }
            (Node::Matrix(x), Node::Matrix(y)) => {
                let same_shape =
                    x.len() == y.len() && x.iter().zip(y).all(|(r, s)| r.len() == s.len());
                (same_shape && self.ordered(x.iter().flatten(), y.iter().flatten()))
                    .then_some(Method::Elementwise)
            }
            (Node::Matrix(m), Node::Seq(s)) | (Node::Seq(s), Node::Matrix(m)) => {
                // A row or column vector against a tuple.
                let vector = m.len() == 1 || m.iter().all(|r| r.len() == 1);
                let tuple = matches!(
                    seq_kind(s),
                    SeqKind::Ordered(Bracket::Paren, Bracket::Paren) | SeqKind::Bare
                );
                (vector && tuple && self.ordered(m.iter().flatten(), s.items.iter()))
                    .then_some(Method::Elementwise)
            }
            (Node::Union(x), Node::Union(y)) => self.unordered(x, y).then_some(Method::Elementwise),
            _ if !a.is_expression() || !b.is_expression() => None,
            _ => self.expressions(a, b),
        }
    }

    fn seqs(&mut self, x: &Seq, y: &Seq) -> Option<Method> {
        let equal = match (seq_kind(x), seq_kind(y)) {
            (SeqKind::Ordered(o1, c1), SeqKind::Ordered(o2, c2)) => {
                o1 == o2 && c1 == c2 && self.ordered(x.items.iter(), y.items.iter())
            }
            (SeqKind::Set | SeqKind::Bare, SeqKind::Set | SeqKind::Bare) => {
                self.unordered(&x.items, &y.items)
            }
            // `1, 2` written for the point `(1, 2)`.
            (SeqKind::Bare, SeqKind::Ordered(..)) | (SeqKind::Ordered(..), SeqKind::Bare) => {
                self.ordered(x.items.iter(), y.items.iter())
            }
            _ => false,
        };
        equal.then_some(Method::Elementwise)
    }

    fn ordered<'n>(
        &mut self,
        xs: impl Iterator<Item = &'n Node>,
        ys: impl Iterator<Item = &'n Node>,
    ) -> bool {
        let xs: Vec<&Node> = xs.collect();
        let ys: Vec<&Node> = ys.collect();
        xs.len() == ys.len()
            && xs
                .iter()
                .zip(&ys)
                .all(|(a, b)| self.equivalent(a, b).is_some())
    }

    /// Every element has an equal on the other side (set semantics).
    /// Elements with exact rational values pair up by value first, so large
    /// numeric sets cost O(n log n); the rest are compared pairwise.
    fn unordered(&mut self, xs: &[Node], ys: &[Node]) -> bool {
        if xs.is_empty() || ys.is_empty() {
            return xs.is_empty() && ys.is_empty();
        }
        let values = |ns: &[Node], budget: &mut Budget| -> Vec<Option<(i128, i128)>> {
            ns.iter()
                .map(|n| exact(n, budget).map(|r| (r.num(), r.den())))
                .collect()
        };
        let vx = values(xs, self.budget);
        let vy = values(ys, self.budget);
        let set_x: BTreeSet<(i128, i128)> = vx.iter().flatten().copied().collect();
        let set_y: BTreeSet<(i128, i128)> = vy.iter().flatten().copied().collect();
        self.covered(xs, &vx, ys, &set_y) && self.covered(ys, &vy, xs, &set_x)
    }

    /// Whether each of `xs` equals some element of `ys`.
    fn covered(
        &mut self,
        xs: &[Node],
        vx: &[Option<(i128, i128)>],
        ys: &[Node],
        set_y: &BTreeSet<(i128, i128)>,
    ) -> bool {
        for (x, v) in xs.iter().zip(vx) {
            if v.is_some_and(|v| set_y.contains(&v)) {
                continue;
            }
            let mut found = false;
            for y in ys {
                if self.equivalent(x, y).is_some() {
                    found = true;
                    break;
                }
                if self.budget.exhausted() {
                    return false;
                }
            }
            if !found {
                return false;
            }
        }
        true
    }

    fn relations(&mut self, a: &Node, b: &Node) -> Option<Method> {
        if let (Some(x), Some(y)) = (as_interval(a), as_interval(b)) {
            return self.seqs(&x, &y);
        }
        let (Node::Relation(sa, oa), Node::Relation(sb, ob)) = (a, b) else {
            return None;
        };
        if oa.len() == 1 && ob.len() == 1 && oa[0] == RelOp::Eq && ob[0] == RelOp::Eq {
            return self.equations(sa, sb);
        }
        if sa.len() != sb.len() {
            return None;
        }
        if oa == ob && self.ordered(sa.iter(), sb.iter()) {
            return Some(Method::Elementwise);
        }
        // `3 > x` is `x < 3`.
        let flipped: Vec<RelOp> = oa.iter().rev().map(|o| o.flipped()).collect();
        (flipped == *ob && self.ordered(sa.iter().rev(), sb.iter())).then_some(Method::Elementwise)
    }

    /// `l1 = r1` and `l2 = r2` are the same equation when `l1 - r1` is a
    /// nonzero constant multiple of `l2 - r2` (`2x + 2y = 2` is `x + y = 1`).
    fn equations(&mut self, sa: &[Node], sb: &[Node]) -> Option<Method> {
        let diff = |s: &[Node]| -> Option<Node> {
            Some(Node::Sum(vec![
                s.first()?.clone(),
                Node::Neg(Box::new(s.get(1)?.clone())),
            ]))
        };
        let (f, g) = (diff(sa)?, diff(sb)?);
        let vars = self.variables(&f, &g)?;
        if vars.is_empty() {
            return self
                .ordered(sa.iter(), sb.iter())
                .then_some(Method::Elementwise);
        }
        self.proportional(&f, &g, &vars).then_some(Method::Symbolic)
    }

    fn variables(&self, a: &Node, b: &Node) -> Option<Vec<String>> {
        let mut vars = BTreeSet::new();
        a.free_vars(&mut vars);
        b.free_vars(&mut vars);
        (vars.len() <= MAX_VARIABLES).then(|| vars.into_iter().collect())
    }

    fn expressions(&mut self, a: &Node, b: &Node) -> Option<Method> {
        if a.has_infinity() || b.has_infinity() {
            let (sa, sb) = (infinity_sign(a), infinity_sign(b));
            return (sa.is_some() && sa == sb).then_some(Method::Structural);
        }
        if let (Some(x), Some(y)) = (exact(a, self.budget), exact(b, self.budget)) {
            if x == y {
                return Some(Method::Rational);
            }
            // A decimal standing for a fraction with no finite expansion
            // (0.3333333 for 1/3) is judged by tolerance; otherwise unequal
            // rationals are simply different.
            let approximates =
                (a.has_decimal() && !y.terminates()) || (b.has_decimal() && !x.terminates());
            let close = approximates && self.close(C64::real(x.to_f64()), C64::real(y.to_f64()));
            return close.then_some(Method::Numeric);
        }
        let vars = match self.variables(a, b) {
            Some(v) => v,
            None => return self.structural(a, b),
        };
        if vars.is_empty() {
            self.constants(a, b)
        } else {
            self.symbolic(a, b, &vars)
        }
    }

    fn close(&self, x: C64, y: C64) -> bool {
        let scale = x.abs().max(y.abs()).max(ZERO_SCALE);
        (x - y).abs() <= self.cfg.rel_tol * scale
    }

    fn constants(&mut self, a: &Node, b: &Node) -> Option<Method> {
        // Exact residues, unless a rounded decimal is involved.
        let modular = if a.has_decimal() || b.has_decimal() {
            None
        } else {
            self.modular_equal(a, b, &[])
        };
        match (eval(a, &[], self.budget), eval(b, &[], self.budget)) {
            (Ok(x), Ok(y)) => match modular {
                // Floats agree but the exact values differ: 2^{400} vs 2^{400}+1.
                Some(false) => None,
                _ => self.close(x, y).then_some(Method::Numeric),
            },
            (Err(EvalError::Exhausted), _) | (_, Err(EvalError::Exhausted)) => None,
            _ => match modular {
                Some(true) => Some(Method::Rational),
                Some(false) => None,
                None => self.structural(a, b),
            },
        }
    }

    fn symbolic(&mut self, a: &Node, b: &Node, vars: &[String]) -> Option<Method> {
        if let Some(equal) = self.modular_equal(a, b, vars) {
            return equal.then_some(Method::Symbolic);
        }
        match self.float_points(a, b, vars) {
            Some(equal) => equal.then_some(Method::Symbolic),
            None => self.structural(a, b),
        }
    }

    fn structural(&mut self, a: &Node, b: &Node) -> Option<Method> {
        // A literal too long for an exact value has lost its digits.
        let inexact = |n: &Node| n.any(&|x| matches!(x, Node::Num(num) if num.exact.is_none()));
        if inexact(a) || inexact(b) {
            return None;
        }
        (fold(a, self.budget) == fold(b, self.budget)).then_some(Method::Structural)
    }

    /// `Some(equal)` when both sides are rational functions with rational
    /// coefficients, `None` when modular evaluation does not apply.
    fn modular_equal(&mut self, a: &Node, b: &Node, vars: &[String]) -> Option<bool> {
        let mut rng = SplitMix64::new(SEED);
        let points = if vars.is_empty() { 1 } else { 3 };
        for p in PRIMES {
            let mut valid = 0;
            for _ in 0..points * 3 {
                if valid == points {
                    break;
                }
                let env: Vec<(String, u64)> =
                    vars.iter().map(|v| (v.clone(), rng.below(p))).collect();
                let va = eval_mod(a, &env, p, self.budget);
                let vb = eval_mod(b, &env, p, self.budget);
                match (va, vb) {
                    (Ok(x), Ok(y)) if x != y => return Some(false),
                    (Ok(_), Ok(_)) => valid += 1,
                    (Err(ModError::Singular), _) | (_, Err(ModError::Singular)) => {}
                    _ => return None,
                }
            }
            if valid == 0 {
                return None;
            }
        }
        Some(true)
    }

    /// Points for floating-point evaluation: magnitudes in [0.5, 2.5), every
    /// third point negative so `|x|` and `x` (or `\sqrt{x^2}` and `x`) differ.
    /// A factorial of a variable (`(n+1)!`) needs whole numbers: 2 to 12.
    fn float_env(
        &self,
        vars: &[String],
        k: u32,
        integers: bool,
        rng: &mut SplitMix64,
    ) -> Vec<(String, C64)> {
        if integers {
            return vars
                .iter()
                .map(|v| (v.clone(), C64::real(2.0 + rng.below(11) as f64)))
                .collect();
        }
        let sign = if k % 3 == 2 { -1.0 } else { 1.0 };
        vars.iter()
            .map(|v| (v.clone(), C64::real(sign * (0.5 + 2.0 * rng.next_f64()))))
            .collect()
    }

    /// `Some(equal)` once enough points evaluated on both sides; `None` when
    /// too few did (or something has no numeric value).
    fn float_points(&mut self, a: &Node, b: &Node, vars: &[String]) -> Option<bool> {
        let mut rng = SplitMix64::new(SEED);
        let n = self.cfg.symbolic_points;
        let integers = needs_integers(a) || needs_integers(b);
        let mut valid = 0;
        for k in 0..n {
            let env = self.float_env(vars, k, integers, &mut rng);
            match (eval(a, &env, self.budget), eval(b, &env, self.budget)) {
                (Ok(x), Ok(y)) => {
                    if !self.close(x, y) {
                        return Some(false);
                    }
                    valid += 1;
                }
                (Err(EvalError::Undefined | EvalError::Overflow), _)
                | (_, Err(EvalError::Undefined | EvalError::Overflow)) => {}
                _ => return None,
            }
        }
        (valid >= (n / 2).max(2)).then_some(true)
    }

    /// Whether `f = c g` for a constant `c != 0` at every sampled point.
    fn proportional(&mut self, f: &Node, g: &Node, vars: &[String]) -> bool {
        let mut rng = SplitMix64::new(SEED);
        let p = PRIMES[0];
        let mut ratio = None;
        let mut modular_ok = true;
        for _ in 0..6 {
            let env: Vec<(String, u64)> = vars.iter().map(|v| (v.clone(), rng.below(p))).collect();
            match (
                eval_mod(f, &env, p, self.budget),
                eval_mod(g, &env, p, self.budget),
            ) {
                (Ok(x), Ok(y)) => {
                    let r = match (x, y) {
                        (0, 0) => continue,
                        (_, 0) | (0, _) => return false,
                        _ => match modular::div(x, y, p) {
                            Some(r) => r,
                            None => return false,
                        },
                    };
                    if *ratio.get_or_insert(r) != r {
                        return false;
                    }
                }
                (Err(ModError::Singular), _) | (_, Err(ModError::Singular)) => {}
                _ => {
                    modular_ok = false;
                    break;
                }
            }
        }
        if modular_ok && ratio.is_some() {
            return true;
        }
        let mut ratio: Option<C64> = None;
        let mut valid = 0;
        let integers = needs_integers(f) || needs_integers(g);
        for k in 0..self.cfg.symbolic_points {
            let env = self.float_env(vars, k, integers, &mut rng);
            if let (Ok(x), Ok(y)) = (eval(f, &env, self.budget), eval(g, &env, self.budget)) {
                let Some(r) = x.div(y) else { continue };
                if r.abs() < ZERO_SCALE {
                    return false;
                }
                if !self.close(*ratio.get_or_insert(r), r) {
                    return false;
                }
                valid += 1;
            }
        }
        valid >= 2
    }
}

/// Whether a factorial's argument has a free variable.
fn needs_integers(n: &Node) -> bool {
    n.any(&|x| match x {
        Node::Factorial(inner) => inner.any(&|y| matches!(y, Node::Var(_))),
        _ => false,
    })
}

/// An inequality in one variable as the interval it describes: `x > 3` is
/// `(3, \infty)`, `-1 \le x < 2` is `[-1, 2)`. A `Seq` interval is itself.
fn as_interval(n: &Node) -> Option<Seq> {
    let (sides, ops) = match n {
        Node::Seq(s) if matches!(seq_kind(s), SeqKind::Ordered(..)) && s.items.len() == 2 => {
            return Some(s.clone())
        }
        Node::Relation(sides, ops) => (sides, ops),
        _ => return None,
    };
    let is_var = |n: &Node| matches!(n, Node::Var(_));
    let constant = |n: &Node| {
        let mut v = BTreeSet::new();
        n.free_vars(&mut v);
        v.is_empty() && n.is_expression()
    };
    let bracket = |op: RelOp| match op {
        RelOp::Le | RelOp::Ge => Some((Bracket::Square, Bracket::Square)),
        RelOp::Lt | RelOp::Gt => Some((Bracket::Paren, Bracket::Paren)),
        _ => None,
    };
    let pos_inf = Node::Infinity;
    let neg_inf = Node::Neg(Box::new(Node::Infinity));
    let make = |lo: Node, lo_b: Bracket, hi: Node, hi_b: Bracket| Seq {
        open: lo_b,
        close: hi_b,
        items: vec![lo, hi],
    };
    match (sides.as_slice(), ops.as_slice()) {
        ([x, c], [op]) | ([c, x], [op]) if is_var(x) && constant(c) => {
            // Read as `x op c`.
            let op = if is_var(&sides[0]) { *op } else { op.flipped() };
            let (o, _) = bracket(op)?;
            match op {
                RelOp::Lt | RelOp::Le => Some(make(neg_inf, Bracket::Paren, c.clone(), o)),
                _ => Some(make(c.clone(), o, pos_inf, Bracket::Paren)),
            }
        }
        ([lo, x, hi], [op1, op2]) if is_var(x) && constant(lo) && constant(hi) => {
            let (b1, _) = bracket(*op1)?;
            let (b2, _) = bracket(*op2)?;
            let ascending =
                matches!(op1, RelOp::Lt | RelOp::Le) && matches!(op2, RelOp::Lt | RelOp::Le);
            let descending =
                matches!(op1, RelOp::Gt | RelOp::Ge) && matches!(op2, RelOp::Gt | RelOp::Ge);
            if ascending {
                Some(make(lo.clone(), b1, hi.clone(), b2))
            } else if descending {
                Some(make(hi.clone(), b2, lo.clone(), b1))
            } else {
                None
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::prepare;

    fn eq(a: &str, b: &str) -> bool {
        let cfg = Config::default();
        let mut budget = Budget::new(crate::budget::MAX_OPS);
        let (x, y) = (prepare(a), prepare(b));
        let (Ok(x), Ok(y)) = (x.node, y.node) else {
            panic!("{a} / {b} parse")
        };
        Comparator::new(&cfg, &mut budget)
            .equivalent(&x, &y)
            .is_some()
    }

    #[test]
    fn numbers() {
        assert!(eq("0.5", r"\frac{1}{2}"));
        assert!(eq(r"\frac{\sqrt{2}}{2}", r"\frac{1}{\sqrt{2}}"));
        assert!(eq("0.3333333333", r"\frac{1}{3}"));
        assert!(!eq("0.333", r"\frac{1}{3}"));
        assert!(!eq("1000001", "1000000"));
        assert!(!eq("2^{400}+1", "2^{400}"));
        assert!(eq("2^{400}", "4^{200}"));
        assert!(eq(r"\sin\pi", "0"));
        assert!(eq("9^{9^{9^9}}", "9^{9^{387420489}}"));
        assert!(!eq("9^{9^{9^9}}", "9^{9^{387420488}}"));
    }

    #[test]
    fn symbolic() {
        assert!(eq("2x+2", "2(x+1)"));
        assert!(!eq("2x+2", "2x+1"));
        assert!(eq(r"\frac{x^2-1}{x-1}", "x+1"));
        assert!(!eq("|x|", "x"));
        assert!(eq(r"\sin^2 x + \cos^2 x", "1"));
        assert!(eq(r"\sqrt{x}\cdot\sqrt{x}", "x"));
        assert!(!eq("x", "y"));
        assert!(eq("(n+1)!", "(n+1) n!"));
        assert!(!eq("(n+1)!", "n \\cdot n!"));
    }

    #[test]
    fn structures() {
        assert!(eq(r"\{1, 2\}", r"\{2, 1\}"));
        assert!(!eq("(1, 2)", "(2, 1)"));
        assert!(eq("[1, 2)", r"[1, \frac{4}{2})"));
        assert!(!eq("[1, 2)", "(1, 2)"));
        assert!(eq("x > 3", r"(3, \infty)"));
        assert!(eq(r"-1 \le x < 2", "[-1, 2)"));
        assert!(eq("3 > x", "x < 3"));
        assert!(eq("2x + 2y = 2", "x + y = 1"));
        assert!(!eq("x + y = 1", "x - y = 1"));
        assert!(eq(
            r"(-\infty, 1) \cup (2, \infty)",
            r"(2, \infty) \cup (-\infty, 1)"
        ));
    }

    #[test]
    fn intervals_from_inequalities() {
        let seq = |s: &str| as_interval(&prepare(s).node.expect("parses"));
        assert_eq!(
            seq("x >= 2").map(|s| (s.open, s.close)),
            Some((Bracket::Square, Bracket::Paren))
        );
        assert_eq!(
            seq("5 > x > 1").map(|s| (s.open, s.close)),
            Some((Bracket::Paren, Bracket::Paren))
        );
        assert_eq!(seq("x = 1"), None);
    }
}
