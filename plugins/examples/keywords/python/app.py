"""keywords: keyword coverage with synonyms; forbidden terms cost a penalty.

The specification is plugins/examples/keywords/README.md; the Rust, C and
JavaScript versions beside this one give identical results.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from rewasm_plugin import (
    InvalidInput,
    PluginInfo,
    RewardPlugin,
    Sample,
    Score,
    ascii_lower,
    config_error,
    export,
    parse_config,
    parse_json,
)

# A word character is an ASCII letter or digit, or any code point >= 128.
WORD = re.compile("[A-Za-z0-9\u0080-\U0010ffff]+")
# Uncovered groups named in the note before the rest is summarised.
MISSING_LISTED = 5
# ../schema.json, which the other languages include at build time
# (componentize-py only sees the project folder); test_app.py compares them.
STRING = {"type": "string"}
SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "keywords": {
            "type": "array",
            "minItems": 1,
            "items": {"anyOf": [STRING, {"type": "array", "minItems": 1, "items": STRING}]},
        },
        "forbidden": {"type": "array", "items": STRING},
        "forbidden_penalty": {"type": "number", "minimum": 0, "default": 0.5},
        "case_sensitive": {"type": "boolean", "default": False},
    },
}

Group = Union[str, list[str]]


@dataclass
class Config:
    keywords: Optional[list[Group]] = None
    forbidden: list[str] = field(default_factory=list)
    forbidden_penalty: float = 0.5
    case_sensitive: bool = False


@dataclass
class Term:
    text: str  # as written, for notes
    words: tuple[str, ...]  # case-folded unless case-sensitive


class Text:
    """The completion's words, with where each word occurs."""

    def __init__(self, words: list[str]):
        self.words = words
        self.positions: dict[str, list[int]] = {}
        for i, w in enumerate(words):
            self.positions.setdefault(w, []).append(i)

    def contains(self, term: Term) -> bool:
        first, rest = term.words[0], term.words[1:]
        n = len(term.words)
        for i in self.positions.get(first, ()):
            if tuple(self.words[i + 1 : i + n]) == rest:
                return True
        return False


class Keywords(RewardPlugin):
    def __init__(self, config: Config, groups: Optional[list[list[Term]]], forbidden: list[Term]):
        self.config = config
        self.groups = groups
        self.forbidden = forbidden

    @classmethod
    def info(cls) -> PluginInfo:
        return PluginInfo(
            name="keywords",
            version="0.1.0",
            description="Keyword coverage with synonyms; forbidden terms cost a penalty.",
            config_schema=json.dumps(SCHEMA),
        )

    @classmethod
    def configure(cls, config_json: str) -> Keywords:
        config = parse_config(config_json, Config)
        fold = not config.case_sensitive
        if config.forbidden_penalty < 0:
            raise config_error("forbidden_penalty must be a number >= 0")
        groups = None
        if config.keywords is not None:
            groups = parse_groups(config.keywords, fold, "config: keywords")
        forbidden = [make_term(t, fold, "config: forbidden") for t in config.forbidden]
        return cls(config, groups, forbidden)

    def score(self, sample: Sample) -> Score:
        fold = not self.config.case_sensitive
        if sample.reference is not None:
            try:
                groups_json = parse_json(sample.reference)
            except ValueError as e:
                raise InvalidInput(f"reference is not JSON: {e}") from None
            groups = parse_groups(groups_json, fold, "reference")
        elif self.groups is not None:
            groups = self.groups
        else:
            raise InvalidInput("no keywords: set `keywords` in the config or give the sample a reference")

        text = Text(split_words(sample.completion, fold))
        missing = [group[0].text for group in groups if not any(text.contains(t) for t in group)]
        found = [t.text for t in self.forbidden if text.contains(t)]

        total = len(groups)
        covered = total - len(missing)
        hits = len(found)
        coverage = covered / total
        value = max(coverage - self.config.forbidden_penalty * hits, -1.0)

        clauses = []
        if missing:
            listed = ", ".join(missing[:MISSING_LISTED])
            more = len(missing) - MISSING_LISTED
            clauses.append(f"missing: {listed}" + (f" and {more} more" if more > 0 else ""))
        if found:
            clauses.append("forbidden: " + ", ".join(found))
        score = (
            Score(value)
            .with_part("coverage", coverage)
            .with_part("covered", covered)
            .with_part("forbidden", hits)
        )
        return score.with_note("; ".join(clauses)) if clauses else score


def split_words(text: str, fold: bool) -> list[str]:
    return WORD.findall(ascii_lower(text) if fold else text)


def make_term(value: Any, fold: bool, what: str) -> Term:
    """A term: a string with at least one word. `what` names its source in
    errors."""
    if not isinstance(value, str):
        raise InvalidInput(f"{what}: a term must be a string, got {json.dumps(value)}")
    words = split_words(value, fold)
    if not words:
        raise InvalidInput(f"{what}: the term {json.dumps(value, ensure_ascii=False)} has no word")
    return Term(value, tuple(words))


def parse_groups(value: Any, fold: bool, what: str) -> list[list[Term]]:
    """Groups in the spec's grammar: a non-empty array whose items are a
    term or a non-empty array of terms (synonyms)."""
    if not isinstance(value, list):
        raise InvalidInput(f"{what} must be an array of groups")
    if not value:
        raise InvalidInput(f"{what} is empty")
    groups = []
    for group in value:
        if isinstance(group, list):
            if not group:
                raise InvalidInput(f"{what}: a group is an empty array")
            groups.append([make_term(t, fold, what) for t in group])
        else:
            groups.append([make_term(group, fold, what)])
    return groups


Reward = export(Keywords)
