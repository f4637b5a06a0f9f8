//! String normalisation of an answer or reference, ahead of the exact-string
//! comparison and of parsing: delimiters, layout commands, units, degrees,
//! percent signs, thousands separators and TeX argument shorthands.

use crate::lexer::is_math_word;
use crate::tex::rewrite_commands;
use rewasm_plugin_sdk::answer::braced;

#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    pub text: String,
    /// A `%` (or the word "percent") was removed.
    pub percent: bool,
}

pub fn normalize(raw: &str) -> Normalized {
    let mut s = map_unicode(raw.trim());
    for _ in 0..2 {
        s = unwrap_boxes(&s);
    }
    s = strip_delimiters(&s);
    s = strip_layout(&s);
    s = rename_commands(&s);
    s = replace_repeating_decimals(&s);
    let (t, mut percent) = strip_text_commands(&s);
    s = strip_degrees(&t);
    if s.contains('%') {
        percent = true;
        s = s.replace("\\%", "").replace('%', "");
    }
    s = brace_tex_arguments(&s);
    s = strip_answer_phrases(&s);
    s = strip_trailing_period(&s);
    let (t, unit_percent) = strip_unit_words(&s);
    s = strip_thousands_separators(&t);
    Normalized {
        text: s.split_whitespace().collect::<Vec<_>>().join(" "),
        percent: percent || unit_percent,
    }
}

fn map_unicode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '−' | '–' | '‐' => out.push('-'),
            '×' | '⋅' | '·' | '∙' => out.push_str("\\cdot "),
            '÷' => out.push_str("\\div "),
            'π' => out.push_str("\\pi "),
            '∞' => out.push_str("\\infty "),
            '√' => out.push_str("\\sqrt"),
            '≤' | '⩽' => out.push_str("\\le "),
            '≥' | '⩾' => out.push_str("\\ge "),
            '≠' => out.push_str("\\ne "),
            '≈' => out.push_str("\\approx "),
            '∪' => out.push_str("\\cup "),
            '∅' => out.push_str("\\emptyset "),
            '±' => out.push_str("\\pm "),
            '∈' => out.push_str("\\in "),
            '，' => out.push(','),
            '°' => {}
            '\u{a0}' | '\u{2009}' | '\u{202f}' | '\u{2002}' | '\u{2003}' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

fn unwrap_boxes(s: &str) -> String {
    rewrite_commands(s, |out, name, tail| {
        if name != "boxed" && name != "fbox" {
            return None;
        }
        let (content, used) = braced(tail)?;
        out.push_str(content);
        Some(used)
    })
}

fn strip_delimiters(s: &str) -> String {
    let s = s.replace("\\$", "").replace('$', "");
    rewrite_commands(&s, |_, name, _| {
        matches!(name, "(" | ")" | "[" | "]").then_some(0)
    })
}

fn strip_layout(s: &str) -> String {
    let s = rewrite_commands(s, |out, name, tail| match name {
        "left" | "right" | "big" | "Big" | "bigg" | "Bigg" | "bigl" | "bigr" | "Bigl" | "Bigr"
        | "biggl" | "biggr" | "Biggl" | "Biggr" | "middle" => {
            Some(usize::from(tail.starts_with('.')))
        }
        "," | "!" | "displaystyle" | "textstyle" | "scriptstyle" | "limits" | "nolimits"
        | "mathstrut" | "strut" => Some(0),
        ";" | ":" | " " | "quad" | "qquad" | "enspace" | "thinspace" => {
            out.push(' ');
            Some(0)
        }
        "hspace" | "vspace" => braced(tail).map(|(_, used)| used),
        _ => None,
    });
    s.replace('~', " ").replace("{,}", "")
}

fn rename_commands(s: &str) -> String {
    rewrite_commands(s, |out, name, tail| match name {
        "dfrac" | "tfrac" | "cfrac" => {
            out.push_str("\\frac");
            Some(0)
        }
        "dbinom" | "tbinom" => {
            out.push_str("\\binom");
            Some(0)
        }
        // `\operatorname{lcm}` reads as the plain word.
        "operatorname" => {
            let (content, used) = braced(tail)?;
            out.push(' ');
            out.push_str(content);
            out.push(' ');
            Some(used)
        }
        "mathbf" | "mathit" | "mathsf" | "mathtt" | "mathbb" | "mathcal" | "boldsymbol" | "bm"
        | "textbf" | "textit" | "emph" | "underline" | "mathnormal" => {
            let (content, used) = braced(tail)?;
            out.push('{');
            out.push_str(content);
            out.push('}');
            Some(used)
        }
        _ => None,
    })
}

