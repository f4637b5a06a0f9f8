//! Hugging Face `tokenizer.json` / `tokenizer_config.json` from a GGUF file's tokenizer metadata.
//!
//! Only byte-level BPE (`tokenizer.ggml.model == "gpt2"`, used by SmolLM2, Qwen2, GPT-2) is
//! converted. The vocabulary is `tokenizer.ggml.tokens` (id = position), the merges are
//! `tokenizer.ggml.merges` (`"left right"` strings, rank = position), and `tokenizer.ggml.token_type`
//! marks added tokens: 3 (control) become special added tokens, 4 (user-defined) plain added
//! tokens, 2 (unknown) special as well. The output follows the `tokenizers` JSON format,
//! version "1.0".
//!
//! `tokenizer.ggml.pre` names the pre-tokenizer, i.e. the regex that splits text into words before
//! BPE runs. The patterns, and where they are written down:
//!
//! - `gpt2`: OpenAI's GPT-2 pattern (`encoder.py` of openai/gpt-2), which is what the `tokenizers`
//!   `ByteLevel` pre-tokenizer applies with `use_regex: true`:
//!   `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
//! - `smollm` (also llama.cpp's `starcoder`, `refact`): every digit is its own word (`\p{N}`), then
//!   the GPT-2 pattern. llama.cpp lists these two expressions for the type (`llama-vocab.cpp`);
//!   SmolLM2's own `tokenizer.json` expresses the same as `Digits(individual_digits)` followed
//!   by `ByteLevel(use_regex)`, which is what is written here.
//! - `qwen2`: the pattern of Qwen2's `tokenizer.json` (also `PRETOKENIZE_REGEX` in transformers'
//!   `tokenization_qwen2.py`), applied as an isolated `Split`, then `ByteLevel` without its own
//!   regex; Qwen2's `tokenizer.json` also NFC-normalizes, so that is kept:
//!   `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`

use serde_json::{json, Map, Value as Json};

use crate::error::{Error, Result};
use crate::file::GgufFile;
use crate::value::Value;

/// Qwen2's pre-tokenizer split pattern (source in the module docs).
const QWEN2_PATTERN: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// `tokenizer.ggml.token_type` values (llama.cpp's `llama_token_type`).
const TOKEN_TYPE_NORMAL: u64 = 1;
const TOKEN_TYPE_UNKNOWN: u64 = 2;
const TOKEN_TYPE_CONTROL: u64 = 3;
const TOKEN_TYPE_USER_DEFINED: u64 = 4;

/// The converted tokenizer: the two JSON files and the special token ids.
#[derive(Debug, Clone, PartialEq)]
pub struct HfTokenizer {
    /// `tokenizer.json` in the `tokenizers` format.
    pub tokenizer: Json,
    /// `tokenizer_config.json` (chat template, special token strings, maximum length).
    pub config: Json,
    pub bos_token_id: Option<u64>,
    pub eos_token_id: Option<u64>,
    pub pad_token_id: Option<u64>,
}

