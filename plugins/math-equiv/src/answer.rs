//! An answer (or reference) made ready for comparison: its normalised string
//! key, its parsed form with equation labels removed (`x = 3` -> `3`) and
//! `±` expanded into separate values.

use crate::ast::{Bracket, Node, Seq};
use crate::budget::{MAX_ANSWER_BYTES, MAX_PLUS_MINUS};
use crate::normalize::normalize;
use crate::parse::{parse, ParseError};
use crate::rational::Rat;

#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The normalised text without whitespace, for the exact-string step.
    pub key: String,
    pub percent: bool,
    pub node: Result<Node, ParseError>,
    /// The whole equation when a label was removed (`y = -x + 1`), to compare
    /// with a reference that is an equation (`x + y = 1`).
    pub equation: Option<Node>,
}

pub fn prepare(raw: &str) -> Answer {
    if raw.len() > MAX_ANSWER_BYTES {
        return Answer {
            key: String::new(),
            percent: false,
            node: Err(ParseError::TooLong),
            equation: None,
        };
    }
    let n = normalize(raw);
    let parsed = if n.text.is_empty() {
        Err(ParseError::Empty)
    } else {
        parse(&n.text)
    };
    let equation = match &parsed {
        Ok(relation @ Node::Relation(sides, _))
            if sides.len() == 2 && label_value(relation).is_some() =>
        {
            Some(relation.clone())
        }
        _ => None,
    };
    Answer {
        key: string_key(&n.text),
        percent: n.percent,
        node: parsed.map(strip_labels).map(expand_plus_minus),
        equation,
    }
}

impl Answer {
    /// The readings to compare: the value, the value as a percentage
    /// (n/100) when asked for, and the full equation.
    pub fn forms(&self, percent_both: bool) -> Vec<Node> {
        let Ok(node) = &self.node else {
            return Vec::new();
        };
        let mut forms = vec![node.clone()];
        if self.percent && percent_both && node.is_expression() {
            if let Some(hundred) = Rat::int(100) {
                forms.push(Node::Product(vec![
                    node.clone(),
                    Node::Recip(Box::new(Node::num(hundred))),
                ]));
            }
        }
        forms.extend(self.equation.clone());
        forms
    }
}

fn string_key(text: &str) -> String {
    let mut key: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    // Words compare case-insensitively; single letters are symbols (x vs X).
    if key.len() >= 2 && key.bytes().all(|b| b.is_ascii_alphabetic()) {
        key = key.to_ascii_lowercase();
    }
    if let Some((lhs, rhs)) = key.split_once('=') {
        if !rhs.is_empty() && !rhs.contains('=') && is_symbol_text(lhs) {
            key = rhs.to_string();
        }
    }
    key
}

fn is_symbol_text(s: &str) -> bool {
    let (stem, sub) = s.split_once('_').unwrap_or((s, ""));
    let stem_ok = (stem.len() == 1 && stem.bytes().all(|b| b.is_ascii_alphabetic()))
        || (stem.len() > 1
            && stem.starts_with('\\')
            && stem[1..].bytes().all(|b| b.is_ascii_alphabetic()));
    stem_ok
        && sub
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'{' || b == b'}')
}

/// A left side that names the value rather than constrains it: `x`, `f(x)`,
/// `a_n`, `(x, y)`.
fn is_label(n: &Node) -> bool {
    match n {
        Node::Var(_) => true,
        Node::Product(xs) => xs.len() == 2 && xs.iter().all(|x| matches!(x, Node::Var(_))),
        Node::Seq(s) => !s.items.is_empty() && s.items.iter().all(|x| matches!(x, Node::Var(_))),
        _ => false,
    }
}

fn label_value(n: &Node) -> Option<(&Node, &Node)> {
    match n {
        Node::Relation(sides, ops)
            if ops.iter().all(|op| op.is_assignment())
                && sides[..sides.len().saturating_sub(1)].iter().all(is_label) =>
        {
            Some((sides.first()?, sides.last()?))
        }
        _ => None,
    }
}

/// `x = 3` -> `3`; `x = 1, y = 2` -> the tuple ordered by variable name, so
/// `y = 2, x = 1` matches; `x = 1, x = 2` stays a list of roots.
fn strip_labels(node: Node) -> Node {
    if let Some((_, value)) = label_value(&node) {
        return value.clone();
    }
    let Node::Seq(seq) = node else { return node };
    if seq.open != Bracket::None {
        return Node::Seq(seq);
    }
    let pairs: Option<Vec<(String, Node)>> = seq
        .items
        .iter()
        .map(|item| match label_value(item) {
            Some((Node::Var(name), value)) => Some((name.clone(), value.clone())),
            _ => None,
        })
        .collect();
    if let Some(mut pairs) = pairs {
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        if pairs.windows(2).all(|w| w[0].0 != w[1].0) {
            let items = pairs.into_iter().map(|(_, v)| v).collect();
            return Node::Seq(Seq {
                open: Bracket::Paren,
                close: Bracket::Paren,
                items,
            });
        }
    }
    let items = seq
        .items
        .into_iter()
        .map(|item| label_value(&item).map_or(item.clone(), |(_, v)| v.clone()))
        .collect();
    Node::Seq(Seq { items, ..seq })
}

