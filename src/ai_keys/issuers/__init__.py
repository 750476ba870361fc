"""Issuers: where a key's value comes from, when it is not a value you give.

An issuer creates (or reads) the key at a service — Gemini, Amazon Bedrock, Azure AI Services — and hands it
to the store as a Pulumi secret. Each issuer is one module holding its rules (pure: no cloud SDK is imported
until a key is issued), its resources and its mock outputs; adding one is a module and one line in
:data:`ISSUERS`. Any issuer works with any store (``backend``).
"""

import importlib
import importlib.util
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional, Protocol

import pulumi

from ..errors import BackendNotInstalledError, SecureApiKeyError
from ..rules import IssuerSpec, StoreValidate

__all__ = [
    "ISSUERS",
    "IssuedKey",
    "IssuerModule",
    "IssuerSpec",
    "StandsForAStore",
    "as_store_args",
    "load_issuer",
    "mock_tables",
    "parse_issuer",
]


@dataclass(frozen=True)
class IssuedKey:
    """What an issuer returns: the key as a Pulumi secret, and which key it is (never the value)."""

    value: "pulumi.Output[str]"
    issued_key_id: "pulumi.Output[str]"


class IssuerModule(Protocol):
    """What every issuer module provides."""

    EXTRA: str
    SDK: str

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
    ) -> IssuedKey:
        """Create or read the key under ``parent``; what it reads waits for ``depends_on`` (the component's)."""
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
    """The issuer's module; a missing cloud SDK raises an error naming the pip extra."""
    module = _module(name)
    if sys.modules.get(module.SDK) is None and importlib.util.find_spec(module.SDK) is None:
        raise BackendNotInstalledError(f"issuer {name}", module.EXTRA, module.SDK)
    return module


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
