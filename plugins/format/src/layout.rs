//! The layout checks behind each preset: a scan for the literal tags, then
//! rules on what lies between them. Stricter than the usual regexes in one
//! way: every tag must occur exactly once, so `<think>a</think><think>b</think>`
//! (which a lazy `.*?` regex accepts) fails.

use crate::boxed::contains_boxed;
use crate::config::{Preset, Whitespace};

/// The four literal tags, built once from the configured names.
#[derive(Debug, Clone)]
pub struct Tags {
    think_open: String,
    think_close: String,
    answer_open: String,
    answer_close: String,
}

impl Tags {
    pub fn new(think: &str, answer: &str) -> Tags {
        Tags {
            think_open: format!("<{think}>"),
            think_close: format!("</{think}>"),
            answer_open: format!("<{answer}>"),
            answer_close: format!("</{answer}>"),
        }
    }
}

/// Where a stretch of text outside the tags sits; the whitespace rules differ.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Gap {
    Leading,
    Between,
    Trailing,
}

/// Checks `text` against `preset`; `Err` says what broke the layout.
pub fn check(preset: Preset, ws: Whitespace, tags: &Tags, text: &str) -> Result<(), String> {
    match preset {
        Preset::R1 => check_r1(ws, tags, text),
        Preset::Think => check_think(ws, tags, text),
        Preset::BoxedInAnswer => check_boxed_in_answer(tags, text),
    }
}

fn check_r1(ws: Whitespace, tags: &Tags, text: &str) -> Result<(), String> {
    let hits = Hits::scan(
        text,
        &[
            &tags.think_open,
            &tags.think_close,
            &tags.answer_open,
            &tags.answer_close,
        ],
    );
    let think_open = hits.once(0)?;
    let think_close = hits.once(1)?;
    let answer_open = hits.once(2)?;
    let answer_close = hits.once(3)?;
    in_order(&[
        (think_open, &tags.think_open),
        (think_close, &tags.think_close),
        (answer_open, &tags.answer_open),
        (answer_close, &tags.answer_close),
    ])?;

    let think_body = &text[think_open + tags.think_open.len()..think_close];
    let between = &text[think_close + tags.think_close.len()..answer_open];
    let answer_body = &text[answer_open + tags.answer_open.len()..answer_close];
    let trailing = &text[answer_close + tags.answer_close.len()..];

    gap_ok(ws, Gap::Leading, &text[..think_open])
        .map_err(|what| format!("{what} before {}", tags.think_open))?;
    gap_ok(ws, Gap::Between, between).map_err(|what| {
        format!(
            "{what} between {} and {}",
            tags.think_close, tags.answer_open
        )
    })?;
    gap_ok(ws, Gap::Trailing, trailing)
        .map_err(|what| format!("{what} after {}", tags.answer_close))?;
    if ws == Whitespace::Newline {
        body_on_own_lines(think_body, &tags.think_open)?;
        body_on_own_lines(answer_body, &tags.answer_open)?;
    }
    Ok(())
}

fn check_think(ws: Whitespace, tags: &Tags, text: &str) -> Result<(), String> {
    let open = Hits::scan(text, &[&tags.think_open]).once(0)?;
    gap_ok(ws, Gap::Leading, &text[..open])
        .map_err(|what| format!("{what} before {}", tags.think_open))?;
    if ws == Whitespace::Newline && !text[open + tags.think_open.len()..].starts_with('\n') {
        return Err(format!("no newline after {}", tags.think_open));
    }
    Ok(())
}

fn check_boxed_in_answer(tags: &Tags, text: &str) -> Result<(), String> {
    let hits = Hits::scan(text, &[&tags.answer_open, &tags.answer_close]);
    let open = hits.once(0)?;
    let close = hits.once(1)?;
    in_order(&[(open, &tags.answer_open), (close, &tags.answer_close)])?;
    if contains_boxed(&text[open + tags.answer_open.len()..close]) {
        Ok(())
    } else {
        Err(format!(
            "no non-empty \\boxed{{...}} inside {}...{}",
            tags.answer_open, tags.answer_close
        ))
    }
}

/// Where each tag occurs: first offset and count, found in one pass.
struct Hits<'t> {
    tags: Vec<&'t str>,
    first: Vec<Option<usize>>,
    count: Vec<usize>,
}

