//! The converted SmolLM2 tokenizer, loaded with the `tokenizers` crate, against ids produced by
//! transformers' own GGUF tokenizer conversion (`tests/reference/make_tokenizer_reference.py`).

use std::str::FromStr;

use rewasm_gguf::{hf_tokenizer, GgufFile};
use serde_json::Value as Json;
use tokenizers::Tokenizer;

fn smollm2() -> Option<GgufFile> {
    let Some(path) = std::env::var_os("REWASM_GGUF_SMOLLM2") else {
        println!("skipped: set REWASM_GGUF_SMOLLM2 to SmolLM2-135M-Instruct.Q4_1.gguf");
        return None;
    };
    Some(GgufFile::open(&path).expect("opens"))
}

fn reference() -> Json {
    let path = format!(
        "{}/tests/reference/smollm2_tokens.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn smollm2_tokenizer_matches_transformers() {
    let Some(file) = smollm2() else { return };
    let converted = hf_tokenizer(&file).expect("converts");
    let tokenizer = Tokenizer::from_str(&converted.tokenizer.to_string()).expect("loads");
    let reference = reference();
    assert_eq!(
        tokenizer.get_vocab_size(true) as u64,
        reference["vocab_size"].as_u64().expect("vocab_size")
    );
    let cases = reference["cases"].as_array().expect("cases");
    assert!(cases.len() >= 15);
    for case in cases {
        let text = case["text"].as_str().expect("text");
        let want: Vec<u32> = case["ids"]
            .as_array()
            .expect("ids")
            .iter()
            .map(|v| v.as_u64().expect("id") as u32)
            .collect();
        let got = tokenizer.encode(text, false).expect("encodes");
        assert_eq!(got.get_ids(), want.as_slice(), "{text:?}");
        let decoded = tokenizer.decode(got.get_ids(), false).expect("decodes");
        assert_eq!(decoded, text);
    }
    println!("{} strings encode identically", cases.len());

    assert_eq!(converted.bos_token_id, Some(1));
    assert_eq!(converted.eos_token_id, Some(2));
    assert_eq!(converted.pad_token_id, Some(2));
    let cfg = &converted.config;
    assert_eq!(cfg["bos_token"], "<|im_start|>");
    assert_eq!(cfg["eos_token"], "<|im_end|>");
    assert_eq!(cfg["model_max_length"], 8192);
    let template = cfg["chat_template"].as_str().expect("chat template");
    assert!(template.contains("<|im_start|>"), "{template}");
}
