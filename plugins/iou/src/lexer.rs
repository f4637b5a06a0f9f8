//! A forgiving, linear-time tokenizer for model output that may contain
//! JSON, Python-ish tuples, Markdown fences and prose all at once.
//!
//! Only what box parsing needs is a token: the punctuation `[]{}(),:`,
//! numbers and double-quoted strings. Every other run of characters becomes
//! [`Token::Other`], which breaks a box pattern but is otherwise ignored.
//! Strings must close on the same line (JSON strings cannot hold a raw
//! newline), so a stray `"` in prose hides nothing beyond its own line.

use std::collections::VecDeque;

#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// One of `[ ] { } ( ) , :`.
    Punct(u8),
    Number(f64),
    Str(String),
    Other,
}

/// Produces tokens one at a time; memory stays constant in the input size.
pub struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// A `"` before this offset is known not to start a closed string: an
    /// earlier attempt scanned past it to the end of its line. Remembering
    /// this keeps a line of escaped quotes from being rescanned per quote.
    no_string_before: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str) -> Lexer<'a> {
        Lexer {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            no_string_before: 0,
        }
    }

    fn string_end(&self, open: usize) -> Option<usize> {
        let mut i = open + 1;
        while i < self.bytes.len() {
            match self.bytes[i] {
                b'"' => return Some(i),
                b'\n' => return None,
                b'\\' => {
                    if matches!(self.bytes.get(i + 1), None | Some(b'\n')) {
                        return None;
                    }
                    i += 2;
                }
                _ => i += 1,
            }
        }
        None
    }

    /// Offset of the end of the line holding `from` (or of the text).
    fn line_end(&self, from: usize) -> usize {
        self.bytes[from..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.bytes.len(), |p| from + p)
    }

    fn number_end(&self, start: usize) -> Option<usize> {
        let b = self.bytes;
        let digits = |mut i: usize| {
            let from = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            (i, i > from)
        };
        let mut i = start;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let (after_int, has_int) = digits(i);
        i = after_int;
        let mut has_frac = false;
        if i < b.len() && b[i] == b'.' {
            let (after_frac, f) = digits(i + 1);
            if f || has_int {
                i = after_frac;
                has_frac = f;
            }
        }
        if !has_int && !has_frac {
            return None;
        }
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            let mut j = i + 1;
            if j < b.len() && (b[j] == b'-' || b[j] == b'+') {
                j += 1;
            }
            let (after_exp, has_exp) = digits(j);
            if has_exp {
                i = after_exp;
            }
        }
        Some(i)
    }
}

/// Bytes that continue a word: ASCII letters, digits, `_`, and every byte of
/// a non-ASCII character (so a word never ends inside a UTF-8 sequence).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let b = self.bytes;
        while self.pos < b.len() && b[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
        let start = self.pos;
        let c = *b.get(start)?;
        match c {
            b'[' | b']' | b'{' | b'}' | b'(' | b')' | b',' | b':' => {
                self.pos += 1;
                Some(Token::Punct(c))
            }
            b'"' => {
                let known_open = start < self.no_string_before;
                let end = if known_open {
                    None
                } else {
                    self.string_end(start)
                };
                match end {
                    Some(end) => {
                        self.pos = end + 1;
                        // Both ends are ASCII quotes, so the slice is on char boundaries.
                        let raw = &self.text[start..=end];
                        let s = serde_json::from_str::<String>(raw)
                            .unwrap_or_else(|_| self.text[start + 1..end].to_string());
                        Some(Token::Str(s))
                    }
                    None => {
                        if !known_open {
                            self.no_string_before = self.line_end(start);
                        }
                        self.pos += 1;
                        Some(Token::Other)
                    }
                }
            }
            b'0'..=b'9' | b'-' | b'+' | b'.' => match self.number_end(start) {
                Some(end) => {
                    self.pos = end;
                    // The number's bytes are ASCII, so this slice is valid.
                    let value = self.text[start..end].parse::<f64>().unwrap_or(f64::NAN);
                    Some(Token::Number(value))
                }
                None => {
                    self.pos += 1;
                    Some(Token::Other)
                }
            },
            _ if is_word_byte(c) => {
                while self.pos < b.len() && is_word_byte(b[self.pos]) {
                    self.pos += 1;
                }
                Some(Token::Other)
            }
            _ => {
                self.pos += 1;
                Some(Token::Other)
            }
        }
    }
}

