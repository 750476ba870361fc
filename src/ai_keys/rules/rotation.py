"""Who makes the next key when ``rotation`` is on: a rotator the component deploys, or a handler you give.

* **Managed** (an issuer with ``rotation``): the store deploys a rotator in its own cloud, which makes each key
  through the issuer's API. Only same-cloud pairs are managed (each issuer's :attr:`ManagedRotation.stores`): a
  rotator in another cloud would need a standing credential for the issuer's cloud. It takes
  ``rotation.every_days`` alone (1 to :data:`MANAGED_MAX_DAYS`); the hook fields are refused.
* **A handler you give** (a ``value`` with ``rotation``): a value you give has no API behind it to make the next
  key, so the store's hook field is required where the store itself would notify no one (:data:`STORE_HOOKS`).

These rules run in :func:`ai_keys.rules.build_spec` after the issuer's and before the store's, on known values; a
hook field known only at deploy time counts as given. This module names no issuer: ``build_spec`` hands it the
issuer's :class:`ManagedRotation`, read through the issuer registry.
"""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Optional

from ..errors import SecureApiKeyError
from .common import CommonSpec, RotationSpec, StoreName

__all__ = [
    "ANTHROPIC_WIF",
    "CROSS_CLOUD",
    "HOOK_FIELDS",
    "MANAGED_MAX_DAYS",
    "STORE_HOOKS",
    "ManagedRotation",
    "checked_rotation",
]


@dataclass(frozen=True)
class ManagedRotation:
    """Which stores an issuer's key may be rotated in by a rotator the component deploys (``rotation`` with the
    issuer). The rotator runs in the store's cloud, so these are the stores of the issuer's own cloud. Each issuer
    module has one (``ROTATION``)."""

    stores: tuple[str, ...] = ()
    """The ``backend`` values (first: the one refusals name) whose rotator can make this issuer's keys."""
    refused: Mapping[str, str] = field(default_factory=dict)
    """``backend`` -> why that store of the issuer's cloud cannot hold a rotated key after all."""
    required: bool = False
    """The key exists only through the rotator: the issuer is refused without ``rotation``."""
    unmanaged: str = ""
    """With no :attr:`stores`: why no rotator makes this issuer's keys, and how to make a new key by hand (the
    refusal of ``rotation`` says it)."""


MANAGED_MAX_DAYS = 365
"""The longest period of a managed rotation: the previous key lives two periods, so it stays under two years."""
HOOK_FIELDS = (
    "aws_lambda_arn",
    "azure_webhook_url",
    "azure_function_id",
    "azure_rotator_principal_id",
    "gcp_topic_id",
    "schedule_expression",
    "duration",
    "rotate_immediately",
)
"""Rotation fields of a handler you give, in the order refusals name them: none applies to a managed rotation."""
STORE_HOOKS: Mapping[StoreName, tuple[str, ...]] = {
    StoreName.AWS_SECRETS_MANAGER: ("aws_lambda_arn",),
    StoreName.AWS_API_GATEWAY: ("aws_lambda_arn",),  # the Secrets Manager copy's
    StoreName.AZURE_KEY_VAULT: ("azure_function_id", "azure_webhook_url"),
}
"""Per store: the fields naming the handler that makes the next key. A store missing here notifies a handler
without one: Secret Manager publishes its rotation notices to a topic it creates when ``gcp_topic_id`` is left out,
for your rotator to subscribe to."""
_AWS_FIELDS = ("aws_lambda_arn", "schedule_expression", "duration", "rotate_immediately")
_OWN_FIELDS: Mapping[StoreName, tuple[str, ...]] = {
    StoreName.AWS_SECRETS_MANAGER: _AWS_FIELDS,
    StoreName.AWS_API_GATEWAY: _AWS_FIELDS,
    StoreName.AZURE_KEY_VAULT: ("azure_webhook_url", "azure_function_id", "azure_rotator_principal_id"),
}
"""Per store of :data:`STORE_HOOKS`: the rotation fields it takes besides ``every_days``."""
_WHY_A_HOOK: Mapping[StoreName, str] = {
    StoreName.AWS_SECRETS_MANAGER: "Secrets Manager rotates a secret by invoking a Lambda function",
    StoreName.AWS_API_GATEWAY: "Secrets Manager rotates the copy by invoking a Lambda function",
    StoreName.AZURE_KEY_VAULT: (
        "Key Vault only sets the expiry and announces it (SecretNearExpiry), so without a handler the key would "
        "expire with no successor"
    ),
}
_HOOK_ALLOWED: Mapping[StoreName, str] = {
    StoreName.AWS_SECRETS_MANAGER: "the ARN of your rotation Lambda",
    StoreName.AWS_API_GATEWAY: "the ARN of your rotation Lambda (it must also issue the new API key)",
    StoreName.AZURE_KEY_VAULT: "rotation.azure_function_id or rotation.azure_webhook_url (your rotation handler)",
}
ANTHROPIC_WIF = "https://platform.claude.com/docs/en/manage-claude/workload-identity-federation"
"""Anthropic workload identity federation: an app gets short-lived tokens instead of a key to rotate."""
CROSS_CLOUD = "a rotator runs in the store's cloud and would need a standing credential for the issuer's cloud"


