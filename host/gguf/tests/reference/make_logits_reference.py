"""Checks an exported SmolLM2 folder against transformers' own GGUF loading, and stores logits.

1. Export the folder with this crate:
       cargo run --release -p rewasm-gguf --example export_hf -- MODEL.gguf /tmp/smol-hf --force
2. Run (needs torch, transformers, tokenizers, gguf):
       python make_logits_reference.py MODEL.gguf /tmp/smol-hf

The script loads the exported folder (config.json, model.safetensors, tokenizer files) with
AutoModelForCausalLM / AutoTokenizer, and, independently, the GGUF file with transformers' GGUF
loader (its own dequantization and Q/K un-permutation). Both run in f32 on CPU; it asserts that
the logits agree and that greedy decoding of a chat prompt gives the same text, then writes
smollm2_logits.json (prompt ids, last-position top-10 logits, a logits checksum and the greedy
answer) for tests that run the exported model elsewhere.
"""

import json
import os
import sys

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

QUESTION = "What is the capital of France?"


def main() -> None:
    gguf_path, folder = sys.argv[1], sys.argv[2]
    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(folder)
    ours = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    theirs = AutoModelForCausalLM.from_pretrained(
        os.path.dirname(gguf_path),
        gguf_file=os.path.basename(gguf_path),
        dtype=torch.float32,
    ).eval()

    prompt = tok.apply_chat_template(
        [{"role": "user", "content": QUESTION}], tokenize=False, add_generation_prompt=True
    )
    ids = tok(prompt, return_tensors="pt", add_special_tokens=False).input_ids
    with torch.no_grad():
        a = ours(ids).logits[0]
        b = theirs(ids).logits[0]
    max_abs = (a - b).abs().max().item()
    print(f"max |logit difference| over {tuple(a.shape)}: {max_abs:.3e}")
    assert max_abs < 1e-3, max_abs

    with torch.no_grad():
        out = ours.generate(ids, max_new_tokens=20, do_sample=False)
        ref = theirs.generate(ids, max_new_tokens=20, do_sample=False)
    answer = tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True)
    print("greedy answer:", repr(answer))
    assert torch.equal(out, ref), "greedy decoding differs from transformers' GGUF load"

    last = a[-1]
    top = torch.topk(last, 10)
    result = {
        "generator": f"transformers {transformers.__version__}, torch {torch.__version__}",
        "source": os.path.basename(gguf_path),
        "prompt": prompt,
        "prompt_ids": ids[0].tolist(),
        "last_top10_ids": top.indices.tolist(),
        "last_top10_logits": [round(v, 5) for v in top.values.tolist()],
        "logits_mean": a.mean().item(),
        "logits_abs_mean": a.abs().mean().item(),
        "max_abs_vs_transformers_gguf": max_abs,
        "greedy_new_ids": out[0, ids.shape[1]:].tolist(),
        "greedy_answer": answer,
    }
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "smollm2_logits.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
