"""Keep Pulumi's "secret" marker on the properties that validations see.

Why this module exists
----------------------
The Pulumi engine sends resource properties to a policy pack with secrets kept as secrets: each
value marked secret (``pulumi.Output.secret(...)``, ``config.require_secret(...)``) travels as an
envelope ``{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": ...}``
(``MarshalOptions{KeepSecrets: true}`` in the engine's ``Analyze``/``AnalyzeStack`` calls).

``pulumi-policy`` (checked on 1.21.0, ``pulumi_policy/policy.py``) decodes those properties for
``Analyze`` and ``AnalyzeStack`` with ``deserialize_properties(..., proxy_secrets=False)``, which
drops the envelope and hands the plaintext to the validation. Only ``Remediate`` decodes with
``proxy_secrets=True``, and even there the proxies unwrap :class:`pulumi_policy.Secret` on every
read. So, out of the box, a validation cannot tell ``"sk-…"`` typed into a program from the same
value correctly passed as a Pulumi secret, and a plaintext-key policy would flag the very fix it
recommends.

:func:`install_secret_preserving_deserializer` replaces the deserializer the SDK's analyzer uses
with one that keeps each secret as a :class:`pulumi_policy.Secret` object, which the policies of
this pack treat as "marked secret, do not flag". The pack's ``__main__`` installs it before it
starts serving. It only changes what the validations of this pack see; if a future SDK no longer
has the hook, installing does nothing and a warning is printed, and secret values may then be
flagged.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pulumi_policy.deserialize as _sdk_deserialize
import pulumi_policy.policy as _sdk_policy
from pulumi_policy import Secret

__all__ = ["deserialize_keeping_secrets", "install_secret_preserving_deserializer"]

_SIG_KEY = _sdk_deserialize.SPECIAL_SIG_KEY
_SECRET_SIG = _sdk_deserialize.SPECIAL_SECRET_SIG
_ORIGINAL: Callable[..., dict[str, Any]] = _sdk_deserialize.deserialize_properties
# The name under which pulumi_policy.policy (the analyzer) looks the deserializer up at call time.
_HOOK = "deserialize_properties"


def _decode(prop: Any) -> Any:
    if isinstance(prop, list):
        return [_decode(item) for item in prop]
    if isinstance(prop, dict):
        sig = prop.get(_SIG_KEY)
        if sig == _SECRET_SIG:
            return Secret(_decode(prop.get("value")))
        if sig is not None:
            # Assets and archives: let the SDK build them (and reject unknown signatures).
            return _ORIGINAL({"v": prop})["v"]
        return {key: _decode(item) for key, item in prop.items()}
    return prop


def deserialize_keeping_secrets(props: dict[str, Any], proxy_secrets: bool = False) -> dict[str, Any]:
    """Decode gRPC resource properties like the SDK, but keep secrets as :class:`Secret` objects.

    Signature-compatible with ``pulumi_policy.deserialize.deserialize_properties``. With
    ``proxy_secrets=True`` (the SDK's ``Remediate`` path) the SDK's own decoder is used unchanged.
    """
    if proxy_secrets:
        return _ORIGINAL(props, True)
    return {key: _decode(value) for key, value in props.items()}


def install_secret_preserving_deserializer() -> Callable[[], None]:
    """Make the SDK's analyzer hand secret values to validations as :class:`Secret` objects.

    Idempotent. Returns a function that restores the previous deserializer (used by tests).
    """
    current = getattr(_sdk_policy, _HOOK, None)
    if current is None:
        print(
            "ai-keys policy pack: pulumi-policy has no deserialize_properties hook; "
            "values marked secret may be reported as plaintext keys.",
            file=sys.stderr,
        )
        return lambda: None
    setattr(_sdk_policy, _HOOK, deserialize_keeping_secrets)

    def uninstall() -> None:
        setattr(_sdk_policy, _HOOK, current)

    return uninstall
