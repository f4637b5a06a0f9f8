//! Text to token ids and back, with the model's chat template.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// A tokenizer that cannot be loaded or used.
#[derive(Debug, thiserror::Error)]
pub enum TokenizerError {
    #[error("{path}: {message}")]
    Load { path: PathBuf, message: String },
    #[error("the model has no chat template (tokenizer_config.json `chat_template`)")]
    NoChatTemplate,
    #[error("chat template: {0}")]
    Template(String),
    #[error("tokenizer: {0}")]
    Encode(String),
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Message {
    /// `system`, `user` or `assistant`.
    pub role: String,
    /// The text.
    pub content: String,
}

impl Message {
    /// A message with the given role.
    pub fn new(role: &str, content: &str) -> Self {
        Message {
            role: role.to_string(),
            content: content.to_string(),
        }
    }
}

/// A Hugging Face `tokenizer.json` plus what `tokenizer_config.json` adds
/// (chat template, special token strings).
pub struct Tokenizer {
    inner: tokenizers::Tokenizer,
    chat_template: Option<String>,
    bos_token: Option<String>,
    eos_token: Option<String>,
}

fn token_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        // `{"content": "<|im_end|>", ...}` (AddedToken form)
        Value::Object(o) => o
            .get("content")
            .and_then(|c| c.as_str())
            .map(str::to_string),
        _ => None,
    }
}

