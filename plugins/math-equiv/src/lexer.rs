//! Splits a normalised answer into tokens, for both LaTeX (`\frac{1}{2}`)
//! and plain text (`sqrt(2)/2`).

use crate::ast::{Func, RelOp};
use crate::budget::MAX_TOKENS;
use crate::parse::ParseError;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A numeric literal: `12`, `0.5`, `1.5e3`.
    Num(String),
    /// A one-letter symbol.
    Letter(char),
    /// A command with no special meaning (Greek letters and the like); a symbol.
    Cmd(String),
    /// A plain word that is no math name: the answer is text (unless
    /// [`split_products`] reads it as a product of the expression's symbols).
    Word(String),
    /// A character with no meaning in an expression: the answer is text.
    Other,
    Name(Named),
    /// One of `+ - * / ^ _ ! | , ; : &`.
    Op(char),
    Rel(RelOp),
    Open(char),
    Close(char),
    /// `\{` and `\}`.
    SetOpen,
    SetClose,
    /// `\\` between matrix rows.
    RowSep,
    Begin(String),
    End(String),
}

/// Commands and plain words with a meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    Frac,
    Sqrt,
    Binom,
    Pi,
    Infinity,
    Times,
    Divide,
    PlusMinus,
    MinusPlus,
    Cup,
    EmptySet,
    Ellipsis,
    LFloor,
    RFloor,
    LCeil,
    RCeil,
    Func(Func),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    /// Whitespace came before it (tells `3 1/2` from `31/2`).
    pub spaced: bool,
}

/// Plain words that name functions, longest first so prefixes match greedily.
const PLAIN_FUNCS: &[(&str, Func)] = &[
    ("arcsin", Func::Asin),
    ("arccos", Func::Acos),
    ("arctan", Func::Atan),
    ("sinh", Func::Sinh),
    ("cosh", Func::Cosh),
    ("tanh", Func::Tanh),
    ("sqrt", Func::Sqrt),
    ("asin", Func::Asin),
    ("acos", Func::Acos),
    ("atan", Func::Atan),
    ("sin", Func::Sin),
    ("cos", Func::Cos),
    ("tan", Func::Tan),
    ("cot", Func::Cot),
    ("sec", Func::Sec),
    ("csc", Func::Csc),
    ("exp", Func::Exp),
    ("log", Func::Ln),
    ("abs", Func::Abs),
    ("ln", Func::Ln),
];

/// Whether a plain word has a math meaning (used by unit stripping too).
pub fn is_math_word(w: &str) -> bool {
    plain_word(w).is_some()
}

fn plain_word(w: &str) -> Option<Tok> {
    let lower = w.to_ascii_lowercase();
    if let Some((_, f)) = PLAIN_FUNCS.iter().find(|(name, _)| *name == lower) {
        return Some(if *f == Func::Sqrt {
            Tok::Name(Named::Sqrt)
        } else {
            Tok::Name(Named::Func(*f))
        });
    }
    match lower.as_str() {
        "pi" => Some(Tok::Name(Named::Pi)),
        "infinity" | "infty" | "inf" => Some(Tok::Name(Named::Infinity)),
        "and" | "or" => Some(Tok::Op(',')),
        _ => None,
    }
}

