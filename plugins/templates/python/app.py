"""{{name}}: a rewasm reward plugin.

The reward: the answer is the text after the last `Answer:` in the
completion (the whole completion when there is none), trimmed; it scores
1.0 when it equals the sample's reference (also trimmed), else 0.0. ASCII
letters compare case-insensitively unless the config says
`{"case_sensitive": true}`.

`rewasm build` bundles this module, the SDK (rewasm_plugin) and CPython
into a Wasm component; the `export` line at the bottom wires the class to
the WIT exports. The class itself is plain Python: test it with any Python
(`PYTHONPATH=.rewasm/sdk python3 -c "import app; ..."`).
"""

from __future__ import annotations

from dataclasses import dataclass

from rewasm_plugin import (
    PluginInfo,
    RewardPlugin,
    Sample,
    Score,
    ascii_lower,
    ascii_trim,
    config_schema,
    export,
    parse_config,
)


@dataclass
class Config:
    """The config: a JSON object; unknown keys and wrong types are refused."""

    #: Compare ASCII letters exactly (default: either case matches).
    case_sensitive: bool = False


def final_answer(completion: str) -> str:
    """The text after the last `Answer:` (the whole text without one), trimmed."""
    at = completion.rfind("Answer:")
    return ascii_trim(completion if at < 0 else completion[at + len("Answer:") :])


class ExactAnswer(RewardPlugin):
    def __init__(self, config: Config):
        self.config = config

    @classmethod
    def info(cls) -> PluginInfo:
        return PluginInfo(
            name="{{name}}",
            version="0.1.0",
            description="1.0 when the final answer equals the reference, else 0.0",
            config_schema=config_schema(Config),
        )

    @classmethod
    def configure(cls, config_json: str) -> ExactAnswer:
        return cls(parse_config(config_json, Config))

    def score(self, sample: Sample) -> Score:
        reference = ascii_trim(sample.require_reference())
        answer = final_answer(sample.completion)
        if self.config.case_sensitive:
            same = answer == reference
        else:
            same = ascii_lower(answer) == ascii_lower(reference)
        value = 1.0 if same else 0.0
        return Score(value).with_part("exact", value)


Reward = export(ExactAnswer)
