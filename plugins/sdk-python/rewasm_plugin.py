"""Guest-side helpers for rewasm reward plugins written in Python.

A plugin subclasses `RewardPlugin` over plain Python types (so its logic
and tests run on any Python), and its entry module `app.py` exports it in
one line:

    Reward = export(MyReward)

`rewasm build` (scripts/toolchains/python.sh) turns `app.py`, this module
and CPython into a component exporting `rewasm:reward/reward@0.1.0`;
componentize-py calls the class named `Reward` in `app`.

The generated bindings (`wit_world`) are used only when they are there, so
this module also imports on any Python 3.10+, for native tests.
"""

from __future__ import annotations

import dataclasses
import enum
import io
import json
import math
import re
import sys
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence, Union

__all__ = [
    "WIT_VERSION",
    "RewardPlugin",
    "export",
    "Sample",
    "Image",
    "Score",
    "Part",
    "PluginInfo",
    "Capability",
    "RewardError",
    "InvalidInput",
    "Unsupported",
    "Internal",
    "parse_config",
    "parse_json",
    "config_error",
    "config_schema",
    "ascii_lower",
    "ascii_trim",
    "ASCII_WHITESPACE",
    "log",
    "LogLevel",
    "judge",
    "JudgeRequest",
    "JudgeError",
]

#: The WIT version this SDK builds against.
WIT_VERSION = "0.1.0"


# ---------------------------------------------------------------------------
# Plain mirrors of the WIT types


@dataclass
class Image:
    """An image attached to a sample (only for plugins with `needs_images`)."""

    mime: str
    data: bytes


@dataclass
class Sample:
    """One completion to score (mirror of WIT `sample`)."""

    completion: str = ""
    reference: Optional[str] = None
    prompt: str = ""
    id: str = ""
    group: Optional[str] = None
    #: Completion length in policy tokens (0 when the host has no tokenizer).
    completion_tokens: int = 0
    #: JSON text of the row's metadata (`null` when absent).
    metadata: str = "null"
    images: list[Image] = field(default_factory=list)
    #: Training step (0 outside training).
    step: int = 0

    def require_reference(self) -> str:
        """The reference, or `InvalidInput("the sample has no reference")` when there is none."""
        if self.reference is None:
            raise InvalidInput("the sample has no reference")
        return self.reference

    def metadata_json(self) -> Any:
        """The metadata parsed as JSON (`None` when it does not parse)."""
        try:
            return json.loads(self.metadata)
        except (ValueError, RecursionError):
            return None


@dataclass
class Part:
    """A named sub-score, logged beside the total."""

    name: str
    value: float


@dataclass
class Score:
    """The result of scoring one sample. `value` must be finite."""

    value: float
    parts: list[Part] = field(default_factory=list)
    note: Optional[str] = None

    def with_part(self, name: str, value: float) -> Score:
        """Appends a part and returns the score (for chaining)."""
        self.parts.append(Part(name, float(value)))
        return self

    def with_note(self, note: str) -> Score:
        """Sets the note and returns the score (for chaining)."""
        self.note = note
        return self

    def part(self, name: str) -> Optional[float]:
        """The value of the first part named `name`, if any."""
        return next((p.value for p in self.parts if p.name == name), None)


class Capability(enum.Enum):
    """Host capabilities a plugin may request in `PluginInfo.capabilities`.

    `rewasm build` adds the matching import to the component only when the
    plugin's sources name `Capability.LOG` / `Capability.JUDGE`.
    """

    LOG = "log"
    JUDGE = "judge"


@dataclass
class PluginInfo:
    """What a plugin says about itself."""

    name: str
    version: str
    description: str
    #: JSON Schema of the config object (see `config_schema`).
    config_schema: str = '{"type": "object"}'
    capabilities: list[Capability] = field(default_factory=list)
    needs_images: bool = False


class RewardError(Exception):
    """An error reported for one sample (or by `configure`). Raise one of
    the three subclasses; any other exception becomes `Internal`."""

    kind = "internal"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.message == other.message  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.message))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class InvalidInput(RewardError):
    """The sample (or config) is malformed, e.g. an unparsable reference."""

    kind = "invalid-input"