/// A lexer with a small lookahead buffer for pattern matching.
pub struct TokenStream<'a> {
    lexer: Lexer<'a>,
    ahead: VecDeque<Token>,
}

impl<'a> TokenStream<'a> {
    pub fn new(text: &'a str) -> TokenStream<'a> {
        TokenStream {
            lexer: Lexer::new(text),
            ahead: VecDeque::new(),
        }
    }

    /// The token `k` places ahead, if any.
    pub fn peek(&mut self, k: usize) -> Option<&Token> {
        while self.ahead.len() <= k {
            let t = self.lexer.next()?;
            self.ahead.push_back(t);
        }
        self.ahead.get(k)
    }

    pub fn advance(&mut self, n: usize) {
        for _ in 0..n {
            if self.ahead.pop_front().is_none() && self.lexer.next().is_none() {
                break;
            }
        }
    }

    /// Removes and returns the next token.
    pub fn take(&mut self) -> Option<Token> {
        self.ahead.pop_front().or_else(|| self.lexer.next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Token::*;

    fn lex(s: &str) -> Vec<Token> {
        Lexer::new(s).collect()
    }

    #[test]
    fn punctuation_numbers_and_strings() {
        assert_eq!(
            lex(r#"{"bbox_2d": [1, -2.5, 3e2, .5], "label": "a\"b"}"#),
            vec![
                Punct(b'{'),
                Str("bbox_2d".into()),
                Punct(b':'),
                Punct(b'['),
                Number(1.0),
                Punct(b','),
                Number(-2.5),
                Punct(b','),
                Number(300.0),
                Punct(b','),
                Number(0.5),
                Punct(b']'),
                Punct(b','),
                Str("label".into()),
                Punct(b':'),
                Str("a\"b".into()),
                Punct(b'}'),
            ]
        );
    }

    #[test]
    fn words_and_symbols_are_other() {
        assert_eq!(
            lex("json x1 10px ```"),
            vec![Other, Other, Number(10.0), Other, Other, Other, Other]
        );
        assert_eq!(lex("é😀"), vec![Other]);
        assert_eq!(lex("- + ."), vec![Other, Other, Other]);
    }

    #[test]
    fn numbers_accept_signs_fractions_and_exponents() {
        assert_eq!(
            lex("+7 1. 2.50 1e-3 4E+1"),
            vec![
                Number(7.0),
                Number(1.0),
                Number(2.5),
                Number(0.001),
                Number(40.0)
            ]
        );
        assert_eq!(lex("1e"), vec![Number(1.0), Other]);
        assert_eq!(lex("1e999"), vec![Number(f64::INFINITY)]);
    }

    #[test]
    fn unclosed_strings_stop_at_the_line_end() {
        assert_eq!(
            lex("a 5\" screen\n[1]"),
            vec![
                Other,
                Number(5.0),
                Other,
                Other,
                Punct(b'['),
                Number(1.0),
                Punct(b']')
            ]
        );
        assert_eq!(lex("\"abc"), vec![Other, Other]);
    }

    #[test]
    fn invalid_escapes_fall_back_to_raw_text() {
        assert_eq!(lex(r#""a\qb""#), vec![Str("a\\qb".into())]);
    }

    #[test]
    fn lookahead_and_advance() {
        let mut ts = TokenStream::new("[ 1 , 2 ]");
        assert_eq!(ts.peek(3), Some(&Number(2.0)));
        assert_eq!(ts.peek(5), None);
        ts.advance(2);
        assert_eq!(ts.take(), Some(Punct(b',')));
        ts.advance(10);
        assert_eq!(ts.take(), None);
    }

    #[test]
    fn escaped_quote_lines_stay_linear() {
        let text = format!("\"{}", "\\\"".repeat(200_000));
        let tokens = lex(&text).len();
        assert!(tokens > 200_000);
    }
}
