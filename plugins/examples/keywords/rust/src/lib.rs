//! `keywords` in Rust: keyword coverage with synonyms, the cross-language
//! example. `../README.md` is the specification; the C, Python and JS
//! builds beside this one must give identical results on `../vectors.jsonl`.

use rewasm_plugin_sdk::{export_reward, PluginInfo, Reward, RewardError, Sample, Score};
use serde_json::{Map, Value};

/// A group: synonyms, any of which covers it. Terms keep their spelling for
/// notes; `words` holds each term split (and folded) for matching.
struct Group {
    terms: Vec<String>,
    words: Vec<Vec<String>>,
}

/// The configured reward.
pub struct Keywords {
    keywords: Option<Vec<Vec<String>>>,
    forbidden: Vec<String>,
    forbidden_penalty: f64,
    case_sensitive: bool,
}

fn invalid(message: impl Into<String>) -> RewardError {
    RewardError::InvalidInput(message.into())
}

/// The spec's word characters: ASCII letters and digits, and every
/// character at or above U+0080.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c as u32 >= 0x80
}

/// Splits `text` into words, lowering ASCII letters unless `case_sensitive`.
fn words(text: &str, case_sensitive: bool) -> Vec<String> {
    text.split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .map(|w| {
            if case_sensitive {
                w.to_string()
            } else {
                w.to_ascii_lowercase()
            }
        })
        .collect()
}

/// Whether `term` occurs as a contiguous run of `text`.
fn occurs(term: &[String], text: &[String]) -> bool {
    !term.is_empty() && text.windows(term.len()).any(|w| w == term)
}

fn term(value: &Value, what: &str) -> Result<String, RewardError> {
    let Value::String(s) = value else {
        return Err(invalid(format!(
            "{what}: a term must be a string, got {value}"
        )));
    };
    if words(s, true).is_empty() {
        return Err(invalid(format!("{what}: the term {s:?} has no word")));
    }
    Ok(s.clone())
}

/// Parses an array of groups (the grammar of `keywords` and of references).
fn groups(value: &Value, what: &str) -> Result<Vec<Vec<String>>, RewardError> {
    let Value::Array(items) = value else {
        return Err(invalid(format!("{what} must be an array of groups")));
    };
    if items.is_empty() {
        return Err(invalid(format!("{what} is empty")));
    }
    items
        .iter()
        .map(|g| match g {
            Value::Array(terms) if terms.is_empty() => {
                Err(invalid(format!("{what}: a group is an empty array")))
            }
            Value::Array(terms) => terms.iter().map(|t| term(t, what)).collect(),
            other => Ok(vec![term(other, what)?]),
        })
        .collect()
}

impl Keywords {
    fn from_config(map: &Map<String, Value>) -> Result<Keywords, RewardError> {
        let mut reward = Keywords {
            keywords: None,
            forbidden: Vec::new(),
            forbidden_penalty: 0.5,
            case_sensitive: false,
        };
        for (key, value) in map {
            match key.as_str() {
                "keywords" => reward.keywords = Some(groups(value, "config: keywords")?),
                "forbidden" => {
                    let Value::Array(items) = value else {
                        return Err(invalid("config: forbidden must be an array of terms"));
                    };
                    reward.forbidden = items
                        .iter()
                        .map(|t| term(t, "config: forbidden"))
                        .collect::<Result<_, _>>()?;
                }
                "forbidden_penalty" => match value.as_f64() {
                    Some(p) if p.is_finite() && p >= 0.0 => reward.forbidden_penalty = p,
                    _ => return Err(invalid("config: forbidden_penalty must be a number >= 0")),
                },
                "case_sensitive" => match value {
                    Value::Bool(b) => reward.case_sensitive = *b,
                    _ => return Err(invalid("config: case_sensitive must be true or false")),
                },
                other => return Err(invalid(format!("config: unknown key `{other}`"))),
            }
        }
        Ok(reward)
    }

