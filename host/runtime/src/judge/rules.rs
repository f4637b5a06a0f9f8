//! The `rules` judge backend: deterministic answers, for tests and examples.
//!
//! Each request is answered by the first of these that applies:
//! 1. `[[judge.rules]]`, in order: the first whose `pattern` (a regular
//!    expression) matches the prompt answers `reply`, with `$1`, `${name}`
//!    and so on replaced by the match's groups;
//! 2. with `annotations = true` (the default), a Perception-R1 annotation
//!    prompt: one whose last lines `Visual annotations:`, `Response:` and
//!    `Judgement:` (each alone on its line, in that order) frame the facts
//!    `<infoK>...</infoK>` and the response. Fact K is judged included (1)
//!    when every word of it (lowercased runs of letters and digits) is among
//!    the response's words, else 0; the answer is `<info1>1</info1><info2>0</info2>...`;
//! 3. `default_reply`, when set;
//!
//! and is otherwise an error naming the prompt's start.

use std::collections::HashSet;
use std::time::Instant;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::{JudgeBackend, JudgeConfig, JudgeReply, JudgeRequest};

/// One `[[judge.rules]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// A regular expression searched for in the prompt.
    pub pattern: String,
    /// The answer; `$1`/`${name}` take the match's groups.
    pub reply: String,
}

/// The `rules` backend.
pub struct RulesJudge {
    rules: Vec<(Regex, String)>,
    annotations: bool,
    default_reply: Option<String>,
}

impl RulesJudge {
    /// Compiles the rules; a bad pattern is an error naming it.
    pub fn new(config: &JudgeConfig) -> Result<Self, String> {
        let rules = config
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                Regex::new(&r.pattern)
                    .map(|re| (re, r.reply.clone()))
                    .map_err(|e| format!("rules[{i}].pattern {:?}: {e}", r.pattern))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RulesJudge {
            rules,
            annotations: config.annotations,
            default_reply: config.default_reply.clone(),
        })
    }

    fn reply(&self, prompt: &str) -> JudgeReply {
        for (re, reply) in &self.rules {
            if let Some(caps) = re.captures(prompt) {
                let mut out = String::new();
                caps.expand(reply, &mut out);
                return Ok(out);
            }
        }
        if self.annotations {
            if let Some(answer) = annotation_verdicts(prompt) {
                return Ok(answer);
            }
        }
        if let Some(d) = &self.default_reply {
            return Ok(d.clone());
        }
        let start: String = prompt.chars().take(60).collect();
        Err(format!(
            "the rules judge has no rule for this prompt (it starts {start:?})"
        ))
    }
}

impl JudgeBackend for RulesJudge {
    fn answer(&self, requests: &[JudgeRequest], _deadline: Instant) -> Vec<JudgeReply> {
        requests.iter().map(|r| self.reply(&r.prompt)).collect()
    }

    fn describe(&self) -> String {
        "rules".into()
    }
}

/// Lowercased runs of letters and digits.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// The verdicts for a Perception-R1 annotation prompt, or `None` when the
/// prompt does not end with that block.
pub fn annotation_verdicts(prompt: &str) -> Option<String> {
    let lines: Vec<&str> = prompt.lines().collect();
    let last = |label: &str, before: usize| -> Option<usize> {
        lines[..before].iter().rposition(|l| l.trim() == label)
    };
    let judgement = last("Judgement:", lines.len())?;
    let response = last("Response:", judgement)?;
    let annotations = last("Visual annotations:", response)?;
    let facts_text = lines[annotations + 1..response].join("\n");
    let response_words: HashSet<String> =
        words(&lines[response + 1..judgement].join("\n")).collect();
    let fact = Regex::new(r"(?s)<info(\d+)>(.*?)</info(\d+)>").expect("a valid pattern");
    let mut out = String::new();
    let mut any = false;
    for caps in fact.captures_iter(&facts_text) {
        if caps[1] != caps[3] {
            continue;
        }
        any = true;
        let included = words(&caps[2]).all(|w| response_words.contains(&w));
        out.push_str(&format!(
            "<info{k}>{v}</info{k}>",
            k = &caps[1],
            v = u8::from(included)
        ));
    }
    any.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::JudgeBackendKind;

    fn judge(config: &str) -> RulesJudge {
        let c: JudgeConfig = toml::from_str(config).expect("parses");
        RulesJudge::new(&c).expect("builds")
    }

    #[test]
    fn annotation_prompts_are_judged_by_words() {
        let prompt = "Example:\nVisual annotations:\n<info1>x</info1>\nResponse:\nx\nJudgement:\n<info1>1</info1>\n\n\
            Visual annotations:\n<info1>A red Circle</info1>\n<info2>two dogs</info2>\n<info3>the sky, blue</info3>\n\
            Response:\nI see a circle; it is red. The sky is blue and one dog.\nJudgement:\n";
        assert_eq!(
            annotation_verdicts(prompt).as_deref(),
            Some("<info1>1</info1><info2>0</info2><info3>1</info3>")
        );
        assert_eq!(annotation_verdicts("no block here"), None);
        let j = judge("backend = \"rules\"");
        assert!(j.reply(prompt).is_ok());
        let err = j.reply("What is 2+2?").unwrap_err();
        assert!(err.contains("no rule"), "{err}");
    }

    #[test]
    fn rules_match_in_order_with_groups() {
        let j = judge(
            "backend = \"rules\"\ndefault_reply = \"dunno\"\n\
             [[rules]]\npattern = 'answer is (\\d+)'\nreply = 'got $1'\n\
             [[rules]]\npattern = 'answer'\nreply = 'second'\n",
        );
        assert_eq!(j.reply("the answer is 42").as_deref(), Ok("got 42"));
        assert_eq!(j.reply("an answer").as_deref(), Ok("second"));
        assert_eq!(j.reply("nothing").as_deref(), Ok("dunno"));
    }

    #[test]
    fn a_bad_pattern_names_itself() {
        let mut c = JudgeConfig::new(JudgeBackendKind::Rules);
        c.rules.push(RuleSpec {
            pattern: "(".into(),
            reply: "x".into(),
        });
        let err = RulesJudge::new(&c).err().expect("refused");
        assert!(err.contains("rules[0].pattern"), "{err}");
    }
}
