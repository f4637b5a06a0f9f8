//! Finds a `\boxed{…}` (or `\fbox{…}`) with balanced braces, in one pass so
//! that a string of unclosed `\boxed{` cannot make the scan quadratic.

/// True when `text` holds a `\boxed{…}` or `\fbox{…}` whose braces balance
/// and whose content is not blank. `\{` and `\}` are literal braces.
pub fn contains_boxed(text: &str) -> bool {
    // One entry per open brace: where its content starts, and whether it
    // opened a box.
    let mut open: Vec<(usize, bool)> = Vec::new();
    let mut box_pending = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                let mut name = String::new();
                while let Some(&(_, n)) = chars.peek() {
                    if !n.is_ascii_alphabetic() {
                        break;
                    }
                    name.push(n);
                    chars.next();
                }
                if name.is_empty() {
                    // An escaped character such as `\{`: never structure.
                    chars.next();
                    box_pending = false;
                } else {
                    box_pending = name == "boxed" || name == "fbox";
                }
            }
            '{' => {
                open.push((i + 1, box_pending));
                box_pending = false;
            }
            '}' => {
                box_pending = false;
                if let Some((start, is_box)) = open.pop() {
                    if is_box && !text[start..i].trim().is_empty() {
                        return true;
                    }
                }
            }
            c if c.is_whitespace() => {}
            _ => box_pending = false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::contains_boxed;

    #[test]
    fn finds_simple_and_nested_boxes() {
        assert!(contains_boxed("\\boxed{42}"));
        assert!(contains_boxed("so \\boxed{\\frac{1}{2}} done"));
        assert!(contains_boxed("\\fbox{x}"));
        assert!(contains_boxed("\\boxed {7}"));
        assert!(contains_boxed("{{\\boxed{a}}"));
    }

    #[test]
    fn rejects_empty_unclosed_and_lookalikes() {
        assert!(!contains_boxed("\\boxed{}"));
        assert!(!contains_boxed("\\boxed{  }"));
        assert!(!contains_boxed("\\boxed{42"));
        assert!(!contains_boxed("\\boxedx{42}"));
        assert!(!contains_boxed("boxed{42}"));
        assert!(!contains_boxed("\\boxed 42"));
        assert!(!contains_boxed("\\boxed x{42}"));
        assert!(!contains_boxed(""));
    }

    #[test]
    fn escaped_braces_do_not_count() {
        assert!(!contains_boxed("\\boxed\\{42\\}"));
        assert!(contains_boxed("\\boxed{\\{1,2\\}}"));
        assert!(!contains_boxed("\\boxed{\\}"));
    }

    #[test]
    fn long_hostile_input_stays_linear_and_false() {
        let text = "\\boxed{".repeat(200_000);
        assert!(!contains_boxed(&text));
        let text = format!("{}x{}", "\\boxed{".repeat(50_000), "}".repeat(50_000));
        assert!(contains_boxed(&text));
    }
}
