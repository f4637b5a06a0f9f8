#!/usr/bin/env python3
"""Score a math-completions JSONL with math-verify the way TRL's `accuracy_reward` does.

Usage (after benches/math-verify/setup.sh):
  benches/math-verify/.venv/bin/python benches/math-verify/run_math_verify.py \
      [--input] benches/data/math_completions.jsonl [--limit N] [--trl-variant current|legacy] \
      [--gold-wrap dollar|boxed|none] [--details FILE]

Input rows: {"id", "prompt", "completion", "reference", "metadata": {...}} (rewasm's score input).
Output: one JSON object on stdout:
  rows, cpu_seconds (time.process_time() around the scoring loop only: no imports, no file I/O,
  no warm-up), wall_seconds, samples_per_cpu_second, samples_per_wall_second, verdicts
  {id: 1.0 | 0.0 | null}, gold_parse_failures, and, when rows carry metadata.truth, an
  "agreement" block (math-verify verdict vs. the truth label, overall and on comparable rows).

What is measured, per row, mirrors TRL's accuracy_reward (trl/rewards/accuracy_rewards.py) called
from the main thread, with math-verify used as a library (nothing of TRL is imported or copied):
  * the gold answer is parsed with math-verify's default extraction targets (LaTeX + plain
    expressions).  TRL passes the dataset's solution text; our reference is a bare final answer
    (e.g. "\\frac{3}{4}", "[-1, 1]", "2^{n-1}"), which math-verify's default parse does not read
    reliably without delimiters (bare "[-1, 1]" parses as 1, bare "2^{n-1}" as 2), so the
    reference is wrapped in inline math "$...$" (--gold-wrap dollar, the default).  A gold that
    parses to nothing gives verdict null (TRL returns None and the trainer skips the sample).
  * the completion is parsed with a single LatexExtractionConfig: \\boxed{} tried first
    (boxed_match_priority=0), no unanchored LaTeX (try_extract_without_anchor=False), units
    stripped, extraction_mode="first_match"; then float(verify(gold, answer)).
  * --trl-variant current (default): TRL main as of 2026: gold parsed with the default
    any_match mode and parsing_timeout=10, answer NormalizationConfig(units=True) (so
    basic_latex=True, boxed="all", nits=False, malformed_operators=False, equations=False),
    answer parsing_timeout=10, verify timeout_seconds=5.
  * --trl-variant legacy: the earlier TRL/open-r1 form: gold parsed with
    extraction_mode="first_match", answer NormalizationConfig(nits=False,
    malformed_operators=False, basic_latex=True, equations=True, boxed="all", units=True),
    math-verify's default timeouts (parse 5 s, verify 5 s).
math-verify's timeouts use SIGALRM, so this script must run in the main thread (it does).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time

from latex2sympy2_extended import NormalizationConfig
from math_verify import LatexExtractionConfig, parse, verify


def answer_config(variant: str) -> list[LatexExtractionConfig]:
    if variant == "current":
        norm = NormalizationConfig(units=True)
    else:
        norm = NormalizationConfig(
            nits=False, malformed_operators=False, basic_latex=True, equations=True, boxed="all", units=True
        )
    return [LatexExtractionConfig(normalization_config=norm, boxed_match_priority=0, try_extract_without_anchor=False)]


def wrap_gold(ref: str, how: str) -> str:
    if how == "dollar":
        return f"${ref}$"
    if how == "boxed":
        return f"\\boxed{{{ref}}}"
    return ref


def make_scorer(variant: str):
    cfg = answer_config(variant)
    if variant == "current":
        gold_kw = {"parsing_timeout": 10}
        ans_kw = {"extraction_mode": "first_match", "parsing_timeout": 10}
    else:
        gold_kw = {"extraction_mode": "first_match"}
        ans_kw = {"extraction_mode": "first_match"}

    def score(gold_text: str, completion: str):
        gold = parse(gold_text, **gold_kw)
        if len(gold) == 0:
            return None, gold, None
        answer = parse(completion, extraction_config=cfg, **ans_kw)
        return float(verify(gold, answer, timeout_seconds=5)), gold, answer

    return score


def agreement(rows, verdicts):
    def block(sel):
        n = agree = skipped = 0
        tp = tn = fp = fn = 0
        for r in sel:
            v = verdicts[r["id"]]
            if v is None:
                skipped += 1
                continue
            t = r["metadata"]["truth"] == "correct"
            n += 1
            agree += (v == 1.0) == t
            tp += t and v == 1.0
            tn += (not t) and v == 0.0
            fp += (not t) and v == 1.0
            fn += t and v == 0.0
        return {"rows": n, "agree": agree, "rate": round(agree / n, 4) if n else None, "skipped_null": skipped,
                "correct_accepted": tp, "correct_rejected": fn, "wrong_rejected": tn, "wrong_accepted": fp}

    labelled = [r for r in rows if "truth" in r.get("metadata", {})]
    if not labelled:
        return None
    comparable = [r for r in labelled if r["metadata"].get("comparable")]
    other = [r for r in labelled if not r["metadata"].get("comparable")]
    return {"all": block(labelled), "comparable": block(comparable), "not_comparable": block(other)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("jsonl", nargs="?", help="input JSONL (or use --input)")
    ap.add_argument("--input", help="input JSONL (same as the positional argument)")
    ap.add_argument("--limit", type=int, default=None, help="score only the first N rows")
    ap.add_argument("--trl-variant", choices=["current", "legacy"], default="current")
    ap.add_argument("--gold-wrap", choices=["dollar", "boxed", "none"], default="dollar")
    ap.add_argument("--details", help="write per-row extracted gold/answer strings to this JSONL file")
    ap.add_argument("--quiet-logs", action="store_true", help="silence math-verify's timeout warnings and latex2sympy's deprecation warnings")
    args = ap.parse_args()

    path = args.input or args.jsonl
    if not path:
        ap.error("no input: give a JSONL path (positional or --input)")
    if args.quiet_logs:
        for name in ("math_verify", "latex2sympy2_extended"):
            logging.getLogger(name).setLevel(logging.ERROR)

    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    if args.limit is not None:
        rows = rows[: args.limit]
    golds = [wrap_gold(r["reference"], args.gold_wrap) for r in rows]
    completions = [r["completion"] for r in rows]
    ids = [r["id"] for r in rows]

    score = make_scorer(args.trl_variant)
    # Warm-up outside the timed loop: the first call builds math-verify's regexes and loads the
    # ANTLR LaTeX parser (a one-off cost per process, not per sample).
    score("$1$", "so the answer is \\boxed{1}")

    results = [None] * len(rows)
    per_row = [0.0] * len(rows)
    t0_cpu = time.process_time()
    t0_wall = time.perf_counter()
    for i in range(len(rows)):
        s = time.perf_counter()
        results[i] = score(golds[i], completions[i])
        per_row[i] = time.perf_counter() - s
    cpu = time.process_time() - t0_cpu
    wall = time.perf_counter() - t0_wall

    verdicts = {ids[i]: results[i][0] for i in range(len(rows))}
    gold_failures = sum(1 for r in results if r[0] is None)
    slowest = sorted(range(len(rows)), key=lambda i: -per_row[i])[:5]

    if args.details:
        with open(args.details, "w", encoding="utf-8") as f:
            for i, r in enumerate(rows):
                v, g, a = results[i]
                f.write(json.dumps({
                    "id": ids[i], "verdict": v, "gold": [str(x) for x in g],
                    "answer": None if a is None else [str(x) for x in a],
                    "seconds": round(per_row[i], 4), "metadata": r.get("metadata"),
                }, ensure_ascii=False) + "\n")

    out = {
        "rows": len(rows),
        "trl_variant": args.trl_variant,
        "gold_wrap": args.gold_wrap,
        "cpu_seconds": round(cpu, 4),
        "wall_seconds": round(wall, 4),
        "samples_per_cpu_second": round(len(rows) / cpu, 2) if cpu > 0 else None,
        "samples_per_wall_second": round(len(rows) / wall, 2) if wall > 0 else None,
        "gold_parse_failures": gold_failures,
        "slowest": [[ids[i], round(per_row[i], 4)] for i in slowest],
        "agreement": agreement(rows, verdicts),
        "verdicts": verdicts,
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
