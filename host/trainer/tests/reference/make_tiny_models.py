"""Makes the tiny random-init Qwen2 and Llama checkpoints the trainer's
parity test loads, and the reference logits transformers computes for them.

Run from the repository root with the project venv plus transformers:
    .venv/bin/pip install transformers==4.57.1 numpy
    .venv/bin/python host/trainer/tests/reference/make_tiny_models.py
Writes host/trainer/tests/reference/tiny-{qwen2,llama}/ (config.json,
model.safetensors) and logits.json in each.
"""
import json
import os

import torch
from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
IDS = [1, 5, 9, 17, 33, 65, 127, 2, 4, 8, 16, 32]


def common():
    return dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                num_key_value_heads=2, vocab_size=128, max_position_embeddings=128, rms_norm_eps=1e-6,
                rope_theta=10000.0, torch_dtype="float32", bos_token_id=1, eos_token_id=2)


def make(name, model):
    out = os.path.join(HERE, name)
    model.eval()
    model.save_pretrained(out, safe_serialization=True)
    with torch.no_grad():
        single = model(torch.tensor([IDS])).logits[0]
        # Left-padded batch: row 0 is IDS[:7] padded by 5, row 1 is IDS.
        padded = torch.tensor([[0] * 5 + IDS[:7], IDS])
        mask = torch.tensor([[0] * 5 + [1] * 7, [1] * 12])
        batch = model(padded, attention_mask=mask).logits
    ref = {
        "ids": IDS,
        "logits": single.tolist(),
        "padded_ids": padded.tolist(),
        "padded_mask": mask.tolist(),
        "padded_logits_real": [batch[0, 5:].tolist(), batch[1].tolist()],
    }
    with open(os.path.join(out, "logits.json"), "w") as f:
        json.dump(ref, f)
    # save_pretrained may add generation_config.json; keep it, it is tiny.


torch.manual_seed(0)
make("tiny-qwen2", Qwen2ForCausalLM(Qwen2Config(**common(), tie_word_embeddings=False)))
torch.manual_seed(1)
make("tiny-llama", LlamaForCausalLM(LlamaConfig(**common(), tie_word_embeddings=True, attention_bias=False)))
print("wrote", os.path.join(HERE, "tiny-qwen2"), os.path.join(HERE, "tiny-llama"))
