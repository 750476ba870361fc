"""The `gcp-secret-manager` backend."""

import pulumi

from ..spec import KeySpec
from .result import BackendResult


def create(name: str, spec: KeySpec, parent: pulumi.Resource) -> BackendResult:
    raise NotImplementedError("gcp-secret-manager")
