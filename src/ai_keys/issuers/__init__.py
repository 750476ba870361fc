"""Issuers: where a key's value comes from, when it is not a value you give.

An issuer creates (or reads) the key at a service — Gemini, Amazon Bedrock, Azure AI Services, OpenAI — and hands
it to the store as a Pulumi secret. Each issuer is one module holding its rules (pure: no cloud SDK is imported
until a key is issued), its resources and its mock outputs; adding one is a module and one line in
:data:`ISSUERS`. Any issuer works with any store (``backend``), except with ``rotation``: the store then deploys a
rotator that runs in the store's cloud, and only the pairs of :attr:`IssuerModule.ROTATION` are managed.
"""

import importlib
import importlib.util
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional, Protocol

import pulumi

from ..errors import BackendNotInstalledError, SecureApiKeyError
from ..rotation import RotatorNeeds
from ..rules import IssuerSpec, RotationSpec, StoreValidate
from ..rules.rotation import ManagedRotation

__all__ = [
    "ISSUERS",
    "IssuedKey",
    "IssuerModule",
    "IssuerSpec",
    "ManagedRotation",
    "StandsForAStore",
    "as_store_args",
    "check_with_rotation",
    "load_issuer",
    "managed_rotation",
    "mock_tables",
    "parse_issuer",
]


@dataclass(frozen=True)
class IssuedKey:
    """What an issuer returns: the key as a Pulumi secret, and which key it is (never the value)."""

    value: "pulumi.Output[str]"
    """The key, a Pulumi secret; :data:`~ai_keys.rotation.PLACEHOLDER` (still a secret) when the rotator makes the
    first key."""
    issued_key_id: "pulumi.Output[str]"
    """Which key this is, never its value; with the rotator making the keys, the parent it makes them under."""
    rotator: Optional[RotatorNeeds] = None
    """With ``rotation`` on: what the rotator the store deploys needs (its settings and grants); else None."""


class IssuerModule(Protocol):
    """What every issuer module provides."""

    EXTRA: Optional[str]
    """The pip extra of the issuer's cloud SDK; None for an issuer with none of its own (the store's serves)."""
    SDK: Optional[str]
    """The cloud SDK module :func:`issue` imports; None when it needs only the store's."""
    ROTATION: ManagedRotation
    """Where the component can rotate this issuer's keys."""

    def validate(self, block: Mapping[str, Any], path: str) -> Any:
        """Check the issuer's block (``path`` is its field path) and return its options; imports no cloud SDK."""
        ...

    def issue(
        self,
        name: str,
        options: Any,
        tags: Mapping[str, str],
        parent: pulumi.Resource,
        depends_on: Sequence[pulumi.Resource] = (),
        rotation: Optional[RotationSpec] = None,
    ) -> IssuedKey:
        """Create or read the key under ``parent``; what it reads waits for ``depends_on`` (the component's). With
        ``rotation`` (managed: :attr:`RotationSpec.managed`) make only the key's parent and say what the rotator
        needs (:attr:`IssuedKey.rotator`)."""
        ...

    MOCK_OUTPUTS: Mapping[str, Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]]
    MOCK_CALLS: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]]


class StandsForAStore(Protocol):
    """An issuer whose key a store makes and keeps (``aws_api_gateway``: API Gateway issues its keys): the issuer
    block is that store's options in another spelling. Such an issuer also provides this."""

    def as_store_args(self, args: Mapping[str, Any]) -> tuple[Mapping[str, Any], StoreValidate]:
        """``args`` in the store's spelling, and the store's rules that judge them and name the fields as written."""
        ...


ISSUERS: dict[str, str] = {
    "aws_api_gateway": "aws_api_gateway",
    "gemini": "gemini",
    "bedrock": "bedrock",
    "azure_ai_services": "azure_ai_services",
    "openai": "openai",
    "gcp_api_key": "gcp_api_key",
    "apigee": "apigee",
    "azure_api_management": "azure_api_management",
}
"""Issuer name (the key of the ``issuer`` block) -> module in this package."""

EARLIER_SPELLINGS: tuple[str, ...] = ("aws_api_gateway",)
"""Issuers whose module refuses an earlier spelling of its args (``refuse_earlier_spelling``), before any other rule."""


