//! Perception mode (Perception-R1's visual perception reward): the share of
//! a sample's annotated visual facts that the judge finds in its response.

use rewasm_plugin_sdk::{judge, JudgeRequest, RewardError, Sample, Score};

use crate::annotations;
use crate::config::{Config, OnMissing, ResponseText};
use crate::prompt;
use crate::reasoning::reasoning_or_open;
use crate::verdict;

/// Scores a batch with one `judge` call holding one request per sample
/// that has annotations; samples without any never reach the judge.
pub fn score_batch(config: &Config, samples: &[Sample]) -> Vec<Result<Score, RewardError>> {
    let mut results: Vec<Option<Result<Score, RewardError>>> = vec![None; samples.len()];
    let mut asked: Vec<(usize, usize)> = Vec::new();
    let mut requests: Vec<JudgeRequest> = Vec::new();
    for (i, sample) in samples.iter().enumerate() {
        match annotations::read(&sample.metadata_json(), &config.annotations_key) {
            Err(e) => results[i] = Some(Err(e)),
            Ok(facts) if facts.is_empty() => results[i] = Some(no_annotations(config)),
            Ok(facts) => {
                let response = match config.response {
                    ResponseText::Completion => sample.completion.as_str(),
                    ResponseText::Think => reasoning_or_open(&sample.completion),
                };
                requests.push(JudgeRequest {
                    prompt: prompt::build(&facts, response),
                    max_tokens: config.max_tokens,
                    temperature: config.temperature as f32,
                });
                asked.push((i, facts.len()));
            }
        }
    }
    let answers = judge(&requests);
    for ((i, facts), answer) in asked.into_iter().zip(answers) {
        results[i] = Some(match answer {
            Err(message) => Err(RewardError::Internal(format!(
                "judge call failed: {message}"
            ))),
            Ok(reply) => verdict::parse(&reply, facts)
                .map(|v| to_score(&v))
                .map_err(RewardError::Internal),
        });
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(RewardError::Internal("sample was not scored".into()))))
        .collect()
}

fn no_annotations(config: &Config) -> Result<Score, RewardError> {
    let key = &config.annotations_key;
    match config.no_annotations {
        OnMissing::Zero => Ok(Score::new(0.0)
            .with_part("facts", 0.0)
            .with_part("matched", 0.0)
            .with_note(format!("no visual annotations in metadata `{key}`"))),
        OnMissing::Error => Err(RewardError::InvalidInput(format!(
            "no visual annotations in metadata `{key}` (no_annotations = \"error\")"
        ))),
    }
}

