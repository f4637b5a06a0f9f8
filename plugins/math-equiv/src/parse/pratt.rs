//! The parser state and the operator layer: precedence climbing over
//! infix, prefix and postfix operators, juxtaposition and mixed numbers.

use super::{unexpected, ParseError};
use crate::ast::{Node, Number, RelOp};
use crate::budget::{MAX_DEPTH, MAX_ITEMS, MAX_PLUS_MINUS};
use crate::lexer::{Named, Tok, Token};
use crate::rational::Rat;

pub(super) fn boxed(n: Node) -> Box<Node> {
    Box::new(n)
}

pub(super) fn product(mut factors: Vec<Node>) -> Node {
    if factors.len() == 1 {
        factors.pop().unwrap_or(Node::Product(Vec::new()))
    } else {
        Node::Product(factors)
    }
}

/// Appends to an n-ary sum or product, keeping long chains flat.
fn push_sum(lhs: Node, rhs: Node) -> Node {
    match lhs {
        Node::Sum(mut xs) => {
            xs.push(rhs);
            Node::Sum(xs)
        }
        other => Node::Sum(vec![other, rhs]),
    }
}

fn push_product(lhs: Node, rhs: Node) -> Node {
    match lhs {
        Node::Product(mut xs) => {
            xs.push(rhs);
            Node::Product(xs)
        }
        other => Node::Product(vec![other, rhs]),
    }
}

/// A non-negative integer literal such as the `3` of a mixed number.
fn plain_integer(n: &Node) -> bool {
    matches!(n, Node::Num(Number { exact: Some(r), decimal: false, .. }) if r.is_integer() && r.num() >= 0)
}

// Binding powers.
pub(super) const UNION: u8 = 1;
pub(super) const RELATION: u8 = 2;
pub(super) const SUM: u8 = 3;
pub(super) const TERM: u8 = 4;
pub(super) const UNARY: u8 = 5;
pub(super) const POWER: u8 = 6;
pub(super) const POSTFIX: u8 = 7;

#[derive(Debug, Clone, Copy)]
enum Infix {
    Union,
    Rel(RelOp),
    Add,
    Sub,
    PlusMinus { minus: bool },
    Mul,
    Div,
    Juxtapose,
    Pow,
    Factorial,
}

impl Infix {
    pub(super) fn binding(self) -> u8 {
        match self {
            Infix::Union => UNION,
            Infix::Rel(_) => RELATION,
            Infix::Add | Infix::Sub | Infix::PlusMinus { .. } => SUM,
            Infix::Mul | Infix::Div | Infix::Juxtapose => TERM,
            Infix::Pow => POWER,
            Infix::Factorial => POSTFIX,
        }
    }
}

pub(crate) struct Parser {
    pub(super) toks: Vec<Token>,
    pub(super) pos: usize,
    pub(super) depth: usize,
    /// Open `|...|` bars; inside one a `|` closes instead of opening.
    pub(super) in_abs: usize,
    pub(super) plus_minus: usize,
}

pub(super) type Parsed = Result<Node, ParseError>;

impl Parser {
    pub(super) fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    pub(super) fn peek_at(&self, k: usize) -> Option<&Tok> {
        self.toks.get(self.pos + k).map(|t| &t.tok)
    }

