"""Reference token ids for tests/tokenizer.rs, from transformers' own GGUF tokenizer conversion.

transformers reads the tokenizer metadata of the GGUF file independently of this crate and builds
a fast tokenizer from it; the ids it produces for fixed strings are stored in
smollm2_tokens.json. The Rust test converts the same GGUF with `rewasm_gguf::hf_tokenizer`, loads
the result with the Rust `tokenizers` crate and asserts identical ids.

Regenerate (needs transformers, tokenizers, gguf and torch, which transformers' GGUF reader
imports):

    pip install gguf transformers tokenizers torch
    python make_tokenizer_reference.py /path/to/SmolLM2-135M-Instruct.Q4_1.gguf
"""

import json
import os
import sys

import transformers
from transformers import AutoTokenizer

TEXTS = [
    "Hello, world!",
    "The capital of France is Paris.",
    "  leading and trailing spaces  ",
    "Numbers: 0 7 42 2024 3.14159 -17 1,000,000",
    "I'm sure they're fine; we've said we'd go, you'll see.",
    "naïve café résumé Ünïcödé façade",
    "日本語のテキストと中文文本",
    "Emoji: 🤗🚀👍🏽 and ❤️",
    "def add(a, b):\n    return a + b\n\nprint(add(2, 3))",
    "fn main() {\n\tlet x: Vec<u8> = vec![1, 2, 3];\n}",
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n",
    "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n",
    "<|endoftext|>text after<|im_end|><|im_start|>",
    "line one\r\nline two\n\n\nline five\t\ttabs",
    "URL: https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct?x=1&y=2#frag",
    "MiXeD CaSe WORDS and ALLCAPS, don't DON'T",
]


def main() -> None:
    path = sys.argv[1]
    tok = AutoTokenizer.from_pretrained(
        os.path.dirname(path), gguf_file=os.path.basename(path)
    )
    cases = [
        {"text": t, "ids": tok.encode(t, add_special_tokens=False)} for t in TEXTS
    ]
    out = {
        "source": os.path.basename(path),
        "generator": f"transformers {transformers.__version__} AutoTokenizer(gguf_file=...)",
        "vocab_size": len(tok),
        "cases": cases,
    }
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "smollm2_tokens.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