/// `1 \pm \sqrt{2}` -> the list `1 + \sqrt{2}, 1 - \sqrt{2}`; a bare list's
/// items expand in place.
fn expand_plus_minus(node: Node) -> Node {
    match node {
        Node::Seq(seq) if seq.open == Bracket::None => {
            let items = seq.items.into_iter().flat_map(variants).collect();
            Node::Seq(Seq { items, ..seq })
        }
        Node::Relation(..) | Node::Seq(_) | Node::Matrix(_) | Node::Union(_) | Node::Text(_) => {
            node
        }
        other => {
            let mut v = variants(other);
            if v.len() == 1 {
                v.pop().unwrap_or(Node::Text(String::new()))
            } else {
                Node::Seq(Seq {
                    open: Bracket::None,
                    close: Bracket::None,
                    items: v,
                })
            }
        }
    }
}

fn variants(node: Node) -> Vec<Node> {
    let mut done = Vec::new();
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        match split_plus_minus(&n) {
            Some((p, m)) if done.len() + todo.len() < 1 << MAX_PLUS_MINUS => {
                todo.push(m);
                todo.push(p);
            }
            _ => done.push(n),
        }
    }
    done
}

/// Both readings of the first `±` in `node`.
fn split_plus_minus(node: &Node) -> Option<(Node, Node)> {
    let one = |x: &Node, wrap: fn(Box<Node>) -> Node| {
        split_plus_minus(x).map(|(p, m)| (wrap(Box::new(p)), wrap(Box::new(m))))
    };
    match node {
        Node::PlusMinus(a, b) => Some((
            Node::Sum(vec![(**a).clone(), (**b).clone()]),
            Node::Sum(vec![(**a).clone(), Node::Neg(b.clone())]),
        )),
        Node::Neg(x) => one(x, Node::Neg),
        Node::Recip(x) => one(x, Node::Recip),
        Node::Factorial(x) => one(x, Node::Factorial),
        Node::Div(a, b) | Node::Pow(a, b) => {
            let rebuild = |x: Node, y: Node| match node {
                Node::Div(..) => Node::Div(Box::new(x), Box::new(y)),
                _ => Node::Pow(Box::new(x), Box::new(y)),
            };
            if let Some((p, m)) = split_plus_minus(a) {
                return Some((rebuild(p, (**b).clone()), rebuild(m, (**b).clone())));
            }
            let (p, m) = split_plus_minus(b)?;
            Some((rebuild((**a).clone(), p), rebuild((**a).clone(), m)))
        }
        Node::Sum(xs) | Node::Product(xs) | Node::Call(_, xs) => {
            let (i, (p, m)) = xs
                .iter()
                .enumerate()
                .find_map(|(i, x)| split_plus_minus(x).map(|s| (i, s)))?;
            let rebuild = |replacement: Node| {
                let mut ys = xs.clone();
                ys[i] = replacement;
                match node {
                    Node::Sum(_) => Node::Sum(ys),
                    Node::Product(_) => Node::Product(ys),
                    Node::Call(f, _) => Node::Call(*f, ys),
                    _ => Node::Sum(ys),
                }
            };
            Some((rebuild(p), rebuild(m)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(s: &str) -> Node {
        prepare(s).node.expect("parses")
    }

    #[test]
    fn keys_and_labels() {
        assert_eq!(prepare("x = 3").key, "3");
        assert_eq!(prepare("Yes").key, "yes");
        assert_eq!(prepare("X").key, "X");
        assert_eq!(node("x = 3"), node("3"));
        assert_eq!(node("f(x) = x^2"), node("x^2"));
        assert_eq!(node("y = 2, x = 1"), node("(1, 2)"));
        assert!(matches!(
            node("x = 1, x = 2"),
            Node::Seq(Seq {
                open: Bracket::None,
                ..
            })
        ));
        assert!(matches!(node("x + y = 3"), Node::Relation(..)));
        assert_eq!(prepare("").node, Err(ParseError::Empty));
        assert_eq!(
            prepare(&"1".repeat(MAX_ANSWER_BYTES + 1)).node,
            Err(ParseError::TooLong)
        );
    }

    #[test]
    fn plus_minus_expands() {
        let Node::Seq(s) = node(r"x = 1 \pm \sqrt{2}") else {
            panic!("list")
        };
        assert_eq!(s.items.len(), 2);
        let Node::Seq(s) = node(r"\frac{-1 \pm \sqrt{5}}{2}, 3") else {
            panic!("list")
        };
        assert_eq!(s.items.len(), 3);
        let Node::Seq(s) = node(r"\pm 1 \pm 2") else {
            panic!("list")
        };
        assert_eq!(s.items.len(), 4);
    }
}
