//! Finding the final answer in a completion.
//!
//! Extractors run in the configured order and the first that finds a
//! non-empty answer wins: the last `\boxed{..}`/`\fbox{..}`, the last
//! `<answer>..</answer>`, the last `Answer: ..` line, GSM8K's last
//! `#### ..`, and (opt-in) the last number in the text.

use std::fmt;

use crate::budget::MAX_COMPLETION_BYTES;
use crate::config::{Config, Extractor};
use rewasm_plugin_sdk::answer::{answer_tag, last_boxed};

#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub text: String,
    pub extractor: Extractor,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Missing {
    /// `after_think` is set and the completion never closes its reasoning.
    NoThinkEnd,
    NoMatch,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Missing::NoThinkEnd => write!(f, "no answer: completion has no </think>"),
            Missing::NoMatch => write!(f, "no answer found"),
        }
    }
}

pub fn extract(completion: &str, cfg: &Config) -> Result<Found, Missing> {
    let mut text = tail(completion, MAX_COMPLETION_BYTES);
    if cfg.after_think {
        let end = text.rfind("</think>").ok_or(Missing::NoThinkEnd)?;
        text = &text[end + "</think>".len()..];
    }
    for &extractor in &cfg.extractors {
        let found = match extractor {
            Extractor::Boxed => last_boxed(text).map(str::to_string),
            Extractor::AnswerTag => answer_tag(text).map(inline_answer),
            Extractor::AnswerLine => answer_line(text).map(inline_answer),
            Extractor::Gsm8k => gsm8k(text).map(inline_answer),
            Extractor::LastNumber => last_number(text).map(str::to_string),
        };
        if let Some(t) = found {
            let t = t.trim();
            if !t.is_empty() {
                return Ok(Found {
                    text: t.to_string(),
                    extractor,
                });
            }
        }
    }
    Err(Missing::NoMatch)
}