/// Builds the Hugging Face tokenizer files from `file`'s metadata. Errors for tokenizer models
/// other than byte-level BPE and for pre-tokenizer types not listed in the module docs.
pub fn hf_tokenizer(file: &GgufFile) -> Result<HfTokenizer> {
    let err = |message: String| Error::Tokenizer {
        source_name: file.source_name(),
        message,
    };
    let model = file
        .get("tokenizer.ggml.model")
        .and_then(Value::as_str)
        .ok_or_else(|| err("tokenizer.ggml.model is missing or not a string".into()))?;
    if model != "gpt2" {
        return Err(err(format!(
            "tokenizer model {model:?} is not supported (only \"gpt2\", byte-level BPE)"
        )));
    }
    let pre = file
        .get("tokenizer.ggml.pre")
        .and_then(Value::as_str)
        .unwrap_or("gpt2");
    let (normalizer, pre_tokenizer) = pre_tokenizer(pre).ok_or_else(|| {
        err(format!(
            "pre-tokenizer {pre:?} is not supported (gpt2, smollm, starcoder, refact, qwen2)"
        ))
    })?;

    let tokens = string_array(file, "tokenizer.ggml.tokens")?;
    let merges = string_array(file, "tokenizer.ggml.merges")?;
    let types: Vec<u64> = match file.get("tokenizer.ggml.token_type") {
        None => vec![TOKEN_TYPE_NORMAL; tokens.len()],
        Some(v) => v
            .as_array()
            .ok_or_else(|| err("tokenizer.ggml.token_type is not an array".into()))?
            .iter()
            .map(|t| {
                t.as_u64()
                    .ok_or_else(|| err("tokenizer.ggml.token_type holds a non-integer".into()))
            })
            .collect::<Result<_>>()?,
    };
    if types.len() != tokens.len() {
        return Err(err(format!(
            "{} token types for {} tokens",
            types.len(),
            tokens.len()
        )));
    }

    let mut vocab = Map::with_capacity(tokens.len());
    let mut added = Vec::new();
    for (id, (token, &ty)) in tokens.iter().zip(&types).enumerate() {
        // A repeated token string keeps its first id, as a map cannot hold both.
        if !vocab.contains_key(*token) {
            vocab.insert((*token).to_owned(), json!(id));
        }
        let special = match ty {
            TOKEN_TYPE_CONTROL | TOKEN_TYPE_UNKNOWN => true,
            TOKEN_TYPE_USER_DEFINED => false,
            _ => continue,
        };
        added.push(json!({
            "id": id,
            "content": token,
            "single_word": false,
            "lstrip": false,
            "rstrip": false,
            "normalized": false,
            "special": special,
        }));
    }
    let merges = merges
        .iter()
        .map(|m| {
            m.split_once(' ')
                .filter(|(a, b)| !a.is_empty() && !b.is_empty() && !b.contains(' '))
                .map(|(a, b)| json!([a, b]))
                .ok_or_else(|| {
                    err(format!(
                        "merge {m:?} is not two tokens separated by a space"
                    ))
                })
        })
        .collect::<Result<Vec<_>>>()?;

    let token_id = |key: &str| -> Result<Option<u64>> {
        match file.get(key) {
            None => Ok(None),
            Some(v) => {
                let id = v
                    .as_u64()
                    .ok_or_else(|| err(format!("{key} is not a non-negative integer")))?;
                if id >= tokens.len() as u64 {
                    return Err(err(format!(
                        "{key} = {id} is outside the vocabulary of {}",
                        tokens.len()
                    )));
                }
                Ok(Some(id))
            }
        }
    };
    let bos_token_id = token_id("tokenizer.ggml.bos_token_id")?;
    let eos_token_id = token_id("tokenizer.ggml.eos_token_id")?;
    let pad_token_id = token_id("tokenizer.ggml.padding_token_id")?;
    let unk_token_id = token_id("tokenizer.ggml.unknown_token_id")?;
    let token_str = |id: Option<u64>| id.and_then(|i| tokens.get(i as usize)).copied();
    let add_bos = file
        .get("tokenizer.ggml.add_bos_token")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let add_eos = file
        .get("tokenizer.ggml.add_eos_token")
        .and_then(Value::as_bool)
        .unwrap_or(false);

    let tokenizer = json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": normalizer,
        "pre_tokenizer": pre_tokenizer,
        "post_processor": post_processor(
            add_bos.then(|| token_str(bos_token_id).zip(bos_token_id)).flatten(),
            add_eos.then(|| token_str(eos_token_id).zip(eos_token_id)).flatten(),
        ),
        "decoder": byte_level(true, true, true),
        "model": {
            "type": "BPE",
            "dropout": null,
            "unk_token": null,
            "continuing_subword_prefix": null,
            "end_of_word_suffix": null,
            "fuse_unk": false,
            "byte_fallback": false,
            "ignore_merges": false,
            "vocab": vocab,
            "merges": merges,
        },
    });

    let arch = file.architecture().unwrap_or_default();
    let max_length = file
        .get(&format!("{arch}.context_length"))
        .and_then(Value::as_u64);
    let chat_template = file.get("tokenizer.chat_template").and_then(Value::as_str);
    let config = json!({
        "tokenizer_class": "PreTrainedTokenizerFast",
        "add_bos_token": add_bos,
        "add_eos_token": add_eos,
        "add_prefix_space": false,
        "clean_up_tokenization_spaces": false,
        "bos_token": token_str(bos_token_id),
        "eos_token": token_str(eos_token_id),
        "pad_token": token_str(pad_token_id),
        "unk_token": token_str(unk_token_id),
        "model_max_length": max_length,
        "chat_template": chat_template,
    });
    Ok(HfTokenizer {
        tokenizer,
        config,
        bos_token_id,
        eos_token_id,
        pad_token_id,
    })
}