    fn prepare(&self, groups: &[Vec<String>]) -> Vec<Group> {
        groups
            .iter()
            .map(|terms| Group {
                words: terms
                    .iter()
                    .map(|t| words(t, self.case_sensitive))
                    .collect(),
                terms: terms.clone(),
            })
            .collect()
    }
}

/// `missing: a, b, c, d, e and N more`.
fn missing_clause(missing: &[&str]) -> String {
    let mut clause = format!("missing: {}", missing[..missing.len().min(5)].join(", "));
    if missing.len() > 5 {
        clause.push_str(&format!(" and {} more", missing.len() - 5));
    }
    clause
}

impl Reward for Keywords {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "keywords".to_string(),
            version: "0.1.0".to_string(),
            description: "Keyword coverage with synonyms; forbidden terms cost a penalty."
                .to_string(),
            config_schema: include_str!("../../schema.json").to_string(),
            capabilities: Vec::new(),
            needs_images: false,
        }
    }

    fn configure(config_json: &str) -> Result<Self, RewardError> {
        let value: Value = serde_json::from_str(config_json)
            .map_err(|e| invalid(format!("config is not JSON: {e}")))?;
        let Value::Object(map) = value else {
            return Err(invalid("config must be a JSON object"));
        };
        Keywords::from_config(&map)
    }

    fn score(&self, sample: &Sample) -> Result<Score, RewardError> {
        let from_reference;
        let chosen = match &sample.reference {
            Some(text) => {
                let value: Value = serde_json::from_str(text)
                    .map_err(|e| invalid(format!("reference is not JSON: {e}")))?;
                from_reference = groups(&value, "reference")?;
                &from_reference
            }
            None => self.keywords.as_ref().ok_or_else(|| {
                invalid("no keywords: set `keywords` in the config or give the sample a reference")
            })?,
        };
        let text = words(&sample.completion, self.case_sensitive);
        let groups = self.prepare(chosen);
        let missing: Vec<&str> = groups
            .iter()
            .filter(|g| !g.words.iter().any(|t| occurs(t, &text)))
            .map(|g| g.terms[0].as_str())
            .collect();
        let hits: Vec<&str> = self
            .forbidden
            .iter()
            .filter(|f| occurs(&words(f, self.case_sensitive), &text))
            .map(String::as_str)
            .collect();
        let covered = groups.len() - missing.len();
        let coverage = covered as f64 / groups.len() as f64;
        let mut value = coverage - self.forbidden_penalty * hits.len() as f64;
        if value < -1.0 {
            value = -1.0;
        }
        let mut clauses = Vec::new();
        if !missing.is_empty() {
            clauses.push(missing_clause(&missing));
        }
        if !hits.is_empty() {
            clauses.push(format!("forbidden: {}", hits.join(", ")));
        }
        let score = Score::new(value)
            .with_part("coverage", coverage)
            .with_part("covered", covered as f64)
            .with_part("forbidden", hits.len() as f64);
        Ok(if clauses.is_empty() {
            score
        } else {
            score.with_note(clauses.join("; "))
        })
    }
}

export_reward!(Keywords);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_follow_the_spec() {
        assert_eq!(
            words("State-of-the-ART café_x", false),
            ["state", "of", "the", "art", "café", "x"]
        );
        assert_eq!(words("CAFÉ", false), ["cafÉ"]);
        assert!(words(" -- ", false).is_empty());
    }

    #[test]
    fn notes_list_missing_and_forbidden_terms() {
        let r = Keywords::configure(
            r#"{"keywords": ["a","b","c","d","e","f","g"], "forbidden": ["x"]}"#,
        )
        .expect("config");
        let s = r.score(&Sample::new("x", None)).expect("score");
        assert_eq!(
            s.note.as_deref(),
            Some("missing: a, b, c, d, e and 2 more; forbidden: x")
        );
        assert_eq!(s.value, -0.5);
    }
}
