"""Validation rules: user args -> one frozen, normalized :class:`KeySpec`. Imports no cloud SDK.

What every store shares lives here: the common args (:mod:`.common`), the shape checks (:mod:`._checks`) and
deploy-time checking (:mod:`.deploy_time`). :func:`build_spec` runs them, then the issuer's rules and the store's
rules, reached through their registries (:mod:`ai_keys.issuers`, :mod:`ai_keys.stores`): this package names no
store and no issuer. Every check runs before any resource is registered; a refusal is a
:class:`~ai_keys.SecureApiKeyError` naming the field path and what is allowed.
"""

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional, Protocol

import pulumi

from ..errors import SecureApiKeyError
from .common import (
    CommonSpec,
    EncryptionSpec,
    RotationSpec,
    checked_value,
    parse_backend,
    parse_common,
    refuse_repeated_readers,
)
from .deploy_time import at_deploy
from .rotation import checked_rotation

if TYPE_CHECKING:
    from ..delivery import DeliverySpec

__all__ = [
    "EncryptionSpec",
    "IssuerSpec",
    "KeySpec",
    "RotationSpec",
    "StoreRules",
    "StoreValidate",
    "build_spec",
    "checked_value",
]

StoreValidate = Callable[[CommonSpec, Mapping[str, Any]], Any]
"""A store's rules over the common fields and the args, returning that store's options."""


@dataclass(frozen=True)
class IssuerSpec:
    """A validated ``issuer`` block: which issuer, and its options as that issuer's rules made them."""

    name: str
    options: Any = field(repr=False)


@dataclass(frozen=True)
class KeySpec(CommonSpec):
    """Everything a store needs, validated."""

    issuer: Optional[IssuerSpec] = None
    """Where the value comes from when a service makes it; None for a value you give."""
    store_options: Any = None
    """What the rules of the store ``backend`` names made of its own options (that store's ``validate``); each
    store reads them through its own typed accessor."""
    delivery: "Optional[DeliverySpec]" = None
    """The ``kubernetes`` and ``esc`` blocks, validated (:mod:`ai_keys.delivery`); their identities are among
    ``readers`` already."""


class StoreRules(Protocol):
    """What :func:`build_spec` asks of a store's rules. Every store's entry provides it, through the registry
    (:class:`ai_keys.stores.StoreModule`, which adds the resources)."""

    KEEPS_ISSUED_KEYS: bool
    """Whether the store keeps a key an issuer made; False for one that issues its own keys."""

    def validate(self, common: CommonSpec, args: Mapping[str, Any]) -> Any:
        """Judge ``common`` and the store's own block of ``args`` by the store's rules and return its options
        (:attr:`KeySpec.store_options`). Imports no cloud SDK."""
        ...

    def checked_at_deploy(self, common: CommonSpec, options: Any) -> Mapping[str, Any]:
        """Common fields the spec takes instead of ``common``'s: each value known only at deploy time waits for the
        rules a known one passed now."""
        ...

    def checked_reader(self, path: str, reader: Any) -> str:
        """One reader (at field path ``path``) by the store's rule: a known one now, an Output once it resolves."""
        ...

    def check_reader_set(self, common: CommonSpec) -> None:
        """The store's rules over all readers together: the known ones now, all of them once Outputs resolve."""
        ...


def _readers_checked_at_deploy(common: CommonSpec, store: StoreRules) -> tuple[Any, ...]:
    """Readers known only at deploy time get the store's reader rules, with the same messages, once they
    resolve: each on its own, then all together (a principal listed twice), exactly as known readers were."""
    if all(isinstance(reader, str) for reader in common.readers):
        return common.readers
    each = [
        reader
        if isinstance(reader, str)
        else at_deploy(reader, functools.partial(store.checked_reader, common.reader_path(index)))
        for index, reader in enumerate(common.readers)
    ]

    def together(resolved: list[Any]) -> list[Any]:
        refuse_repeated_readers(resolved, common.reader_names)
        store.check_reader_set(dataclasses.replace(common, readers=tuple(resolved)))
        return resolved

    checked_together = at_deploy(pulumi.Output.all(*each), together)
    # Each reader given as an Output waits for the check of the whole set; known readers stay plain strings.
    return tuple(
        reader if isinstance(reader, str) else checked_together.apply(functools.partial(_item, index))
        for index, reader in enumerate(each)
    )


