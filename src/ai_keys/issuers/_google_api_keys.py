"""What the issuers that make a Google API key (``gemini``, ``gcp_api_key``) share: the project id rule, the key's
id (unique per stack and per issue, as Google holds a deleted key's id for 30 days), the moment a key was issued,
the deletion policy, and the mock of ``gcp.projects.ApiKey``. Imports no cloud SDK until a key is issued."""

import hashlib
import re
from collections.abc import Mapping
from typing import Any

import pulumi

__all__ = [
    "DELETION_POLICY",
    "KEY_NAME_MAX",
    "PROJECT_PATTERN",
    "PROJECT_RULE",
    "issued_moment",
    "key_name",
    "mock_api_key",
    "stack_scope",
    "unique_name",
]

PROJECT_PATTERN = r"[a-z][a-z0-9-]{4,28}[a-z0-9]"
"""A project id: 6-30 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen
(https://cloud.google.com/resource-manager/docs/creating-managing-projects#before_you_begin)."""
PROJECT_RULE = "a GCP project id"
KEY_NAME_MAX = 63
"""An API key's id: ``[a-z]([a-z0-9-]{0,61}[a-z0-9])?`` (API Keys v2, projects.locations.keys.create ``keyId``)."""
DELETION_POLICY = "FORCE"
"""The provider's default, DELETE, fails when the key served traffic in the last 7 days, which a stored key always
has: FORCE deletes a replaced key once its successor is stored. Google keeps it soft-deleted for 30 days
(``gcloud services api-keys undelete``)."""


def unique_name(component: str, scope: str, issued: str, max_len: int, fallback: str) -> str:
    """``<component as [a-z][a-z0-9-]*>-<8 hex>``, at most ``max_len``. The hex digest covers the Pulumi project and
    stack (``scope``) and the moment the key was issued, so two stacks never compute the same name, and neither
    does a re-issue or a destroy followed by an up: Google holds a deleted key's id for 30 days."""
    base = re.sub(r"[^a-z0-9-]+", "-", component.lower()).strip("-")
    base = re.sub(r"^[^a-z]+", "", base)[: max_len - 9].rstrip("-") or fallback
    digest = hashlib.sha256("\x00".join((scope, component, issued)).encode()).hexdigest()[:8]
    return f"{base}-{digest}"


def key_name(component: str, scope: str, issued: str, fallback: str = "key") -> str:
    """The API key's id: ``[a-z]([a-z0-9-]*[a-z0-9])?``, at most 63, unique per stack and per issue."""
    return unique_name(component, scope, issued, KEY_NAME_MAX, fallback)


def stack_scope() -> str:
    """The Pulumi organization, project and stack: what makes a name unique per stack."""
    return f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"


def issued_moment(name: str, suffix: str, triggers: Mapping[str, Any], parent: pulumi.Resource) -> "pulumi.Output[str]":
    """When the key was issued, kept in the state (a ``time.Static`` named ``<name>-<suffix>``): a new value of any
    trigger records a new moment, hence a new key id, so the new key is made before the old one is deleted."""
    import pulumiverse_time as time

    static = time.Static(f"{name}-{suffix}", triggers=dict(triggers), opts=pulumi.ResourceOptions(parent=parent))
    return static.rfc3339


def mock_api_key(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """What the API Keys API returns for a key: a bound key (``serviceAccountEmail``) is an authorization key, ``AQ.``
    and about 50 URL-safe characters (https://ai.google.dev/gemini-api/docs/api-key); an unbound one a standard key,
    ``AIza`` and 35 URL-safe characters."""
    from ..testing.mock_clouds._ids import stable_alnum, stable_uuid

    project = inputs.get("project") or "mock-project"
    resource = f"projects/{project}/locations/global/keys/{inputs.get('name')}"
    if inputs.get("serviceAccountEmail"):
        key_string = "AQ.Ab" + stable_alnum("gemini", name, length=48)
    else:
        key_string = "AIza" + stable_alnum("gcp-api-key", name, length=35)
    return resource, {**inputs, "keyString": key_string, "uid": stable_uuid("gemini-uid", name)}
