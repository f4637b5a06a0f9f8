//! The native entry points: one completion against one reference
//! ([`verify`]), and two answers as written against each other ([`compare`]).

use rewasm_plugin_sdk::RewardError;

use crate::answer::{prepare, Answer};
use crate::budget::{Budget, MAX_OPS};
use crate::config::{Config, Extractor};
use crate::equiv::{Comparator, Method};
use crate::extract::extract;

/// The outcome of grading one completion.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub correct: bool,
    /// The extracted answer as written (clipped), if one was found.
    pub answer: Option<String>,
    pub extractor: Option<Extractor>,
    /// How equality was established, for a correct answer.
    pub method: Option<Method>,
    /// One short line (under 200 characters) explaining the verdict.
    pub note: String,
}

const CLIP: usize = 48;
/// Notes are logged per sample; keep them to one short line.
const MAX_NOTE_CHARS: usize = 199;

fn clip(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= CLIP {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(CLIP - 1).collect();
        t.push('…');
        t
    }
}

fn extractor_name(e: Extractor) -> &'static str {
    match e {
        Extractor::Boxed => "boxed",
        Extractor::AnswerTag => "answer_tag",
        Extractor::AnswerLine => "answer_line",
        Extractor::Gsm8k => "gsm8k",
        Extractor::LastNumber => "last_number",
    }
}

/// Grades `completion` against `reference`.
///
/// A reference that cannot be parsed is an error (the sample is broken, not
/// the completion); a completion without an extractable answer is wrong.
pub fn verify(config: &Config, completion: &str, reference: &str) -> Result<Verdict, RewardError> {
    let reference_answer = prepare(reference);
    if let Err(e) = &reference_answer.node {
        return Err(RewardError::InvalidInput(format!(
            "reference `{}` cannot be parsed: {e}",
            clip(reference)
        )));
    }
    let found = match extract(completion, config) {
        Ok(found) => found,
        Err(missing) => {
            return Ok(Verdict {
                correct: false,
                answer: None,
                extractor: None,
                method: None,
                note: missing.to_string(),
            })
        }
    };
    let shown = clip(&found.text);
    let source = extractor_name(found.extractor);
    let verdict = |method: Option<Method>, note: String| Verdict {
        correct: method.is_some(),
        answer: Some(shown.clone()),
        extractor: Some(found.extractor),
        method,
        note: note.chars().take(MAX_NOTE_CHARS).collect(),
    };
    Ok(
        match compare_prepared(config, &prepare(&found.text), &reference_answer) {
            Comparison::Equal(Method::String) => verdict(
                Some(Method::String),
                format!("correct: `{shown}` ({source}) matches as string"),
            ),
            Comparison::Equal(m) => verdict(
                Some(m),
                format!(
                    "correct: `{shown}` ({source}) equals reference ({})",
                    m.name()
                ),
            ),
            Comparison::AnswerUnparsable(e) => verdict(
                None,
                format!("wrong: `{shown}` ({source}) cannot be parsed: {e}"),
            ),
            Comparison::Different { work_limit } => {
                let limit = if work_limit {
                    " [work limit reached]"
                } else {
                    ""
                };
                verdict(
                    None,
                    format!(
                        "wrong: `{shown}` ({source}) != reference `{}`{limit}",
                        clip(reference)
                    ),
                )
            }
            // Checked before extraction; `compare_prepared` never says so.
            Comparison::ReferenceUnparsable(e) => {
                return Err(RewardError::InvalidInput(format!(
                    "reference `{}` cannot be parsed: {e}",
                    clip(reference)
                )))
            }
        },
    )
}

/// How two answers written as text compare (see [`compare`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Comparison {
    /// Equal, and the step that established it.
    Equal(Method),
    /// Both parse and differ; `work_limit`: the comparison stopped at its
    /// work budget before finding them equal.
    Different { work_limit: bool },
    /// The first answer cannot be parsed (the parser's message).
    AnswerUnparsable(String),
    /// The second answer cannot be parsed (the parser's message).
    ReferenceUnparsable(String),
}