def checked_rotation(
    common: CommonSpec,
    issuer: Optional[str],
    support: Optional[ManagedRotation],
    brought_value: bool,
    store: Optional[StoreName],
) -> Optional[RotationSpec]:
    """``common.rotation`` judged by who makes the next key, and marked :attr:`~RotationSpec.managed` when the
    component deploys the rotator. ``issuer`` is the issuer named (None for a value you give) and ``support`` where
    it rotates (its :class:`ManagedRotation`, from the issuer registry); ``brought_value`` whether the issuer's block
    brings the key's value (then it is a value you give); ``store`` the ``backend`` as written (None: none given)."""
    rotation = common.rotation
    if issuer is not None and support is not None and not brought_value:
        if rotation is None and support.required:
            an = "an" if issuer[0] in "aeiou" else "a"
            raise SecureApiKeyError(
                f"issuer.{issuer}",
                f"needs rotation: {an} {issuer} key is made by the rotator the component deploys, never by Pulumi",
                f"add rotation.every_days (1 to {MANAGED_MAX_DAYS})",
            )
        if rotation is None or store is None:  # no backend: the issuer's own store refuses rotation, naming why
            return rotation
        _same_cloud(issuer, support, store)
        return _managed(rotation)
    if rotation is not None:
        _refuse_no_hook(common, rotation)
    return rotation


def _same_cloud(issuer: str, support: ManagedRotation, store: StoreName) -> None:
    """Managed rotation pairs an issuer with a store of its own cloud only."""
    an = "an" if issuer[0] in "aeiou" else "a"
    kept = f"{an} {issuer} key kept in backend {store.value}"
    if not support.stores:
        raise SecureApiKeyError("rotation", f"cannot be managed for {an} {issuer} key: {support.unmanaged}", "leave rotation out")
    if store.value in support.refused:
        raise SecureApiKeyError(
            "rotation",
            f"cannot be managed for {kept}: {support.refused[store.value]}",
            f"backend {_one_of(support.stores)}, or leave rotation out",
        )
    if store.value not in support.stores:
        raise SecureApiKeyError(
            "rotation",
            f"cannot be managed for {kept}: {CROSS_CLOUD}",
            f"backend {_one_of(support.stores)} (the {issuer} key's own cloud), or leave rotation out",
        )


def _managed(rotation: RotationSpec) -> RotationSpec:
    """A managed rotation takes ``every_days`` alone, within :data:`MANAGED_MAX_DAYS`."""
    for field_name in HOOK_FIELDS:
        if getattr(rotation, field_name) not in (None, False):
            raise SecureApiKeyError(
                f"rotation.{field_name}",
                "does not apply to an issued key: the component deploys the rotator, which makes each new key",
                f"rotation.every_days alone (1 to {MANAGED_MAX_DAYS}), or leave issuer out to rotate a value with your "
                "own handler",
            )
    every = rotation.every_days
    if every is None:  # pragma: no cover - a schedule is every_days or schedule_expression, refused just above
        raise SecureApiKeyError("rotation.every_days", "is required", f"an integer from 1 to {MANAGED_MAX_DAYS}")
    if every > MANAGED_MAX_DAYS:
        raise SecureApiKeyError(
            "rotation.every_days",
            f"is {every} days: the previous key stays valid one more period, so a managed rotation keeps a key at "
            f"most two periods of {MANAGED_MAX_DAYS} days",
            f"an integer from 1 to {MANAGED_MAX_DAYS}",
        )
    return dataclasses.replace(rotation, managed=True)


def _refuse_no_hook(common: CommonSpec, rotation: RotationSpec) -> None:
    """A value you give, rotated with no handler named where the store notifies none: refused, saying why."""
    hooks = STORE_HOOKS.get(common.backend)
    if hooks is None or any(getattr(rotation, name) is not None for name in hooks):
        return
    # A field of another cloud is the store's own rules' to refuse, naming this store's field instead.
    if any(getattr(rotation, name) not in (None, False) for name in HOOK_FIELDS if name not in _OWN_FIELDS[common.backend]):
        return
    allowed = f"{_HOOK_ALLOWED[common.backend]}; or leave rotation out"
    if isinstance(common.value, str) and common.value.startswith("sk-ant-"):
        allowed += (
            ". For an Anthropic key there is better than rotating it: Anthropic workload identity federation gives "
            f"the app short-lived tokens and removes the key altogether ({ANTHROPIC_WIF})"
        )
    else:
        allowed += (
            ". A key from a vendor with no API to make keys (Anthropic and others) cannot be rotated by the component; "
            f"for Anthropic, workload identity federation removes the key altogether ({ANTHROPIC_WIF})"
        )
    raise SecureApiKeyError(
        f"rotation.{hooks[0]}",
        f"is required: a value you give has no API behind it to make the next key, and {_WHY_A_HOOK[common.backend]}",
        allowed,
    )


def _one_of(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