/// `0.\overline{3}` is 1/3: rewritten as an exact `\frac`.
fn replace_repeating_decimals(s: &str) -> String {
    rewrite_commands(s, |out, name, tail| {
        if name != "overline" && name != "dot" {
            return None;
        }
        let (content, used) = braced(tail)?;
        let repeat = content.trim();
        if repeat.is_empty() || repeat.len() > 12 || !repeat.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let prefix_len = out
            .bytes()
            .rev()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        let prefix = out.get(out.len() - prefix_len..)?.to_string();
        let (int_part, frac_part) = prefix.split_once('.')?;
        if int_part.len() + frac_part.len() > 18 {
            return None;
        }
        let value = |digits: &str| -> Option<i128> {
            if digits.is_empty() {
                Some(0)
            } else {
                digits.parse::<i128>().ok()
            }
        };
        let all = value(&format!("{int_part}{frac_part}{repeat}"))?;
        let head = value(&format!("{int_part}{frac_part}"))?;
        let nines = 10i128
            .checked_pow(u32::try_from(repeat.len()).ok()?)?
            .checked_sub(1)?;
        let den = nines.checked_mul(10i128.checked_pow(u32::try_from(frac_part.len()).ok()?)?)?;
        let num = all.checked_sub(head)?;
        out.truncate(out.len() - prefix_len);
        out.push_str(&format!("\\frac{{{num}}}{{{den}}}"));
        Some(used)
    })
}

const TEXT_COMMANDS: &[&str] = &[
    "text",
    "textrm",
    "textup",
    "textnormal",
    "textsf",
    "texttt",
    "mathrm",
    "mbox",
    "hbox",
];

/// `\text{..}` at the start of an item is the answer itself (`\text{(A)}`,
/// `\text{Monday}`); after a value it is a unit and goes, with a following
/// `^2`/`^3`. `\text{ or }` separates items.
fn strip_text_commands(s: &str) -> (String, bool) {
    let mut percent = false;
    let out = rewrite_commands(s, |out, name, tail| {
        if !TEXT_COMMANDS.contains(&name) {
            return None;
        }
        let (content, used) = braced(tail)?;
        let c = content.trim();
        let lower = c.to_ascii_lowercase();
        if matches!(lower.as_str(), "or" | "and" | ",") {
            out.push_str(" , ");
            return Some(used);
        }
        if c.contains('%') || lower.contains("percent") {
            percent = true;
            return Some(used);
        }
        let prev = out.trim_end();
        let starts_item = prev.is_empty() || prev.ends_with(|ch: char| ",([{=".contains(ch));
        let single_letter = c.len() == 1 && c.bytes().all(|b| b.is_ascii_alphabetic());
        if starts_item || single_letter {
            out.push_str(content);
            Some(used)
        } else {
            Some(used + unit_power_len(tail.get(used..).unwrap_or("")))
        }
    });
    (out, percent)
}

fn unit_power_len(s: &str) -> usize {
    ["^{2}", "^{3}", "^2", "^3"]
        .iter()
        .find(|p| s.starts_with(*p))
        .map_or(0, |p| p.len())
}

fn strip_degrees(s: &str) -> String {
    let mut s = s.to_string();
    for pat in [
        "^{\\circ}",
        "^{ \\circ}",
        "^ {\\circ}",
        "^\\circ",
        "^ \\circ",
        "\\circ",
        "\\degree",
    ] {
        s = s.replace(pat, "");
    }
    s
}

