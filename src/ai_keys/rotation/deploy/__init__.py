"""The rotator's resources, one module per cloud: what a store deploys beside its secret when it gets
:class:`~ai_keys.rotation.RotatorNeeds` (``store.create(..., rotator=...)``).

Each module (:mod:`.aws`, :mod:`.gcp`, :mod:`.azure`) has a ``deploy_rotator`` of its own signature, called by its
store right after the secret and its first version exist. Every one of them:

* sets the handler's settings (:func:`handler_env`): ``AIKEYS_ISSUER``, ``AIKEYS_STORE``, ``AIKEYS_SECRET``,
  ``AIKEYS_EVERY_DAYS``, the issuer's own (:attr:`RotatorNeeds.env`) and, with an admin key, ``AIKEYS_ADMIN_KEY_REF``;
* keeps the admin key (openai) in its own secret of the same store, ``<secret name>-admin-key``
  (:data:`ADMIN_KEY_SUFFIX`), readable by the rotator's identity only;
* grants the rotator write on this one secret, plus the issuer's grants;
* leaves the value to the rotator: the store ignores later changes of the first version.

This package imports no cloud SDK; each cloud's module imports its own.
"""

import hashlib
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Optional

if TYPE_CHECKING:
    import pulumi

    from .. import RotatorNeeds

__all__ = ["ADMIN_KEY_SUFFIX", "RESERVED_ENV", "StoreCloud", "function_name", "handler_env", "name_digest"]

StoreCloud = Literal["aws", "gcp", "azure"]
ADMIN_KEY_SUFFIX = "-admin-key"
"""The admin key's secret is named after the key's: ``<secret name>-admin-key``."""
RESERVED_ENV = ("AIKEYS_ISSUER", "AIKEYS_STORE", "AIKEYS_SECRET", "AIKEYS_EVERY_DAYS", "AIKEYS_ADMIN_KEY_REF")
"""Settings the deploy sets itself: an issuer's :attr:`RotatorNeeds.env` never overrides them."""


def handler_env(
    rotator: "RotatorNeeds",
    store: StoreCloud,
    secret: Any,
    every_days: int,
    admin_key_ref: Optional[Any] = None,
    key_prefix: Optional[str] = None,
) -> "dict[str, pulumi.Input[str]]":
    """The rotator's ``AIKEYS_*`` settings (DESIGN: the handler's environment). ``secret`` is the secret's ARN (aws),
    ``projects/P/secrets/S`` (gcp) or ``https://VAULT.vault.azure.net/secrets/NAME`` (azure); ``admin_key_ref`` the
    admin key's secret in the same form; ``key_prefix`` the ``AIKEYS_KEY_PREFIX`` an issuer that names its keys
    itself overrides. None of them is a secret: the admin key itself is never in the settings."""
    clash = sorted(set(rotator.env) & set(RESERVED_ENV))
    if clash:
        raise ValueError(f"the {rotator.issuer} issuer's settings may not set {', '.join(clash)}: the deploy sets them")
    env: dict[str, Any] = {
        "AIKEYS_ISSUER": rotator.issuer,
        "AIKEYS_STORE": store,
        "AIKEYS_SECRET": secret,
        "AIKEYS_EVERY_DAYS": str(every_days),
    }
    if key_prefix is not None:
        env["AIKEYS_KEY_PREFIX"] = key_prefix
    env.update(_sorted(rotator.env))
    if admin_key_ref is not None:
        env["AIKEYS_ADMIN_KEY_REF"] = admin_key_ref
    return env


def _sorted(env: Mapping[str, Any]) -> dict[str, Any]:
    return {key: env[key] for key in sorted(env)}


def name_digest(*parts: str) -> str:
    """The hex SHA-256 of ``parts`` joined by NUL: what derived names end with, stable across deploys."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def function_name(component: str, scope: str, max_len: int, suffix: str = "rotator") -> str:
    """A function name for the component's rotator: ``<component>-<suffix>-<8 hex>``, at most ``max_len`` of
    ``[A-Za-z0-9-]``. The hex digest covers the stack (``scope``), so two stacks of one account never collide, and
    the name is the same on every deploy, so the log group can be named before the function exists."""
    digest = name_digest(scope, component)[:8]
    tail = f"-{suffix}-{digest}"
    base = re.sub(r"[^A-Za-z0-9-]+", "-", component).strip("-")[: max_len - len(tail)].rstrip("-") or "key"
    return f"{base}{tail}"
