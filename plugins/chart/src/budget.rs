//! Interpreter budgets, and a lexical check that bounds how deep the
//! syntax tree can be before the parser builds it (the tree is walked and
//! dropped recursively, and a Wasm guest has a small stack).

use serde::{Deserialize, Serialize};

use crate::error::{ChartError, ChartErrorKind};

/// Limits on one run of plotting code. Exceeding any is a
/// [`ChartErrorKind::Budget`] error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest source text, in bytes.
    pub max_code_bytes: usize,
    /// Statements and expressions evaluated (array operations count one
    /// step per element).
    pub max_steps: u64,
    /// List, tuple, array and dict elements created over the whole run.
    pub max_elements: u64,
    /// String bytes created over the whole run.
    pub max_string_bytes: u64,
    /// Deepest expression or block nesting (estimated from the tokens).
    pub max_depth: usize,
    /// Axes in the figure.
    pub max_axes: usize,
    /// Data points, bars, wedges and texts drawn in the figure.
    pub max_drawn: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_code_bytes: 64 * 1024,
            max_steps: 200_000,
            max_elements: 200_000,
            max_string_bytes: 1 << 20,
            max_depth: 100,
            max_axes: 64,
            max_drawn: 20_000,
        }
    }
}

/// 1-based line of a byte offset.
pub fn line_of(src: &str, offset: usize) -> u32 {
    let end = offset.min(src.len());
    src.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u32
        + 1
}

/// Refuses code whose syntax tree could be deeper than `max_depth`.
///
/// The estimate is an upper bound on expression depth: within one
/// comma-separated item, every operator, dot, call or subscript can add a
/// level, and every bracket adds one. Indentation adds block levels.
pub fn check_nesting(src: &str, max_depth: usize) -> Result<(), ChartError> {
    let bytes = src.as_bytes();
    // Operators seen in the current item at each bracket level.
    let mut stack: Vec<usize> = vec![0];
    let mut total = 0usize; // sum of `stack`
    let mut i = 0;
    let mut line_start = true;
    // The last word was an f-string prefix (`f`, `rf`, ...).
    let mut fstring = false;
    let too_deep = |at: usize, what: &str| {
        Err(ChartError::new(
            ChartErrorKind::Budget,
            Some(line_of(src, at)),
            format!("{what} nested deeper than the limit of {max_depth}"),
        ))
    };
    while i < bytes.len() {
        let b = bytes[i];
        if line_start && stack.len() == 1 {
            let indent = bytes[i..]
                .iter()
                .take_while(|&&c| c == b' ' || c == b'\t')
                .count();
            // Four spaces or one tab a level, rounded up.
            if indent.div_ceil(2) / 2 > max_depth / 4 {
                return too_deep(i, "blocks");
            }
        }
        line_start = false;
        if !matches!(b, b'\'' | b'"') {
            fstring = false;
        }
        match b {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'\'' | b'"' => {
                let end = skip_string(bytes, i);
                if fstring {
                    // The parser reads the replacement fields as code.
                    let ops = bytes[i..end]
                        .iter()
                        .filter(|c| b"([{+-*/%@&|^~<>=!.".contains(c))
                        .count();
                    if stack.len() + total + ops > max_depth {
                        return too_deep(i, "f-string");
                    }
                }
                fstring = false;
                i = end;
                continue;
            }
            b'\n' => {
                line_start = true;
                if stack.len() == 1 {
                    total -= stack[0];
                    stack[0] = 0;
                }
            }
            b'(' | b'[' | b'{' => {
                stack.push(0);
            }
            b')' | b']' | b'}' => {
                if stack.len() > 1 {
                    total -= stack.pop().unwrap_or(0);
                }
                // A call or subscript on the result nests once more.
                *stack.last_mut().unwrap_or(&mut 0) += 1;
                total += 1;
            }
            b',' | b';' | b':' => {
                if let Some(top) = stack.last_mut() {
                    total -= *top;
                    *top = 0;
                }
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'@' | b'&' | b'|' | b'^' | b'~' | b'<' | b'>'
            | b'=' | b'!' | b'.' => {
                if let Some(top) = stack.last_mut() {
                    *top += 1;
                }
                total += 1;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || bytes[i] == b'_'
                        || bytes[i] >= 0x80
                        || (bytes[start].is_ascii_digit() && bytes[i] == b'.'))
                {
                    i += 1;
                }
                let word = &src[start..i];
                fstring = word.len() <= 2 && word.chars().any(|c| c == 'f' || c == 'F');
                if matches!(
                    word,
                    "and" | "or" | "not" | "if" | "else" | "lambda" | "in" | "is" | "for"
                ) {
                    if let Some(top) = stack.last_mut() {
                        *top += 1;
                    }
                    total += 1;
                }
                if stack.len() + total > max_depth {
                    return too_deep(start, "expression");
                }
                continue;
            }
            _ => {}
        }
        if stack.len() + total > max_depth {
            return too_deep(i, "expression");
        }
        i += 1;
    }
    Ok(())
}