class Unsupported(RewardError):
    """The plugin cannot score this kind of sample."""

    kind = "unsupported"


class Internal(RewardError):
    """A bug or unexpected state inside the plugin."""

    kind = "internal"


# ---------------------------------------------------------------------------
# The plugin interface


class RewardPlugin:
    """Base class of a reward: configured once, then asked to score batches.

    Subclasses implement `info`, `configure` and `score`; `score_batch`
    may be overridden for group-aware rewards.
    """

    @classmethod
    def info(cls) -> PluginInfo:
        """Static description: name, version, config schema, capabilities."""
        raise NotImplementedError

    @classmethod
    def configure(cls, config_json: str) -> RewardPlugin:
        """Builds the reward from the JSON text given to `configure`
        (`{}` when the reward set has no config table). Raise
        `InvalidInput` (e.g. through `parse_config`) to refuse it."""
        raise NotImplementedError

    def score(self, sample: Sample) -> Score:
        """Scores one sample; raise a `RewardError` for an error result."""
        raise NotImplementedError

    def score_batch(self, samples: Sequence[Sample]) -> list[Union[Score, RewardError]]:
        """Scores a batch: one `Score` or `RewardError` per sample, in
        order. The default scores one sample at a time; an exception for
        one sample becomes that sample's error."""
        results: list[Union[Score, RewardError]] = []
        for sample in samples:
            try:
                results.append(self.score(sample))
            except BaseException as e:  # noqa: B036 - nothing may escape to the host
                results.append(_as_reward_error(e))
        return results


# An exception's text can hold a whole sample; errors stay short.
_MAX_EXCEPTION_TEXT = 500


def _as_reward_error(e: BaseException) -> RewardError:
    if isinstance(e, RewardError):
        return e
    # Frames only (no source lines): reading files is not possible in the
    # component, and the innermost frame is what points at the bug.
    where = ""
    tb = e.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:
        code = tb.tb_frame.f_code
        where = f" ({code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno} in {code.co_name})"
    text = str(e)
    if len(text) > _MAX_EXCEPTION_TEXT:
        text = text[:_MAX_EXCEPTION_TEXT] + "..."
    return Internal(f"{type(e).__name__}{': ' + text if text else ''}{where}")


# ---------------------------------------------------------------------------
# Config parsing


def config_error(message: str) -> InvalidInput:
    """The error for a config value `configure` cannot accept, in the same
    form as a parse error (`config: ...`). Raise it."""
    return InvalidInput(f"config: {message}")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text} is out of range")
    return value


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key `{key}`")
        result[key] = value
    return result


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_strings(value: Any) -> None:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if _LONE_SURROGATE.search(v):
                raise ValueError("a string holds a lone surrogate (\\uD800-\\uDFFF)")
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v)
            stack.extend(v.values())


def parse_json(text: str) -> Any:
    """Strict JSON, as Rust's serde_json reads it: refuses `NaN` and
    `Infinity`, numbers that overflow a float, repeated keys, and `\\u`
    escapes of lone surrogates. Raises `ValueError` (also for nesting too
    deep to parse)."""
    try:
        value = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            object_pairs_hook=_no_duplicate_keys,
        )
    except RecursionError:
        raise ValueError("nesting too deep") from None
    _check_strings(value)
    return value


T = typing.TypeVar("T")