/// r_v = sum of the verdicts / K.
fn to_score(v: &verdict::Verdicts) -> Score {
    let k = v.values.len();
    let matched: f64 = v.values.iter().sum();
    let mut note = format!("judge found {matched} of {k} annotated facts");
    if v.extra {
        note.push_str(&format!(
            "; it also answered <info{}>, which was not asked and is ignored",
            k + 1
        ));
    }
    Score::new(matched / k as f64)
        .with_part("facts", k as f64)
        .with_part("matched", matched)
        .with_note(note)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use rewasm_plugin_sdk::judge::with_fake_judge;
    use serde_json::json;

    use super::*;

    fn sample(completion: &str, metadata: serde_json::Value) -> Sample {
        Sample {
            metadata: metadata.to_string(),
            ..Sample::new(completion, None)
        }
    }

    /// A judge that says 1 for a fact whose words all occur in the response
    /// (what the host's `rules` judge does), recording every call.
    fn word_judge(
        calls: Rc<RefCell<Vec<Vec<JudgeRequest>>>>,
    ) -> impl Fn(&[JudgeRequest]) -> Vec<Result<String, String>> {
        move |reqs| {
            calls.borrow_mut().push(reqs.to_vec());
            reqs.iter()
                .map(|r| {
                    let block = &r.prompt[r.prompt.rfind("\nVisual annotations:\n").unwrap()..];
                    let (facts, rest) = block.split_once("\nResponse:\n").unwrap();
                    let response = rest.strip_suffix("\nJudgement:").unwrap().to_lowercase();
                    let words = |s: &str| -> Vec<String> {
                        s.to_lowercase()
                            .split(|c: char| !c.is_alphanumeric())
                            .filter(|w| !w.is_empty())
                            .map(str::to_string)
                            .collect()
                    };
                    let have = words(&response);
                    let mut out = String::new();
                    for (i, line) in facts.lines().skip(2).enumerate() {
                        let k = i + 1;
                        let fact = line
                            .strip_prefix(&format!("<info{k}>"))
                            .and_then(|l| l.strip_suffix(&format!("</info{k}>")))
                            .unwrap();
                        let hit = words(fact).iter().all(|w| have.contains(w));
                        out.push_str(&format!("<info{k}>{}</info{k}>", u8::from(hit)));
                    }
                    Ok(out)
                })
                .collect()
        }
    }

    fn config(json: &str) -> Config {
        Config::from_json(json).unwrap()
    }

    #[test]
    fn one_judge_call_per_batch_and_a_share_per_sample() {
        let calls = Rc::new(RefCell::new(Vec::new()));
        let ann =
            json!({"annotations": "<info1>AB = 4</info1><info2>angle C is 90 degrees</info2>"});
        let samples = vec![
            sample(
                "<think>AB = 4 and angle C is 90 degrees</think><answer>8</answer>",
                ann.clone(),
            ),
            sample("<think>AB = 4</think><answer>8</answer>", ann.clone()),
            sample("no annotations here", json!({"source": "x"})),
            sample("nothing relevant", ann),
        ];
        let results = with_fake_judge(word_judge(calls.clone()), || {
            score_batch(&config("{}"), &samples)
        });
        let values: Vec<f64> = results.iter().map(|r| r.as_ref().unwrap().value).collect();
        assert_eq!(values, vec![1.0, 0.5, 0.0, 0.0]);
        let calls = calls.borrow();
        assert_eq!(calls.len(), 1, "one judge() call for the batch");
        assert_eq!(
            calls[0].len(),
            3,
            "no request for the sample without annotations"
        );
        assert!(calls[0]
            .iter()
            .all(|r| r.max_tokens == 512 && r.temperature == 0.0));
        let second = results[1].as_ref().unwrap();
        assert_eq!(
            (second.part("facts"), second.part("matched")),
            (Some(2.0), Some(1.0))
        );
        assert!(results[2]
            .as_ref()
            .unwrap()
            .note
            .as_deref()
            .unwrap()
            .contains("no visual annotations"));
    }

    #[test]
    fn think_mode_shows_the_judge_only_the_reasoning() {
        let calls = Rc::new(RefCell::new(Vec::new()));
        let s = sample(
            "<think>the radius is 3</think><answer>the diameter is 6</answer>",
            json!({"facts": ["the radius is 3", "the diameter is 6"]}),
        );
        let results = with_fake_judge(word_judge(calls.clone()), || {
            score_batch(
                &config(
                    r#"{"response": "think", "annotations_key": "facts", "max_tokens": 64, "temperature": 0.5}"#,
                ),
                &[s],
            )
        });
        assert_eq!(results[0].as_ref().unwrap().value, 0.5);
        let req = &calls.borrow()[0][0];
        assert!(
            req.prompt
                .ends_with("Response:\nthe radius is 3\nJudgement:"),
            "{}",
            req.prompt
        );
        assert_eq!((req.max_tokens, req.temperature), (64, 0.5));
    }

    #[test]
    fn judge_failures_and_bad_replies_are_errors_not_zeros() {
        let ann = json!({"annotations": "<info1>a</info1><info2>b</info2>"});
        let samples = vec![
            sample("a b", ann.clone()),
            sample("a b", ann.clone()),
            sample("a b", ann),
        ];
        let replies = vec![
            Err("connection refused".to_string()),
            Ok("<info1>1</info1>".to_string()),
            Ok("<info1>1</info1><info2>maybe</info2>".to_string()),
        ];
        let results = with_fake_judge(
            move |_| replies.clone(),
            || score_batch(&config("{}"), &samples),
        );
        match &results[0] {
            Err(RewardError::Internal(m)) => {
                assert!(m.contains("judge call failed: connection refused"), "{m}")
            }
            other => panic!("{other:?}"),
        }
        match &results[1] {
            Err(RewardError::Internal(m)) => assert!(m.contains("<info2>"), "{m}"),
            other => panic!("{other:?}"),
        }
        match &results[2] {
            Err(RewardError::Internal(m)) => assert!(m.contains("not a number"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_host_judge_means_an_error_per_annotated_sample() {
        let results = score_batch(
            &config("{}"),
            &[sample("x", json!({"annotations": "<info1>x</info1>"}))],
        );
        assert!(
            matches!(&results[0], Err(RewardError::Internal(m)) if m.starts_with("judge call failed"))
        );
    }

    #[test]
    fn missing_annotations_can_be_an_error_and_bad_ones_always_are() {
        let results = score_batch(
            &config(r#"{"no_annotations": "error"}"#),
            &[
                sample("x", json!(null)),
                sample("x", json!({"annotations": "<info2>x</info2>"})),
            ],
        );
        assert!(
            matches!(&results[0], Err(RewardError::InvalidInput(m)) if m.contains("no visual annotations"))
        );
        assert!(
            matches!(&results[1], Err(RewardError::InvalidInput(m)) if m.contains("<info1> is missing"))
        );
    }

    #[test]
    fn fractional_verdicts_and_extra_tags() {
        let s = sample(
            "x",
            json!({"annotations": "<info1>a</info1><info2>b</info2>"}),
        );
        let results = with_fake_judge(
            |_| {
                vec![Ok(
                    "<info1>0.5</info1><info2>1.0</info2><info3>1</info3>".to_string()
                )]
            },
            || score_batch(&config("{}"), &[s]),
        );
        let score = results[0].as_ref().unwrap();
        assert_eq!(score.value, 0.75);
        assert_eq!(score.part("matched"), Some(1.5));
        assert!(score.note.as_deref().unwrap().contains("<info3>"));
    }
}