/// The last `max` bytes of `s`, starting on a character boundary.
fn tail(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// The text after `Answer:` on the last line that has one (`**Answer:**`
/// and `Final Answer:` included); an empty remainder takes the next line.
fn answer_line(text: &str) -> Option<&str> {
    let lines: Vec<&str> = text.lines().collect();
    for (k, line) in lines.iter().enumerate().rev() {
        let lower = line.to_ascii_lowercase();
        for (at, _) in lower
            .match_indices("answer")
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
        {
            let rest = &line[at + "answer".len()..];
            let rest = rest.trim_start_matches(['*', '_', ' ']);
            let Some(rest) = rest.strip_prefix(':') else {
                continue;
            };
            // Markdown emphasis around the answer (`**Answer:** **7**`).
            let rest = rest.trim_matches(|c: char| c == '*' || c == '_' || c.is_whitespace());
            if !rest.is_empty() {
                return Some(rest);
            }
            return lines
                .get(k + 1..)?
                .iter()
                .map(|l| l.trim())
                .find(|l| !l.is_empty());
        }
    }
    None
}

fn gsm8k(text: &str) -> Option<&str> {
    let start = text.rfind("####")?;
    let rest = text[start..].trim_start_matches('#');
    Some(rest.lines().next().unwrap_or("").trim())
}

/// The last number: optional sign, digits with optional `,ddd` groups, an
/// optional decimal part, or a simple `a/b` fraction.
fn last_number(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let mut last = None;
    let mut i = 0;
    while i < b.len() {
        if !digit(i) {
            i += 1;
            continue;
        }
        let mut start = i;
        if i > 0 && b[i - 1] == b'-' && !(i > 1 && b[i - 2].is_ascii_alphanumeric()) {
            start = i - 1;
        }
        while digit(i) {
            i += 1;
        }
        // Thousands groups only when exactly three digits follow the comma.
        while b.get(i) == Some(&b',') && (1..=3).all(|k| digit(i + k)) && !digit(i + 4) {
            i += 4;
        }
        // A decimal part or the denominator of `a/b`.
        if matches!(b.get(i), Some(b'.' | b'/')) && digit(i + 1) {
            i += 1;
            while digit(i) {
                i += 1;
            }
        }
        last = Some((start, i));
    }
    last.map(|(s, e)| &text[s..e])
}

/// Answers written inside prose (`<answer>The area is $12$.</answer>`): a
/// box inside wins, else the inline math when only words surround it.
fn inline_answer(content: &str) -> String {
    if let Some(b) = last_boxed(content) {
        return b.to_string();
    }
    let text = content.replace("\\(", "$").replace("\\)", "$");
    let pieces: Vec<&str> = text.split('$').collect();
    // Odd positions are inside `$...$`.
    if pieces.len() < 3 {
        return content.to_string();
    }
    let math: Vec<&str> = pieces
        .iter()
        .skip(1)
        .step_by(2)
        .copied()
        .filter(|m| !m.trim().is_empty())
        .collect();
    let joiners_only = pieces
        .iter()
        .enumerate()
        .filter(|(k, _)| k % 2 == 0 && *k > 0 && *k + 1 < pieces.len())
        .all(|(_, t)| {
            matches!(
                t.trim().to_ascii_lowercase().as_str(),
                "" | "," | "and" | "or" | ", and"
            )
        });
    if math.len() > 1 && joiners_only {
        math.join(", ")
    } else {
        math.last()
            .map_or_else(|| content.to_string(), |m| m.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(extractors: &[Extractor]) -> Config {
        Config {
            extractors: extractors.to_vec(),
            ..Config::default()
        }
    }

    fn found(text: &str) -> Option<String> {
        extract(text, &Config::default()).ok().map(|f| f.text)
    }

    #[test]
    fn last_box_wins_and_truncated_box_yields_nothing() {
        assert_eq!(
            found(r"\boxed{1} then \boxed{\frac{2}{3}}"),
            Some(r"\frac{2}{3}".into())
        );
        assert_eq!(found(r"\fbox{7}"), Some("7".into()));
        assert_eq!(found(r"\boxed{\{1,2\}}"), Some(r"\{1,2\}".into()));
        assert_eq!(found(r"\boxed 5$"), Some("5".into()));
        assert_eq!(found(r"\boxed{1} and \boxed{2"), None);
    }

    #[test]
    fn tags_lines_and_gsm8k() {
        assert_eq!(found("<answer> 42 </answer>"), Some("42".into()));
        assert_eq!(
            found("<answer>The area is $12$.</answer>"),
            Some("12".into())
        );
        assert_eq!(
            found("Work...\n**Final Answer:** $x=2$ or $x=3$"),
            Some("x=2, x=3".into())
        );
        assert_eq!(found("Answer:\n\n  17"), Some("17".into()));
        assert_eq!(found("**Answer:** **7**"), Some("7".into()));
        assert_eq!(found("so 3 + 4 = 7\n#### 7"), Some("7".into()));
        assert_eq!(found("I cannot answer the question: sorry"), None);
        assert_eq!(found("the result is 5"), None);
    }

    #[test]
    fn order_think_and_last_number() {
        let both = "<answer>3</answer> \\boxed{4}";
        assert_eq!(found(both), Some("4".into()));
        assert_eq!(
            extract(both, &cfg(&[Extractor::AnswerTag, Extractor::Boxed])).map(|f| f.text),
            Ok("3".into())
        );
        let think = Config {
            after_think: true,
            ..Config::default()
        };
        assert_eq!(
            extract(r"<think>\boxed{1}</think> \boxed{2}", &think).map(|f| f.text),
            Ok("2".into())
        );
        assert_eq!(
            extract(r"<think>\boxed{1}</think> no box", &think),
            Err(Missing::NoMatch)
        );
        assert_eq!(
            extract(r"<think>\boxed{1}", &think),
            Err(Missing::NoThinkEnd)
        );
        let ln = cfg(&[Extractor::LastNumber]);
        let last = |t: &str| extract(t, &ln).ok().map(|f| f.text);
        assert_eq!(last("costs 1,250 dollars, not 3.5"), Some("3.5".into()));
        assert_eq!(last("total: 1,250"), Some("1,250".into()));
        assert_eq!(last("x-3 = -4"), Some("-4".into()));
        assert_eq!(last("ratio 3/4"), Some("3/4".into()));
        assert_eq!(last("none"), None);
        assert_eq!(tail("aé", 1), "");
    }
}
