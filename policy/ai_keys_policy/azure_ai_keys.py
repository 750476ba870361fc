"""Finding Azure AI Services account keys (Azure OpenAI, Cognitive Services) held unmarked anywhere in a stack.

``azure-native:cognitiveservices:listAccountKeys`` returns ``key1`` and ``key2`` as plain values (azure-native
marks no function output secret), so a program that exports them, or passes them on, leaks the account's key
unless it wraps them in ``pulumi.Output.secret`` first. A policy pack sees resolved values only, never which
invoke a value came from, so a key is recognised by what the stack shows:

* **its shape**: current keys are 84 characters with a fixed signature (``JQQJ99`` at offset 52 and the
  Cognitive Services provider signature ``ACOG`` at offset 76), recognised wherever they are;
* **its name**, for the older keys of 32 hex digits (which look like MD5 checksums and ids on their own):
  stored under ``key1``/``key2`` (the names ``listAccountKeys`` gives them), under a path that mentions
  ``aoai``, ``openai``, ``cognitive`` or ``azure`` together with a credential word, or, in a stack output,
  under any credential name when the stack holds a Cognitive Services account or an Azure AI endpoint;
* **its copies**: a value of either shape that the stack holds marked secret somewhere (the Key Vault
  secret it was stored in, say) and unmarked somewhere else.

A finding holds where the value is and why it was recognised, never any part of the value.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pulumi_policy import Secret

from .names import mentions, says_public, says_secret
from .props import iter_strings, join_path, parse_json

__all__ = [
    "ACCOUNT_TYPES",
    "AzureKeyFinding",
    "StackValues",
    "find_azure_ai_account_keys",
    "is_annotated_key",
    "looks_like_account_key",
]

ACCOUNT_TYPES = frozenset({"azure-native:cognitiveservices:Account", "azure:cognitive/account:Account"})
"""Resource types of a Cognitive Services / Azure OpenAI account: a stack holding one may read its keys."""

# 52 random, JQQJ99, a version character and [A-L], 12 platform and 4 provider characters, the Cognitive
# Services provider signature, 4 random (Microsoft's "common annotated security key", 84 characters), and
# optionally the long form's 2 more characters and '=='.
_ANNOTATED_RE = re.compile(
    r"(?<![A-Za-z0-9+/])[A-Za-z0-9]{52}JQQJ99[A-Za-z0-9][A-L][A-Za-z0-9]{15}[A-Za-z0-9+/]ACOG[A-Za-z0-9]{4}"
    r"(?:[A-Za-z0-9]{2}==)?(?![A-Za-z0-9+/=])"
)
_HEX32_RE = re.compile(r"[0-9a-fA-F]{32}")
_AZURE_AI_ENDPOINT_RE = re.compile(r"\.(?:openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)")
_RESULT_NAMES = frozenset({"key1", "key2"})
_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")
_VENDOR_WORDS = ("aoai", "openai", "cognitive", "azure")
_LEAF_RE = re.compile(r'(?:^|\.)([^.\[\]]+)(?:\[\d+\])*$|\["((?:[^"\\]|\\.)*)"\](?:\[\d+\])*$')
_SEGMENT_RE = re.compile(r'\["((?:[^"\\]|\\.)*)"\]|([^.\[\]]+)')


def is_annotated_key(text: str) -> bool:
    """True when ``text`` holds an Azure AI Services key of the current 84-character format."""
    return "JQQJ99" in text and "ACOG" in text and _ANNOTATED_RE.search(text) is not None


def _leaf(path: str) -> str:
    m = _LEAF_RE.search(path)
    if m is None:
        return path
    return m.group(1) if m.group(1) is not None else m.group(2)


def _segments(path: str) -> list[str]:
    return [a or b for a, b in _SEGMENT_RE.findall(path)]


def looks_like_account_key(path: str, text: str, *, azure_context: bool = False) -> str | None:
    """Why the string at ``path`` is an Azure AI Services account key, or ``None`` when it does not look like one.

    ``azure_context`` says the stack holds a Cognitive Services account or an Azure AI endpoint: then any
    credential name (``apiKey``) makes 32 hex digits a key.
    """
    if is_annotated_key(text):
        return "has the signature of an Azure AI Services key"
    if not _HEX32_RE.fullmatch(text):
        return None
    leaf = _leaf(path)
    if says_public(leaf):
        return None  # a Key Vault secret version, a checksum, an id
    if _NON_ALNUM_RE.sub("", leaf.lower()) in _RESULT_NAMES:
        return f"is 32 hex digits under '{leaf}', the name listAccountKeys gives an account key"
    segments = _segments(path)
    if any(mentions(s, *_VENDOR_WORDS) for s in segments) and any(says_secret(s) for s in segments):
        return "is 32 hex digits under a name that says it is an Azure OpenAI / AI Services key"
    if azure_context and says_secret(leaf):
        return "is 32 hex digits under a credential name, in a stack that holds an Azure AI Services account"
    return None


@dataclass(frozen=True)
class AzureKeyFinding:
    """An Azure AI Services key found unmarked. Holds no part of the value."""

    resource: str
    """The resource's name, or ``""`` for a stack output."""

    resource_type: str
    """The resource's type (``pulumi:pulumi:Stack`` for a stack output)."""

    urn: str
    """The URN of the resource (the stack's for an output)."""

    path: str
    """Where the value is: the output path (``keys.key1``) or the resource's property path."""

    reason: str
    """Why the value was recognised."""