fn string_array<'a>(file: &'a GgufFile, key: &str) -> Result<Vec<&'a str>> {
    let err = |message: &str| Error::Tokenizer {
        source_name: file.source_name(),
        message: format!("{key} {message}"),
    };
    file.get(key)
        .ok_or_else(|| err("is missing"))?
        .as_array()
        .ok_or_else(|| err("is not an array"))?
        .iter()
        .map(|v| v.as_str().ok_or_else(|| err("holds a non-string")))
        .collect()
}

fn byte_level(add_prefix_space: bool, trim_offsets: bool, use_regex: bool) -> Json {
    json!({
        "type": "ByteLevel",
        "add_prefix_space": add_prefix_space,
        "trim_offsets": trim_offsets,
        "use_regex": use_regex,
    })
}

/// `(normalizer, pre_tokenizer)` for a `tokenizer.ggml.pre` value.
fn pre_tokenizer(pre: &str) -> Option<(Json, Json)> {
    Some(match pre {
        "gpt2" => (Json::Null, byte_level(false, true, true)),
        "smollm" | "starcoder" | "refact" => (
            Json::Null,
            json!({
                "type": "Sequence",
                "pretokenizers": [
                    { "type": "Digits", "individual_digits": true },
                    byte_level(false, true, true),
                ],
            }),
        ),
        "qwen2" => (
            json!({ "type": "NFC" }),
            json!({
                "type": "Sequence",
                "pretokenizers": [
                    {
                        "type": "Split",
                        "pattern": { "Regex": QWEN2_PATTERN },
                        "behavior": "Isolated",
                        "invert": false,
                    },
                    byte_level(false, false, false),
                ],
            }),
        ),
        _ => return None,
    })
}

