//! Primaries: numbers, symbols, and the constructs with parts of their own
//! (fractions, roots, functions, brackets, bars, sets, matrices).

use super::pratt::{boxed, product, Parsed, Parser, POSTFIX, POWER, SUM};
use super::{unexpected, ParseError};
use crate::ast::{Bracket, Constant, Func, Node, Number, Seq};
use crate::budget::MAX_ITEMS;
use crate::lexer::{Named, Tok};

impl Parser {
    #[inline(never)]
    pub(super) fn primary(&mut self) -> Parsed {
        let Some(tok) = self.next() else {
            return Err(unexpected(None));
        };
        let simple = match tok {
            Tok::Num(s) => return Ok(Node::Num(Number::literal(&s))),
            Tok::Letter(c) => return self.symbol(c.to_string()),
            Tok::Cmd(name) => return self.symbol(format!("\\{name}")),
            Tok::Name(Named::Pi) => Node::Const(Constant::Pi),
            Tok::Name(Named::Infinity) => Node::Infinity,
            Tok::Name(Named::EmptySet) => Node::Seq(Seq {
                open: Bracket::Brace,
                close: Bracket::Brace,
                items: Vec::new(),
            }),
            Tok::Name(Named::Ellipsis) => Node::Var("\\ldots".to_string()),
            tok => {
                self.enter()?;
                let node = self.compound(tok)?;
                self.leave();
                return Ok(node);
            }
        };
        Ok(simple)
    }

    /// Primaries with parts of their own: fractions, roots, functions,
    /// brackets, bars, matrices. Each lives in its own function so that only
    /// the construct being parsed occupies stack.
    #[inline(never)]
    fn compound(&mut self, tok: Tok) -> Parsed {
        match tok {
            Tok::Name(Named::Frac) => self.fraction(),
            Tok::Name(Named::Binom) => self.binomial(),
            Tok::Name(Named::Sqrt) => self.root(),
            Tok::Name(Named::Func(f)) => self.function(f),
            Tok::Name(Named::LFloor) => {
                self.delimited(Func::Floor, Tok::Name(Named::RFloor), "floor")
            }
            Tok::Name(Named::LCeil) => {
                self.delimited(Func::Ceil, Tok::Name(Named::RCeil), "ceiling")
            }
            Tok::Op('|') => {
                self.in_abs += 1;
                let r = self.delimited(Func::Abs, Tok::Op('|'), "absolute value");
                self.in_abs = self.in_abs.saturating_sub(1);
                r
            }
            Tok::Open(open) => self.bracket(open),
            Tok::SetOpen => self.set(),
            Tok::Begin(env) => self.matrix(&env),
            other => Err(unexpected(Some(&other))),
        }
    }

    #[inline(never)]
    fn fraction(&mut self) -> Parsed {
        let a = self.tex_arg()?;
        let b = self.tex_arg()?;
        Ok(Node::Div(boxed(a), boxed(b)))
    }

    #[inline(never)]
    fn binomial(&mut self) -> Parsed {
        let n = self.tex_arg()?;
        let k = self.tex_arg()?;
        Ok(Node::Call(Func::Binom, vec![n, k]))
    }

    #[inline(never)]
    fn root(&mut self) -> Parsed {
        let index = if self.eat(&Tok::Open('[')) {
            let i = self.expr(SUM)?;
            self.expect(&Tok::Close(']'), "root index")?;
            Some(i)
        } else {
            None
        };
        let x = self.tex_arg()?;
        Ok(match index {
            Some(i) => Node::Call(Func::Root, vec![i, x]),
            None => Node::Call(Func::Sqrt, vec![x]),
        })
    }

    /// `\lfloor x \rfloor`, `\lceil x \rceil`, `|x|`.
    #[inline(never)]
    fn delimited(&mut self, f: Func, close: Tok, what: &'static str) -> Parsed {
        let x = self.expr(SUM)?;
        self.expect(&close, what)?;
        Ok(Node::Call(f, vec![x]))
    }

    #[inline(never)]
    fn set(&mut self) -> Parsed {
        let items = if self.peek() == Some(&Tok::SetClose) {
            Vec::new()
        } else {
            self.items()?
        };
        self.expect(&Tok::SetClose, "set")?;
        Ok(Node::Seq(Seq {
            open: Bracket::Brace,
            close: Bracket::Brace,
            items,
        }))
    }

