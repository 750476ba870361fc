"""Small, typed checks that turn raw args into plain Python values or raise a field-naming error.

Numbers may arrive as floats from other Pulumi languages (the component provider passes integers as
``3.0``), so integer checks accept integral floats.
"""

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Any, Optional

import pulumi

from ..errors import SecureApiKeyError
from .deploy_time import at_deploy

_MAX_SHOWN = 80


def shown(value: Any) -> str:
    """A short repr of a refused (never secret) value for error messages."""
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def type_name(value: Any) -> str:
    return type(value).__name__


def is_known_str(value: Any) -> bool:
    """True for a plain string, the only kind of input whose content can be checked before deploy."""
    return isinstance(value, str)


def is_input(value: Any) -> bool:
    """True for values a Pulumi ``Input`` may hold and that we can only check at deploy time."""
    return isinstance(value, (pulumi.Output, str)) or hasattr(value, "__await__")


def not_a_resource(field: str, value: Any, example: str) -> None:
    """A resource where its name belongs (``account`` for ``account.name``) gets the fix in the refusal;
    ``example`` shows it (e.g. ``account.name``)."""
    if isinstance(value, pulumi.Resource):
        raise SecureApiKeyError(
            field,
            f"is a {type_name(value)} resource, not its name",
            f"a string or an Output of one: pass the resource's name, e.g. {example}",
        )


def mapping(field: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SecureApiKeyError(field, f"must be a mapping (got {type_name(value)})", "a dict of options")
    return value


def did_you_mean(word: Any, choices: Sequence[str]) -> str:
    """`` (did you mean X?)`` for the closest of ``choices`` to a mistyped ``word`` (case and ``-``/``_`` ignored),
    or "" when none is close."""
    if not isinstance(word, str):
        return ""

    def folded(text: str) -> str:
        return text.lower().replace("-", "_")

    by_folded = {folded(choice): choice for choice in choices}
    match = difflib.get_close_matches(folded(word), list(by_folded), n=1, cutoff=0.75)
    return f" (did you mean {by_folded[match[0]]}?)" if match else ""


def known_keys(field: str, value: Mapping[str, Any], allowed: Sequence[str]) -> None:
    for key in value:
        if key not in allowed:
            prefix = f"{field}." if field else ""
            raise SecureApiKeyError(
                f"{prefix}{key}", f"is not a known option{did_you_mean(key, allowed)}", ", ".join(sorted(allowed))
            )


def boolean(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SecureApiKeyError(field, f"must be true or false (got {shown(value)})", "true, false")
    return value


def integer(field: str, value: Any, low: int, high: Optional[int] = None) -> int:
    allowed = f"an integer from {low} to {high}" if high is not None else f"an integer >= {low}"
    integral_float = isinstance(value, float) and value.is_integer()
    if isinstance(value, bool) or not (isinstance(value, int) or integral_float):
        raise SecureApiKeyError(field, f"must be an integer (got {shown(value)})", allowed)
    number = int(value)
    if number < low or (high is not None and number > high):
        raise SecureApiKeyError(field, f"is out of range (got {number})", allowed)
    return number


def number(field: str, value: Any, low: float, high: float) -> float:
    allowed = f"a number from {_plain_number(low)} to {_plain_number(high)}"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:  # NaN
        raise SecureApiKeyError(field, f"must be a number (got {shown(value)})", allowed)
    if value < low or value > high:
        # ``:g`` would overflow on ints too large for a float; show those through ``shown``.
        got = f"{value:g}" if isinstance(value, float) else shown(value)
        raise SecureApiKeyError(field, f"is out of range (got {got})", allowed)
    return float(value)


def _plain_number(bound: float) -> str:
    """A bound as people write it: 2147483647, not 2.14748e+09."""
    return str(int(bound)) if float(bound).is_integer() else f"{bound:g}"


def text(
    field: str,
    value: Any,
    *,
    pattern: Optional[str] = None,
    min_len: int = 1,
    max_len: int = 2048,
    allowed: Optional[str] = None,
    reveal: bool = True,
) -> str:
    """A plain string checked for length and, optionally, a full-match regex."""
    rule = allowed or f"a string of {min_len}-{max_len} characters"
    if not isinstance(value, str):
        raise SecureApiKeyError(field, f"must be a string (got {type_name(value)})", rule)
    if not min_len <= len(value) <= max_len:
        raise SecureApiKeyError(field, f"has {len(value)} characters", rule)
    if pattern is not None and re.fullmatch(pattern, value) is None:
        got = f" (got {shown(value)})" if reveal else ""  # never echo values that may carry credentials
        raise SecureApiKeyError(field, f"has characters or a shape that is not allowed{got}", rule)
    return value


def choice(field: str, value: Any, options: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in options:
        raise SecureApiKeyError(field, f"is not one of the allowed values (got {shown(value)})", ", ".join(options))
    return value


def input_str(
    field: str, value: Any, *, max_len: int = 2048, pattern: Optional[str] = None, allowed: str = "", reveal: bool = True
) -> Any:
    """An ``Input[str]``: a plain string is checked now, an Output by the same rule once it resolves."""

    def rule(resolved: Any) -> str:
        return text(field, resolved, pattern=pattern, max_len=max_len, allowed=allowed or None, reveal=reveal)

    if isinstance(value, str):
        return rule(value)
    if is_input(value):
        return at_deploy(value, rule)
    raise SecureApiKeyError(field, f"must be a string or a Pulumi Output (got {type_name(value)})", allowed or "a string")


def sequence(field: str, value: Any, *, max_items: Optional[int] = None) -> list[Any]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise SecureApiKeyError(field, f"must be a list (got {type_name(value)})", "a list")
    if max_items is not None and len(value) > max_items:
        raise SecureApiKeyError(field, f"has {len(value)} items", f"at most {max_items}")
    return list(value)


def no_duplicates(field: str, items: Sequence[Any]) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if isinstance(item, str):
            if item in seen:
                raise SecureApiKeyError(f"{field}[{index}]", f"repeats {shown(item)}", "each entry once")
            seen.add(item)