fn command(name: &str) -> Option<Tok> {
    let f = |f: Func| Some(Tok::Name(Named::Func(f)));
    match name {
        "frac" | "dfrac" | "tfrac" | "cfrac" => Some(Tok::Name(Named::Frac)),
        "sqrt" => Some(Tok::Name(Named::Sqrt)),
        "binom" | "dbinom" | "tbinom" => Some(Tok::Name(Named::Binom)),
        "pi" => Some(Tok::Name(Named::Pi)),
        "infty" | "infin" => Some(Tok::Name(Named::Infinity)),
        "cdot" | "times" | "ast" | "cross" => Some(Tok::Name(Named::Times)),
        "div" => Some(Tok::Name(Named::Divide)),
        "pm" => Some(Tok::Name(Named::PlusMinus)),
        "mp" => Some(Tok::Name(Named::MinusPlus)),
        "cup" => Some(Tok::Name(Named::Cup)),
        "emptyset" | "varnothing" => Some(Tok::Name(Named::EmptySet)),
        "ldots" | "cdots" | "dots" | "dotsc" | "dotsb" | "dotsm" => {
            Some(Tok::Name(Named::Ellipsis))
        }
        "lfloor" => Some(Tok::Name(Named::LFloor)),
        "rfloor" => Some(Tok::Name(Named::RFloor)),
        "lceil" => Some(Tok::Name(Named::LCeil)),
        "rceil" => Some(Tok::Name(Named::RCeil)),
        "vert" | "lvert" | "rvert" | "mid" | "Vert" | "lVert" | "rVert" => Some(Tok::Op('|')),
        "le" | "leq" | "leqslant" => Some(Tok::Rel(RelOp::Le)),
        "ge" | "geq" | "geqslant" => Some(Tok::Rel(RelOp::Ge)),
        "lt" => Some(Tok::Rel(RelOp::Lt)),
        "gt" => Some(Tok::Rel(RelOp::Gt)),
        "ne" | "neq" => Some(Tok::Rel(RelOp::Ne)),
        "approx" | "simeq" | "sim" | "doteq" => Some(Tok::Rel(RelOp::Approx)),
        "equiv" => Some(Tok::Rel(RelOp::Eq)),
        "in" => Some(Tok::Rel(RelOp::In)),
        "sin" => f(Func::Sin),
        "cos" => f(Func::Cos),
        "tan" => f(Func::Tan),
        "cot" => f(Func::Cot),
        "sec" => f(Func::Sec),
        "csc" => f(Func::Csc),
        "arcsin" => f(Func::Asin),
        "arccos" => f(Func::Acos),
        "arctan" => f(Func::Atan),
        "sinh" => f(Func::Sinh),
        "cosh" => f(Func::Cosh),
        "tanh" => f(Func::Tanh),
        "exp" => f(Func::Exp),
        "ln" | "log" => f(Func::Ln),
        _ => None,
    }
}

/// Layout commands that survive normalisation only in odd positions.
fn is_ignored_command(name: &str) -> bool {
    matches!(
        name,
        "left"
            | "right"
            | "big"
            | "Big"
            | "bigg"
            | "Bigg"
            | "bigl"
            | "bigr"
            | "Bigl"
            | "Bigr"
            | "displaystyle"
            | "quad"
            | "qquad"
            | "text"
            | "mathrm"
            | "limits"
    )
}

