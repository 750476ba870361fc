"""Managed rotation: an issued key rotated by a rotator the component deploys beside its store.

The rotator's own code (:mod:`ai_keys.rotation.rotator`) is shipped in the wheel and deployed as a function in the
store's cloud; it needs only the standard library (and boto3 on AWS). This package holds what the deploy needs:
what an issuer asks of the rotator (:class:`RotatorNeeds`) and the per-cloud resources (:mod:`.deploy`).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from .rotator.engine import PLACEHOLDER

if TYPE_CHECKING:  # an app reading keys imports PLACEHOLDER from here, and must not load pulumi
    import pulumi

__all__ = ["PLACEHOLDER", "RotatorNeeds"]


@dataclass(frozen=True)
class RotatorNeeds:
    """What an issuer asks of the rotator the store deploys: its settings, and the grants on the issuer's side."""

    issuer: str
    """The issuer's name (``AIKEYS_ISSUER``)."""
    env: Mapping[str, "pulumi.Input[str]"]
    """The issuer's ``AIKEYS_*`` settings (never a secret: the admin key travels in :attr:`admin_key`)."""
    aws_statements: Sequence[Any] = ()
    """IAM policy statements (dicts, may hold Outputs) the rotator's role needs on the issuer's side."""
    gcp_project_roles: Sequence[tuple[Any, str]] = ()
    """``(project, role)`` pairs the rotator's service account needs on the issuer's side."""
    azure_role_assignments: Sequence[tuple[Any, str]] = ()
    """``(scope, role definition id)`` pairs the rotator's identity needs on the issuer's side. The id is a built-in
    role's GUID, as the Key Vault store names its own roles: the deploy makes the full
    ``/subscriptions/S/providers/Microsoft.Authorization/roleDefinitions/GUID`` of its subscription."""
    admin_key: "Optional[pulumi.Output[str]]" = field(default=None, repr=False)
    """A vendor admin key the rotator acts with (openai): kept in its own secret, readable by the rotator only."""
    first_key_by_rotator: bool = True
    """Whether the rotator makes the first key (the store then writes :data:`PLACEHOLDER` first)."""
