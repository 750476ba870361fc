"""The `aws-api-gateway` backend."""

import pulumi

from ..spec import KeySpec
from .result import BackendResult


def create(name: str, spec: KeySpec, parent: pulumi.Resource) -> BackendResult:
    raise NotImplementedError("aws-api-gateway")