def parse_config(config_json: str, cls: type[T]) -> T:
    """Parses a config object into `cls`, a dataclass whose fields carry
    type annotations and defaults (a field without a default is required).

    Refused with `InvalidInput("config: ...")` naming the key: text that is
    not a JSON object (an empty string means `{}`), unknown keys, missing
    required keys, `null` anywhere (leave a key out to get its default),
    and values of the wrong type. Supported annotations: `bool`, `int`
    (JSON integers only), `float` (any finite number; `true` is not a
    number), `str`, `list[X]`, `dict[str, X]`, `X | Y`, `Optional[X]`
    (the default may be None; `null` is still refused) and `Any`.
    """
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise TypeError("parse_config needs a dataclass")
    text = config_json.strip() or "{}"
    try:
        data = parse_json(text)
    except ValueError as e:
        raise config_error(str(e)) from None
    if not isinstance(data, dict):
        raise config_error("config must be a JSON object")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for key in data:
        if key not in fields:
            expected = ", ".join(f"`{k}`" for k in fields) or "no keys"
            raise config_error(f"unknown key `{key}`, expected one of {expected}")
    values: dict[str, Any] = {}
    for name, f in fields.items():
        if name in data:
            values[name] = _check_type(data[name], hints[name], f"`{name}`")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise config_error(f"missing key `{name}`")
    return cls(**values)


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if tp is bool:
        return "a boolean"
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if tp is str:
        return "a string"
    if tp is list or origin is list:
        return "an array"
    if tp is dict or origin is dict:
        return "an object"
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp) if a is not type(None))
    return getattr(tp, "__name__", str(tp))


def _check_type(value: Any, tp: Any, path: str) -> Any:
    """`value` converted to `tp` (ints to float where a float belongs), or
    `InvalidInput` naming `path`."""
    if value is None:
        raise config_error(f"{path}: null is not a value here (leave the key out for its default)")
    if tp is Any:
        return value
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(options) == 1:
            return _check_type(value, options[0], path)
        for option in options:
            try:
                return _check_type(value, option, path)
            except InvalidInput as e:
                # An option that failed deeper inside matched the outer
                # type: its message is the precise one.
                if not e.message.startswith(f"config: {path}: "):
                    raise
        raise config_error(f"{path}: expected {_type_name(tp)}, got {_describe(value)}")
    ok = False
    if tp is bool:
        ok = isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif tp is str:
        ok = isinstance(value, str)
    elif tp is list or origin is list:
        if isinstance(value, list):
            args = typing.get_args(tp)
            if not args:
                return value
            return [_check_type(v, args[0], f"{path}[{i}]") for i, v in enumerate(value)]
    elif tp is dict or origin is dict:
        if isinstance(value, dict):
            args = typing.get_args(tp)
            if len(args) < 2:
                return value
            return {k: _check_type(v, args[1], f"{path}.{k}") for k, v in value.items()}
    else:
        raise TypeError(f"parse_config does not support the annotation {tp!r}")
    if ok:
        return value
    raise config_error(f"{path}: expected {_type_name(tp)}, got {_describe(value)}")


def _schema_of(tp: Any) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        options = [_schema_of(a) for a in typing.get_args(tp) if a is not type(None)]
        return options[0] if len(options) == 1 else {"anyOf": options}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is str:
        return {"type": "string"}
    if tp is list or origin is list:
        args = typing.get_args(tp)
        return {"type": "array", **({"items": _schema_of(args[0])} if args else {})}
    if tp is dict or origin is dict:
        args = typing.get_args(tp)
        extra = {"additionalProperties": _schema_of(args[1])} if len(args) == 2 else {}
        return {"type": "object", **extra}
    return {}


def config_schema(cls: type, title: str = "") -> str:
    """JSON Schema text of a config dataclass (for `PluginInfo.config_schema`):
    its fields, their types and defaults, no other keys."""
    hints = typing.get_type_hints(cls)
    properties: dict[str, Any] = {}
    required = []
    for f in dataclasses.fields(cls):
        prop = _schema_of(hints[f.name])
        if f.default is not dataclasses.MISSING:
            if f.default is not None:
                prop["default"] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            prop["default"] = f.default_factory()
        else:
            required.append(f.name)
        properties[f.name] = prop
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }
    if title:
        schema["title"] = title
    if required:
        schema["required"] = required
    return json.dumps(schema)


# ---------------------------------------------------------------------------
# Text helpers: ASCII-only on purpose, since Python's str.lower(),
# str.strip() and str.isspace() are Unicode-aware and other languages' are not.

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
#: Space, tab, line feed, form feed, carriage return (as Rust's
#: `u8::is_ascii_whitespace`; vertical tab is not included).
ASCII_WHITESPACE = " \t\n\x0c\r"


