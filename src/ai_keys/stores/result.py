"""The small record every backend returns to the component."""

from dataclasses import dataclass
from typing import Optional

import pulumi


@dataclass(frozen=True)
class BackendResult:
    """Uniform outputs of one stored key; ``value`` must already be a Pulumi secret."""

    secret_id: "pulumi.Output[str]"
    secret_ref: "pulumi.Output[str]"
    version_id: "pulumi.Output[str]"
    value: "pulumi.Output[str]"
    kms_key_id: "Optional[pulumi.Output[Optional[str]]]" = None
    """None when the key has no customer-managed key."""
    api_key_id: "Optional[pulumi.Output[Optional[str]]]" = None
    usage_plan_id: "Optional[pulumi.Output[Optional[str]]]" = None
