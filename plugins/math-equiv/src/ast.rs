//! The parsed form of an answer: arithmetic expressions plus the structures
//! answers come in (lists, sets, intervals, matrices, relations, text).

use std::collections::BTreeSet;

use crate::rational::Rat;

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Num(Number),
    /// A free symbol: a letter, a Greek or unknown command, maybe subscripted.
    Var(String),
    Const(Constant),
    Infinity,
    Neg(Box<Node>),
    Sum(Vec<Node>),
    Product(Vec<Node>),
    /// `1/x`; division inside a product is kept flat so a long chain of
    /// factors never nests deeply.
    Recip(Box<Node>),
    /// `\frac{a}{b}`.
    Div(Box<Node>, Box<Node>),
    Pow(Box<Node>, Box<Node>),
    Call(Func, Vec<Node>),
    Factorial(Box<Node>),
    /// `a ± b`, expanded into two answers before comparison.
    PlusMinus(Box<Node>, Box<Node>),
    Seq(Seq),
    Matrix(Vec<Vec<Node>>),
    /// A chain `s0 op0 s1 op1 s2 ...`.
    Relation(Vec<Node>, Vec<RelOp>),
    /// Intervals joined by `\cup`.
    Union(Vec<Node>),
    /// An answer in words, compared case-insensitively.
    Text(String),
}

/// A numeric literal: exact when it fits, always approximated.
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    pub exact: Option<Rat>,
    pub approx: f64,
    /// Written with a decimal point or exponent, i.e. possibly rounded.
    pub decimal: bool,
}

impl Number {
    pub fn from_rat(r: Rat) -> Number {
        Number {
            exact: Some(r),
            approx: r.to_f64(),
            decimal: false,
        }
    }

    pub fn literal(text: &str) -> Number {
        Number {
            exact: Rat::parse_decimal(text),
            approx: text.parse::<f64>().unwrap_or(f64::NAN),
            decimal: text.contains(['.', 'e', 'E']),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constant {
    Pi,
    E,
    I,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bracket {
    /// A bare comma-separated list.
    None,
    Paren,
    Square,
    /// Set braces `\{ \}`.
    Brace,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Seq {
    pub open: Bracket,
    pub close: Bracket,
    pub items: Vec<Node>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelOp {
    Eq,
    Approx,
    In,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl RelOp {
    /// The operator seen from the other side: `a < b` is `b > a`.
    pub fn flipped(self) -> RelOp {
        match self {
            RelOp::Lt => RelOp::Gt,
            RelOp::Le => RelOp::Ge,
            RelOp::Gt => RelOp::Lt,
            RelOp::Ge => RelOp::Le,
            other => other,
        }
    }

    /// `=`, `\approx` and `\in` introduce a value rather than a condition.
    pub fn is_assignment(self) -> bool {
        matches!(self, RelOp::Eq | RelOp::Approx | RelOp::In)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Sqrt,
    /// `\sqrt[n]{x}`: arguments `[n, x]`.
    Root,
    Exp,
    Ln,
    /// `\log_b x`: arguments `[b, x]`.
    Log,
    Sin,
    Cos,
    Tan,
    Cot,
    Sec,
    Csc,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Abs,
    Floor,
    Ceil,
    /// `\binom{n}{k}`: arguments `[n, k]`.
    Binom,
}

impl Func {
    /// The inverse written as `f^{-1}`, for the trigonometric functions.
    pub fn inverse(self) -> Option<Func> {
        match self {
            Func::Sin => Some(Func::Asin),
            Func::Cos => Some(Func::Acos),
            Func::Tan => Some(Func::Atan),
            _ => None,
        }
    }
}

impl Node {
    pub fn num(r: Rat) -> Node {
        Node::Num(Number::from_rat(r))
    }

    /// Calls `f` on each direct child.
    pub fn for_each_child(&self, f: &mut dyn FnMut(&Node)) {
        match self {
            Node::Neg(x) | Node::Recip(x) | Node::Factorial(x) => f(x),
            Node::Div(a, b) | Node::Pow(a, b) | Node::PlusMinus(a, b) => {
                f(a);
                f(b);
            }
            Node::Sum(xs) | Node::Product(xs) | Node::Call(_, xs) | Node::Union(xs) => {
                xs.iter().for_each(&mut *f)
            }
            Node::Relation(xs, _) => xs.iter().for_each(&mut *f),
            Node::Seq(s) => s.items.iter().for_each(&mut *f),
            Node::Matrix(rows) => rows.iter().flatten().for_each(&mut *f),
            Node::Num(_) | Node::Var(_) | Node::Const(_) | Node::Infinity | Node::Text(_) => {}
        }
    }

    /// Whether `pred` holds for this node or any descendant.
    pub fn any(&self, pred: &dyn Fn(&Node) -> bool) -> bool {
        if pred(self) {
            return true;
        }
        let mut found = false;
        self.for_each_child(&mut |c| found = found || c.any(pred));
        found
    }

    pub fn free_vars(&self, out: &mut BTreeSet<String>) {
        if let Node::Var(name) = self {
            out.insert(name.clone());
        }
        self.for_each_child(&mut |c| c.free_vars(out));
    }

    /// Whether a decimal literal (a possibly rounded value) occurs.
    pub fn has_decimal(&self) -> bool {
        self.any(&|n| matches!(n, Node::Num(Number { decimal: true, .. })))
    }

    pub fn has_infinity(&self) -> bool {
        self.any(&|n| matches!(n, Node::Infinity))
    }

    /// Whether this is a plain arithmetic expression (no structure, text or
    /// relation anywhere inside).
    pub fn is_expression(&self) -> bool {
        !self.any(&|n| {
            matches!(
                n,
                Node::Seq(_)
                    | Node::Matrix(_)
                    | Node::Relation(..)
                    | Node::Union(_)
                    | Node::Text(_)
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_finds_vars_decimals_and_structure() {
        let n = Node::Sum(vec![
            Node::Var("x".into()),
            Node::Pow(
                Box::new(Node::Var("y".into())),
                Box::new(Node::Num(Number::literal("0.5"))),
            ),
        ]);
        let mut vars = BTreeSet::new();
        n.free_vars(&mut vars);
        assert_eq!(
            vars.into_iter().collect::<Vec<_>>(),
            vec!["x".to_string(), "y".to_string()]
        );
        assert!(n.has_decimal());
        assert!(n.is_expression());
        let s = Node::Seq(Seq {
            open: Bracket::Paren,
            close: Bracket::Paren,
            items: vec![n],
        });
        assert!(!s.is_expression());
        assert!(!s.has_infinity());
    }
}