/// The index just past the string literal starting at `i` (single, or
/// triple quoted); an unterminated one runs to the end.
fn skip_string(bytes: &[u8], i: usize) -> usize {
    let q = bytes[i];
    let triple = bytes.len() >= i + 3 && bytes[i + 1] == q && bytes[i + 2] == q;
    let mut j = if triple { i + 3 } else { i + 1 };
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'\n' if !triple => return j,
            c if c == q => {
                if !triple {
                    return j + 1;
                }
                if bytes.len() >= j + 3 && bytes[j + 1] == q && bytes[j + 2] == q {
                    return j + 3;
                }
                j += 1;
            }
            _ => j += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_code_passes() {
        let code = "import numpy as np\nx = [-1.5, -2, -3, 4e-3] * 3\ny = np.sin(np.linspace(0, 2 * np.pi, 50)) + 1\nfor i in range(3):\n    if i > 1:\n        print(f'{i:.2f}')\n";
        check_nesting(code, 100).unwrap();
        // A long flat list of negative numbers is not deep.
        let long = format!("y = [{}]", vec!["-1.5"; 5000].join(", "));
        check_nesting(&long, 100).unwrap();
    }

    #[test]
    fn deep_code_is_refused() {
        let parens = format!("x = {}1{}", "(".repeat(500), ")".repeat(500));
        let e = check_nesting(&parens, 100).unwrap_err();
        assert_eq!(e.kind, ChartErrorKind::Budget);
        assert_eq!(e.line, Some(1));
        let chain = format!("x = 1{}", "+1".repeat(500));
        assert!(check_nesting(&chain, 100).is_err());
        let nots = format!("x = {}True", "not ".repeat(500));
        assert!(check_nesting(&nots, 100).is_err());
        let calls = format!("x = f{}", "()".repeat(500));
        assert!(check_nesting(&calls, 100).is_err());
        let mut blocks = String::new();
        for d in 0..60 {
            blocks.push_str(&format!("{}if x:\n", "    ".repeat(d)));
        }
        assert!(check_nesting(&blocks, 100).is_err());
    }

    #[test]
    fn strings_and_comments_do_not_count() {
        let code = format!("x = '{}'  # {}\n", "(".repeat(500), "+".repeat(500));
        check_nesting(&code, 100).unwrap();
        let fdeep = format!("x = f'{{{}1{}}}'", "(".repeat(300), ")".repeat(300));
        assert!(check_nesting(&fdeep, 100).is_err());
        check_nesting("x = f'{a:.2f} and {b}'", 100).unwrap();
        let triple = format!("x = \"\"\"{}\n{}\"\"\"\n", "[".repeat(300), "'".repeat(3));
        check_nesting(&triple, 100).unwrap();
    }
}
