//! The judge prompt of perception mode: fixed instructions and two worked
//! examples, then the sample's facts and response.
//!
//! The prompt always ends with the block
//! ```text
//! Visual annotations:
//! <info1>FACT 1</info1>
//! ...
//! Response:
//! RESPONSE TEXT
//! Judgement:
//! ```
//! which the host's deterministic `rules` judge reads (the last line that is
//! exactly `Visual annotations:`, `Response:` or `Judgement:` wins), so a
//! response line that reads exactly like one of those lines loses its colon.

/// Instructions and worked examples, placed before the sample's block.
pub const PREAMBLE: &str = "\
You check whether a response to a visual math problem mentions given facts about the image.
Each fact under \"Visual annotations\" is numbered. For fact K, answer <infoK>1</infoK> if the response clearly states that fact, in any wording, and <infoK>0</infoK> if it leaves the fact out or states something different. Judge only whether each fact is present, not whether the reasoning or the final answer is right.
Reply with one tag per fact, in order, and nothing else, for example: <info1>1</info1><info2>0</info2><info3>1</info3>

Example 1
Visual annotations:
<info1>ABCD is a rectangle.</info1>
<info2>Side AB has length 6.</info2>
<info3>Diagonal AC has length 10.</info3>
Response:
Since ABCD is a rectangle, angle B is a right angle. With AB = 6 and AC = 12, BC = sqrt(144 - 36), so the area is 6 * sqrt(108).
Judgement:
<info1>1</info1><info2>1</info2><info3>0</info3>

Example 2
Visual annotations:
<info1>O is the center of the circle.</info1>
<info2>Angle AOB measures 80 degrees.</info2>
Response:
Angle AOB is a central angle of 80 degrees, so the inscribed angle ACB that subtends the same arc measures 40 degrees.
Judgement:
<info1>0</info1><info2>1</info2>

Now judge this response.
";

/// Lines of the final block; a response line equal to one of them (after
/// trimming) is changed so the block stays unambiguous.
pub const MARKERS: [&str; 3] = ["Visual annotations:", "Response:", "Judgement:"];

/// The whole prompt for `facts` (each already on one line) and `response`.
pub fn build(facts: &[String], response: &str) -> String {
    let mut prompt = String::with_capacity(PREAMBLE.len() + response.len() + 64 * facts.len());
    prompt.push_str(PREAMBLE);
    prompt.push_str("Visual annotations:\n");
    for (i, fact) in facts.iter().enumerate() {
        let k = i + 1;
        prompt.push_str(&format!("<info{k}>{fact}</info{k}>\n"));
    }
    prompt.push_str("Response:\n");
    for line in response.trim_end().lines() {
        let trimmed = line.trim();
        match MARKERS.iter().find(|m| **m == trimmed) {
            Some(marker) => prompt.push_str(&line.replacen(marker, &marker[..marker.len() - 1], 1)),
            None => prompt.push_str(line),
        }
        prompt.push('\n');
    }
    prompt.push_str("Judgement:");
    prompt
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_prompt_ends_with_the_block_the_rules_judge_reads() {
        let p = build(
            &facts(&["AB = 4", "angle C is 90 degrees"]),
            "AB = 4, so\nx = 2.\n\n",
        );
        let tail = "\nVisual annotations:\n<info1>AB = 4</info1>\n<info2>angle C is 90 degrees</info2>\nResponse:\nAB = 4, so\nx = 2.\nJudgement:";
        assert!(p.ends_with(tail), "{p}");
        assert!(p.starts_with(PREAMBLE));
        // The examples use the same block, so only the last one is the sample's.
        assert_eq!(p.matches("\nJudgement:").count(), 3);
    }

    #[test]
    fn response_lines_that_look_like_markers_lose_their_colon() {
        let response = "Response:\nI think\n  Judgement:  \nVisual annotations:\nok Response: fine";
        let p = build(&facts(&["a"]), response);
        let block = &p[p.rfind("\nVisual annotations:\n").unwrap()..];
        assert_eq!(
            block,
            "\nVisual annotations:\n<info1>a</info1>\nResponse:\nResponse\nI think\n  Judgement  \nVisual annotations\nok Response: fine\nJudgement:"
        );
        // Two examples and the final block: the response added no marker line.
        for marker in MARKERS {
            assert_eq!(p.lines().filter(|l| *l == marker).count(), 3, "{marker}");
        }
    }

    #[test]
    fn an_empty_response_still_gives_the_block() {
        let p = build(&facts(&["a"]), "");
        assert!(
            p.ends_with("<info1>a</info1>\nResponse:\nJudgement:"),
            "{p}"
        );
    }

    #[test]
    fn the_examples_answer_in_the_format_asked_for() {
        // Every worked example's judgement parses with the plugin's own parser.
        for (k, judgement) in [
            (3, "<info1>1</info1><info2>1</info2><info3>0</info3>"),
            (2, "<info1>0</info1><info2>1</info2>"),
        ] {
            assert!(PREAMBLE.contains(&format!("Judgement:\n{judgement}\n")));
            assert_eq!(crate::verdict::parse(judgement, k).unwrap().values.len(), k);
        }
    }
}