impl<'t> Hits<'t> {
    /// Scans `text` once for every tag (each starts with `<`). Jumping from
    /// `<` to `<` in one pass is several times faster inside Wasm, which has
    /// no SIMD substring search, than one general search per tag.
    fn scan(text: &str, tags: &[&'t str]) -> Self {
        let bytes = text.as_bytes();
        let mut hits = Hits {
            tags: tags.to_vec(),
            first: vec![None; tags.len()],
            count: vec![0; tags.len()],
        };
        for (i, &b) in bytes.iter().enumerate() {
            if b != b'<' {
                continue;
            }
            for (k, tag) in tags.iter().enumerate() {
                if bytes[i..].starts_with(tag.as_bytes()) {
                    hits.first[k].get_or_insert(i);
                    hits.count[k] += 1;
                }
            }
        }
        hits
    }

    /// Byte offset of the only occurrence of tag `k` (a char boundary, since
    /// tags start with `<`).
    fn once(&self, k: usize) -> Result<usize, String> {
        let tag = self.tags[k];
        let first = self.first[k].ok_or_else(|| format!("missing {tag}"))?;
        if self.count[k] > 1 {
            return Err(format!("{tag} appears {} times", self.count[k]));
        }
        Ok(first)
    }
}

fn in_order(tags: &[(usize, &String)]) -> Result<(), String> {
    for pair in tags.windows(2) {
        if pair[0].0 > pair[1].0 {
            return Err(format!("{} comes before {}", pair[1].1, pair[0].1));
        }
    }
    Ok(())
}

fn gap_ok(ws: Whitespace, gap: Gap, s: &str) -> Result<(), &'static str> {
    let ok = match (ws, gap) {
        (Whitespace::Any, _) => s.chars().all(char::is_whitespace),
        (Whitespace::None, _) | (Whitespace::Newline, Gap::Leading) => s.is_empty(),
        (Whitespace::Newline, Gap::Between) => s == "\n",
        (Whitespace::Newline, Gap::Trailing) => s.is_empty() || s == "\n",
    };
    if ok {
        Ok(())
    } else if s.chars().all(char::is_whitespace) {
        Err("wrong whitespace")
    } else {
        Err("text")
    }
}

