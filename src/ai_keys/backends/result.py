"""The small record every backend returns to the component."""

from dataclasses import dataclass, field
from typing import Optional

import pulumi


def _none() -> "pulumi.Output[Optional[str]]":
    return pulumi.Output.from_input(None)


@dataclass(frozen=True)
class BackendResult:
    """Uniform outputs of one stored key; ``value`` must already be a Pulumi secret."""

    secret_id: "pulumi.Output[str]"
    secret_ref: "pulumi.Output[str]"
    version_id: "pulumi.Output[str]"
    value: "pulumi.Output[str]"
    kms_key_id: "pulumi.Output[Optional[str]]" = field(default_factory=_none)
    api_key_id: "pulumi.Output[Optional[str]]" = field(default_factory=_none)
    usage_plan_id: "pulumi.Output[Optional[str]]" = field(default_factory=_none)
