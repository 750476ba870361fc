"""Realistic mock outputs, used by :mod:`ai_keys.testing`.

Each store and each issuer holds the mock outputs of the types it creates (``MOCK_OUTPUTS``) and of the invokes
only it makes (``MOCK_CALLS``); this package merges their tables, through the two registries. The cloud modules
(``aws``, ``azure``, ``gcp``, ``time``) hold what is the cloud's own: its account or project, the invokes every
program makes, the helpers the tables share, and the types no store or issuer owns; ``kubernetes`` and
``pulumiservice`` hold those of the delivery blocks (:mod:`ai_keys.delivery`). Each has
``outputs(type_, name, inputs, states_by_id)`` returning ``(id, state)`` or ``None`` for types it does not know,
and ``call(token, args)`` returning a dict or ``None``.
"""

from typing import Any, Optional

from ... import issuers, stores
from . import aws, azure, gcp, kubernetes, pulumiservice, time
from ._ids import stable_id

__all__ = ["fill_call", "fill_outputs"]

_CLOUDS = {
    "aws": aws,
    "azure-native": azure,
    "gcp": gcp,
    "time": time,
    "kubernetes": kubernetes,
    "pulumiservice": pulumiservice,
}
_ISSUER_OUTPUTS, _ISSUER_CALLS = issuers.mock_tables()
_STORE_OUTPUTS, _STORE_CALLS = stores.mock_tables()


def fill_outputs(
    type_: str, name: str, inputs: dict[str, Any], states_by_id: dict[str, dict[str, Any]]
) -> tuple[Optional[str], dict[str, Any]]:
    """Echo ``inputs`` and add the outputs the cloud returns for ``type_``."""
    issued = _ISSUER_OUTPUTS.get(type_)  # each issuer holds the mock outputs of what it creates
    if issued is not None:
        result: tuple[str, dict[str, Any]] = issued(name, inputs)
        return result
    stored = _STORE_OUTPUTS.get(type_)  # and each store, of what it creates
    if stored is not None:
        kept: tuple[str, dict[str, Any]] = stored(name, inputs, states_by_id)
        return kept
    cloud = _CLOUDS.get(type_.split(":", 1)[0])
    filled: Optional[tuple[str, dict[str, Any]]] = cloud.outputs(type_, name, inputs, states_by_id) if cloud else None
    if filled is not None:
        return filled
    return f"{name}-{stable_id(type_, name, length=8)}", dict(inputs)


def fill_call(token: str, args: dict[str, Any]) -> dict[str, Any]:
    """The result of an invoke (``aws:index/getRegion:getRegion``...); empty for unknown tokens."""
    handler = _ISSUER_CALLS.get(token) or _STORE_CALLS.get(token)
    if handler is not None:
        answered: dict[str, Any] = handler(args)
        return answered
    cloud = _CLOUDS.get(token.split(":", 1)[0])
    result = cloud.call(token, args) if cloud else None
    return result if result is not None else {}