/// The `newline` layout puts each block body between two newlines, so an
/// empty body still needs `"\n\n"`.
fn body_on_own_lines(body: &str, open_tag: &str) -> Result<(), String> {
    if body.len() >= 2 && body.starts_with('\n') && body.ends_with('\n') {
        Ok(())
    } else {
        Err(format!(
            "the {open_tag} block does not start and end with a newline"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r1(ws: Whitespace, text: &str) -> Result<(), String> {
        check(Preset::R1, ws, &Tags::new("think", "answer"), text)
    }

    #[test]
    fn r1_accepts_the_plain_layout() {
        assert_eq!(
            r1(Whitespace::Any, "<think>x</think><answer>y</answer>"),
            Ok(())
        );
        assert_eq!(
            r1(Whitespace::None, "<think>x</think><answer>y</answer>"),
            Ok(())
        );
        assert_eq!(
            r1(Whitespace::Any, "<think></think><answer></answer>"),
            Ok(())
        );
    }

    #[test]
    fn r1_any_allows_whitespace_only_outside_tags() {
        assert_eq!(
            r1(
                Whitespace::Any,
                " \n<think>x</think>\n\n<answer>y</answer>\n "
            ),
            Ok(())
        );
        let err = r1(Whitespace::Any, "Sure! <think>x</think><answer>y</answer>").unwrap_err();
        assert!(err.contains("text before <think>"), "{err}");
        let err = r1(Whitespace::Any, "<think>x</think>so<answer>y</answer>").unwrap_err();
        assert!(err.contains("between </think> and <answer>"), "{err}");
        let err = r1(Whitespace::Any, "<think>x</think><answer>y</answer>bye").unwrap_err();
        assert!(err.contains("after </answer>"), "{err}");
    }

    #[test]
    fn r1_none_rejects_any_whitespace_outside_tags() {
        for text in [
            " <think>x</think><answer>y</answer>",
            "<think>x</think> <answer>y</answer>",
            "<think>x</think><answer>y</answer>\n",
        ] {
            let err = r1(Whitespace::None, text).unwrap_err();
            assert!(err.contains("wrong whitespace"), "{text:?}: {err}");
        }
    }

    #[test]
    fn r1_newline_follows_the_trl_layout() {
        assert_eq!(
            r1(
                Whitespace::Newline,
                "<think>\nx\n</think>\n<answer>\ny\n</answer>"
            ),
            Ok(())
        );
        assert_eq!(
            r1(
                Whitespace::Newline,
                "<think>\nx\n</think>\n<answer>\ny\n</answer>\n"
            ),
            Ok(())
        );
        assert_eq!(
            r1(
                Whitespace::Newline,
                "<think>\n\n</think>\n<answer>\n\n</answer>"
            ),
            Ok(())
        );
        for text in [
            "<think>x</think>\n<answer>\ny\n</answer>",
            "<think>\nx\n</think><answer>\ny\n</answer>",
            "<think>\nx\n</think>\n\n<answer>\ny\n</answer>",
            "<think>\nx\n</think>\n<answer>\ny\n</answer>\n\n",
            "\n<think>\nx\n</think>\n<answer>\ny\n</answer>",
            "<think>\n</think>\n<answer>\ny\n</answer>",
        ] {
            assert!(r1(Whitespace::Newline, text).is_err(), "{text:?} accepted");
        }
    }

    #[test]
    fn r1_requires_each_tag_exactly_once() {
        let err = r1(Whitespace::Any, "<think>x</think><answer>y").unwrap_err();
        assert_eq!(err, "missing </answer>");
        let err = r1(
            Whitespace::Any,
            "<think>a</think><think>b</think><answer>y</answer>",
        )
        .unwrap_err();
        assert_eq!(err, "<think> appears 2 times");
        let err = r1(
            Whitespace::Any,
            "<think>x</think><answer>y</answer><answer>z</answer>",
        )
        .unwrap_err();
        assert_eq!(err, "<answer> appears 2 times");
    }

    #[test]
    fn r1_requires_the_order_think_then_answer() {
        let err = r1(Whitespace::Any, "<answer>y</answer><think>x</think>").unwrap_err();
        assert!(err.contains("comes before"), "{err}");
        let err = r1(Whitespace::Any, "</think><think>x<answer>y</answer>").unwrap_err();
        assert_eq!(err, "</think> comes before <think>");
        assert!(r1(Whitespace::Any, "<think>x<answer></think>y</answer>").is_err());
    }

    #[test]
    fn tags_are_case_sensitive() {
        assert_eq!(
            r1(Whitespace::Any, "<THINK>x</THINK><answer>y</answer>").unwrap_err(),
            "missing <think>"
        );
    }

    #[test]
    fn custom_tag_names_are_used() {
        let tags = Tags::new("reasoning", "final");
        assert_eq!(
            check(
                Preset::R1,
                Whitespace::Any,
                &tags,
                "<reasoning>r</reasoning><final>f</final>"
            ),
            Ok(())
        );
        assert!(check(
            Preset::R1,
            Whitespace::Any,
            &tags,
            "<think>r</think><answer>f</answer>"
        )
        .is_err());
    }

    fn think(ws: Whitespace, text: &str) -> Result<(), String> {
        check(Preset::Think, ws, &Tags::new("think", "answer"), text)
    }

    #[test]
    fn think_needs_a_leading_tag_and_no_second_one() {
        assert_eq!(
            think(Whitespace::None, "<think>reasoning, no close tag"),
            Ok(())
        );
        assert_eq!(
            think(Whitespace::None, "<think>a</think> answer 42"),
            Ok(())
        );
        assert_eq!(think(Whitespace::Any, "\n <think>a"), Ok(()));
        assert!(think(Whitespace::None, "\n<think>a").is_err());
        assert!(think(Whitespace::Any, "x<think>a").is_err());
        assert_eq!(
            think(Whitespace::Any, "<think>a<think>b").unwrap_err(),
            "<think> appears 2 times"
        );
        assert_eq!(
            think(Whitespace::Any, "no tags").unwrap_err(),
            "missing <think>"
        );
    }

    #[test]
    fn think_newline_wants_a_newline_after_the_tag() {
        assert_eq!(think(Whitespace::Newline, "<think>\na"), Ok(()));
        assert!(think(Whitespace::Newline, "<think>a").is_err());
        assert!(think(Whitespace::Newline, "<think>").is_err());
    }

    fn boxed(text: &str) -> Result<(), String> {
        check(
            Preset::BoxedInAnswer,
            Whitespace::None,
            &Tags::new("think", "answer"),
            text,
        )
    }

    #[test]
    fn boxed_in_answer_looks_only_inside_the_answer_block() {
        assert_eq!(
            boxed("<think>t</think> <answer>so \\boxed{42}.</answer> bye"),
            Ok(())
        );
        assert!(boxed("\\boxed{42} <answer>42</answer>").is_err());
        assert!(boxed("<answer>42</answer> \\boxed{42}").is_err());
        assert!(boxed("<answer>\\boxed{}</answer>").is_err());
        assert!(boxed("<answer>\\boxed{42</answer>").is_err());
        assert_eq!(boxed("\\boxed{1}").unwrap_err(), "missing <answer>");
        assert!(boxed("<answer>\\boxed{1}</answer><answer>\\boxed{2}</answer>").is_err());
        assert!(boxed("</answer>\\boxed{1}<answer>").is_err());
    }
}
