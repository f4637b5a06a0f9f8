//! Splitting a completion into its reasoning and its final answer, and
//! finding the conclusion the reasoning reaches.

use rewasm_plugin_sdk::answer::{answer_tag, last_boxed};

/// The reasoning: the text before the last `</think>`, starting after the
/// first `<think>` when that comes before it. `None` without a `</think>`.
pub fn reasoning(completion: &str) -> Option<&str> {
    let end = completion.rfind("</think>")?;
    let before = &completion[..end];
    Some(match before.find("<think>") {
        Some(at) => &before[at + "<think>".len()..],
        None => before,
    })
}

/// The reasoning as the judge reads it in `response = "think"` mode: like
/// [`reasoning`], or everything after `<think>` when it is never closed
/// (a truncated completion), or the whole text when it has neither tag.
pub fn reasoning_or_open(completion: &str) -> &str {
    if let Some(r) = reasoning(completion) {
        return r;
    }
    match completion.find("<think>") {
        Some(at) => &completion[at + "<think>".len()..],
        None => completion,
    }
}

/// The final answer, read from the text after the last `</think>`: the
/// content of its last `\boxed{..}`/`\fbox{..}`, else the content of its
/// last `<answer>..</answer>`. `None` when neither holds anything.
pub fn final_answer(completion: &str) -> Option<&str> {
    let end = completion.rfind("</think>")?;
    let after = &completion[end + "</think>".len()..];
    [last_boxed(after), answer_tag(after)]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|a| !a.is_empty())
}

/// The conclusion the reasoning reaches, as written:
/// 1. the content of the last `\boxed{..}`/`\fbox{..}` in it;
/// 2. else, going back from the last occurrence of a conclusion phrase
///    (ASCII case-insensitive, whole words), the first clause that yields
///    a candidate (see [`candidate`]). A clause starts after the phrase and
///    its trailing spaces, `,` and `:`, and ends at a newline, at `.`, `!`
///    or `?` followed by whitespace or the end, or where the next phrase
///    occurrence starts; a clause that opens with `$`, `$$`, `\(` or `\[`
///    runs to the matching closing delimiter instead.
///
/// `phrases` must be lowercase.
pub fn conclusion<'a>(reasoning: &'a str, phrases: &[String]) -> Option<&'a str> {
    if let Some(boxed) = last_boxed(reasoning).map(str::trim) {
        if !boxed.is_empty() {
            return Some(boxed);
        }
    }
    let lower = reasoning.to_ascii_lowercase();
    let mut found: Vec<(usize, usize)> = Vec::new();
    for phrase in phrases {
        for (at, p) in lower.match_indices(phrase.as_str()) {
            if whole_word(&lower, at, at + p.len()) {
                found.push((at, at + p.len()));
            }
        }
    }
    found.sort_unstable();
    for (i, &(_, end)) in found.iter().enumerate().rev() {
        let next = found[i + 1..]
            .iter()
            .map(|&(start, _)| start)
            .find(|&start| start >= end)
            .unwrap_or(reasoning.len());
        if let Some(c) = candidate(&reasoning[end..next]) {
            return Some(c);
        }
    }
    None
}

/// Whether `text[start..end]` is not glued to letters or digits on a side
/// where the phrase itself ends in one.
fn whole_word(text: &str, start: usize, end: usize) -> bool {
    let inner = &text[start..end];
    let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let left_ok = !alnum(inner.chars().next()) || !alnum(text[..start].chars().next_back());
    let right_ok = !alnum(inner.chars().next_back()) || !alnum(text[end..].chars().next());
    left_ok && right_ok
}

/// What a clause (the text after a conclusion phrase) concludes: the
/// content of a leading math span; else, within the sentence, the content
/// of its last `$..$`/`\(..\)`/`\[..\]` span, else the text after its last
/// `=` or its last word `is`, else the sentence when it is one word. Outer
/// whitespace and `.,;:!?*` are trimmed; `None` when nothing is left.
pub fn candidate(clause: &str) -> Option<&str> {
    let clause = clause.trim_start_matches(|c: char| c.is_whitespace() || c == ',' || c == ':');
    if let Some((span, _)) = math_spans(clause)
        .into_iter()
        .next()
        .filter(|(_, at)| *at == 0)
    {
        return tidy(span);
    }
    let sentence = &clause[..sentence_end(clause)];
    if let Some((span, _)) = math_spans(sentence).pop() {
        return tidy(span);
    }
    let lower = sentence.to_ascii_lowercase();
    let after_is = lower
        .match_indices("is")
        .filter(|&(at, p)| whole_word(&lower, at, at + p.len()))
        .map(|(at, p)| at + p.len())
        .last();
    let after_eq = sentence.rfind('=').map(|at| at + 1);
    if let Some(from) = after_is.max(after_eq) {
        return tidy(&sentence[from..]);
    }
    let word = tidy(sentence)?;
    (!word.contains(char::is_whitespace)).then_some(word)
}

