"""Mask what a program registered, and find secrets' values where they are not secrets (leaks).

A value Pulumi treats as a secret becomes :data:`SECRET`. A known secret value found in plaintext in a
value that is *not* a secret is a leak: a real deploy would store it unencrypted in the state. It is
replaced by ``[LEAK]`` and recorded as a :class:`Leak` that says where it is and which secret it is.

Known secret values are the stand-ins the program got for its secret config (high-entropy, so finding one
is never a coincidence; see :mod:`ai_keys.preview._standin`) and every string of at least
:data:`MIN_HARVESTED` characters that the program passed or exported as a secret.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime import rpc

from ..testing import resolve_output
from ._render import LEAK, SECRET, UNKNOWN, Leak
from ._scrub import scrub

__all__ = ["MIN_HARVESTED", "Masker"]

MIN_HARVESTED = 8
"""Secret strings shorter than this, found in the program's own secrets, are not searched for elsewhere."""
_MIN_SEARCHED = 4  # the shortest secret searched for at all (as for scrubbing: shorter ones match ordinary words)


@dataclass(frozen=True)
class _Secret:
    """A value Pulumi treats as secret, after normalizing."""

    value: Any


class Masker:
    """Masks values and collects leaks; ``known`` maps each known secret value to what it is."""

    def __init__(self, known: Mapping[str, str]) -> None:
        self.known: dict[str, str] = {value: what for value, what in known.items() if len(value) >= _MIN_SEARCHED}
        self.leaks: list[Leak] = []

    def normalize(self, value: Any) -> Any:
        """``value`` as plain data with secrets wrapped, Outputs resolved and unknowns as :data:`UNKNOWN`.

        Runs inside the mock engine: nested Outputs (e.g. in an exported dict) are resolved here.
        """
        if rpc.is_rpc_secret(value):
            return _Secret(self.normalize(value.get("value")))
        if isinstance(value, pulumi.Output):
            resolved = resolve_output(value)
            if not resolved.is_known:
                return UNKNOWN
            plain = self.normalize(resolved.value)
            return _Secret(plain) if resolved.is_secret else plain
        if isinstance(value, str):
            return UNKNOWN if value == rpc.UNKNOWN else value
        if isinstance(value, float) and value.is_integer():
            return int(value)  # numbers travel as floats on the wire
        if value is None or isinstance(value, (bool, int, float)):
            return value
        if isinstance(value, Mapping):
            # Sorted: the wire does not promise an order, and a stable report diffs well. "__" keys are SDK internals.
            return {str(k): self.normalize(value[k]) for k in sorted(value, key=str) if not str(k).startswith("__")}
        if isinstance(value, (list, tuple)):
            return [self.normalize(v) for v in value]
        if isinstance(value, pulumi.Resource):
            return _Reference(self.normalize(value.urn))
        return f"<{type(value).__name__}>"

    def harvest(self, value: Any, where: str, path: str = "") -> None:
        """Remember every secret string in normalized ``value`` (at least :data:`MIN_HARVESTED` long).

        It is described as ``the secret at <where> '<path>'``.
        """
        if isinstance(value, _Secret):
            inner = value.value
            if isinstance(inner, str) and len(inner) >= MIN_HARVESTED and inner != UNKNOWN:
                self.known.setdefault(inner, f"the secret at {where} {path!r}" if path else f"the secret at {where}")
            self.harvest(inner, where, path)
        elif isinstance(value, Mapping):
            for key, item in value.items():
                self.harvest(item, where, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.harvest(item, where, f"{path}[{index}]")

    def mask(self, value: Any, where: str, path: str = "") -> Any:
        """Normalized ``value`` as JSON-able data: secrets as :data:`SECRET`, leaked values as ``[LEAK]``.

        A leak is recorded as ``<where> '<path>'``, e.g. ``output 'bundle.token'``.
        """
        if isinstance(value, _Secret):
            return SECRET
        if isinstance(value, _Reference):
            return f"<resource {self.mask(value.urn, where, path)}>"
        if isinstance(value, str):
            return value if value is UNKNOWN else self._plain_text(value, where, path)
        if isinstance(value, Mapping):
            return {
                self._plain_text(k, where, f"{path}.{k}" if path else k): self.mask(v, where, f"{path}.{k}" if path else k)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.mask(v, where, f"{path}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and str(value) in self.known:
            self._leak(where, path, str(value))
            return LEAK
        return value

    def _plain_text(self, text: str, where: str, path: str) -> str:
        found = [secret for secret in self.known if scrub(text, [secret]) != text]
        if not found:
            return text
        for secret in found:
            self._leak(where, path, secret)
        cleaned = scrub(text, found).replace(str(SECRET), str(LEAK))
        return LEAK if cleaned == LEAK else cleaned

    def _leak(self, where: str, path: str, secret: str) -> None:
        place = f"{where} {path!r}" if path else where
        leak = Leak(place, self.known[secret])
        if leak not in self.leaks:
            self.leaks.append(leak)


@dataclass(frozen=True)
class _Reference:
    """A resource passed as a value (shown by its URN)."""

    urn: Any