def _item(index: int, readers: list[Any]) -> Any:
    return readers[index]


def _issuer(common: CommonSpec, args: Mapping[str, Any], store: StoreRules) -> Optional[IssuerSpec]:
    if args.get("issuer") is None:
        return None
    from ..issuers import parse_issuer  # the registry; the issuers' rules import no cloud SDK either

    if common.value is not None:
        raise SecureApiKeyError(
            "value", "cannot be given together with issuer: the issuer makes the key", "leave value out, or leave issuer out"
        )
    if not store.KEEPS_ISSUED_KEYS:
        from ..stores import stores_for_issued_keys

        raise SecureApiKeyError(
            "issuer",
            f"does not apply to {common.backend.spoken}, which issues its own keys",
            f"a store for the issued key: {_one_of(stores_for_issued_keys())}",
        )
    return parse_issuer(args["issuer"])


def _named_issuer(args: Mapping[str, Any]) -> tuple[Optional[str], bool]:
    """The issuer the args name (None for none), and whether its block brings the key's value (an issuer that
    stands for a store takes a key you bring in its block): such a key is a value you give."""
    block = args.get("issuer")
    if not isinstance(block, Mapping):
        return None, False
    given = [(name, options) for name, options in block.items() if options is not None]
    if len(given) != 1:
        return None, False
    name, options = given[0]
    return str(name), isinstance(options, Mapping) and options.get("value") is not None


def _one_of(names: list[str]) -> str:
    """``a, b or c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def build_spec(args: Any, resource_name: str = "") -> KeySpec:
    """Validate and normalize ``args`` for the component named ``resource_name``; raise
    :class:`SecureApiKeyError` on the first problem found.

    The flow is one way: the common rules, then the issuer's, then who makes the next key with ``rotation`` on
    (:mod:`.rotation`), then the delivery blocks (whose identities join the readers), then the store's. An issuer
    that stands for a store (one whose key the store itself issues and keeps) first gives the args in that store's
    spelling.
    """
    if not isinstance(args, Mapping):
        raise SecureApiKeyError("", f"args must be a mapping (got {type(args).__name__})", "a SecureApiKeyArgs dict")
    # The two registries, imported here because both import this package; a store's entry imports no cloud SDK.
    from ..delivery import parse_delivery, with_readers
    from ..issuers import as_store_args, check_with_rotation, managed_rotation
    from ..stores import store_module

    written = args
    args, spelled = as_store_args(args)
    common = parse_common(args, resource_name)
    store = store_module(common.backend)
    issuer = _issuer(common, args, store)
    # Who makes the next key: a rotator the component deploys (an issuer's key), or your handler (a value).
    named, brought_value = _named_issuer(written)
    backend = written.get("backend")
    kept_in = parse_backend(backend) if backend is not None else None
    rotation = checked_rotation(
        common,
        named,
        managed_rotation(named) if named is not None else None,
        brought_value,
        kept_in,
    )
    if issuer is not None:
        check_with_rotation(issuer.name, issuer.options, rotation if rotation is not None and rotation.managed else None)
    common = dataclasses.replace(common, rotation=rotation)
    # The identities the delivery blocks read the key as are readers too: the store's reader rules and grants apply.
    delivery = parse_delivery(args, kept_in, rotation, named)
    common = with_readers(common, delivery)
    fields = dict(vars(common))
    fields["readers"] = _readers_checked_at_deploy(common, store)
    fields["issuer"] = issuer
    options = spelled(common, args) if spelled is not None else store.validate(common, args)
    # Once the known values pass, the Outputs a store's rules judge are replaced by ones that wait for those
    # rules, so nothing that uses them is registered before they pass.
    fields.update(store.checked_at_deploy(common, options))
    return KeySpec(**fields, store_options=options, delivery=delivery)
