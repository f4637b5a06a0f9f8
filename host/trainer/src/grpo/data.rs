//! The prompt dataset: JSONL rows with `prompt` (plain text) or `messages`
//! (a chat, rendered with the model's template), plus optional `reference`,
//! `metadata`, `id` and `images` (files relative to the dataset's folder,
//! handed to the rewards that ask for images; the policy sees text only).

use std::path::{Path, PathBuf};

use rewasm_api::Image;
use serde_json::Value;

use crate::tokenizer::{Message, Tokenizer};

/// A dataset that cannot be used, naming the file and line.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Row {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: no rows")]
    Empty { path: PathBuf },
}

/// One prompt of the dataset, ready for the policy.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptRow {
    /// The row's `id`, or its line number.
    pub id: String,
    /// The text given to the policy (after the chat template).
    pub text: String,
    /// Its token ids, cut to `max_prompt_length` from the left.
    pub ids: Vec<i64>,
    /// Ground truth for the rewards.
    pub reference: Option<String>,
    /// The row's metadata (`Null` when absent).
    pub metadata: Value,
    /// The row's images, read when the dataset is loaded.
    pub images: Vec<Image>,
}

/// Reads and tokenizes every row. `messages` rows need a chat template;
/// prompts longer than `max_prompt_length` tokens keep their end (where
/// the question and the generation prompt are), as TRL does.
pub fn load_dataset(
    path: &Path,
    tok: &Tokenizer,
    max_prompt_length: usize,
) -> Result<Vec<PromptRow>, DataError> {
    let text = std::fs::read_to_string(path).map_err(|source| DataError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |message: String| DataError::Row {
            path: path.to_path_buf(),
            line: line_no,
            message,
        };
        let v: Value = serde_json::from_str(line).map_err(|e| bad(format!("bad JSON: {e}")))?;
        let obj = v
            .as_object()
            .ok_or_else(|| bad("a row must be a JSON object".into()))?;
        for key in obj.keys() {
            if !matches!(
                key.as_str(),
                "prompt" | "messages" | "reference" | "metadata" | "id" | "images"
            ) {
                return Err(bad(format!(
                    "unknown key `{key}` (rows have prompt or messages, reference, metadata, id, images)"
                )));
            }
        }
        let text = match (obj.get("prompt"), obj.get("messages")) {
            (Some(Value::String(p)), None) => p.clone(),
            (None, Some(Value::Array(msgs))) => {
                let msgs = msgs
                    .iter()
                    .map(|m| {
                        let role = m["role"].as_str();
                        let content = m["content"].as_str();
                        match (role, content) {
                            (Some(r), Some(c)) => Ok(Message::new(r, c)),
                            _ => Err(bad("each message needs string `role` and `content`".into())),
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                tok.apply_chat_template(&msgs, true)
                    .map_err(|e| bad(format!("`messages`: {e}")))?
            }
            (Some(_), Some(_)) => {
                return Err(bad("has both `prompt` and `messages`; give one".into()))
            }
            (None, None) => return Err(bad("needs `prompt` (text) or `messages` (a chat)".into())),
            _ => {
                return Err(bad(
                    "`prompt` must be a string and `messages` an array".into()
                ))
            }
        };
        let reference = match obj.get("reference") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(n @ Value::Number(_)) => Some(n.to_string()),
            Some(other) => Some(other.to_string()),
        };
        let metadata = obj.get("metadata").cloned().unwrap_or(Value::Null);
        if !(metadata.is_object() || metadata.is_null()) {
            return Err(bad("`metadata` must be an object".into()));
        }
        let id = match obj.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => line_no.to_string(),
        };
        let images = match obj.get("images") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(names)) => names
                .iter()
                .map(|n| match n.as_str() {
                    Some(name) if !name.is_empty() => read_image(path, name).map_err(&bad),
                    _ => Err(bad("`images` must hold file names".into())),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(bad("`images` must be an array of file names".into())),
        };
        // Chat-rendered text carries its own special tokens.
        let special = obj.contains_key("prompt");
        let mut ids = tok
            .encode(&text, special)
            .map_err(|e| bad(format!("tokenizing: {e}")))?;
        if ids.is_empty() {
            return Err(bad("the prompt has no tokens".into()));
        }
        if ids.len() > max_prompt_length {
            ids.drain(..ids.len() - max_prompt_length);
        }
        rows.push(PromptRow {
            id,
            text,
            ids,
            reference,
            metadata,
            images,
        });
    }
    if rows.is_empty() {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(rows)
}

/// Reads an image named by a row of the dataset at `dataset`; the type
/// comes from the file's first bytes.
fn read_image(dataset: &Path, name: &str) -> Result<Image, String> {
    let file = dataset.parent().unwrap_or(Path::new(".")).join(name);
    let data = std::fs::read(&file).map_err(|e| format!("image `{}`: {e}", file.display()))?;
    let mime = if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if data.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        "image/gif"
    } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        "image/webp"
    } else {
        return Err(format!(
            "image `{}` is not a PNG, JPEG, GIF or WebP file",
            file.display()
        ));
    };
    Ok(Image {
        mime: mime.into(),
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!("rewasm-data-{}-{name}", std::process::id()));
        std::fs::write(&p, text).expect("write");
        p
    }

    #[test]
    fn rows_load_and_bad_rows_name_their_line() {
        let tok = Tokenizer::char_level("0123456789+=").expect("tok");
        let p = write(
            "ok.jsonl",
            "{\"prompt\": \"1+2=\", \"reference\": 3}\n\n{\"prompt\": \"12345+6=\", \"reference\": \"12351\", \"metadata\": {\"k\": 1}, \"id\": \"x\"}\n",
        );
        let rows = load_dataset(&p, &tok, 6).expect("load");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].reference.as_deref(), Some("3"));
        assert_eq!(rows[0].id, "1");
        assert_eq!(rows[1].id, "x");
        assert_eq!(
            rows[1].ids.len(),
            6,
            "cut from the left to max_prompt_length"
        );
        assert_eq!(tok.decode(&rows[1].ids).expect("decode"), "345+6=");

        let p = write("bad.jsonl", "{\"prompt\": \"1\"}\n{\"promt\": \"1\"}\n");
        let e = load_dataset(&p, &tok, 8).expect_err("typo");
        assert!(
            e.to_string().contains("bad.jsonl:2: unknown key `promt`"),
            "{e}"
        );
        let p = write(
            "chat.jsonl",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"1\"}]}\n",
        );
        let e = load_dataset(&p, &tok, 8).expect_err("no template");
        assert!(e.to_string().contains("chat.jsonl:1: `messages`"), "{e}");
        let png = write("image.png", "");
        std::fs::write(&png, b"\x89PNG\r\n\x1a\n").expect("png");
        let png_name = png.file_name().and_then(|n| n.to_str()).expect("name");
        let p = write(
            "images.jsonl",
            &format!("{{\"prompt\": \"1\", \"images\": [\"{png_name}\"]}}\n{{\"prompt\": \"1\", \"images\": [\"gone.png\"]}}\n"),
        );
        let e = load_dataset(&p, &tok, 8).expect_err("missing image");
        assert!(
            e.to_string().contains("images.jsonl:2: image `") && e.to_string().contains("gone.png"),
            "{e}"
        );
        let p = write(
            "images-ok.jsonl",
            &format!("{{\"prompt\": \"1\", \"images\": [\"{png_name}\"]}}\n"),
        );
        let rows = load_dataset(&p, &tok, 8).expect("images load");
        assert_eq!(rows[0].images[0].mime, "image/png");
        let p = write("empty.jsonl", "\n");
        assert!(matches!(
            load_dataset(&p, &tok, 8),
            Err(DataError::Empty { .. })
        ));
    }
}