    #[inline(never)]
    fn symbol(&mut self, name: String) -> Parsed {
        if self.eat(&Tok::Op('_')) {
            let sub = self.subscript()?;
            return Ok(Node::Var(format!("{name}_{sub}")));
        }
        Ok(match name.as_str() {
            "e" => Node::Const(Constant::E),
            "i" => Node::Const(Constant::I),
            "π" => Node::Const(Constant::Pi),
            _ => Node::Var(name),
        })
    }

    /// The text of a subscript (`1`, `n`, `{n+1}`), which only names a symbol.
    fn subscript(&mut self) -> Result<String, ParseError> {
        let mut text = String::new();
        let mut depth = 0usize;
        loop {
            let tok = self.next().ok_or(ParseError::Unclosed("subscript"))?;
            match &tok {
                Tok::Open('{') => depth += 1,
                Tok::Close('}') if depth > 0 => depth -= 1,
                _ => text.push_str(&tok_text(&tok)),
            }
            if depth == 0 {
                break;
            }
        }
        Ok(text)
    }

    /// One TeX argument: a `{group}`, a `(group)` (plain `sqrt(2)`), a single
    /// digit (`\frac12`) or a single symbol.
    #[inline(never)]
    pub(super) fn tex_arg(&mut self) -> Parsed {
        match self.peek() {
            Some(Tok::Open('{')) => {
                self.pos += 1;
                let mut items = self.items()?;
                self.expect(&Tok::Close('}'), "group")?;
                Ok(if items.len() == 1 {
                    items.pop().unwrap_or(Node::Sum(Vec::new()))
                } else {
                    Node::Seq(Seq {
                        open: Bracket::Brace,
                        close: Bracket::Brace,
                        items,
                    })
                })
            }
            Some(Tok::Open('(')) => self.primary(),
            Some(Tok::Num(_)) => self.tex_digit(),
            Some(Tok::Letter(_) | Tok::Cmd(_) | Tok::Name(Named::Pi | Named::Infinity)) => {
                self.primary()
            }
            other => Err(unexpected(other)),
        }
    }

    /// `\frac12`: a TeX argument is one digit; the rest of the number stays.
    #[inline(never)]
    fn tex_digit(&mut self) -> Parsed {
        let Some(Tok::Num(s)) = self.peek() else {
            return Err(unexpected(self.peek()));
        };
        let mut chars = s.chars();
        let first = chars.next().filter(char::is_ascii_digit);
        let rest: String = chars.collect();
        let Some(first) = first else {
            return Err(unexpected(self.peek()));
        };
        match self.toks.get_mut(self.pos) {
            Some(t) if !rest.is_empty() => {
                t.tok = Tok::Num(rest);
                t.spaced = false;
            }
            _ => self.pos += 1,
        }
        Ok(Node::Num(Number::literal(&first.to_string())))
    }

    /// A function name has been read: optional `^power` / `_base`, then the
    /// argument: a bracketed group or a juxtaposed product (`\sin 2x`).
    #[inline(never)]
    pub(super) fn function(&mut self, f: Func) -> Parsed {
        let mut power = None;
        let mut base = None;
        loop {
            if power.is_none() && self.eat(&Tok::Op('^')) {
                self.enter()?;
                power = Some(self.expr(POWER)?);
                self.leave();
            } else if base.is_none() && f == Func::Ln && self.eat(&Tok::Op('_')) {
                base = Some(self.tex_arg()?);
            } else {
                break;
            }
        }
        let arg = match self.peek() {
            Some(Tok::Open(_)) => self.expr(POSTFIX)?,
            _ => {
                let mut factors = vec![self.expr(POWER)?];
                while matches!(
                    self.peek(),
                    Some(Tok::Letter(_) | Tok::Cmd(_) | Tok::Name(Named::Pi))
                ) {
                    if factors.len() >= MAX_ITEMS {
                        return Err(ParseError::TooLong);
                    }
                    factors.push(self.expr(POWER)?);
                }
                product(factors)
            }
        };
        let is_minus_one = |n: &Node| matches!(n, Node::Neg(x) if matches!(&**x, Node::Num(Number { exact: Some(r), .. }) if *r == crate::rational::Rat::ONE));
        let (f, power) = match power {
            Some(p) if is_minus_one(&p) => match f.inverse() {
                Some(inv) => (inv, None),
                None => (f, Some(p)),
            },
            p => (f, p),
        };
        let call = match base {
            Some(b) => Node::Call(Func::Log, vec![b, arg]),
            None => Node::Call(f, vec![arg]),
        };
        Ok(match power {
            Some(p) => Node::Pow(boxed(call), boxed(p)),
            None => call,
        })
    }