def ascii_lower(text: str) -> str:
    """`text` with `A-Z` lowered to `a-z`; every other character unchanged."""
    return text.translate(_ASCII_LOWER)


def ascii_trim(text: str) -> str:
    """`text` without leading and trailing ASCII whitespace."""
    return text.strip(ASCII_WHITESPACE)


# ---------------------------------------------------------------------------
# Host imports


class LogLevel(enum.Enum):
    DEBUG = 0
    INFO = 1
    WARN = 2
    ERROR = 3


class _Bindings:
    """The generated bindings, looked up once while the component is built
    (componentize-py imports app.py then and snapshots the result). At run
    time a failed import would search the file system, which the component
    has no access to, so nothing is imported after this."""

    def __init__(self) -> None:
        self.types: Any = None
        self.log: Any = None
        self.judge: Any = None
        self.ok: Any = None
        self.err: Any = None
        try:
            # Built into the component's CPython only.
            import componentize_py_runtime  # noqa: F401
            from componentize_py_types import Err, Ok
            from wit_world.imports import types as wit_types
        except ImportError:
            return
        self.types, self.ok, self.err = wit_types, Ok, Err
        try:
            from wit_world.imports import log as wit_log

            self.log = wit_log
        except ImportError:
            pass
        try:
            from wit_world.imports import judge as wit_judge

            self.judge = wit_judge
        except ImportError:
            pass

    @property
    def in_component(self) -> bool:
        return self.types is not None


_BINDINGS = _Bindings()


def log(level: LogLevel, message: str) -> None:
    """Logs through the host (needs `Capability.LOG` in `info()`). Outside
    a component it writes to stderr."""
    if not _BINDINGS.in_component:
        print(f"[{level.name.lower()}] {message}", file=sys.__stderr__)
        return
    if _BINDINGS.log is None:
        raise Internal("log() needs Capability.LOG in info().capabilities")
    _BINDINGS.log.log(_BINDINGS.log.Level(level.value), message)


@dataclass
class JudgeRequest:
    """One question for the judge model."""

    prompt: str
    max_tokens: int = 256
    temperature: float = 0.0


class JudgeError(Exception):
    """A judge request that failed; `judge` returns it in place of an answer."""


def judge(requests: Sequence[JudgeRequest]) -> list[Union[str, JudgeError]]:
    """Asks the host's judge model (needs `Capability.JUDGE` in `info()`):
    one answer, or a `JudgeError`, per request, in order."""
    if not _BINDINGS.in_component:
        raise Unsupported("judge() is only available inside the host")
    wit_judge = _BINDINGS.judge
    if wit_judge is None:
        raise Internal("judge() needs Capability.JUDGE in info().capabilities")
    results = wit_judge.judge(
        [wit_judge.JudgeRequest(r.prompt, int(r.max_tokens), float(r.temperature)) for r in requests]
    )
    return [r.value if isinstance(r, _BINDINGS.ok) else JudgeError(r.value) for r in results]


# ---------------------------------------------------------------------------
# The component exports


class _LineSink(io.TextIOBase):
    """stdout/stderr inside the component: whole lines go to the host log
    when the plugin has `log`, else nowhere (a write must never fail)."""

    def __init__(self, level: LogLevel):
        self._level = level
        self._buffer = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if _BINDINGS.log is None:
            return len(text)
        self._buffer += text
        *lines, self._buffer = self._buffer.split("\n")
        for line in lines:
            try:
                log(self._level, line)
            except BaseException:  # noqa: B036 - printing must not fail
                pass
        # A line never ended is cut off rather than kept growing.
        if len(self._buffer) > 4096:
            self._buffer = ""
        return len(text)