/// Compares two final answers as written, with no extraction: the
/// normalisation and equivalence steps [`verify`] uses (exact string, then
/// exact rational, numeric within `rel_tol`, symbolic, element-wise).
/// Answers whose normalised strings are identical are equal even when
/// neither parses.
pub fn compare(config: &Config, answer: &str, reference: &str) -> Comparison {
    let answer = prepare(answer);
    let reference = prepare(reference);
    if !answer.key.is_empty() && answer.key == reference.key {
        return Comparison::Equal(Method::String);
    }
    if let Err(e) = &reference.node {
        return Comparison::ReferenceUnparsable(e.to_string());
    }
    compare_prepared(config, &answer, &reference)
}

/// [`compare`] for a reference already known to parse.
fn compare_prepared(config: &Config, candidate: &Answer, reference: &Answer) -> Comparison {
    if !candidate.key.is_empty() && candidate.key == reference.key {
        return Comparison::Equal(Method::String);
    }
    if let Err(e) = &candidate.node {
        return Comparison::AnswerUnparsable(e.to_string());
    }
    let mut budget = Budget::new(MAX_OPS);
    let method = Comparator::new(config, &mut budget).answers(
        &candidate.forms(config.percent_both),
        &reference.forms(config.percent_both),
    );
    match method {
        Some(m) => Comparison::Equal(m),
        None => Comparison::Different {
            work_limit: budget.exhausted(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_and_notes() {
        let cfg = Config::default();
        let v = verify(&cfg, r"so \boxed{\frac{1}{2}}", "0.5").expect("reference parses");
        assert!(v.correct);
        assert_eq!(v.extractor, Some(Extractor::Boxed));
        assert_eq!(v.method, Some(Method::Rational));
        let v = verify(&cfg, "no answer here", "0.5").expect("reference parses");
        assert!(!v.correct && v.answer.is_none());
        let v = verify(
            &cfg,
            &format!(r"\boxed{{{}}}", "9".repeat(5000)),
            &"8".repeat(3000),
        )
        .expect("parses");
        assert!(!v.correct && v.note.chars().count() < 200, "{}", v.note);
        // A parse error that quotes a 5000-digit number still gives a short note.
        let v = verify(&cfg, &format!(r"\boxed{{1 {}}}", "9".repeat(5000)), "1").expect("parses");
        assert!(
            !v.correct && v.note.contains("cannot be parsed"),
            "{}",
            v.note
        );
        assert!(v.note.chars().count() < 200, "{}", v.note);
        assert!(matches!(
            verify(&cfg, r"\boxed{1}", r"\frac{1}{"),
            Err(RewardError::InvalidInput(_))
        ));
        assert!(matches!(
            verify(&cfg, r"\boxed{1}", "  "),
            Err(RewardError::InvalidInput(_))
        ));
    }

    #[test]
    fn compare_two_answers_as_written() {
        let cfg = Config::default();
        assert_eq!(
            compare(&cfg, r"\frac{1}{2}", "0.5"),
            Comparison::Equal(Method::Rational)
        );
        assert_eq!(
            compare(&cfg, "x = 3", "3"),
            Comparison::Equal(Method::String)
        );
        assert_eq!(
            compare(&cfg, "4", "5"),
            Comparison::Different { work_limit: false }
        );
        assert!(matches!(
            compare(&cfg, r"\frac{1}{", "1"),
            Comparison::AnswerUnparsable(_)
        ));
        assert!(matches!(
            compare(&cfg, "1", r"\frac{1}{"),
            Comparison::ReferenceUnparsable(_)
        ));
        // Identical text is equal even when it does not parse.
        assert_eq!(
            compare(&cfg, r"\frac{1}{", r"\frac{1}{"),
            Comparison::Equal(Method::String)
        );
    }
}
