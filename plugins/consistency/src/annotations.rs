//! The visual annotations of a sample: facts about the image, read from the
//! sample's metadata as Perception-R1 stores them
//! (`<info1>fact</info1><info2>fact</info2>...`) or as a list of strings.

use rewasm_plugin_sdk::RewardError;
use serde_json::Value;

/// Most facts one sample may list; each becomes a line of the judge prompt
/// and a verdict the judge must give.
pub const MAX_FACTS: usize = 64;

/// The facts stored under `key` in the metadata, each on one line
/// (whitespace runs collapsed to one space). Empty when the metadata is not
/// an object, lacks the key, or holds `null`, `""`, whitespace or `[]`.
///
/// Tags must be numbered 1, 2, 3, ... in order; text between them is
/// ignored. A fact that is empty, a tag never closed, a numbering gap,
/// text without `<info1>`, a value that is neither a string nor a list of
/// strings, or more than [`MAX_FACTS`] facts is an `invalid-input` error.
pub fn read(metadata: &Value, key: &str) -> Result<Vec<String>, RewardError> {
    let bad = |m: String| Err(RewardError::InvalidInput(format!("metadata `{key}`: {m}")));
    let facts = match metadata.get(key) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(text)) => match parse_tagged(text) {
            Ok(facts) => facts,
            Err(m) => return bad(m),
        },
        Some(Value::Array(items)) => {
            let mut facts = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let Some(text) = item.as_str() else {
                    return bad(format!("item {} is not a string", i + 1));
                };
                let fact = one_line(text);
                if fact.is_empty() {
                    return bad(format!("item {} is empty", i + 1));
                }
                facts.push(fact);
            }
            facts
        }
        Some(_) => return bad("must be a string of <infoK> tags or a list of strings".into()),
    };
    if facts.len() > MAX_FACTS {
        return bad(format!(
            "{} facts; at most {MAX_FACTS} are judged",
            facts.len()
        ));
    }
    Ok(facts)
}

/// The facts of `<info1>..</info1><info2>..</info2>...`.
fn parse_tagged(text: &str) -> Result<Vec<String>, String> {
    let mut facts = Vec::new();
    let mut rest = text;
    loop {
        let k = facts.len() + 1;
        let open = format!("<info{k}>");
        let close = format!("</info{k}>");
        let Some(at) = rest.find(&open) else { break };
        let body = &rest[at + open.len()..];
        let Some(end) = body.find(&close) else {
            return Err(format!("{open} is never closed"));
        };
        let fact = one_line(&body[..end]);
        if fact.is_empty() {
            return Err(format!("{open} is empty"));
        }
        facts.push(fact);
        if facts.len() > MAX_FACTS {
            // Enough to report the count; do not scan the rest.
            return Ok(facts);
        }
        rest = &body[end + close.len()..];
    }
    let expected = facts.len() + 1;
    if has_info_tag(rest) {
        return Err(format!(
            "tags must be numbered 1, 2, 3, ... in order; <info{expected}> is missing"
        ));
    }
    if facts.is_empty() && !text.trim().is_empty() {
        return Err("holds text but no <info1>..</info1>".into());
    }
    Ok(facts)
}

/// Whether `text` opens or closes an `<infoN>` tag.
fn has_info_tag(text: &str) -> bool {
    ["<info", "</info"].iter().any(|prefix| {
        text.match_indices(prefix).any(|(at, p)| {
            text[at + p.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        })
    })
}

/// `text` with every whitespace run (newlines included) made one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn facts(v: Value) -> Result<Vec<String>, RewardError> {
        read(&json!({ "annotations": v }), "annotations")
    }

    #[test]
    fn tagged_text_gives_one_fact_per_tag() {
        let got = facts(json!(
            "<info1>ABCD is a square.</info1>\n<info2>Side AB\n is  4.</info2>"
        ))
        .unwrap();
        assert_eq!(got, vec!["ABCD is a square.", "Side AB is 4."]);
        let got = facts(json!("<info1>a</info1>, <info2>b</info2> trailing")).unwrap();
        assert_eq!(got, vec!["a", "b"]);
    }

    #[test]
    fn a_list_of_strings_is_accepted() {
        assert_eq!(facts(json!(["x = 1", " y "])).unwrap(), vec!["x = 1", "y"]);
        assert!(facts(json!(["x", 3])).is_err());
        assert!(facts(json!(["x", " "])).is_err());
    }

    #[test]
    fn absent_or_blank_annotations_are_none() {
        for v in [json!(null), json!(""), json!("  \n"), json!([])] {
            assert_eq!(facts(v).unwrap(), Vec::<String>::new());
        }
        assert!(read(&json!({"other": "<info1>a</info1>"}), "annotations")
            .unwrap()
            .is_empty());
        assert!(read(&Value::Null, "annotations").unwrap().is_empty());
        assert!(read(&json!([1, 2]), "annotations").unwrap().is_empty());
    }

    #[test]
    fn malformed_annotations_are_invalid_input() {
        for (v, want) in [
            (
                json!("<info1>a</info1><info3>c</info3>"),
                "<info2> is missing",
            ),
            (json!("<info2>b</info2>"), "<info1> is missing"),
            (json!("<info1>a"), "never closed"),
            (json!("<info1>  </info1>"), "empty"),
            (json!("just a sentence"), "no <info1>"),
            (json!({"info1": "a"}), "must be a string"),
            (json!(7), "must be a string"),
        ] {
            match facts(v.clone()) {
                Err(RewardError::InvalidInput(m)) => {
                    assert!(m.contains(want), "{v}: {m}");
                    assert!(m.starts_with("metadata `annotations`"), "{m}");
                }
                other => panic!("{v}: {other:?}"),
            }
        }
    }

    #[test]
    fn info10_is_not_mistaken_for_info1() {
        let text: String = (1..=12)
            .map(|k| format!("<info{k}>f{k}</info{k}>"))
            .collect();
        let got = facts(json!(text)).unwrap();
        assert_eq!(got.len(), 12);
        assert_eq!(got[9], "f10");
    }

    #[test]
    fn too_many_facts_are_refused() {
        let text: String = (1..=MAX_FACTS + 1)
            .map(|k| format!("<info{k}>f</info{k}>"))
            .collect();
        assert!(facts(json!(text))
            .unwrap_err()
            .to_string()
            .contains("at most"));
        let list: Vec<String> = (0..=MAX_FACTS).map(|k| format!("f{k}")).collect();
        assert!(facts(json!(list)).is_err());
    }
}