class _Exports:
    """Holds the configured reward of this instance (one per instance)."""

    def __init__(self, plugin: type[RewardPlugin]):
        self.plugin = plugin
        self.reward: Optional[RewardPlugin] = None

    def info(self) -> Any:
        wit = _BINDINGS.types
        i = self.plugin.info()
        return wit.PluginInfo(
            name=str(i.name),
            version=str(i.version),
            description=str(i.description),
            config_schema=str(i.config_schema),
            capabilities=[wit.Capability[c.name] for c in i.capabilities],
            needs_images=bool(i.needs_images),
        )

    def configure(self, config: str) -> None:
        Err = _BINDINGS.err
        try:
            reward = self.plugin.configure(config)
            if not isinstance(reward, RewardPlugin):
                raise Internal(f"configure returned {type(reward).__name__}, not a RewardPlugin")
        except BaseException as e:  # noqa: B036
            raise Err(_to_wit_error(_as_reward_error(e))) from None
        self.reward = reward

    def score(self, samples: list[Any]) -> list[Any]:
        Err, Ok = _BINDINGS.err, _BINDINGS.ok
        if self.reward is None:
            # The host always configures first; fall back to defaults anyway.
            try:
                self.configure("{}")
            except Err as e:
                return [e for _ in samples]
        assert self.reward is not None
        try:
            plain = [_from_wit_sample(s) for s in samples]
            results = list(self.reward.score_batch(plain))
            if len(results) != len(samples):
                raise Internal(f"score_batch gave {len(results)} results for {len(samples)} samples")
        except BaseException as e:  # noqa: B036
            error = Err(_to_wit_error(_as_reward_error(e)))
            return [error for _ in samples]
        return [_to_wit_result(r) for r in results]


def _from_wit_sample(s: Any) -> Sample:
    return Sample(
        id=s.id,
        group=s.group,
        prompt=s.prompt,
        completion=s.completion,
        completion_tokens=s.completion_tokens,
        reference=s.reference,
        metadata=s.metadata,
        images=[Image(i.mime, i.data) for i in s.images],
        step=s.step,
    )


def _to_wit_result(r: Any) -> Any:
    try:
        if isinstance(r, BaseException):
            return _BINDINGS.err(_to_wit_error(_as_reward_error(r)))
        return _BINDINGS.ok(_to_wit_score(r))
    except BaseException as e:  # noqa: B036
        return _BINDINGS.err(_to_wit_error(_as_reward_error(e)))


def _to_wit_score(s: Any) -> Any:
    wit = _BINDINGS.types
    if not isinstance(s, Score):
        raise Internal(f"score returned {type(s).__name__}, not a Score")
    value = float(s.value)
    if not math.isfinite(value):
        raise Internal(f"score value is not finite: {value}")
    parts = [wit.Part(str(p.name), float(p.value)) for p in s.parts]
    return wit.Score(value=value, parts=parts, note=None if s.note is None else str(s.note))


def _to_wit_error(e: RewardError) -> Any:
    wit = _BINDINGS.types
    message = str(e.message)
    if isinstance(e, InvalidInput):
        return wit.RewardError_InvalidInput(message)
    if isinstance(e, Unsupported):
        return wit.RewardError_Unsupported(message)
    return wit.RewardError_Internal(message)


def export(plugin: type[RewardPlugin]) -> type:
    """The class componentize-py calls for the `reward` export. In `app.py`:

        Reward = export(MyReward)

    Inside the component it also points stdout and stderr at the host log
    (or nowhere), so a stray `print` cannot fail a call.
    """
    if not (isinstance(plugin, type) and issubclass(plugin, RewardPlugin)):
        raise TypeError("export() takes a subclass of RewardPlugin")
    state = _Exports(plugin)
    if _BINDINGS.in_component:
        sys.stdout = _LineSink(LogLevel.DEBUG)
        sys.stderr = _LineSink(LogLevel.WARN)

    class Reward:
        def info(self) -> Any:
            return state.info()

        def configure(self, config: str) -> None:
            state.configure(config)

        def score(self, samples: list[Any]) -> list[Any]:
            return state.score(samples)

    Reward.__qualname__ = Reward.__name__ = "Reward"
    return Reward