fn tidy(s: &str) -> Option<&str> {
    let t = s.trim_matches(|c: char| c.is_whitespace() || ".,;:!?*".contains(c));
    (!t.is_empty()).then_some(t)
}

/// Where the sentence starting `text` ends: a newline, or `.`, `!`, `?`
/// followed by whitespace or the end of the text.
fn sentence_end(text: &str) -> usize {
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        match c {
            '\n' => return i,
            '.' | '!' | '?' if next.is_none_or(char::is_whitespace) => return i,
            _ => {}
        }
    }
    text.len()
}

/// The math spans of `text` (`$$..$$`, `$..$`, `\[..\]`, `\(..\)`): their
/// content and where each opens, in order; an unclosed span is left out.
fn math_spans(text: &str) -> Vec<(&str, usize)> {
    let mut spans = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        let pair = [("$$", "$$"), ("$", "$"), ("\\[", "\\]"), ("\\(", "\\)")]
            .into_iter()
            .find(|(open, _)| rest.starts_with(open));
        match pair {
            Some((open, close)) => {
                let body = &rest[open.len()..];
                match body.find(close) {
                    Some(end) => {
                        spans.push((&body[..end], at));
                        at += open.len() + end + close.len();
                    }
                    None => break,
                }
            }
            None => at += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrases() -> Vec<String> {
        crate::Config::default().conclusion_phrases
    }

    fn concl(text: &str) -> Option<&str> {
        conclusion(text, &phrases())
    }

    #[test]
    fn reasoning_and_final_answer() {
        let c = "<think>so x = 3</think>\n<answer>\\boxed{3}</answer>";
        assert_eq!(reasoning(c), Some("so x = 3"));
        assert_eq!(final_answer(c), Some("3"));
        assert_eq!(
            final_answer("<think>a</think><answer> 7 </answer>"),
            Some("7")
        );
        assert_eq!(final_answer("<think>a</think> so \\boxed{8}"), Some("8"));
        assert_eq!(final_answer("<think>\\boxed{2}</think> nothing"), None);
        assert_eq!(final_answer("<think>a</think><answer> </answer>"), None);
        assert_eq!(final_answer("\\boxed{3}"), None);
        assert_eq!(reasoning("no tags, \\boxed{3}"), None);
        assert_eq!(reasoning("bare reasoning</think>x"), Some("bare reasoning"));
        assert_eq!(reasoning_or_open("<think>cut off"), "cut off");
        assert_eq!(reasoning_or_open("plain"), "plain");
    }

    #[test]
    fn the_last_box_in_the_reasoning_wins() {
        assert_eq!(
            concl("first \\boxed{1}, then \\boxed{2}. So it is 5"),
            Some("2")
        );
        assert_eq!(concl("\\boxed{ } therefore 4"), Some("4"));
    }

    #[test]
    fn conclusion_phrases_and_clauses() {
        assert_eq!(concl("Therefore, x = 5."), Some("5"));
        assert_eq!(concl("The answer is 12."), Some("12"));
        assert_eq!(concl("Thus the measure of angle S is 71°."), Some("71°"));
        assert_eq!(concl("Final answer: B"), Some("B"));
        assert_eq!(
            concl("so the area is $\\frac{1}{2}$ and we stop"),
            Some("\\frac{1}{2}")
        );
        assert_eq!(concl("Hence:\n\\[\nx = 3.5\n\\]\nDone."), Some("x = 3.5"));
        assert_eq!(concl("Therefore, the total is **42**."), Some("42"));
        assert_eq!(concl("Thus y = 2.5. Next we check."), Some("2.5"));
    }

    #[test]
    fn later_phrases_without_a_candidate_fall_back_to_earlier_ones() {
        assert_eq!(concl("Therefore x = 5, so we are done."), Some("5"));
        assert_eq!(concl("Hence x = 4. So we check our work."), Some("4"));
    }

    #[test]
    fn phrases_match_whole_words_only() {
        assert_eq!(concl("Also the sum is 4"), None);
        assert_eq!(concl("Sonic the hedgehog is 3"), None);
        assert_eq!(concl("THEREFORE X = 9"), Some("9"));
    }

    #[test]
    fn no_conclusion() {
        assert_eq!(concl("Let me compute 3 + 4 = 7 and stop"), None);
        assert_eq!(concl(""), None);
        assert_eq!(concl("so"), None);
        assert_eq!(concl("Therefore we are not sure."), None);
    }

    #[test]
    fn math_spans_pair_delimiters() {
        assert_eq!(
            math_spans("$a$ and $$b$$ then \\(c\\) \\[d\\]"),
            vec![("a", 0), ("b", 8), ("c", 19), ("d", 25)]
        );
        assert_eq!(math_spans("$open"), vec![]);
        assert_eq!(math_spans("é $x$"), vec![("x", 3)]);
    }

    #[test]
    fn hostile_reasoning_stays_fast() {
        let text = "so ".repeat(100_000) + &"$".repeat(100_001) + &"therefore ".repeat(10_000);
        let started = std::time::Instant::now();
        let _ = concl(&text);
        assert!(started.elapsed().as_secs() < 5);
    }
}
