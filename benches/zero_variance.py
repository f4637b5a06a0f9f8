#!/usr/bin/env python3
"""Zero-variance groups with and without dynamic sampling and VADE.

Runs one GRPO run file four times with `rewasm train` -- uniform prompts,
DAPO dynamic sampling, the VADE prompt sampler, and both -- everything else
equal, and prints a Markdown table: the mean fraction of generated groups
whose rewards were all equal (`zero_variance_fraction`), generation rounds
per step, the first- and last-quarter mean reward, and seconds per step.

    benches/zero_variance.py RUN.toml OUT_DIR [--steps N] [--rewasm PATH]

Each variant writes its run under OUT_DIR/<variant>/.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

VARIANTS = [
    ("uniform", {}),
    ("dynamic", {"dynamic_sampling": "true"}),
    ("vade", {"prompt_sampler": '"vade"'}),
    ("vade+dynamic", {"prompt_sampler": '"vade"', "dynamic_sampling": "true"}),
]


def variant_file(run_toml, out_dir, overrides):
    """The run file with absolute dataset/rewards/model paths and the
    overrides, as text. Top-level keys go first, before any table."""
    base = os.path.dirname(os.path.abspath(run_toml))
    text = open(run_toml, encoding="utf-8").read()
    keys = {"output_dir": json.dumps(out_dir), **overrides}
    lines = []
    for line in text.splitlines():
        m = re.match(r"\s*([A-Za-z_]+)\s*=\s*(.*)$", line)
        if m and m.group(1) in ("dataset", "rewards"):
            value = json.loads(m.group(2).split("#")[0].strip())
            line = f"{m.group(1)} = {json.dumps(os.path.join(base, value))}"
        elif m and m.group(1) == "model" and m.group(2).startswith('"'):
            value = json.loads(m.group(2).split("#")[0].strip())
            local = os.path.join(base, value)
            if os.path.isdir(local):
                line = f"model = {json.dumps(local)}"
        elif m and m.group(1) in keys:
            continue
        lines.append(line)
    head = [f"{k} = {v}" for k, v in keys.items()]
    return "\n".join(head + lines) + "\n"


def quarter_means(rows, key):
    vals = [r[key] for r in rows if r.get(key) is not None]
    q = max(1, len(vals) // 4)
    return sum(vals[:q]) / q, sum(vals[-q:]) / q


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run")
    ap.add_argument("out")
    ap.add_argument("--steps", type=int)
    ap.add_argument("--rewasm", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "target", "release", "rewasm"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    table = []
    for name, overrides in VARIANTS:
        out = os.path.abspath(os.path.join(args.out, name.replace("+", "-")))
        if os.path.exists(os.path.join(out, "metrics.jsonl")):
            sys.exit(f"{out} already holds a run; pick another OUT_DIR")
        cfg = out + ".toml"
        with open(cfg, "w", encoding="utf-8") as f:
            f.write(variant_file(args.run, out, overrides))
        cmd = [args.rewasm, "train", "--config", cfg, "--no-progress"]
        if args.steps:
            cmd += ["--max-steps", str(args.steps)]
        print(f"# {name}: {' '.join(cmd)}", file=sys.stderr, flush=True)
        t = time.monotonic()
        subprocess.run(cmd, check=True)
        wall = time.monotonic() - t
        rows = [json.loads(l) for l in open(os.path.join(out, "metrics.jsonl"))]
        zv = sum(r["zero_variance_fraction"] for r in rows) / len(rows)
        rounds = sum(r["rounds"] for r in rows) / len(rows)
        first, last = quarter_means(rows, "reward_mean")
        step_s = sum(r["step_s"] for r in rows) / len(rows)
        table.append((name, len(rows), zv, rounds, first, last, step_s, wall))
    print("| variant | steps | zero-variance groups | rounds/step | reward first q | reward last q | s/step |")
    print("|---|---|---|---|---|---|---|")
    for name, n, zv, rounds, first, last, step_s, _ in table:
        print(f"| {name} | {n} | {zv:.1%} | {rounds:.2f} | {first:.3f} | {last:.3f} | {step_s:.1f} |")


if __name__ == "__main__":
    main()
