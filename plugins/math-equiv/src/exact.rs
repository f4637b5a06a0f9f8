//! Exact evaluation over rationals, and constant folding for the structural
//! comparison of values too large to evaluate.

use crate::ast::{Func, Node};
use crate::budget::Budget;
use crate::rational::Rat;

/// The exact rational value of `node`, if it has one that fits in `i128`.
pub fn exact(node: &Node, budget: &mut Budget) -> Option<Rat> {
    budget.spend(1).ok()?;
    match node {
        Node::Num(n) => n.exact,
        Node::Neg(x) => exact(x, budget)?.neg(),
        Node::Sum(xs) => xs
            .iter()
            .try_fold(Rat::ZERO, |acc, x| acc.add(exact(x, budget)?)),
        Node::Product(xs) => xs
            .iter()
            .try_fold(Rat::ONE, |acc, x| acc.mul(exact(x, budget)?)),
        Node::Recip(x) => exact(x, budget)?.recip(),
        Node::Div(a, b) => {
            let n = exact(a, budget)?;
            n.div(exact(b, budget)?)
        }
        Node::Pow(a, b) => {
            // The exponent first: a huge one fails fast.
            let e = exact(b, budget)?;
            let base = exact(a, budget)?;
            if e.is_integer() {
                base.pow(e.num())
            } else if e.den() == 2 || e.den() == 3 {
                base.root(u32::try_from(e.den()).ok()?)?.pow(e.num())
            } else {
                None
            }
        }
        Node::Call(Func::Sqrt, args) => exact(args.first()?, budget)?.root(2),
        Node::Call(Func::Root, args) => {
            let k = exact(args.first()?, budget)?;
            let x = exact(args.get(1)?, budget)?;
            match (k.is_integer(), k.num()) {
                (true, 2) => x.root(2),
                (true, 3) => x.root(3),
                _ => None,
            }
        }
        Node::Call(Func::Abs, args) => exact(args.first()?, budget)?.abs(),
        Node::Call(Func::Floor, args) => Some(exact(args.first()?, budget)?.floor()),
        Node::Call(Func::Ceil, args) => exact(args.first()?, budget)?.ceil(),
        Node::Call(Func::Binom, args) => {
            let n = exact(args.first()?, budget)?;
            let k = exact(args.get(1)?, budget)?;
            binom(n, k, budget)
        }
        Node::Factorial(x) => {
            let n = exact(x, budget)?;
            if !n.is_integer() || !(0..=33).contains(&n.num()) {
                return None;
            }
            (1..=n.num()).try_fold(Rat::ONE, |acc, k| acc.mul(Rat::int(k)?))
        }
        _ => None,
    }
}

/// `n choose k` for an integer `k >= 0` (any rational `n`), by the falling
/// factorial; `k < 0` gives 0.
fn binom(n: Rat, k: Rat, budget: &mut Budget) -> Option<Rat> {
    if !k.is_integer() {
        return None;
    }
    if k.num() < 0 {
        return Some(Rat::ZERO);
    }
    let k = u64::try_from(k.num()).ok().filter(|k| *k <= 1000)?;
    budget.spend(k).ok()?;
    let mut acc = Rat::ONE;
    for i in 0..k {
        let i = Rat::int(i128::from(i))?;
        acc = acc.mul(n.sub(i)?)?.div(i.add(Rat::ONE)?)?;
    }
    Some(acc)
}

/// `node` with every subtree that has an exact value replaced by that value,
/// so `9^{9^9}` and `9^{387420489}` become the same tree.
pub fn fold(node: &Node, budget: &mut Budget) -> Node {
    let rebuilt = match node {
        Node::Neg(x) => Node::Neg(Box::new(fold(x, budget))),
        Node::Recip(x) => Node::Recip(Box::new(fold(x, budget))),
        Node::Factorial(x) => Node::Factorial(Box::new(fold(x, budget))),
        Node::Div(a, b) => Node::Div(Box::new(fold(a, budget)), Box::new(fold(b, budget))),
        Node::Pow(a, b) => Node::Pow(Box::new(fold(a, budget)), Box::new(fold(b, budget))),
        Node::Sum(xs) => Node::Sum(xs.iter().map(|x| fold(x, budget)).collect()),
        Node::Product(xs) => Node::Product(xs.iter().map(|x| fold(x, budget)).collect()),
        Node::Call(f, xs) => Node::Call(*f, xs.iter().map(|x| fold(x, budget)).collect()),
        other => other.clone(),
    };
    // Children are folded already, so this evaluation is shallow.
    match exact(&rebuilt, budget) {
        Some(r) => Node::num(r),
        None => rebuilt,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    fn ex(s: &str) -> Option<Rat> {
        exact(&parse(s).expect("parses"), &mut Budget::new(100_000))
    }

    #[test]
    fn exact_values() {
        assert_eq!(ex(r"\frac{3}{4} + 0.25"), Rat::int(1));
        assert_eq!(ex("2^{-3}"), Rat::new(1, 8));
        assert_eq!(ex(r"\sqrt{\frac{9}{4}}"), Rat::new(3, 2));
        assert_eq!(ex("8^{2/3}"), Rat::int(4));
        assert_eq!(ex("5!"), Rat::int(120));
        assert_eq!(ex(r"\binom{10}{3}"), Rat::int(120));
        assert_eq!(ex(r"\lfloor 3.7 \rfloor"), Rat::int(3));
        assert_eq!(ex(r"\sqrt{2}"), None);
        assert_eq!(ex(r"\pi"), None);
        assert_eq!(ex("2^{200}"), None);
        assert_eq!(ex("(10^8)!"), None);
        assert_eq!(ex("9^{9^{9^{9^9}}}"), None);
    }

    #[test]
    fn folding_makes_equal_towers_equal() {
        let mut b = Budget::new(100_000);
        let a = fold(&parse("9^{9^{9^9}}").expect("parses"), &mut b);
        let c = fold(&parse("9^{9^{387420489}}").expect("parses"), &mut b);
        assert_eq!(a, c);
        let d = fold(&parse("9^{9^{387420488}}").expect("parses"), &mut b);
        assert_ne!(a, d);
    }
}