impl Tokenizer {
    /// Loads `tokenizer.json` (and `tokenizer_config.json` when present) from
    /// a model folder.
    pub fn load(dir: &Path) -> Result<Self, TokenizerError> {
        let path = dir.join("tokenizer.json");
        let inner = tokenizers::Tokenizer::from_file(&path).map_err(|e| TokenizerError::Load {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let cfg_path = dir.join("tokenizer_config.json");
        let cfg: Value = match std::fs::read_to_string(&cfg_path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| TokenizerError::Load {
                path: cfg_path.clone(),
                message: e.to_string(),
            })?,
            Err(_) => Value::Null,
        };
        Ok(Tokenizer {
            inner,
            chat_template: cfg["chat_template"].as_str().map(str::to_string),
            bos_token: token_string(&cfg["bos_token"]),
            eos_token: token_string(&cfg["eos_token"]),
        })
    }

    /// A character-level tokenizer: `<pad>` (0), `<eos>` (1), then one token
    /// per distinct character of `alphabet`, in order. For from-scratch toy
    /// models; it has no chat template.
    pub fn char_level(alphabet: &str) -> Result<Self, TokenizerError> {
        let mut vocab = serde_json::Map::new();
        vocab.insert("<pad>".into(), 0.into());
        vocab.insert("<eos>".into(), 1.into());
        for c in alphabet.chars() {
            let next = vocab.len();
            vocab.entry(c.to_string()).or_insert(next.into());
        }
        let special = |id: u32, content: &str| {
            serde_json::json!({"id": id, "content": content, "single_word": false, "lstrip": false,
                "rstrip": false, "normalized": false, "special": true})
        };
        let json = serde_json::json!({
            "version": "1.0", "truncation": null, "padding": null,
            "added_tokens": [special(0, "<pad>"), special(1, "<eos>")],
            "normalizer": null, "pre_tokenizer": null, "post_processor": null,
            "decoder": {"type": "Fuse"},
            "model": {"type": "BPE", "dropout": null, "unk_token": null,
                "continuing_subword_prefix": null, "end_of_word_suffix": null, "fuse_unk": false,
                "byte_fallback": false, "ignore_merges": false, "vocab": vocab, "merges": []}
        });
        let inner: tokenizers::Tokenizer =
            json.to_string()
                .parse()
                .map_err(|e: tokenizers::Error| TokenizerError::Load {
                    path: PathBuf::from("<char-level>"),
                    message: e.to_string(),
                })?;
        Ok(Tokenizer {
            inner,
            chat_template: None,
            bos_token: None,
            eos_token: Some("<eos>".into()),
        })
    }

    /// Writes `tokenizer.json` and `tokenizer_config.json` into `dir`, so
    /// the folder loads with [`Tokenizer::load`] (and transformers).
    pub fn save(&self, dir: &Path) -> Result<(), TokenizerError> {
        let io = |path: PathBuf, message: String| TokenizerError::Load { path, message };
        let path = dir.join("tokenizer.json");
        self.inner
            .save(&path, false)
            .map_err(|e| io(path.clone(), e.to_string()))?;
        let cfg = serde_json::json!({
            "chat_template": self.chat_template,
            "bos_token": self.bos_token,
            "eos_token": self.eos_token,
        });
        let path = dir.join("tokenizer_config.json");
        std::fs::write(&path, cfg.to_string()).map_err(|e| io(path.clone(), e.to_string()))
    }

    /// Whether the tokenizer has a chat template.
    pub fn has_chat_template(&self) -> bool {
        self.chat_template.is_some()
    }

    /// Number of ids (the model's vocabulary must be at least this large).
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// Token ids of `text`; `special` adds the tokenizer's BOS/EOS template
    /// when it has one (text from a chat template already carries them).
    pub fn encode(&self, text: &str, special: bool) -> Result<Vec<i64>, TokenizerError> {
        let enc = self
            .inner
            .encode(text, special)
            .map_err(|e| TokenizerError::Encode(e.to_string()))?;
        Ok(enc.get_ids().iter().map(|&i| i64::from(i)).collect())
    }

    /// Text of `ids`, special tokens left out.
    pub fn decode(&self, ids: &[i64]) -> Result<String, TokenizerError> {
        let ids: Vec<u32> = ids.iter().filter_map(|&i| u32::try_from(i).ok()).collect();
        self.inner
            .decode(&ids, true)
            .map_err(|e| TokenizerError::Encode(e.to_string()))
    }

    /// The id of a token string (e.g. `<|im_end|>`).
    pub fn token_id(&self, token: &str) -> Option<i64> {
        self.inner.token_to_id(token).map(i64::from)
    }

    /// A predicate for [`crate::generate_until`]: true once the text of the
    /// generated ids contains one of `stops`. It decodes only the tail that
    /// can hold the longest stop string, so it is cheap per token.
    pub fn stop_checker<'a>(&'a self, stops: &'a [String]) -> impl Fn(&[i64]) -> bool + 'a {
        // A token decodes to at least one character except for partial UTF-8
        // bytes, so a few tokens more than the longest stop's characters suffice.
        let window = stops.iter().map(|s| s.chars().count()).max().unwrap_or(0) + 4;
        move |ids: &[i64]| {
            if stops.is_empty() {
                return false;
            }
            let tail = &ids[ids.len().saturating_sub(window)..];
            self.decode(tail)
                .map(|t| {
                    stops
                        .iter()
                        .any(|s| !s.is_empty() && t.contains(s.as_str()))
                })
                .unwrap_or(false)
        }
    }

    /// The end-of-sequence token string from tokenizer_config.json.
    pub fn eos_token(&self) -> Option<&str> {
        self.eos_token.as_deref()
    }

    /// Renders the chat template, as transformers' `apply_chat_template`
    /// does with `tokenize=False`.
    pub fn apply_chat_template(
        &self,
        messages: &[Message],
        add_generation_prompt: bool,
    ) -> Result<String, TokenizerError> {
        let template = self
            .chat_template
            .as_deref()
            .ok_or(TokenizerError::NoChatTemplate)?;
        let mut env = minijinja::Environment::new();
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function(
            "raise_exception",
            |msg: String| -> Result<String, minijinja::Error> {
                Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    msg,
                ))
            },
        );
        env.add_template("chat", template)
            .map_err(|e| TokenizerError::Template(e.to_string()))?;
        let tmpl = env
            .get_template("chat")
            .map_err(|e| TokenizerError::Template(e.to_string()))?;
        tmpl.render(minijinja::context! {
            messages => messages,
            add_generation_prompt => add_generation_prompt,
            bos_token => self.bos_token.clone().unwrap_or_default(),
            eos_token => self.eos_token.clone().unwrap_or_default(),
        })
        .map_err(|e| TokenizerError::Template(e.to_string()))
    }
}

