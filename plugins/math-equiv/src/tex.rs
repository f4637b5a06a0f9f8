//! Scanning helpers for TeX source, shared by extraction and normalisation.

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
