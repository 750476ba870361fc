"""Helpers to read resource properties the way the policy SDK hands them to a validation.

The SDK wraps the properties in proxies that raise ``UnknownValueError`` when a value that is not
known yet during ``pulumi preview`` is read (an ARN of a resource still to be created, say). A
policy that reads such a value is reported as "can't run during preview" and checks nothing else
on that resource. :func:`to_plain` copies the properties into plain ``dict``/``list`` objects
instead, replacing each unknown value by :data:`UNKNOWN`, so one unknown value never hides a
plaintext key elsewhere on the resource.

Values the user marked secret stay wrapped in :class:`pulumi_policy.Secret` (see
:mod:`ai_keys_policy.secrets` for how they get there); :func:`iter_strings` never descends into
them, and :func:`reveal` unwraps them where a check needs to read a secret value (a policy
document, say) without ever reporting it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any, Final

import pulumi
from pulumi_policy import Secret
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

from .detectors import redact_keys

__all__ = ["UNKNOWN", "get", "is_present", "iter_strings", "join_path", "parse_json", "reveal", "to_plain"]

_UNKNOWN_SENTINELS: Final = frozenset(
    {
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_OBJECT_VALUE,
        UNKNOWN_STRING_VALUE,
    }
)


class _Unknown:
    """Type of :data:`UNKNOWN`."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
"""Stands for a value that is not known until the deployment runs (during ``pulumi preview``)."""

_IDENTIFIER_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def to_plain(value: Any) -> Any:
    """Return a copy of ``value`` made of plain dicts, lists and scalars.

    SDK proxies are unwrapped, unknown values become :data:`UNKNOWN`, and :class:`Secret` values
    are kept as they are (their content is not copied).
    """
    if isinstance(value, Secret):
        return value
    if isinstance(value, str):
        return UNKNOWN if value in _UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):
        out: dict[Any, Any] = {}
        for key in list(value):
            try:
                out[key] = to_plain(value[key])
            except UnknownValueError:
                out[key] = UNKNOWN
        return out
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        items: list[Any] = []
        for i in range(len(value)):
            try:
                items.append(to_plain(value[i]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def reveal(value: Any) -> Any:
    """Return ``value`` with any :class:`Secret` wrapper removed, at the top level only."""
    while isinstance(value, Secret):
        value = value.value
    return value


def get(value: Any, *path: str | int, reveal_secrets: bool = False) -> Any:
    """Follow ``path`` (dict keys and list indexes) into a :func:`to_plain` structure.

    Returns ``None`` when a step is missing and :data:`UNKNOWN` as soon as a step is unknown. A
    :class:`Secret` met on the way is returned as it is, unless ``reveal_secrets`` is set, in which
    case it is unwrapped and the walk goes on (for checks that read, but never report, a value).
    """
    current = reveal(value) if reveal_secrets else value
    for step in path:
        if current is UNKNOWN or isinstance(current, Secret):
            return current
        if isinstance(step, int):
            if not isinstance(current, list) or not -len(current) <= step < len(current):
                return None
            current = current[step]
        else:
            if not isinstance(current, dict):
                return None
            current = current.get(step)
        if reveal_secrets:
            current = reveal(current)
    return current


def is_present(value: Any) -> bool:
    """True when a property is set: not ``None``, not an empty string/list/dict.

    An unknown value counts as present: it will be set by the deployment.
    """
    value = reveal(value)
    if value is None:
        return False
    return not (isinstance(value, (str, list, dict)) and len(value) == 0)


@lru_cache(maxsize=65536)
def join_path(base: str, key: str | int) -> str:
    """Append a dict key or list index to a property path.

    >>> join_path(join_path(join_path("environment", "variables"), "API_KEY"), 0)
    'environment.variables.API_KEY[0]'
    >>> join_path("tags", "app.kubernetes.io/name")
    'tags["app.kubernetes.io/name"]'
    """
    if isinstance(key, int):
        return f"{base}[{key}]"
    key = redact_keys(key)  # a key used as a map key must not end up in a message
    if _IDENTIFIER_RE.fullmatch(key):
        return f"{base}.{key}" if base else key
    return f"{base}[{json.dumps(key)}]"


def parse_json(text: str) -> Any | None:
    """Parse ``text`` when it holds a JSON object or array; return ``None`` otherwise."""
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        parsed = json.loads(stripped)
    except ValueError:
        return None
    return parsed if isinstance(parsed, (dict, list)) else None


def iter_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Yield ``(path, text)`` for every known, non-secret string in a :func:`to_plain` structure.

    Strings that hold a JSON object or array (an ECS container definition, an IAM policy) are
    parsed and walked, so the paths point inside them, e.g.
    ``containerDefinitions[0].environment[1].value``. The text of in-line ``StringAsset`` objects
    (in-line Lambda code, say) is included; files and remote assets are not read. Strings come in
    document order.
    """
    # An explicit stack instead of recursion: stacks hold thousands of values per resource.
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            parsed = parse_json(value)
            if parsed is None:
                yield path, value
            else:
                stack.append((path, parsed))
        elif isinstance(value, dict):
            stack.extend(reversed([(join_path(path, str(key)), item) for key, item in value.items()]))
        elif isinstance(value, list):
            stack.extend(reversed([(join_path(path, i), item) for i, item in enumerate(value)]))
        elif isinstance(value, pulumi.StringAsset):
            yield path, value.text
        elif isinstance(value, pulumi.AssetArchive):
            stack.extend(reversed([(join_path(path, key), item) for key, item in value.assets.items()]))