/// End-of-sequence ids of a model folder: config.json's,
/// generation_config.json's and the tokenizer's EOS token.
pub fn eos_ids(dir: &Path, cfg: &crate::model::ModelConfig, tok: &Tokenizer) -> Vec<i64> {
    let mut ids = cfg.eos_ids();
    if let Ok(text) = std::fs::read_to_string(dir.join("generation_config.json")) {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
            match &v["eos_token_id"] {
                serde_json::Value::Number(n) => ids.extend(n.as_i64()),
                serde_json::Value::Array(a) => ids.extend(a.iter().filter_map(|x| x.as_i64())),
                _ => {}
            }
        }
    }
    ids.extend(tok.eos_token().and_then(|t| tok.token_id(t)));
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A three-token byte-level vocabulary is enough to exercise the template.
    fn tokenizer_with_template(template: &str) -> Tokenizer {
        let dir = std::env::temp_dir().join(format!(
            "rewasm-tok-{}-{}",
            std::process::id(),
            template.len()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let tok = serde_json::json!({
            "version": "1.0", "truncation": null, "padding": null,
            "added_tokens": [{"id": 2, "content": "<|im_end|>", "single_word": false, "lstrip": false,
                              "rstrip": false, "normalized": false, "special": true}],
            "normalizer": null,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
            "post_processor": null,
            "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
            "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
                      "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                      "vocab": {"a": 0, "b": 1, "<|im_end|>": 2}, "merges": []}
        });
        std::fs::write(dir.join("tokenizer.json"), tok.to_string()).unwrap();
        let cfg = serde_json::json!({"chat_template": template, "eos_token": "<|im_end|>", "bos_token": null});
        std::fs::write(dir.join("tokenizer_config.json"), cfg.to_string()).unwrap();
        Tokenizer::load(&dir).unwrap()
    }

    #[test]
    fn chatml_template_renders_like_transformers() {
        // SmolLM2-Instruct's template (from its tokenizer_config.json).
        let t = tokenizer_with_template(
            "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}",
        );
        let text = t
            .apply_chat_template(&[Message::new("user", "Hi")], true)
            .unwrap();
        assert_eq!(
            text,
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        );
        assert_eq!(t.token_id("<|im_end|>"), Some(2));
        assert_eq!(t.encode("ab<|im_end|>", false).unwrap(), vec![0, 1, 2]);
        assert_eq!(t.decode(&[0, 1, 2]).unwrap(), "ab");
    }

    #[test]
    fn char_level_round_trips_and_saves() {
        let t = Tokenizer::char_level("0123456789+=").unwrap();
        assert_eq!(t.vocab_size(), 14);
        let ids = t.encode("12+3=", false).unwrap();
        assert_eq!(ids, vec![3, 4, 12, 5, 13]);
        assert_eq!(t.decode(&[3, 4, 1]).unwrap(), "12", "<eos> is special");
        assert_eq!(t.token_id("<eos>"), Some(1));
        let dir = std::env::temp_dir().join(format!("rewasm-chartok-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        t.save(&dir).unwrap();
        let back = Tokenizer::load(&dir).unwrap();
        assert_eq!(back.encode("12+3=", false).unwrap(), ids);
        assert_eq!(back.eos_token(), Some("<eos>"));
        let stop = ["+3".to_string()];
        let check = back.stop_checker(&stop);
        assert!(check(&ids[..4]));
        assert!(!check(&ids[..3]));
    }

    #[test]
    fn python_string_methods_and_raise_exception_work() {
        let t = tokenizer_with_template(
            "{% if messages[0]['role'] == 'assistant' %}{{ raise_exception('first message must be user') }}{% endif %}{{ messages[0]['content'].strip() }}",
        );
        assert_eq!(
            t.apply_chat_template(&[Message::new("user", "  x  ")], false)
                .unwrap(),
            "x"
        );
        let err = t
            .apply_chat_template(&[Message::new("assistant", "x")], false)
            .unwrap_err();
        assert!(
            err.to_string().contains("first message must be user"),
            "{err}"
        );
    }
}
