//! Reading `rewasm score` input: one JSON object per line.

use std::io::BufRead;
use std::path::Path;

use anyhow::Context;
use rewasm_api::Sample;
use serde::Deserialize;
use serde_json::Value;

/// One input row as written; unknown fields are ignored.
#[derive(Deserialize)]
struct RawRow {
    id: Value,
    #[serde(default)]
    prompt: Option<String>,
    completion: String,
    #[serde(default)]
    reference: Option<String>,
    #[serde(default)]
    metadata: Option<Value>,
    #[serde(default)]
    group: Option<Value>,
    /// Extension: a token count computed elsewhere, for length rewards.
    #[serde(default)]
    completion_tokens: Option<u32>,
}

/// A parsed row: the sample and its id as written (string or number).
#[derive(Debug)]
pub struct Row {
    pub id: Value,
    pub sample: Sample,
}

/// A line that could not be used.
pub struct BadLine {
    pub line: usize,
    pub message: String,
}

/// Reads every line; good rows and bad lines are both returned so the
/// caller decides whether to go on.
pub fn read_rows(path: &Path) -> anyhow::Result<(Vec<Row>, Vec<BadLine>)> {
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    for item in parse_lines(open(path)?) {
        match item {
            Ok(r) => rows.push(r),
            Err(b) => bad.push(b),
        }
    }
    Ok((rows, bad))
}

/// `-` is standard input.
fn open(path: &Path) -> anyhow::Result<Box<dyn BufRead + Send>> {
    if path == Path::new("-") {
        return Ok(Box::new(std::io::BufReader::new(std::io::stdin())));
    }
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(Box::new(std::io::BufReader::new(file)))
}

/// Rows as they are read, from a thread: for streams (`score --watch`).
pub fn stream_rows(path: &Path) -> anyhow::Result<std::sync::mpsc::Receiver<Result<Row, BadLine>>> {
    let reader = open(path)?;
    let (tx, rx) = std::sync::mpsc::sync_channel(4096);
    std::thread::Builder::new()
        .name("rewasm-input".into())
        .spawn(move || {
            for item in parse_lines(reader) {
                if tx.send(item).is_err() {
                    break;
                }
            }
        })?;
    Ok(rx)
}

/// Parses lines lazily; blank lines are skipped.
fn parse_lines(reader: Box<dyn BufRead + Send>) -> impl Iterator<Item = Result<Row, BadLine>> {
    reader.lines().enumerate().filter_map(|(i, line)| {
        let line_no = i + 1;
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                return Some(Err(BadLine {
                    line: line_no,
                    message: format!("cannot read line: {e}"),
                }))
            }
        };
        if line.trim().is_empty() {
            return None;
        }
        Some(parse_row(&line).map_err(|message| BadLine {
            line: line_no,
            message,
        }))
    })
}

fn parse_row(line: &str) -> Result<Row, String> {
    let raw: RawRow = serde_json::from_str(line).map_err(|e| format!("invalid row: {e}"))?;
    let id = match &raw.id {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => {
            return Err(format!(
                "`id` must be a string or a number, got {}",
                kind_of(other)
            ))
        }
    };
    let group = match &raw.group {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => {
            return Err(format!(
                "`group` must be a string, a number or null, got {}",
                kind_of(other)
            ))
        }
    };
    let metadata = match raw.metadata {
        None | Some(Value::Null) => Value::Null,
        Some(v @ Value::Object(_)) => v,
        Some(other) => {
            return Err(format!(
                "`metadata` must be an object or null, got {}",
                kind_of(&other)
            ))
        }
    };
    Ok(Row {
        id: raw.id,
        sample: Sample {
            id,
            group,
            prompt: raw.prompt.unwrap_or_default(),
            completion: raw.completion,
            completion_tokens: raw.completion_tokens.unwrap_or(0),
            reference: raw.reference,
            metadata,
            images: Vec::new(),
            step: 0,
        },
    })
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_strings_are_ids_and_unknown_fields_ignored() {
        let r = parse_row(r#"{"id": 7, "prompt": "p", "completion": "c", "extra": 1, "group": 3}"#)
            .unwrap();
        assert_eq!(r.sample.id, "7");
        assert_eq!(r.sample.group.as_deref(), Some("3"));
        assert_eq!(r.id, Value::from(7));
        let r = parse_row(r#"{"id": "a", "completion": "c", "reference": null, "metadata": null}"#)
            .unwrap();
        assert_eq!(r.sample.reference, None);
        assert_eq!(r.sample.metadata, Value::Null);
    }

    #[test]
    fn bad_rows_say_what_is_wrong() {
        assert!(parse_row(r#"{"id": 1}"#)
            .unwrap_err()
            .contains("completion"));
        assert!(parse_row(r#"{"id": [1], "completion": ""}"#)
            .unwrap_err()
            .contains("`id`"));
        assert!(parse_row(r#"{"id": 1, "completion": "", "metadata": 3}"#)
            .unwrap_err()
            .contains("`metadata`"));
        assert!(parse_row("{not json").unwrap_err().contains("invalid row"));
    }
}