/// Adds BOS/EOS around each sequence when the GGUF asks for it; otherwise only the byte-level
/// offset handling.
fn post_processor(bos: Option<(&str, u64)>, eos: Option<(&str, u64)>) -> Json {
    if bos.is_none() && eos.is_none() {
        return byte_level(true, false, true);
    }
    let special = |(tok, _): (&str, u64)| json!({ "SpecialToken": { "id": tok, "type_id": 0 } });
    let sequence = |id: &str, type_id: u32| json!({ "Sequence": { "id": id, "type_id": type_id } });
    let mut single = Vec::new();
    let mut pair = Vec::new();
    for (seq, type_id) in [("A", 0), ("B", 1)] {
        let items: &mut Vec<Json> = if seq == "A" { &mut single } else { &mut pair };
        items.extend(bos.map(special));
        items.push(sequence(seq, type_id));
        items.extend(eos.map(special));
    }
    let pair: Vec<Json> = single.iter().cloned().chain(pair).collect();
    let mut specials = Map::new();
    for (tok, id) in bos.into_iter().chain(eos) {
        specials.insert(
            tok.to_owned(),
            json!({ "id": tok, "ids": [id], "tokens": [tok] }),
        );
    }
    json!({
        "type": "TemplateProcessing",
        "single": single,
        "pair": pair,
        "special_tokens": specials,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_image::image;

    fn strings(items: &[&str]) -> Value {
        Value::Array(items.iter().map(|s| Value::String((*s).into())).collect())
    }

    fn file(model: &str, pre: &str, add_bos: bool) -> GgufFile {
        let meta = vec![
            ("general.architecture", Value::String("llama".into())),
            ("llama.context_length", Value::U32(64)),
            ("tokenizer.ggml.model", Value::String(model.into())),
            ("tokenizer.ggml.pre", Value::String(pre.into())),
            (
                "tokenizer.ggml.tokens",
                strings(&["<|end|>", "<|start|>", "a", "b", "ab", "Ġ", "Ġab", "<x>"]),
            ),
            (
                "tokenizer.ggml.token_type",
                Value::Array([3, 3, 1, 1, 1, 1, 1, 4].map(Value::I32).to_vec()),
            ),
            ("tokenizer.ggml.merges", strings(&["a b", "Ġ ab"])),
            ("tokenizer.ggml.bos_token_id", Value::U32(1)),
            ("tokenizer.ggml.eos_token_id", Value::U32(0)),
            ("tokenizer.ggml.add_bos_token", Value::Bool(add_bos)),
            ("tokenizer.chat_template", Value::String("{{ x }}".into())),
        ];
        GgufFile::from_bytes(image(&meta, &[])).expect("parses")
    }

    #[test]
    fn byte_level_bpe_is_converted() {
        let t = hf_tokenizer(&file("gpt2", "smollm", false)).expect("converts");
        let j = &t.tokenizer;
        assert_eq!(j["version"], "1.0");
        assert_eq!(j["model"]["type"], "BPE");
        assert_eq!(j["model"]["byte_fallback"], false);
        assert_eq!(j["model"]["vocab"]["Ġab"], 6);
        assert_eq!(j["model"]["merges"], json!([["a", "b"], ["Ġ", "ab"]]));
        let added = j["added_tokens"].as_array().expect("added");
        assert_eq!(added.len(), 3);
        assert_eq!(added[1]["content"], "<|start|>");
        assert_eq!(added[1]["special"], true);
        assert_eq!(added[2]["id"], 7);
        assert_eq!(added[2]["special"], false);
        assert_eq!(j["pre_tokenizer"]["pretokenizers"][0]["type"], "Digits");
        assert_eq!(j["decoder"]["type"], "ByteLevel");
        assert_eq!(j["post_processor"]["type"], "ByteLevel");
        assert_eq!(t.config["bos_token"], "<|start|>");
        assert_eq!(t.config["eos_token"], "<|end|>");
        assert_eq!(t.config["pad_token"], Json::Null);
        assert_eq!(t.config["chat_template"], "{{ x }}");
        assert_eq!(t.config["model_max_length"], 64);
        assert_eq!((t.bos_token_id, t.eos_token_id), (Some(1), Some(0)));
    }

    #[test]
    fn output_loads_in_the_tokenizers_crate() {
        use std::str::FromStr;
        for (pre, add_bos) in [("smollm", false), ("gpt2", false), ("qwen2", true)] {
            let t = hf_tokenizer(&file("gpt2", pre, add_bos)).expect("converts");
            let tok = tokenizers::Tokenizer::from_str(&t.tokenizer.to_string()).expect("loads");
            let enc = tok.encode("ab ab<x><|end|>", true).expect("encodes");
            let mut want = vec![4, 6, 7, 0];
            if add_bos {
                want.insert(0, 1);
            }
            assert_eq!(enc.get_ids(), want.as_slice(), "{pre}");
        }
    }

    #[test]
    fn qwen2_uses_its_split_pattern_and_bos_adds_a_template() {
        let t = hf_tokenizer(&file("gpt2", "qwen2", true)).expect("converts");
        let pre = &t.tokenizer["pre_tokenizer"]["pretokenizers"];
        assert_eq!(pre[0]["pattern"]["Regex"], QWEN2_PATTERN);
        assert_eq!(pre[1]["use_regex"], false);
        assert_eq!(t.tokenizer["normalizer"]["type"], "NFC");
        let post = &t.tokenizer["post_processor"];
        assert_eq!(post["type"], "TemplateProcessing");
        assert_eq!(post["single"][0]["SpecialToken"]["id"], "<|start|>");
        assert_eq!(post["special_tokens"]["<|start|>"]["ids"], json!([1]));
    }

    #[test]
    fn other_models_and_pre_tokenizers_are_refused() {
        let err = hf_tokenizer(&file("llama", "default", false)).expect_err("spm");
        assert!(
            err.to_string().contains("\"llama\" is not supported"),
            "{err}"
        );
        assert!(err.to_string().starts_with("<memory>"), "{err}");
        let err = hf_tokenizer(&file("gpt2", "deepseek-coder", false)).expect_err("pre");
        assert!(err.to_string().contains("deepseek-coder"), "{err}");
    }
}