pub fn tokenize(s: &str) -> Result<Vec<Token>, ParseError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out: Vec<Token> = Vec::new();
    let mut spaced = false;
    let mut i = 0;
    let at = |k: usize| chars.get(k).copied();
    macro_rules! push {
        ($t:expr) => {{
            out.push(Token { tok: $t, spaced });
            spaced = false;
        }};
    }
    while let Some(c) = at(i) {
        if out.len() > MAX_TOKENS {
            return Err(ParseError::TooLong);
        }
        if c.is_whitespace() {
            spaced = true;
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && at(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            let start = i;
            while at(i).is_some_and(|d| d.is_ascii_digit()) {
                i += 1;
            }
            if at(i) == Some('.') && at(i + 1).is_some_and(|d| d.is_ascii_digit()) {
                i += 1;
                while at(i).is_some_and(|d| d.is_ascii_digit()) {
                    i += 1;
                }
            }
            // Scientific notation `1.5e3` / `2E-4`, only with digits after the `e`.
            if matches!(at(i), Some('e' | 'E')) {
                let sign = usize::from(matches!(at(i + 1), Some('+' | '-')));
                if at(i + 1 + sign).is_some_and(|d| d.is_ascii_digit()) {
                    i += 1 + sign;
                    while at(i).is_some_and(|d| d.is_ascii_digit()) {
                        i += 1;
                    }
                }
            }
            push!(Tok::Num(chars[start..i].iter().collect()));
            continue;
        }
        if c.is_ascii_alphabetic() {
            let start = i;
            while at(i).is_some_and(|d| d.is_ascii_alphabetic()) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            for t in word_tokens(&word) {
                push!(t);
            }
            continue;
        }
        if ('\u{391}'..='\u{3c9}').contains(&c) {
            push!(Tok::Letter(c));
            i += 1;
            continue;
        }
        if c == '\\' {
            i += 1;
            let Some(n) = at(i) else {
                out.push(Token {
                    tok: Tok::Other,
                    spaced,
                });
                break;
            };
            if n.is_ascii_alphabetic() {
                let start = i;
                while at(i).is_some_and(|d| d.is_ascii_alphabetic()) {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                if name == "begin" || name == "end" {
                    while at(i).is_some_and(char::is_whitespace) {
                        i += 1;
                    }
                    if at(i) != Some('{') {
                        return Err(ParseError::Unexpected(format!(
                            "\\{name} without an environment"
                        )));
                    }
                    let start = i + 1;
                    let mut j = start;
                    while at(j).is_some_and(|d| d.is_ascii_alphabetic() || d == '*') {
                        j += 1;
                    }
                    if at(j) != Some('}') {
                        return Err(ParseError::Unexpected(format!(
                            "\\{name} without an environment"
                        )));
                    }
                    let env: String = chars[start..j].iter().collect();
                    i = j + 1;
                    push!(if name == "begin" {
                        Tok::Begin(env)
                    } else {
                        Tok::End(env)
                    });
                } else if let Some(t) = command(&name) {
                    push!(t);
                } else if !is_ignored_command(&name) {
                    push!(Tok::Cmd(name));
                }
                continue;
            }
            i += 1;
            match n {
                '\\' => push!(Tok::RowSep),
                '{' => push!(Tok::SetOpen),
                '}' => push!(Tok::SetClose),
                '|' => push!(Tok::Op('|')),
                ',' | ';' | '!' | ':' | ' ' | '%' | '$' => spaced = true,
                _ => push!(Tok::Other),
            }
            continue;
        }
        i += 1;
        let next = at(i);
        match c {
            '*' if next == Some('*') => {
                i += 1;
                push!(Tok::Op('^'));
            }
            '<' if next == Some('=') => {
                i += 1;
                push!(Tok::Rel(RelOp::Le));
            }
            '>' if next == Some('=') => {
                i += 1;
                push!(Tok::Rel(RelOp::Ge));
            }
            '!' if next == Some('=') => {
                i += 1;
                push!(Tok::Rel(RelOp::Ne));
            }
            '=' => {
                if next == Some('=') {
                    i += 1;
                }
                push!(Tok::Rel(RelOp::Eq));
            }
            '<' => push!(Tok::Rel(RelOp::Lt)),
            '>' => push!(Tok::Rel(RelOp::Gt)),
            '+' | '-' | '*' | '/' | '^' | '_' | '!' | '|' | ',' | ';' | ':' | '&' => {
                push!(Tok::Op(c))
            }
            '(' | '[' | '{' => push!(Tok::Open(c)),
            ')' | ']' | '}' => push!(Tok::Close(c)),
            _ => push!(Tok::Other),
        }
    }
    if out.len() > MAX_TOKENS {
        return Err(ParseError::TooLong);
    }
    split_products(&mut out);
    if out.len() > MAX_TOKENS {
        return Err(ParseError::TooLong);
    }
    Ok(out)
}

/// Reads a longer run of letters as a product of one-letter symbols when
/// every letter also stands alone in the same expression: in
/// `x^3+y^3+z^3-3xyz` the `xyz` is `x*y*z`, while `5 apples` stays text.
fn split_products(out: &mut Vec<Token>) {
    if !out.iter().any(|t| matches!(t.tok, Tok::Word(_))) {
        return;
    }
    let singles: Vec<char> = out
        .iter()
        .filter_map(|t| match t.tok {
            Tok::Letter(c) => Some(c),
            _ => None,
        })
        .collect();
    let mut i = 0;
    while i < out.len() {
        let letters = match &out[i].tok {
            Tok::Word(w) if w.len() <= 8 && w.chars().all(|c| singles.contains(&c)) => {
                w.chars().collect::<Vec<char>>()
            }
            _ => {
                i += 1;
                continue;
            }
        };
        let spaced = out[i].spaced;
        let n = letters.len();
        out.splice(
            i..=i,
            letters.into_iter().enumerate().map(|(k, c)| Token {
                tok: Tok::Letter(c),
                spaced: spaced && k == 0,
            }),
        );
        i += n;
    }
}

/// Tokens for a run of ASCII letters: a math word (`sin`, `pi`, `or`), a
/// math word glued to one or two symbols (`sinx`), symbols multiplied
/// (`xy`), or a prose word.
fn word_tokens(word: &str) -> Vec<Tok> {
    if let Some(t) = plain_word(word) {
        return vec![t];
    }
    let lower = word.to_ascii_lowercase();
    for (name, _) in PLAIN_FUNCS.iter().chain([("pi", Func::Sin)].iter()) {
        if let Some(rest) = lower.strip_prefix(name) {
            if !rest.is_empty() && rest.len() <= 2 {
                let mut toks: Vec<Tok> = plain_word(name).into_iter().collect();
                toks.extend(
                    word.get(name.len()..)
                        .unwrap_or("")
                        .chars()
                        .map(Tok::Letter),
                );
                return toks;
            }
        }
    }
    if word.chars().count() <= 2 && word.chars().all(|c| c.is_ascii_alphabetic()) {
        word.chars().map(Tok::Letter).collect()
    } else {
        vec![Tok::Word(word.to_string())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        tokenize(s)
            .expect("tokenizes")
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    #[test]
    fn latex_and_plain_tokens() {
        assert_eq!(
            toks(r"\frac{1}{2}"),
            vec![
                Tok::Name(Named::Frac),
                Tok::Open('{'),
                Tok::Num("1".into()),
                Tok::Close('}'),
                Tok::Open('{'),
                Tok::Num("2".into()),
                Tok::Close('}')
            ]
        );
        assert_eq!(
            toks("sqrt(2)**3"),
            vec![
                Tok::Name(Named::Sqrt),
                Tok::Open('('),
                Tok::Num("2".into()),
                Tok::Close(')'),
                Tok::Op('^'),
                Tok::Num("3".into())
            ]
        );
        assert_eq!(
            toks("1.5e3 2e"),
            vec![
                Tok::Num("1.5e3".into()),
                Tok::Num("2".into()),
                Tok::Letter('e')
            ]
        );
        assert_eq!(
            toks("x <= 3"),
            vec![Tok::Letter('x'), Tok::Rel(RelOp::Le), Tok::Num("3".into())]
        );
        assert_eq!(
            toks(r"\alpha_1"),
            vec![Tok::Cmd("alpha".into()), Tok::Op('_'), Tok::Num("1".into())]
        );
    }

    #[test]
    fn words_symbols_and_environments() {
        assert_eq!(
            toks("sinx"),
            vec![Tok::Name(Named::Func(Func::Sin)), Tok::Letter('x')]
        );
        assert_eq!(toks("xy"), vec![Tok::Letter('x'), Tok::Letter('y')]);
        assert_eq!(toks("Monday"), vec![Tok::Word("Monday".into())]);
        assert_eq!(
            toks("1 or 2"),
            vec![Tok::Num("1".into()), Tok::Op(','), Tok::Num("2".into())]
        );
        assert_eq!(
            toks(r"\begin{pmatrix}1\\2\end{pmatrix}"),
            vec![
                Tok::Begin("pmatrix".into()),
                Tok::Num("1".into()),
                Tok::RowSep,
                Tok::Num("2".into()),
                Tok::End("pmatrix".into())
            ]
        );
        assert!(tokenize(r"\begin pmatrix").is_err());
        assert_eq!(toks("a ? b")[1], Tok::Other);
        let spaced = tokenize("3 1/2").expect("tokenizes");
        assert!(spaced[1].spaced && !spaced[2].spaced);
    }
}