    pub(super) fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|t| t.tok.clone());
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    pub(super) fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(super) fn expect(&mut self, t: &Tok, what: &'static str) -> Result<(), ParseError> {
        if self.eat(t) {
            Ok(())
        } else if self.peek().is_none() {
            Err(ParseError::Unclosed(what))
        } else {
            Err(unexpected(self.peek()))
        }
    }

    /// Enters a nested construct. Its matching `leave` is skipped on errors,
    /// which is fine: an error abandons the whole parse.
    pub(super) fn enter(&mut self) -> Result<(), ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(ParseError::TooDeep);
        }
        self.depth += 1;
        Ok(())
    }

    pub(super) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Comma-separated items (at the top or inside brackets, where `|` bars
    /// from outside do not apply).
    #[inline(always)]
    pub(super) fn items(&mut self) -> Result<Vec<Node>, ParseError> {
        let saved = self.in_abs;
        self.in_abs = 0;
        let mut items = vec![self.expr(0)?];
        while matches!(self.peek(), Some(Tok::Op(',' | ';'))) {
            self.pos += 1;
            if items.len() >= MAX_ITEMS {
                return Err(ParseError::TooLong);
            }
            items.push(self.expr(0)?);
        }
        self.in_abs = saved;
        Ok(items)
    }

    /// An expression whose operators all bind at least as tightly as `min`.
    ///
    /// This and the functions it recurses through (`prefix`, `primary`,
    /// `compound`, `tex_arg`, `bracket`, `items`) sit on the stack once per
    /// nesting level, so their work lives in non-inlined helpers that keep
    /// these frames small.
    pub(super) fn expr(&mut self, min: u8) -> Parsed {
        let signed = matches!(
            self.peek(),
            Some(Tok::Op('+' | '-') | Tok::Name(Named::PlusMinus | Named::MinusPlus))
        );
        let mut lhs = if signed {
            self.prefix()?
        } else {
            self.primary()?
        };
        let mut length = 0usize;
        while let Some(op) = self.infix(min, &lhs) {
            length += 1;
            if length > MAX_ITEMS * 8 {
                return Err(ParseError::TooLong);
            }
            lhs = self.apply(op, lhs)?;
        }
        Ok(lhs)
    }

    /// The infix operator ahead, if it binds at least as tightly as `min`.
    fn infix(&self, min: u8, lhs: &Node) -> Option<Infix> {
        let op = match self.peek() {
            Some(Tok::Name(Named::Cup)) => Infix::Union,
            Some(Tok::Rel(r)) => Infix::Rel(*r),
            Some(Tok::Op('+')) => Infix::Add,
            Some(Tok::Op('-')) => Infix::Sub,
            Some(Tok::Name(Named::PlusMinus)) => Infix::PlusMinus { minus: false },
            Some(Tok::Name(Named::MinusPlus)) => Infix::PlusMinus { minus: true },
            Some(Tok::Op('*')) | Some(Tok::Name(Named::Times)) => Infix::Mul,
            Some(Tok::Op('/' | ':')) | Some(Tok::Name(Named::Divide)) => Infix::Div,
            Some(Tok::Op('^')) => Infix::Pow,
            Some(Tok::Op('!')) => Infix::Factorial,
            _ if self.starts_implicit_factor(lhs) => Infix::Juxtapose,
            _ => return None,
        };
        (op.binding() >= min).then_some(op)
    }

    #[inline(never)]
    fn apply(&mut self, op: Infix, lhs: Node) -> Parsed {
        if !matches!(op, Infix::Juxtapose) {
            self.pos += 1;
        }
        Ok(match op {
            Infix::Union => {
                let rhs = self.expr(UNION + 1)?;
                match lhs {
                    Node::Union(mut parts) => {
                        parts.push(rhs);
                        Node::Union(parts)
                    }
                    other => Node::Union(vec![other, rhs]),
                }
            }
            Infix::Rel(r) => {
                let rhs = self.expr(RELATION + 1)?;
                match lhs {
                    Node::Relation(mut sides, mut ops) => {
                        sides.push(rhs);
                        ops.push(r);
                        Node::Relation(sides, ops)
                    }
                    other => Node::Relation(vec![other, rhs], vec![r]),
                }
            }
            Infix::Add => push_sum(lhs, self.expr(TERM)?),
            Infix::Sub => push_sum(lhs, Node::Neg(boxed(self.expr(TERM)?))),
            Infix::PlusMinus { minus } => {
                let rhs = self.plus_minus_operand(minus)?;
                Node::PlusMinus(boxed(lhs), boxed(rhs))
            }
            Infix::Mul => push_product(lhs, self.expr(UNARY)?),
            Infix::Div => push_product(lhs, Node::Recip(boxed(self.expr(UNARY)?))),
            Infix::Juxtapose => match self.mixed_number(&lhs)? {
                Some(mixed) => mixed,
                None => push_product(lhs, self.expr(POWER)?),
            },
            Infix::Pow => {
                self.enter()?;
                let rhs = self.expr(POWER)?;
                self.leave();
                Node::Pow(boxed(lhs), boxed(rhs))
            }
            Infix::Factorial => {
                if matches!(&lhs, Node::Factorial(x) if matches!(&**x, Node::Factorial(_))) {
                    return Err(ParseError::Limit("factorial signs"));
                }
                Node::Factorial(boxed(lhs))
            }
        })
    }

    fn plus_minus_operand(&mut self, minus: bool) -> Parsed {
        self.plus_minus += 1;
        if self.plus_minus > MAX_PLUS_MINUS {
            return Err(ParseError::Limit("± signs"));
        }
        let t = self.expr(TERM)?;
        Ok(if minus { Node::Neg(boxed(t)) } else { t })
    }

    /// Signs or a leading `\pm`, then an operand.
    #[inline(never)]
    fn prefix(&mut self) -> Parsed {
        match self.peek() {
            Some(Tok::Op('+' | '-')) => {
                let mut negative = false;
                while let Some(Tok::Op(c @ ('+' | '-'))) = self.peek() {
                    if *c == '-' {
                        negative = !negative;
                    }
                    self.pos += 1;
                }
                self.enter()?;
                let operand = self.expr(UNARY)?;
                self.leave();
                Ok(if negative {
                    Node::Neg(boxed(operand))
                } else {
                    operand
                })
            }
            Some(Tok::Name(n @ (Named::PlusMinus | Named::MinusPlus))) => {
                let minus = *n == Named::MinusPlus;
                self.pos += 1;
                self.enter()?;
                let operand = self.plus_minus_operand(minus)?;
                self.leave();
                Ok(Node::PlusMinus(boxed(Node::num(Rat::ZERO)), boxed(operand)))
            }
            _ => self.primary(),
        }
    }

    /// `3\frac{1}{2}` and `3 1/2` are 3 + 1/2 when the fraction is proper.
    #[inline(never)]
    fn mixed_number(&mut self, first: &Node) -> Result<Option<Node>, ParseError> {
        let (negative, whole) = match first {
            Node::Neg(inner) if plain_integer(inner) => (true, (**inner).clone()),
            n if plain_integer(n) => (false, n.clone()),
            _ => return Ok(None),
        };
        let proper = |n: &Node, d: &Node| match (n, d) {
            (Node::Num(a), Node::Num(b)) => {
                plain_integer(n)
                    && plain_integer(d)
                    && matches!((a.exact, b.exact), (Some(x), Some(y)) if x.num() < y.num())
            }
            _ => false,
        };
        let frac = match (self.peek(), self.peek_at(1), self.peek_at(2)) {
            (Some(Tok::Name(Named::Frac)), _, _) => {
                let f = self.expr(POWER)?;
                match &f {
                    Node::Div(n, d) if proper(n, d) => f,
                    // Not a mixed number: the parsed fraction is the next factor.
                    _ => return Ok(Some(push_product(first.clone(), f))),
                }
            }
            (Some(Tok::Num(_)), Some(Tok::Op('/')), Some(Tok::Num(_)))
                if self.toks.get(self.pos).is_some_and(|t| t.spaced) =>
            {
                let n = self.primary()?;
                self.pos += 1;
                let d = self.primary()?;
                if !proper(&n, &d) {
                    return Err(ParseError::Unexpected("number after number".to_string()));
                }
                Node::Div(boxed(n), boxed(d))
            }
            _ => return Ok(None),
        };
        let mixed = Node::Sum(vec![whole, frac]);
        Ok(Some(if negative {
            Node::Neg(boxed(mixed))
        } else {
            mixed
        }))
    }

    fn starts_implicit_factor(&self, prev: &Node) -> bool {
        match self.peek() {
            // `2 3` is no product (a missing operator or separator), but
            // `3 1/2` is a mixed number.
            Some(Tok::Num(_)) => {
                !matches!(prev, Node::Num(_))
                    || (self.toks.get(self.pos).is_some_and(|t| t.spaced)
                        && self.peek_at(1) == Some(&Tok::Op('/'))
                        && matches!(self.peek_at(2), Some(Tok::Num(_))))
            }
            Some(Tok::Letter(_) | Tok::Cmd(_) | Tok::Open('(' | '{')) => true,
            Some(Tok::Name(n)) => matches!(
                n,
                Named::Frac
                    | Named::Sqrt
                    | Named::Binom
                    | Named::Pi
                    | Named::Infinity
                    | Named::Func(_)
                    | Named::LFloor
                    | Named::LCeil
                    | Named::Ellipsis
            ),
            Some(Tok::Op('|')) => self.in_abs == 0,
            _ => false,
        }
    }
}
