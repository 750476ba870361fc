"""What every store package's entry shares: its ``create``, imported from its resources on first use."""

import importlib
import sys
from typing import Any, Callable


def create_on_first_use(package: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` for the store ``package``: ``create`` is its ``resources.create``, imported (with the
    cloud SDK) when first asked for, then stored in the package so later lookups find it directly. It is handed out
    as is, never wrapped: the SDK records every frame above each registration, so a wrapper is paid per resource."""

    def module_getattr(name: str) -> Any:
        if name != "create":
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        resources: Any = importlib.import_module(f"{package}.resources")
        vars(sys.modules[package])["create"] = resources.create
        return resources.create

    return module_getattr
