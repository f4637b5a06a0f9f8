//! Parser from tokens to [`Node`]: precedence climbing (Pratt), which
//! keeps the recursion per nesting level short.
//!
//! Binding, loosest first: list (`,` `;`, only inside brackets or at the
//! top) > union (`\cup`) > relation (`= < \le ...`) > sum (`+ - \pm`) >
//! term (`* / \cdot`, juxtaposition) > unary sign > power (`^`,
//! right-associative) > postfix `!`. TeX argument rules apply (`\frac12` is
//! `\frac{1}{2}`), while a bare exponent takes a whole number (`x^10` is
//! `x^{10}`, as in plain text). Each nested construct counts against
//! [`MAX_DEPTH`](crate::budget::MAX_DEPTH).

mod pratt;
mod primary;

use std::fmt;

use crate::ast::{Bracket, Node, Seq};
use crate::lexer::{tokenize, Tok};

use pratt::Parser;

#[derive(Debug, Clone, PartialEq)]
pub enum ParseError {
    Empty,
    TooLong,
    TooDeep,
    /// More of something than the parser accepts (`!!!!`, five `\pm`).
    Limit(&'static str),
    Unexpected(String),
    Unclosed(&'static str),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Empty => write!(f, "empty"),
            ParseError::TooLong => write!(f, "too long"),
            ParseError::TooDeep => write!(f, "nested too deeply"),
            ParseError::Limit(what) => write!(f, "too many {what}"),
            ParseError::Unexpected(what) => write!(f, "unexpected {what}"),
            ParseError::Unclosed(what) => write!(f, "unclosed {what}"),
        }
    }
}

/// Parses a normalised answer. Prose (any word that is not a math name, or
/// a character with no math meaning) becomes [`Node::Text`].
pub fn parse(text: &str) -> Result<Node, ParseError> {
    let toks = tokenize(text)?;
    if toks.is_empty() {
        return Err(ParseError::Empty);
    }
    if toks
        .iter()
        .any(|t| matches!(t.tok, Tok::Word(_) | Tok::Other))
    {
        return Ok(Node::Text(text_key(text)));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
        in_abs: 0,
        plus_minus: 0,
    };
    let mut items = p.items()?;
    if let Some(t) = p.peek() {
        return Err(unexpected(Some(t)));
    }
    Ok(if items.len() == 1 {
        items.pop().unwrap_or(Node::Text(String::new()))
    } else {
        Node::Seq(Seq {
            open: Bracket::None,
            close: Bracket::None,
            items,
        })
    })
}

/// Text answers compare case- and spacing-insensitively.
pub fn text_key(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .join(" ")
        .trim_matches(|c: char| c == '.' || c == ',')
        .to_lowercase()
}

