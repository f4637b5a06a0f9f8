//! Scanning helpers for TeX source, shared by extraction and normalisation.

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

/// Copies `s`, offering every `\command` to `f`. A command is a backslash
/// followed by ASCII letters, or by one other character (`\{`, `\,`, `\\`).
/// `f(out, name, tail)` may write a replacement to `out` (it may also edit
/// what is already there) and return how many bytes of `tail` it consumed;
/// `None` copies the command unchanged.
pub fn rewrite_commands<F>(s: &str, mut f: F) -> String
where
    F: FnMut(&mut String, &str, &str) -> Option<usize>,
{
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let letters = after.bytes().take_while(u8::is_ascii_alphabetic).count();
        let name_len = if letters > 0 {
            letters
        } else {
            after.chars().next().map_or(0, char::len_utf8)
        };
        let (name, tail) = after.split_at(name_len);
        let mark = out.len();
        match f(&mut out, name, tail) {
            Some(used) => rest = tail.get(used..).unwrap_or(""),
            None => {
                out.truncate(mark.min(out.len()));
                out.push('\\');
                out.push_str(name);
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
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
    fn rewrite_sees_letter_and_symbol_commands() {
        let out = rewrite_commands(
            r"\dfrac12 + \, x \\ \leftarrow",
            |out, name, _| match name {
                "dfrac" => {
                    out.push_str(r"\frac");
                    Some(0)
                }
                "," => Some(0),
                _ => None,
            },
        );
        assert_eq!(out, r"\frac12 +  x \\ \leftarrow");
        assert_eq!(
            rewrite_commands("trailing \\", |_, _, _| None),
            "trailing \\"
        );
    }
}
