//! Answer mode (GRPO-CARE's consistency bonus): 1 when the conclusion the
//! reasoning reaches equals the final answer, compared with math-accuracy's
//! normalisation and equivalence.

use math_equiv::{compare, Comparison};
use rewasm_plugin_sdk::{RewardError, Sample, Score};

use crate::config::{Config, OnMissing};
use crate::reasoning::{conclusion, final_answer, reasoning};

/// Longest piece of a completion quoted in a note.
const CLIP: usize = 48;

/// Scores one sample; `phrases` are the config's conclusion phrases,
/// lowercased.
pub fn score(config: &Config, phrases: &[String], sample: &Sample) -> Result<Score, RewardError> {
    let text = &sample.completion;
    let Some(thinking) = reasoning(text) else {
        return missing(config, "no reasoning: the completion has no </think>");
    };
    let Some(answer) = final_answer(text) else {
        return missing(
            config,
            "no final answer: no \\boxed{} or <answer> after </think>",
        );
    };
    let Some(concluded) = conclusion(thinking, phrases) else {
        return missing(
            config,
            "no conclusion in the reasoning: no \\boxed{} and no conclusion phrase followed by a value",
        );
    };
    let (a, c) = (clip(answer), clip(concluded));
    let (consistent, note) = match compare(&config.math(), answer, concluded) {
        Comparison::Equal(method) => (
            true,
            format!(
                "consistent: reasoning concludes `{c}`, answer `{a}` ({})",
                method.name()
            ),
        ),
        Comparison::Different { work_limit } => (
            false,
            format!(
                "inconsistent: reasoning concludes `{c}`, answer `{a}`{}",
                if work_limit {
                    " [work limit reached]"
                } else {
                    ""
                }
            ),
        ),
        Comparison::AnswerUnparsable(e) => (
            false,
            format!("inconsistent: answer `{a}` cannot be parsed ({e}); reasoning concludes `{c}`"),
        ),
        Comparison::ReferenceUnparsable(e) => (
            false,
            format!("inconsistent: conclusion `{c}` cannot be parsed ({e}); answer `{a}`"),
        ),
    };
    let flag = if consistent { 1.0 } else { 0.0 };
    Ok(Score::new(flag)
        .with_part("consistent", flag)
        .with_part("found", 1.0)
        .with_note(note))
}

fn missing(config: &Config, why: &str) -> Result<Score, RewardError> {
    match config.missing {
        OnMissing::Zero => Ok(Score::new(0.0)
            .with_part("consistent", 0.0)
            .with_part("found", 0.0)
            .with_note(why)),
        OnMissing::Error => Err(RewardError::InvalidInput(why.to_string())),
    }
}

fn clip(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= CLIP {
        return s.to_string();
    }
    let mut t: String = s.chars().take(CLIP - 1).collect();
    t.push('…');
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(config: &str, completion: &str) -> Result<Score, RewardError> {
        let c = Config::from_json(config).unwrap();
        let phrases: Vec<String> = c
            .conclusion_phrases
            .iter()
            .map(|p| p.to_ascii_lowercase())
            .collect();
        score(&c, &phrases, &Sample::new(completion, None))
    }

    fn value(completion: &str) -> f64 {
        run(r#"{"mode": "answer"}"#, completion).unwrap().value
    }

    #[test]
    fn equal_conclusions_score_one() {
        assert_eq!(
            value("<think>x = 3, so \\boxed{3}</think><answer>\\boxed{3}</answer>"),
            1.0
        );
        assert_eq!(
            value("<think>Therefore x = 0.5.</think><answer>\\frac{1}{2}</answer>"),
            1.0
        );
        assert_eq!(
            value("<think>The answer is $\\sqrt{4}$.</think><answer>2</answer>"),
            1.0
        );
        assert_eq!(
            value("<think>Thus the answer is (B).</think><answer>B</answer>"),
            1.0
        );
        let s = run(
            r#"{"mode": "answer"}"#,
            "<think>so 6</think><answer>\\boxed{6}</answer>",
        )
        .unwrap();
        assert_eq!(
            (s.part("consistent"), s.part("found")),
            (Some(1.0), Some(1.0))
        );
        assert!(s.note.unwrap().starts_with("consistent"));
    }

    #[test]
    fn different_conclusions_score_zero() {
        let s = run(
            r#"{"mode": "answer"}"#,
            "<think>Hence x = 4.</think><answer>\\boxed{5}</answer>",
        )
        .unwrap();
        assert_eq!((s.value, s.part("found")), (0.0, Some(1.0)));
        assert!(s
            .note
            .unwrap()
            .contains("reasoning concludes `4`, answer `5`"));
        assert_eq!(
            value("<think>so it is \\frac{1}{</think><answer>1</answer>"),
            0.0
        );
    }

    #[test]
    fn tolerance_is_configurable() {
        let c = "<think>Thus x = $\\pi$</think><answer>3.1416</answer>";
        assert_eq!(value(c), 0.0);
        assert_eq!(
            run(r#"{"mode": "answer", "rel_tol": 0.001}"#, c)
                .unwrap()
                .value,
            1.0
        );
    }

    #[test]
    fn missing_parts_score_zero_with_a_note_or_error() {
        for (completion, why) in [
            ("no tags \\boxed{3}", "no reasoning"),
            ("<think>so 3</think> I am unsure", "no final answer"),
            (
                "<think>let me see</think><answer>3</answer>",
                "no conclusion",
            ),
        ] {
            let s = run(r#"{"mode": "answer"}"#, completion).unwrap();
            assert_eq!((s.value, s.part("found")), (0.0, Some(0.0)));
            assert!(s.note.as_deref().unwrap().starts_with(why), "{s:?}");
            match run(r#"{"mode": "answer", "missing": "error"}"#, completion) {
                Err(RewardError::InvalidInput(m)) => assert!(m.starts_with(why), "{m}"),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn custom_phrases_replace_the_defaults() {
        let c = "<think>Ergo x = 7.</think><answer>7</answer>";
        assert_eq!(value(c), 0.0);
        let s = run(r#"{"mode": "answer", "conclusion_phrases": ["ERGO"]}"#, c).unwrap();
        assert_eq!(s.value, 1.0);
    }

    #[test]
    fn notes_stay_short() {
        let long = "9".repeat(5000);
        let s = run(
            r#"{"mode": "answer"}"#,
            &format!("<think>so {long}</think><answer>{long}8</answer>"),
        )
        .unwrap();
        assert_eq!(s.value, 0.0);
        assert!(s.note.unwrap().chars().count() < 300);
    }
}
