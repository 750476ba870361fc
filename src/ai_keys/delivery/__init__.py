"""Delivery to a fleet: the ``kubernetes`` block (ESO or the Secrets Store CSI driver) and the ``esc`` block (a Pulumi
ESC environment). What the component calls.

The key stays in its store. Each block names the identity that reads it there (the workload's, ESC's login), and that
identity becomes one more reader of this key, so it gets exactly the grant ``readers`` get, through the store's own
reader rules and grants (:func:`with_readers`, run by :func:`ai_keys.rules.build_spec` before the store's rules).
Importing this package loads no SDK: :mod:`.kubernetes` needs ``pulumi_kubernetes`` (the ``k8s`` extra) and
:mod:`.esc` ``pulumi_pulumiservice`` (the ``esc`` extra), imported only when a block is used.
"""

import dataclasses
import importlib.util
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

import pulumi

from ..errors import BackendNotInstalledError, SecureApiKeyError
from ..rules.common import MAX_READERS, CommonSpec, RotationSpec, StoreName
from . import esc, kubernetes
from .esc import EscSpec
from .kubernetes import KubernetesSpec

__all__ = ["Delivered", "DeliverySpec", "deliver", "parse_delivery", "require_extras", "with_readers"]

READER_NAMES = {kubernetes.BLOCK: "kubernetes", esc.BLOCK: "esc"}
"""The name a block's identity is granted under when it is known only at deploy time (like a ``readers_by_name``
entry), so its grant stays put across deploys."""


@dataclass(frozen=True)
class DeliverySpec:
    """The validated delivery blocks (each None when not given)."""

    kubernetes: Optional[KubernetesSpec] = None
    """The ``kubernetes`` block."""
    esc: Optional[EscSpec] = None
    """The ``esc`` block."""

    def readers(self) -> list[tuple[str, Any, str]]:
        """``(field path, principal, name)`` of each identity a block adds as a reader."""
        found: list[tuple[str, Any, str]] = []
        if self.kubernetes is not None:
            found.append((*self.kubernetes.identity.reader, READER_NAMES[kubernetes.BLOCK]))
        if self.esc is not None:
            found.append((*self.esc.login.reader, READER_NAMES[esc.BLOCK]))
        return found


def parse_delivery(
    args: Mapping[str, Any], kept_in: Optional[StoreName], rotation: Optional[RotationSpec], issuer: Optional[str]
) -> DeliverySpec:
    """The ``kubernetes`` and ``esc`` blocks of ``args``, for a key kept in ``kept_in`` (the ``backend`` the user
    named; None for a key kept in API Gateway alone), with ``rotation``, made by ``issuer`` (None for a value)."""
    return DeliverySpec(
        kubernetes=kubernetes.parse(args["kubernetes"], kept_in, rotation) if args.get("kubernetes") is not None else None,
        esc=esc.parse(args["esc"], kept_in, issuer) if args.get("esc") is not None else None,
    )


def with_readers(common: CommonSpec, delivery: DeliverySpec) -> CommonSpec:
    """``common`` with each block's identity added to its readers, so the store's reader rules judge it (naming the
    block's field) and its grant is made like any reader's. An identity already listed as a reader is not added twice:
    its grant exists. One known only at deploy time is keyed by the block's name, as ``readers_by_name`` are."""
    readers = list(common.readers)
    names = list(common.reader_names) + [None] * (len(readers) - len(common.reader_names))
    fields = list(common.reader_fields) + [None] * (len(readers) - len(common.reader_fields))
    for field, principal, name in delivery.readers():
        if isinstance(principal, str):
            if principal in readers:
                continue
            names.append(None)  # keyed by the principal, as a listed reader is: listing it later moves nothing
        else:
            if name in names:
                raise SecureApiKeyError(
                    f"readers_by_name.{name}",
                    f"is the name the component grants {field} under, when it is known only at deploy time",
                    "another name",
                )
            names.append(name)
        readers.append(principal)
        fields.append(field)
    if len(readers) > MAX_READERS:
        raise SecureApiKeyError(
            "readers", f"with the delivery identities come to {len(readers)}", f"at most {MAX_READERS} in all"
        )
    return dataclasses.replace(common, readers=tuple(readers), reader_names=tuple(names), reader_fields=tuple(fields))


def require_extras(delivery: DeliverySpec) -> None:
    """Refuse a block whose SDK is not installed, naming the pip extra, before anything is registered."""
    for given, module in ((delivery.kubernetes, kubernetes), (delivery.esc, esc)):
        if given is None:
            continue
        if sys.modules.get(module.SDK) is None and importlib.util.find_spec(module.SDK) is None:
            raise BackendNotInstalledError(module.BLOCK, module.EXTRA, module.SDK, field=module.BLOCK)


@dataclass(frozen=True)
class Delivered:
    """What the blocks registered: ``namespace/name`` and ``org/project/env``, each known once it exists."""

    kubernetes_secret: "Optional[pulumi.Output[str]]" = None
    """``namespace/name`` of what pods use; None without the block."""
    esc_environment: "Optional[pulumi.Output[str]]" = None
    """``org/project/env``; None without the block."""


def deliver(name: str, delivery: DeliverySpec, parent: pulumi.Resource, secret_ref: "pulumi.Output[str]") -> Delivered:
    """Register each block's resources under ``parent``, reading the key at the store's ``secret_ref``."""
    return Delivered(
        kubernetes_secret=kubernetes.register(name, delivery.kubernetes, parent, secret_ref) if delivery.kubernetes else None,
        esc_environment=esc.register(name, delivery.esc, parent, secret_ref) if delivery.esc else None,
    )
