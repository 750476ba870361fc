"""Deterministic Azure names: secret and vault names, role assignment GUIDs, Event Grid subscription names.

Pure functions of stable inputs (project, stack, component name, ids), so every run of a stack computes
the same names and two stacks never compute the same one.
"""

import hashlib
import re
import uuid

SECRET_NAME_MAX = 127
VAULT_NAME_MAX = 24
EVENT_SUBSCRIPTION_NAME_MAX = 64
_SUFFIX = 8
# The namespace of every role assignment name ai-keys derives (uuid5 over scope, principal and role).
ROLE_ASSIGNMENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/ai-keys/ai-keys#azure-role-assignment")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _slug(text: str) -> str:
    """``text`` reduced to ``[a-zA-Z0-9-]`` with no leading, trailing or doubled hyphens."""
    return re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9-]+", "-", text)).strip("-")


def secret_name(component: str, project: str, stack: str) -> str:
    """``<component>-<8 hex>``: readable, at most 127 characters, and unique per project/stack/component,
    so two stacks storing a key under the same component name in one vault never collide."""
    base = _slug(component)[: SECRET_NAME_MAX - _SUFFIX - 1].rstrip("-") or "key"
    return f"{base}-{_digest('secret', project, stack, component)[:_SUFFIX]}"


ADMIN_KEY_SUFFIX = "-admin-key"


def admin_key_secret_name(secret: str) -> str:
    """``<secret>-admin-key``: where a managed rotator's admin key is kept, beside the key it rotates (a secret name
    too long for the suffix is cut first: names are at most 127 characters)."""
    return f"{secret[: SECRET_NAME_MAX - len(ADMIN_KEY_SUFFIX)].rstrip('-')}{ADMIN_KEY_SUFFIX}"


def vault_name(component: str, project: str, stack: str, subscription_id: str, resource_group: str, created_at: str) -> str:
    """``<component, lower-case, <= 15>-<8 hex>``: a valid, globally unique DNS label (vault names are global)
    that stays the same on every run of the stack. ``created_at`` (kept in the state) makes it unique per
    creation too: a deleted vault holds its name for its soft-delete retention, so a destroy followed by an up
    must not ask for it again."""
    base = re.sub(r"^[^a-z]+", "", _slug(component).lower())
    base = base[: VAULT_NAME_MAX - _SUFFIX - 1].rstrip("-") or "kv"
    digest = _digest("vault", subscription_id.lower(), resource_group.lower(), project, stack, component, created_at)
    return f"{base}-{digest[:_SUFFIX]}"


def role_assignment_name(scope: str, principal_id: str, role_id: str) -> str:
    """A GUID derived from scope, principal and role: the same grant always gets the same name, so a
    re-run converges instead of creating a duplicate assignment."""
    key = "|".join(part.strip().lower() for part in (scope, principal_id, role_id))
    return str(uuid.uuid5(ROLE_ASSIGNMENT_NAMESPACE, key))


def event_subscription_name(secret: str) -> str:
    """``<secret, <= 40>-expiry-<8 hex>`` (Event Grid allows 3-64 of ``[a-zA-Z0-9-]``); unique per vault
    because secret names are."""
    base = secret[:40].rstrip("-")
    return f"{base}-expiry-{_digest('near-expiry', secret)[:_SUFFIX]}"
