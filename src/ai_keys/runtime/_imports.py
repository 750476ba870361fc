"""Import a cloud SDK on first use, so ``import ai_keys.runtime`` stays free of every cloud SDK."""

import importlib
from types import ModuleType

from .errors import MissingExtraError

EXTRAS = {"aws": "runtime-aws", "azure": "runtime-azure", "gcp": "runtime-gcp"}
"""The optional dependency group (extra) that installs each cloud's SDK."""


def require(module: str, cloud: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(cloud, EXTRAS[cloud], exc.name or module) from None
