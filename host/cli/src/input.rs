//! Reading `rewasm score` input: one JSON object per line.
//!
//! A row may name image files (`"images": ["images/00000.png"]`, relative
//! to the JSONL's folder, or to the working directory for standard input);
//! they are read when the row is parsed and reach plugins that ask for
//! images as `Sample.images`.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rewasm_api::{Image, Sample};
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
    /// Image files, relative to the input's folder.
    #[serde(default)]
    images: Option<Value>,
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
    for item in parse_lines(open(path)?, images_base(path)) {
        match item {
            Ok(r) => rows.push(r),
            Err(b) => bad.push(b),
        }
    }
    Ok((rows, bad))
}

/// The folder image paths are relative to: the input's, or the working
/// directory for standard input.
fn images_base(input: &Path) -> PathBuf {
    if input == Path::new("-") {
        return PathBuf::from(".");
    }
    match input.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
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
    let base = images_base(path);
    let (tx, rx) = std::sync::mpsc::sync_channel(4096);
    std::thread::Builder::new()
        .name("rewasm-input".into())
        .spawn(move || {
            for item in parse_lines(reader, base) {
                if tx.send(item).is_err() {
                    break;
                }
            }
        })?;
    Ok(rx)
}

/// Parses lines lazily; blank lines are skipped.
fn parse_lines(
    reader: Box<dyn BufRead + Send>,
    base: PathBuf,
) -> impl Iterator<Item = Result<Row, BadLine>> {
    reader.lines().enumerate().filter_map(move |(i, line)| {
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
        Some(parse_row(&line, &base).map_err(|message| BadLine {
            line: line_no,
            message,
        }))
    })
}

fn parse_row(line: &str, base: &Path) -> Result<Row, String> {
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
    let images = match &raw.images {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(name) => load_image(base, name),
                other => Err(format!(
                    "`images` must hold file names, got {}",
                    kind_of(other)
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(format!(
                "`images` must be an array of file names or null, got {}",
                kind_of(other)
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
            images,
            step: 0,
        },
    })
}

/// Reads one image of a row; the type comes from the file's first bytes.
fn load_image(base: &Path, name: &str) -> Result<Image, String> {
    if name.is_empty() {
        return Err("`images` holds an empty file name".into());
    }
    let path = base.join(name);
    let data = std::fs::read(&path).map_err(|e| format!("image `{}`: {e}", path.display()))?;
    let mime = image_mime(&data).ok_or_else(|| {
        format!(
            "image `{}` is not a PNG, JPEG, GIF or WebP file",
            path.display()
        )
    })?;
    Ok(Image {
        mime: mime.into(),
        data,
    })
}

fn image_mime(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
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

    fn parse_row_here(line: &str) -> Result<Row, String> {
        parse_row(line, Path::new("."))
    }

    #[test]
    fn numbers_and_strings_are_ids_and_unknown_fields_ignored() {
        let r = parse_row_here(
            r#"{"id": 7, "prompt": "p", "completion": "c", "extra": 1, "group": 3}"#,
        )
        .unwrap();
        assert_eq!(r.sample.id, "7");
        assert_eq!(r.sample.group.as_deref(), Some("3"));
        assert_eq!(r.id, Value::from(7));
        let r = parse_row_here(
            r#"{"id": "a", "completion": "c", "reference": null, "metadata": null}"#,
        )
        .unwrap();
        assert_eq!(r.sample.reference, None);
        assert_eq!(r.sample.metadata, Value::Null);
    }

    #[test]
    fn bad_rows_say_what_is_wrong() {
        assert!(parse_row_here(r#"{"id": 1}"#)
            .unwrap_err()
            .contains("completion"));
        assert!(parse_row_here(r#"{"id": [1], "completion": ""}"#)
            .unwrap_err()
            .contains("`id`"));
        assert!(
            parse_row_here(r#"{"id": 1, "completion": "", "metadata": 3}"#)
                .unwrap_err()
                .contains("`metadata`")
        );
        assert!(parse_row_here("{not json")
            .unwrap_err()
            .contains("invalid row"));
    }
}

#[cfg(test)]
mod image_tests {
    use super::*;

    const PNG_HEAD: &[u8] = b"\x89PNG\r\n\x1a\n....";

    fn folder(name: &str) -> PathBuf {
        let d = std::env::temp_dir()
            .join(format!("rewasm-input-{}", std::process::id()))
            .join(name);
        std::fs::create_dir_all(d.join("images")).expect("scratch dir");
        d
    }

    #[test]
    fn images_resolve_against_the_input_folder() {
        let d = folder("ok");
        std::fs::write(d.join("images/0.png"), PNG_HEAD).expect("write");
        std::fs::write(
            d.join("rows.jsonl"),
            "{\"id\": 1, \"completion\": \"c\", \"images\": [\"images/0.png\"]}\n{\"id\": 2, \"completion\": \"c\", \"images\": null}\n",
        )
        .expect("write");
        let (rows, bad) = read_rows(&d.join("rows.jsonl")).expect("read");
        assert!(bad.is_empty());
        assert_eq!(rows[0].sample.images.len(), 1);
        assert_eq!(rows[0].sample.images[0].mime, "image/png");
        assert_eq!(rows[0].sample.images[0].data, PNG_HEAD);
        assert!(rows[1].sample.images.is_empty());
    }

    #[test]
    fn a_missing_or_foreign_image_names_the_file_and_line() {
        let d = folder("bad");
        std::fs::write(d.join("images/text.png"), "not an image").expect("write");
        std::fs::write(
            d.join("rows.jsonl"),
            "{\"id\": 1, \"completion\": \"c\", \"images\": [\"images/gone.png\"]}\n{\"id\": 2, \"completion\": \"c\", \"images\": [\"images/text.png\"]}\n{\"id\": 3, \"completion\": \"c\", \"images\": \"images/text.png\"}\n{\"id\": 4, \"completion\": \"c\", \"images\": [7]}\n",
        )
        .expect("write");
        let (rows, bad) = read_rows(&d.join("rows.jsonl")).expect("read");
        assert!(rows.is_empty());
        let lines: Vec<usize> = bad.iter().map(|b| b.line).collect();
        assert_eq!(lines, [1, 2, 3, 4]);
        assert!(bad[0].message.contains("gone.png"), "{}", bad[0].message);
        assert!(
            bad[1].message.contains("text.png") && bad[1].message.contains("not a PNG"),
            "{}",
            bad[1].message
        );
        assert!(
            bad[2].message.contains("`images` must be an array"),
            "{}",
            bad[2].message
        );
        assert!(bad[3].message.contains("file names"), "{}", bad[3].message);
    }
}
