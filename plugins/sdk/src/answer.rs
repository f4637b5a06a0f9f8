//! Finding the answer in a completion: the helpers the built-in rewards use
//! (`math-accuracy` extracts with them, `format` checks for a box), for any
//! plugin that reads `\boxed{..}`, `<answer>..</answer>` or reasoning that
//! ends in `</think>`.

/// The content of a `{...}` group at the start of `s` (after optional
/// whitespace) and the bytes consumed, braces included. Escaped braces
/// (`\{`, `\}`) do not count. `None` when `s` does not open a group or the
/// group is never closed.
pub fn braced(s: &str) -> Option<(&str, usize)> {
    let body = s.trim_start();
    let lead = s.len() - body.len();
    let bytes = body.as_bytes();
    if bytes.first() != Some(&b'{') {
        return None;
    }
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            // Skipping one byte after a backslash is safe: UTF-8 continuation
            // bytes never equal `{`, `}` or `\`.
            b'\\' => i += 1,
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some((body.get(1..i)?, lead + i + 1));
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Content of the last `\boxed{..}` or `\fbox{..}`. A last box that is never
/// closed (a truncated completion) yields nothing rather than an earlier box.
pub fn last_boxed(text: &str) -> Option<&str> {
    let (start, name) = [
        ("\\boxed", text.rfind("\\boxed")),
        ("\\fbox", text.rfind("\\fbox")),
    ]
    .into_iter()
    .filter_map(|(name, at)| at.map(|i| (i, name)))
    .max()?;
    let after = &text[start + name.len()..];
    if let Some((content, _)) = braced(after) {
        return Some(content);
    }
    // `\boxed 5`: the argument runs to the next space or `$`.
    let rest = after.strip_prefix(' ')?.trim_start();
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '$')
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Content of the last `<answer>..</answer>` (`None` when the last
/// `<answer>` is never closed).
pub fn answer_tag(text: &str) -> Option<&str> {
    let start = text.rfind("<answer>")? + "<answer>".len();
    let body = &text[start..];
    let end = body.find("</answer>")?;
    Some(&body[..end])
}

/// The text after the last `</think>`, or `None` when the completion never
/// closes its reasoning.
pub fn after_think(text: &str) -> Option<&str> {
    let end = text.rfind("</think>")?;
    Some(&text[end + "</think>".len()..])
}

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
    use super::*;

    #[test]
    fn braced_groups_respect_nesting_and_escapes() {
        assert_eq!(braced("{a{b}c}d"), Some(("a{b}c", 7)));
        assert_eq!(braced("  {x}"), Some(("x", 5)));
        assert_eq!(braced(r"{\{1\}}"), Some((r"\{1\}", 7)));
        assert_eq!(braced("{open"), None);
        assert_eq!(braced("x{}"), None);
        assert_eq!(braced("{é}"), Some(("é", 4)));
    }

    #[test]
    fn last_boxed_takes_the_last_box_and_skips_an_unclosed_one() {
        assert_eq!(
            last_boxed(r"\boxed{1} then \boxed{\frac{1}{2}}"),
            Some(r"\frac{1}{2}")
        );
        assert_eq!(last_boxed(r"\fbox{x} \boxed{y}"), Some("y"));
        assert_eq!(last_boxed(r"\boxed 5$"), Some("5"));
        assert_eq!(last_boxed(r"\boxed{1} \boxed{2"), None);
        assert_eq!(last_boxed("no box"), None);
    }

    #[test]
    fn answer_tag_and_after_think() {
        assert_eq!(
            answer_tag("<answer>1</answer><answer> 2 </answer>"),
            Some(" 2 ")
        );
        assert_eq!(answer_tag("<answer>open"), None);
        assert_eq!(after_think("<think>hm</think> 4"), Some(" 4"));
        assert_eq!(after_think("<think>never closed"), None);
    }

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
