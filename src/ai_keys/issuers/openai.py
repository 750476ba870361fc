"""The ``openai`` issuer: an OpenAI API key of a project's service account, made by the rotator.

OpenAI shows a key's value once, when it is made, and its admin API makes keys only by creating a project service
account (``POST /v1/organization/projects/{project_id}/service_accounts`` answers with the account and its one
key). So Pulumi never makes an OpenAI key: the rotator the store deploys makes each one, the first one included,
with the organization's admin key, and deletes the key before the previous one. The issuer is refused without
``rotation``, and in ``gcp-secret-manager``, whose versions carry no metadata: the rotator could not tell which key
a version holds, as OpenAI never shows a key again.

The admin key (``admin_key``, a Pulumi secret) goes into its own secret in the same store, readable by the rotator
only, and never into the rotator's settings. Until the first rotation has run, the store holds
:data:`~ai_keys.rotation.PLACEHOLDER`, and ``ai_keys.runtime`` raises ``KeyPendingError`` for it.

The issuer has no cloud SDK of its own: the store's serves (``EXTRA`` and ``SDK`` are None).
"""

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import pulumi

from ..errors import SecureApiKeyError
from ..rotation import PLACEHOLDER, RotatorNeeds
from ..rules import RotationSpec, checked_value
from ..rules import _checks as check
from ..rules.common import check_value_size, parse_value
from . import IssuedKey, ManagedRotation

EXTRA: Optional[str] = None
SDK: Optional[str] = None
ROTATION = ManagedRotation(
    stores=("aws-secrets-manager", "azure-key-vault"),
    refused={
        "gcp-secret-manager": "Secret Manager versions carry no metadata, and OpenAI never shows a key again, so the "
        "rotator could not tell which key a version holds",
    },
    required=True,
)
"""Kept where a version can say which key it holds (a staging label on AWS, a tag on Azure)."""
FIELDS = ("project_id", "admin_key", "service_account_name")
PROJECT_PATTERN = r"proj_[A-Za-z0-9]{1,64}"
PROJECT_RULE = "an OpenAI project id, proj_ then letters and digits (Settings > Project > General)"
SERVICE_ACCOUNT_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}"
SERVICE_ACCOUNT_RULE = "1-40 letters, digits, '_', '.' and '-', starting with a letter or digit"
SERVICE_ACCOUNT_MAX = 40
"""The rotator adds the key prefix and a date and suffix of its own (26 characters) to it."""
ADMIN_KEY_MAX_BYTES = 4096
"""An OpenAI admin key is under 200 characters: far more is not one."""


@dataclass(frozen=True)
class OpenAiOptions:
    """A validated ``issuer.openai`` block."""

    project_id: Any
    admin_key: Any = field(repr=False)  # never shown, even in a debugger's repr; made a secret where it is used
    service_account_name: Optional[str] = None


def validate(block: Mapping[str, Any], path: str) -> OpenAiOptions:
    """Check ``issuer.openai``; every refusal names the field path and never shows the admin key."""
    check.known_keys(path, block, FIELDS)
    if block.get("project_id") is None:
        raise SecureApiKeyError(f"{path}.project_id", "is required", PROJECT_RULE)
    project = check.input_str(
        f"{path}.project_id", block["project_id"], pattern=PROJECT_PATTERN, max_len=69, allowed=PROJECT_RULE
    )
    if block.get("admin_key") is None:
        raise SecureApiKeyError(
            f"{path}.admin_key",
            "is required: the rotator makes each key with the organization's admin key",
            "an OpenAI admin key as a Pulumi secret, e.g. config.require_secret('openai_admin_key')",
        )
    # A plain string is accepted, with the warning every hard-coded key gets (it names no value); an Output gets the
    # same rules once it resolves, and stays a secret either way.
    admin_key = parse_value(block["admin_key"], f"{path}.admin_key")
    if isinstance(admin_key, str):
        check_value_size(admin_key, ADMIN_KEY_MAX_BYTES, f"{path}.admin_key")
    else:
        admin_key = checked_value(admin_key, max_bytes=ADMIN_KEY_MAX_BYTES, field_name=f"{path}.admin_key")
    account = block.get("service_account_name")
    if account is not None:
        account = check.text(
            f"{path}.service_account_name", account, pattern=SERVICE_ACCOUNT_PATTERN, max_len=SERVICE_ACCOUNT_MAX,
            allowed=SERVICE_ACCOUNT_RULE,
        )  # fmt: skip
    return OpenAiOptions(project_id=project, admin_key=admin_key, service_account_name=account)


def service_account_name(component: str, given: Optional[str]) -> str:
    """``AIKEYS_OPENAI_SERVICE_ACCOUNT``, the start of every service account's name: the one given, else
    ``ai-keys-<component>``."""
    if given is not None:
        return given
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", component).strip("-.")[: SERVICE_ACCOUNT_MAX - 8] or "key"
    return f"ai-keys-{base}"


def key_prefix(component: str, scope: str) -> str:
    """``AIKEYS_KEY_PREFIX``: 8 hex digits of the stack and component, which the rotator puts after the service
    account's name, so two stacks sharing a project never list or delete each other's keys."""
    return hashlib.sha256(f"{scope}\x00{component}".encode()).hexdigest()[:8] + "-"


def issue(
    name: str,
    options: OpenAiOptions,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
    rotation: Optional[RotationSpec] = None,
) -> IssuedKey:
    """Nothing in Pulumi: the placeholder as the first value, and what the rotator needs to make every key."""
    del tags, parent, depends_on  # no resource of its own: the store keeps the admin key
    if rotation is None or not rotation.managed:  # pragma: no cover - refused by ai_keys.rules.rotation
        raise SecureApiKeyError("issuer.openai", "needs rotation", "add rotation.every_days")
    scope = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
    account, prefix = service_account_name(name, options.service_account_name), key_prefix(name, scope)
    return IssuedKey(
        value=pulumi.Output.secret(PLACEHOLDER),
        # Which keys these are: the project's service accounts the rotator names "<account>-<prefix>...".
        issued_key_id=pulumi.Output.concat("openai:", options.project_id, "/service_accounts/", account, "-", prefix, "*"),
        rotator=RotatorNeeds(
            issuer="openai",
            env={
                "AIKEYS_OPENAI_PROJECT": options.project_id,
                "AIKEYS_OPENAI_SERVICE_ACCOUNT": account,
                "AIKEYS_KEY_PREFIX": prefix,
            },
            admin_key=pulumi.Output.secret(options.admin_key),
        ),
    )


MOCK_OUTPUTS: Mapping[str, Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]] = {}
"""No resource of its own: the admin key's secret and the rotator are the store's."""
MOCK_CALLS: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}