    #[inline(never)]
    fn bracket(&mut self, open: char) -> Parsed {
        let items = if matches!(self.peek(), Some(Tok::Close(_))) {
            Vec::new()
        } else {
            self.items()?
        };
        let close = match self.next() {
            Some(Tok::Close(c)) => c,
            Some(other) => return Err(unexpected(Some(&other))),
            None => return Err(ParseError::Unclosed("bracket")),
        };
        let kind = |c: char| match c {
            '(' | ')' => Bracket::Paren,
            '[' | ']' => Bracket::Square,
            _ => Bracket::Brace,
        };
        let (o, c) = (kind(open), kind(close));
        let mixed_ok = matches!(
            (o, c),
            (
                Bracket::Paren | Bracket::Square,
                Bracket::Paren | Bracket::Square
            )
        );
        if o != c && !mixed_ok {
            return Err(ParseError::Unexpected(format!(
                "`{open}` closed by `{close}`"
            )));
        }
        let mut items = items;
        match items.len() {
            0 => Err(ParseError::Unexpected("empty brackets".to_string())),
            1 if o == c => Ok(items.pop().unwrap_or(Node::Sum(Vec::new()))),
            1 => Err(ParseError::Unexpected(
                "interval with one endpoint".to_string(),
            )),
            _ => Ok(Node::Seq(Seq {
                open: o,
                close: c,
                items,
            })),
        }
    }

    #[inline(never)]
    fn matrix(&mut self, env: &str) -> Parsed {
        if !matches!(
            env,
            "pmatrix" | "bmatrix" | "Bmatrix" | "matrix" | "smallmatrix" | "array"
        ) {
            return Err(ParseError::Unexpected(format!(
                "environment {}",
                env.chars().take(16).collect::<String>()
            )));
        }
        if env == "array" && self.peek() == Some(&Tok::Open('{')) {
            // The column spec `{cc}` says nothing about the values.
            while !matches!(self.next(), Some(Tok::Close('}')) | None) {}
        }
        let saved = self.in_abs;
        self.in_abs = 0;
        let mut rows: Vec<Vec<Node>> = Vec::new();
        let mut row: Vec<Node> = Vec::new();
        let mut cells = 0;
        loop {
            if matches!(self.peek(), Some(Tok::End(_))) {
                self.pos += 1;
                if !row.is_empty() {
                    rows.push(std::mem::take(&mut row));
                }
                break;
            }
            if self.peek().is_none() {
                return Err(ParseError::Unclosed("matrix"));
            }
            row.push(self.expr(SUM)?);
            cells += 1;
            if cells > MAX_ITEMS {
                return Err(ParseError::TooLong);
            }
            match self.next() {
                Some(Tok::Op('&')) => {}
                Some(Tok::RowSep) => rows.push(std::mem::take(&mut row)),
                Some(Tok::End(_)) => {
                    rows.push(std::mem::take(&mut row));
                    break;
                }
                other => return Err(unexpected(other.as_ref())),
            }
        }
        self.in_abs = saved;
        let width = rows.first().map_or(0, Vec::len);
        if width == 0 || rows.iter().any(|r| r.len() != width) {
            return Err(ParseError::Unexpected("ragged matrix".to_string()));
        }
        Ok(Node::Matrix(rows))
    }
}

fn tok_text(t: &Tok) -> String {
    match t {
        Tok::Num(s) => s.clone(),
        Tok::Letter(c) | Tok::Op(c) | Tok::Open(c) | Tok::Close(c) => c.to_string(),
        Tok::Cmd(name) => format!("\\{name}"),
        other => format!("{other:?}"),
    }
}