def _module(name: str) -> IssuerModule:
    module: IssuerModule = importlib.import_module(f"{__name__}.{ISSUERS[name]}")
    return module


def parse_issuer(raw: Any) -> IssuerSpec:
    """The ``issuer`` block: exactly one known issuer, its options checked by its own rules."""
    allowed = ", ".join(sorted(ISSUERS))
    if not isinstance(raw, Mapping):
        raise SecureApiKeyError("issuer", f"must be a mapping (got {type(raw).__name__})", f"one of: {allowed}")
    given = [key for key, value in raw.items() if value is not None]
    if len(given) != 1:
        problem = "names no issuer" if not given else f"names {len(given)} issuers ({', '.join(map(str, given))})"
        raise SecureApiKeyError("issuer", problem, f"exactly one of: {allowed}")
    name = given[0]
    if name not in ISSUERS:
        from ..rules._checks import did_you_mean

        raise SecureApiKeyError(f"issuer.{name}", f"is not a known issuer{did_you_mean(name, sorted(ISSUERS))}", allowed)
    block = raw[name]
    if not isinstance(block, Mapping):
        raise SecureApiKeyError(f"issuer.{name}", f"must be a mapping (got {type(block).__name__})", "a dict of options")
    return IssuerSpec(name, _module(name).validate(block, f"issuer.{name}"))


def as_store_args(
    args: Mapping[str, Any],
) -> tuple[Mapping[str, Any], Optional[StoreValidate]]:
    """When the ``issuer`` block names nothing but an issuer that stands for a store (:class:`StandsForAStore`):
    ``args`` in that store's spelling, and its rules as the user spelled them. Otherwise ``args`` and None. An
    earlier spelling of an issuer's args is refused first, whatever the ``issuer`` block says."""
    for name in EARLIER_SPELLINGS:
        _module(name).refuse_earlier_spelling(args)  # type: ignore[attr-defined]
    block = args.get("issuer")
    if not isinstance(block, Mapping) or len(block) != 1:
        return args, None
    ((name, options),) = block.items()
    if options is None or name not in ISSUERS:
        return args, None
    hook: Optional[Callable[..., Any]] = getattr(_module(name), "as_store_args", None)
    if hook is None:
        return args, None
    spelled: tuple[Mapping[str, Any], StoreValidate] = hook(args)
    return spelled


def load_issuer(name: str) -> IssuerModule:
    """The issuer's module; a missing cloud SDK raises an error naming the pip extra. An issuer with no SDK of its
    own (``openai``: the rotator calls the vendor's API) needs only the store's, which the store checks."""
    module = _module(name)
    sdk, extra = module.SDK, module.EXTRA
    if sdk is not None and sys.modules.get(sdk) is None and importlib.util.find_spec(sdk) is None:
        raise BackendNotInstalledError(f"issuer {name}", extra or "all", sdk)
    return module


def managed_rotation(name: str) -> Optional[ManagedRotation]:
    """Where the component can rotate the keys of issuer ``name``; None for a name that is no issuer (its block is
    refused by :func:`parse_issuer`)."""
    return _module(name).ROTATION if name in ISSUERS else None


def check_with_rotation(name: str, options: Any, rotation: Optional[RotationSpec]) -> None:
    """The issuer's own rules over its options together with ``rotation`` (managed or None), when it has any:
    refusals name the issuer's fields, before anything is registered."""
    rule: Optional[Callable[[Any, Optional[RotationSpec]], None]] = getattr(_module(name), "check_with_rotation", None)
    if rule is not None:
        rule(options, rotation)


def mock_tables() -> tuple[dict[str, Any], dict[str, Any]]:
    """Every issuer's mock outputs (by resource type) and mock invokes (by token), merged. The mock engine loads
    them once, when it is imported, so no registration waits for an issuer module to import."""
    outputs: dict[str, Any] = {}
    calls: dict[str, Any] = {}
    for issuer in ISSUERS:
        module = _module(issuer)
        outputs.update(module.MOCK_OUTPUTS)
        calls.update(module.MOCK_CALLS)
    return outputs, calls
