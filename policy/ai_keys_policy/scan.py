"""Finding plaintext keys in a resource's properties or a stack's outputs.

Two passes, whose findings are merged (one per property path, name and kind):

1. **Every string** of the properties (JSON strings parsed and walked, in-line assets included) is
   searched for vendor keys with a fixed prefix, in the text and, when the text is base64 of text,
   in what it encodes. The name-based vendor rules (:func:`ai_keys_policy.detectors.find_key_by_name`)
   judge each string under the name of the property that holds it.
2. **Every value slot** (:func:`ai_keys_policy.envvars.env_vars`, or every stack output) is judged
   in depth: JSON is walked, base64 of text is decoded (twice at most), scripts and files
   (multi-line text such as EC2 user data or a ConfigMap file) are read as ``NAME=value`` /
   ``name: value`` assignments, and each single value is judged by the vendor rules and then by
   the entropy rule under the name it is stored under.

A finding holds the property path, the rule's kind, the fixed prefix of the key's kind and the
name the value is stored under, never any other part of the value.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from .detectors import (
    DEFAULT_ENTROPY_THRESHOLD,
    DEFAULT_HEX_ENTROPY_THRESHOLD,
    DEFAULT_MIN_ENTROPY_LENGTH,
    KeyKind,
    Match,
    find_key_by_name,
    find_keys,
    find_keys_decoding,
    looks_high_entropy,
    redact_keys,
)
from .encodings import decode_base64_text
from .envvars import EnvVar
from .props import iter_strings, parse_json

__all__ = ["EntropySettings", "Finding", "scan"]

_MAX_DEPTH = 3  # nested encodings followed: base64 of JSON of base64, say
# NAME=value, NAME: value, "name": "value" and export NAME="value" in scripts and files.
_ASSIGNMENT_RE = re.compile(
    r"""(?:^|(?<=[\s;{,'"(]))(?:export[ \t]+)?["']?([A-Za-z_][A-Za-z0-9_.-]{0,127})["']?[ \t]*[=:][ \t]*["']?"""
    r"""([A-Za-z0-9+/_.~-]{16,}={0,2})(?=["'\s,;})]|$)""",
    re.MULTILINE,
)
_AZURE_AI_ENDPOINT_RE = re.compile(r"\.(?:openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)")
_LEAF_RE = re.compile(r'(?:^|\.)([^.\[\]]+)$|\["((?:[^"\\]|\\.)*)"\]$')


@dataclass(frozen=True)
class Finding:
    """A plaintext key found in a resource's properties. Holds no part of the value."""

    path: str
    """Property path of the value, e.g. ``environment.variables.OPENAI_API_KEY``."""

    kind: KeyKind
    """What was found; :attr:`KeyKind.rule` names the rule."""

    hint: str
    """The fixed prefix of the key's kind followed by ``…`` (empty for kinds without one)."""

    env_var: str | None = None
    """The name the value is stored under when it is a value slot (an environment variable, a data
    key, a variable in a script, an output)."""

    what: str | None = None
    """What :attr:`env_var` names: ``environment variable``, ``key``, ``user data``..."""

    decoded: bool = False
    """The key was found in what a base64 value encodes."""


@dataclass(frozen=True)
class EntropySettings:
    """How the entropy rule is applied (see :class:`ai_keys_policy.policies.KeyCheckConfig`)."""

    enabled: bool = True
    threshold: float = DEFAULT_ENTROPY_THRESHOLD
    hex_threshold: float = DEFAULT_HEX_ENTROPY_THRESHOLD
    min_length: int = DEFAULT_MIN_ENTROPY_LENGTH
    allowed_names: tuple[str, ...] = ()
    """Names (shell-style wildcards) whose values the entropy rule never reports."""
    allowed_values: tuple[str, ...] = ()
    """Values (shell-style wildcards) the entropy rule never reports."""

    def allows(self, name: str | None, value: str) -> bool:
        """True when the name or the value is allow-listed."""
        if name is not None and any(fnmatch.fnmatchcase(name, p) for p in self.allowed_names):
            return True
        return any(fnmatch.fnmatchcase(value, p) for p in self.allowed_values)


def _leaf_name(path: str) -> str | None:
    m = _LEAF_RE.search(path)
    if m is None:
        return None
    return m.group(1) if m.group(1) is not None else m.group(2)


class _Scanner:
    def __init__(self, settings: EntropySettings) -> None:
        self.settings = settings
        self.azure_ai_context = False
        """The resource also holds an Azure OpenAI / AI services endpoint: 32 hex digits next to it are its key."""
        self.findings: dict[tuple[str, KeyKind, str | None], Finding] = {}

    def add(self, finding: Finding) -> None:
        self.findings.setdefault((finding.path, finding.kind, finding.env_var), finding)

    def strings(self, props: object, skip: frozenset[str]) -> None:
        """Pass 1: fixed-prefix patterns and name rules on every string outside the slots in ``skip``."""
        pending: list[tuple[str, str]] = []
        for path, text in iter_strings(props):
            if "azure.com" in text and _AZURE_AI_ENDPOINT_RE.search(text):
                self.azure_ai_context = True
            if path not in skip:  # slots are judged in depth by pass 2
                pending.append((path, text))
        for path, text in pending:
            for m, decoded in _judge_string(text, _leaf_name(path), self.azure_ai_context):
                self.add(Finding(path, m.kind, m.hint, decoded=decoded))

    def slot(self, slot: EnvVar) -> None:
        """Pass 2: judge a value slot in depth."""
        self.judge(slot.value, slot.name, slot.path, slot.what, decoded=False, depth=0)

    def judge(self, value: object, name: str, path: str, what: str, *, decoded: bool, depth: int) -> None:
        """Judge a slot's value: walk JSON, decode base64 of text, read documents, judge single values."""
        if not isinstance(value, str):
            for leaf_path, leaf in iter_strings(value, path):
                self.judge(leaf, _leaf_name(leaf_path) or name, leaf_path, what, decoded=decoded, depth=depth + 1)
            return
        parsed = parse_json(value) if depth < _MAX_DEPTH else None
        if parsed is not None:
            self.judge(parsed, name, path, what, decoded=decoded, depth=depth + 1)
            return
        text = decode_base64_text(value) if depth < _MAX_DEPTH else None
        if text is not None:
            self.judge(text, name, path, what, decoded=True, depth=depth + 1)
            return
        if "\n" in value or len(value) > 512:  # a script or a file
            self.document(value, name, path, what, decoded=decoded, depth=depth)
            return
        self.token(value, name, path, what, decoded=decoded)

    def document(self, text: str, name: str, path: str, what: str, *, decoded: bool, depth: int) -> None:
        """A script or file: each ``NAME=value`` assignment, then fixed-prefix keys anywhere else."""
        for assignment in _ASSIGNMENT_RE.finditer(text):
            variable, value = assignment.group(1), assignment.group(2)
            self.judge(value, redact_keys(variable), path, "variable", decoded=decoded, depth=depth + 1)
        found = {kind for (p, kind, _) in self.findings if p == path}
        for m in find_keys(text):
            if m.kind not in found:
                self.add(Finding(path, m.kind, m.hint, name, what, decoded))

    def token(self, value: str, name: str, path: str, what: str, *, decoded: bool) -> None:
        """A single value: the vendor rules, then the entropy rule."""
        for m in _judge_token(value, name, self.settings, self.azure_ai_context):
            self.add(Finding(path, m.kind, m.hint, name, what, decoded))

    def result(self) -> list[Finding]:
        """The findings; an entropy finding is dropped where a vendor rule reported the same path."""
        vendor_paths = {f.path for f in self.findings.values() if f.kind is not KeyKind.HIGH_ENTROPY}
        out: list[Finding] = []
        seen: set[tuple[str, KeyKind]] = set()
        # Prefer the finding that names the slot over the bare one of pass 1.
        for f in sorted(self.findings.values(), key=lambda f: f.env_var is None):
            if f.kind is KeyKind.HIGH_ENTROPY and f.path in vendor_paths:
                continue
            if (f.path, f.kind) in seen and f.env_var is None:
                continue
            seen.add((f.path, f.kind))
            out.append(f)
        return out


@lru_cache(maxsize=65536)
def _judge_string(text: str, name: str | None, azure_ai_context: bool) -> tuple[tuple[Match, bool], ...]:
    """Pass 1's verdict on a string held by a property called ``name``: ``(match, decoded)`` pairs."""
    matches, decoded = find_keys_decoding(text)
    if matches:
        return tuple((m, decoded) for m in matches)
    by_name = find_key_by_name(name, text, azure_ai_context=azure_ai_context) if name else None
    return ((by_name, False),) if by_name is not None else ()


_ENTROPY_MATCH = (Match(KeyKind.HIGH_ENTROPY, ""),)


@lru_cache(maxsize=65536)
def _judge_token(value: str, name: str, settings: EntropySettings, azure_ai_context: bool) -> tuple[Match, ...]:
    """The verdict on one value stored under ``name`` (cached: stacks repeat values across resources)."""
    matches = find_keys(value)
    if matches:
        return tuple(matches)
    by_name = find_key_by_name(name, value, azure_ai_context=azure_ai_context)
    if by_name is not None:
        return (by_name,)
    s = settings
    if (
        s.enabled
        and not s.allows(name, value)
        and looks_high_entropy(value, threshold=s.threshold, hex_threshold=s.hex_threshold, min_length=s.min_length, name=name)
    ):
        return _ENTROPY_MATCH
    return ()


def scan(props: object, slots: Iterable[EnvVar], settings: EntropySettings | None = None) -> list[Finding]:
    """Return the plaintext keys in ``props`` (a :func:`ai_keys_policy.props.to_plain` structure).

    ``slots`` are the value slots to judge in depth. Values marked secret and unknown values are
    never read.
    """
    scanner = _Scanner(settings or EntropySettings())
    slots = list(slots)
    scanner.strings(props, frozenset(slot.path for slot in slots))
    for slot in slots:
        scanner.slot(slot)
    return scanner.result()


def output_slots(outputs: object) -> Iterator[EnvVar]:
    """Every top-level stack output as a value slot."""
    if isinstance(outputs, dict):
        for key, value in outputs.items():
            name = redact_keys(str(key))
            yield EnvVar(name, name, value, "stack output")