pub(crate) fn unexpected(t: Option<&Tok>) -> ParseError {
    ParseError::Unexpected(match t {
        None => "end of answer".to_string(),
        Some(Tok::Num(n)) => format!("number {}", n.chars().take(16).collect::<String>()),
        Some(Tok::Op(c)) | Some(Tok::Open(c)) | Some(Tok::Close(c)) => format!("`{c}`"),
        Some(Tok::Rel(_)) => "relation".to_string(),
        Some(other) => format!("{other:?}").chars().take(24).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{Func, Number, RelOp};
    use crate::budget::MAX_DEPTH;
    use crate::rational::Rat;

    fn boxed(n: Node) -> Box<Node> {
        Box::new(n)
    }

    fn num(n: i128) -> Node {
        Node::Num(Number::literal(&n.to_string()))
    }

    fn var(v: &str) -> Node {
        Node::Var(v.to_string())
    }

    #[test]
    fn fractions_with_and_without_braces_agree() {
        let expected = Node::Div(boxed(num(1)), boxed(num(2)));
        assert_eq!(parse(r"\frac{1}{2}"), Ok(expected.clone()));
        assert_eq!(parse(r"\frac12"), Ok(expected.clone()));
        assert_eq!(parse(r"\frac1{2}"), Ok(expected));
        assert_eq!(
            parse(r"\frac123"),
            Ok(Node::Product(vec![
                Node::Div(boxed(num(1)), boxed(num(2))),
                num(3)
            ]))
        );
    }

    #[test]
    fn mixed_numbers_and_implicit_products() {
        let mixed = Node::Sum(vec![num(3), Node::Div(boxed(num(1)), boxed(num(2)))]);
        assert_eq!(parse(r"3\frac{1}{2}"), Ok(mixed.clone()));
        assert_eq!(parse("3 1/2"), Ok(mixed.clone()));
        assert_eq!(parse(r"-3\frac12"), Ok(Node::Neg(boxed(mixed))));
        assert_eq!(parse("2x"), Ok(Node::Product(vec![num(2), var("x")])));
        assert!(parse("2 3").is_err());
    }

    #[test]
    fn powers_are_right_associative_and_take_whole_numbers() {
        assert_eq!(
            parse("2^3^2"),
            Ok(Node::Pow(
                boxed(num(2)),
                boxed(Node::Pow(boxed(num(3)), boxed(num(2))))
            ))
        );
        assert_eq!(
            parse("x^10"),
            Ok(Node::Pow(boxed(var("x")), boxed(num(10))))
        );
        assert_eq!(
            parse("-x^2"),
            Ok(Node::Neg(boxed(Node::Pow(boxed(var("x")), boxed(num(2))))))
        );
    }

    #[test]
    fn structures() {
        let Ok(Node::Seq(s)) = parse("[1, 2)") else {
            panic!("interval")
        };
        assert_eq!(
            (s.open, s.close, s.items.len()),
            (Bracket::Square, Bracket::Paren, 2)
        );
        let Ok(Node::Seq(s)) = parse(r"\{3, 1\}") else {
            panic!("set")
        };
        assert_eq!(s.open, Bracket::Brace);
        assert!(matches!(
            parse("1, 2"),
            Ok(Node::Seq(Seq {
                open: Bracket::None,
                ..
            }))
        ));
        assert!(matches!(parse("x = 3"), Ok(Node::Relation(_, ops)) if ops == vec![RelOp::Eq]));
        assert!(
            matches!(parse(r"(-\infty, 1) \cup (2, \infty)"), Ok(Node::Union(u)) if u.len() == 2)
        );
        assert!(matches!(
            parse(r"\begin{pmatrix}1 & 2\\3 & 4\end{pmatrix}"),
            Ok(Node::Matrix(rows)) if rows.len() == 2 && rows[0].len() == 2
        ));
        assert!(matches!(parse(r"1 \pm \sqrt{2}"), Ok(Node::PlusMinus(..))));
        assert_eq!(parse("Monday"), Ok(Node::Text("monday".into())));
    }

    #[test]
    fn functions_and_bars() {
        assert_eq!(
            parse(r"\sin 2x"),
            Ok(Node::Call(
                Func::Sin,
                vec![Node::Product(vec![num(2), var("x")])]
            ))
        );
        assert!(matches!(
            parse(r"\sin^{-1} x"),
            Ok(Node::Call(Func::Asin, _))
        ));
        assert!(matches!(parse(r"\sin^2 x"), Ok(Node::Pow(..))));
        assert!(matches!(parse(r"\log_2 8"), Ok(Node::Call(Func::Log, a)) if a.len() == 2));
        assert!(matches!(parse("|x-1| + |x|"), Ok(Node::Sum(t)) if t.len() == 2));
        assert!(matches!(
            parse(r"\sqrt[3]{x}"),
            Ok(Node::Call(Func::Root, _))
        ));
        assert_eq!(parse("x_{12}"), Ok(var("x_12")));
        assert_eq!(parse("0.5").map(|n| matches!(n, Node::Num(Number { exact: Some(r), .. }) if r == Rat::new(1, 2).unwrap_or(Rat::ZERO))), Ok(true));
    }

    #[test]
    fn malformed_input_is_an_error() {
        for bad in [
            "",
            "(",
            "1+",
            r"\frac{1}{",
            "(1]",
            "()",
            "x^",
            "|x",
            "1,",
            r"\begin{cases}x\end{cases}",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
        let deep = format!(
            "{}1{}",
            "(".repeat(MAX_DEPTH + 5),
            ")".repeat(MAX_DEPTH + 5)
        );
        assert_eq!(parse(&deep), Err(ParseError::TooDeep));
    }
}