/// `\frac12` -> `\frac{1}{2}`, `\sqrt2` -> `\sqrt{2}`, so that the exact
/// string comparison sees one spelling. Runs a few passes because a pass
/// copies the braced arguments of a rewritten command unexamined.
fn brace_tex_arguments(s: &str) -> String {
    let mut cur = s.to_string();
    for _ in 0..6 {
        let next = rewrite_commands(&cur, |out, name, tail| {
            let args = match name {
                "frac" | "binom" => 2,
                "sqrt" => 1,
                _ => return None,
            };
            let mut rest = tail;
            let mut pieces = String::new();
            let mut rewrote = false;
            if name == "sqrt" && rest.trim_start().starts_with('[') {
                let t = rest.trim_start();
                let end = t.find(']')?;
                pieces.push_str(&t[..=end]);
                rest = &t[end + 1..];
            }
            for _ in 0..args {
                rest = rest.trim_start();
                if let Some((content, used)) = braced(rest) {
                    pieces.push('{');
                    pieces.push_str(content);
                    pieces.push('}');
                    rest = rest.get(used..)?;
                    continue;
                }
                let c = rest.chars().next()?;
                let len = if c.is_ascii_alphanumeric() {
                    1
                } else if c == '\\' {
                    1 + rest[1..]
                        .bytes()
                        .take_while(u8::is_ascii_alphabetic)
                        .count()
                } else {
                    return None;
                };
                if len == 1 && c == '\\' {
                    return None;
                }
                pieces.push('{');
                pieces.push_str(&rest[..len]);
                pieces.push('}');
                rest = &rest[len..];
                rewrote = true;
            }
            if !rewrote {
                // Already braced: let the scan continue into the arguments.
                return None;
            }
            out.push('\\');
            out.push_str(name);
            out.push_str(&pieces);
            Some(tail.len() - rest.len())
        });
        if next == cur {
            break;
        }
        cur = next;
    }
    cur
}

fn strip_answer_phrases(s: &str) -> String {
    const PHRASES: &[&str] = &[
        "the final answer is",
        "final answer is",
        "the answer is",
        "final answer:",
        "answer:",
        "answer is",
    ];
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    for p in PHRASES {
        if lower.starts_with(p) {
            // ASCII lowercasing keeps byte offsets, so `p.len()` is a boundary.
            return t.get(p.len()..).unwrap_or("").trim().to_string();
        }
    }
    t.to_string()
}

fn strip_trailing_period(s: &str) -> String {
    let t = s.trim_end();
    match t.strip_suffix('.') {
        Some(rest) if !rest.ends_with('.') && !rest.ends_with('\\') => rest.trim_end().to_string(),
        _ => t.to_string(),
    }
}

/// Two-letter words that are units; longer unknown words after a number are
/// taken as units too, single letters never (`5 m` may be `5m`).
const SHORT_UNITS: &[&str] = &[
    "cm", "mm", "km", "kg", "mg", "ml", "ft", "yd", "mi", "hr", "oz", "lb", "in", "nm", "mL", "sq",
    "cc", "kw", "kW",
];

fn is_unit_word(word: &str) -> bool {
    let w = word.strip_suffix('.').unwrap_or(word);
    if w.is_empty() || !w.is_ascii() {
        return false;
    }
    let parts: Vec<&str> = w.split('/').collect();
    if parts.len() > 2 {
        return false;
    }
    let mut letters = 0;
    for part in &parts {
        let stem = ["^{2}", "^{3}", "^2", "^3"]
            .iter()
            .find_map(|p| part.strip_suffix(p))
            .unwrap_or(part);
        if stem.is_empty() || !stem.bytes().all(|b| b.is_ascii_alphabetic()) || is_math_word(stem) {
            return false;
        }
        letters += stem.len();
    }
    let stem0 = parts.first().copied().unwrap_or("");
    (letters >= 2 || w.contains('^'))
        && (parts.len() == 2 || w.contains('^') || stem0.len() >= 3 || SHORT_UNITS.contains(&stem0))
}

