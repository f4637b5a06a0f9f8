//! Finding the code in a completion: the first fenced block labelled
//! `python`/`py` (or unlabelled), else the whole text.

/// The program to run from a completion or a reference.
pub fn code(text: &str) -> &str {
    let mut rest = text;
    let mut first_unlabelled = None;
    while let Some(open) = rest.find("```") {
        let after = &rest[open + 3..];
        let (info, body) = match after.find('\n') {
            Some(nl) => (after[..nl].trim(), &after[nl + 1..]),
            None => return first_unlabelled.unwrap_or(text),
        };
        let (block, next) = match body.find("```") {
            Some(close) => (&body[..close], &body[close + 3..]),
            None => (body, ""),
        };
        match info.to_ascii_lowercase().as_str() {
            "python" | "py" | "python3" => return block,
            "" if first_unlabelled.is_none() => first_unlabelled = Some(block),
            _ => {}
        }
        rest = next;
    }
    first_unlabelled.unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::code;

    #[test]
    fn fenced_python_wins() {
        let t = "Here:\n```text\nnot code\n```\n```python\nplt.plot([1])\n```\nDone.";
        assert_eq!(code(t), "plt.plot([1])\n");
        assert_eq!(code("```\nx = 1\n```"), "x = 1\n");
        assert_eq!(code("x = 1"), "x = 1");
        // An unclosed block runs to the end.
        assert_eq!(code("```python\nx = 2\n"), "x = 2\n");
        assert_eq!(code("```"), "```");
    }
}