@dataclass(frozen=True)
class StackValues:
    """One resource of a stack, as :func:`find_azure_ai_account_keys` reads it."""

    resource_type: str
    name: str
    urn: str
    props: Any
    """A :func:`ai_keys_policy.props.to_plain` structure (the stack's outputs, for ``pulumi:pulumi:Stack``)."""


def _secret_strings(value: Any, path: str = "", inside: bool = False) -> Iterator[tuple[str, str]]:
    """``(path, text)`` for every string held inside a :class:`Secret` (never reported: only compared)."""
    stack: list[tuple[str, Any, bool]] = [(path, value, inside)]
    while stack:
        path, value, inside = stack.pop()
        if isinstance(value, Secret):
            stack.append((path, value.value, True))
        elif isinstance(value, str):
            parsed = parse_json(value)
            if parsed is not None:
                stack.append((path, parsed, inside))
            elif inside:
                yield path, value
        elif isinstance(value, dict):
            stack.extend((join_path(path, str(k)), v, inside) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((join_path(path, i), v, inside) for i, v in enumerate(value))


def _where(resource: StackValues, path: str) -> str:
    return path if resource.resource_type == "pulumi:pulumi:Stack" else f"{resource.name}:{path}"


def find_azure_ai_account_keys(resources: Iterable[StackValues], allowed_paths: tuple[str, ...] = ()) -> list[AzureKeyFinding]:
    """Return the Azure AI Services account keys that the stack holds unmarked.

    Every known, non-secret string of every resource and every stack output is judged (see the module
    docstring). ``allowed_paths`` are shell-style patterns matched against an output's path (``keys.key1``) or
    ``<resource name>:<property path>``; what they match is never reported.
    """
    resources = list(resources)
    azure_context = any(r.resource_type in ACCOUNT_TYPES for r in resources)
    plain: list[tuple[StackValues, str, str]] = []
    for resource in resources:
        for path, text in iter_strings(resource.props):
            if "azure.com" in text and _AZURE_AI_ENDPOINT_RE.search(text):
                azure_context = True
            plain.append((resource, path, text))
    # Values of a key's shape that are marked secret somewhere: their unmarked copies are leaks.
    secret_copies: dict[str, tuple[StackValues, str]] = {}
    for resource in resources:
        for path, text in _secret_strings(resource.props):
            if _HEX32_RE.fullmatch(text) or is_annotated_key(text):
                secret_copies.setdefault(text, (resource, path))
    findings: list[AzureKeyFinding] = []
    for resource, path, text in plain:
        where = _where(resource, path)
        if any(fnmatch.fnmatchcase(where, pattern) for pattern in allowed_paths):
            continue
        context = azure_context and resource.resource_type == "pulumi:pulumi:Stack"
        reason = looks_like_account_key(path, text, azure_context=context)
        if reason is None and text in secret_copies and not says_public(_leaf(path)):
            source, source_path = secret_copies[text]
            reason = f"is the value that is marked secret in {_where(source, source_path)}"
            if source.resource_type != "pulumi:pulumi:Stack":
                reason += f" ({source.resource_type})"
        if reason is not None:
            findings.append(AzureKeyFinding(resource.name, resource.resource_type, resource.urn, path, reason))
    return findings