/// Drops unit words after a value: `5 cm`, `12 square units`, `3 m/s`,
/// `10 percent` (flagging percent), and compact `5cm`.
fn strip_unit_words(s: &str) -> (String, bool) {
    let mut percent = false;
    let mut end = s.trim_end().len();
    let mut stripped = 0;
    while stripped < 4 {
        let head = s.get(..end).unwrap_or("").trim_end();
        let Some(ws) = head.rfind(char::is_whitespace) else {
            break;
        };
        let start = ws + head[ws..].chars().next().map_or(1, char::len_utf8);
        let word = &head[start..];
        if !is_unit_word(word) {
            break;
        }
        if word.eq_ignore_ascii_case("percent") {
            percent = true;
        }
        end = start;
        stripped += 1;
    }
    let head = s.get(..end).unwrap_or("").trim_end();
    if stripped > 0 && head.ends_with(|c: char| c.is_ascii_digit() || c == '}' || c == ')') {
        return (head.to_string(), percent);
    }
    let t = s.trim_end();
    for unit in SHORT_UNITS
        .iter()
        .chain(["mph", "hrs", "min", "sec", "cm^2", "cm^3", "m^2", "m^3"].iter())
    {
        if let Some(h) = t.strip_suffix(unit) {
            if h.ends_with(|c: char| c.is_ascii_digit()) {
                return (h.to_string(), false);
            }
        }
    }
    (t.to_string(), false)
}

/// `1,234,567.5` -> `1234567.5` when the whole value (or the right side of
/// a single `=`) is one grouped number; `1,2` stays a list.
fn strip_thousands_separators(s: &str) -> String {
    let (lhs, rhs) = match s.rsplit_once('=') {
        Some((l, r)) => (Some(l), r),
        None => (None, s),
    };
    if !is_grouped_number(rhs.trim()) {
        return s.to_string();
    }
    let rhs = rhs.replace(',', "");
    match lhs {
        Some(l) => format!("{l}={rhs}"),
        None => rhs,
    }
}

fn is_grouped_number(t: &str) -> bool {
    let t = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if !frac.bytes().all(|b| b.is_ascii_digit()) || (t.contains('.') && frac.is_empty()) {
        return false;
    }
    let groups: Vec<&str> = int.split(',').collect();
    groups.len() >= 2
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        normalize(s).text
    }

    #[test]
    fn delimiters_layout_and_renames() {
        assert_eq!(norm(r"$\dfrac{1}{2}$"), r"\frac{1}{2}");
        assert_eq!(norm(r"\left( 1, 2 \right)"), "( 1, 2 )");
        assert_eq!(norm(r"\(x\)"), "x");
        assert_eq!(norm(r"\boxed{\tfrac12}"), r"\frac{1}{2}");
        assert_eq!(norm(r"\frac1{\sqrt3}"), r"\frac{1}{\sqrt{3}}");
        assert_eq!(norm(r"\frac{\frac12}{3}"), r"\frac{\frac{1}{2}}{3}");
        assert_eq!(norm(r"\mathbf{v}"), "{v}");
        assert_eq!(norm(r"\operatorname{lcm}(4, 6)"), "lcm (4, 6)");
    }

    #[test]
    fn units_degrees_percent_and_separators() {
        assert_eq!(norm(r"5\text{ cm}^2"), "5");
        assert_eq!(norm(r"\text{(A)}"), "(A)");
        assert_eq!(norm(r"1 \text{ or } 2"), "1 , 2");
        assert_eq!(norm(r"30^\circ"), "30");
        assert_eq!(norm("45°"), "45");
        assert_eq!(
            normalize(r"50\%"),
            Normalized {
                text: "50".into(),
                percent: true
            }
        );
        assert_eq!(
            normalize("50 percent"),
            Normalized {
                text: "50".into(),
                percent: true
            }
        );
        assert_eq!(norm("1,000,000"), "1000000");
        assert_eq!(norm("x = 12,345.5"), "x = 12345.5");
        assert_eq!(norm("1,2"), "1,2");
        assert_eq!(norm("1{,}000"), "1000");
        assert_eq!(norm(r"1\,000"), "1000");
        assert_eq!(norm("12 square units"), "12");
        assert_eq!(norm("3 m/s"), "3");
        assert_eq!(norm("5cm"), "5");
        assert_eq!(norm("2 x"), "2 x");
        assert_eq!(norm(r"\$1,000."), "1000");
    }

    #[test]
    fn phrases_periods_and_repeating_decimals() {
        assert_eq!(norm("The answer is 7."), "7");
        assert_eq!(norm(r"0.\overline{3}"), r"\frac{3}{9}");
        assert_eq!(norm(r"1.2\overline{34}"), r"\frac{1222}{990}");
        assert_eq!(norm("1, 2, ..."), "1, 2, ...");
    }
}
