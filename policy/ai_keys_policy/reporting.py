"""What the pack's resource checks share: allow lists read from a policy's config, and a problems function
turned into the policy's ``validate``."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs

from .props import to_plain

__all__ = ["ALLOW_BY_NAME_SCHEMA", "Problems", "allowed_by_name", "resource_validator", "string_list"]

Problems = Callable[[str, Any], list[str]]
"""``(resource type, plain props) -> what is wrong``: empty when nothing is."""

ALLOW_BY_NAME_SCHEMA = PolicyConfigSchema(
    properties={
        "allowedResourceNames": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "Pulumi names of resources this policy never reports; shell-style wildcards allowed.",
        }
    }
)
"""The config of a policy that accepts resources by name (:func:`resource_validator` with ``allow_by_name``)."""


def string_list(config: Mapping[str, Any], key: str, default: Sequence[str] = ()) -> tuple[str, ...]:
    """The list of strings under ``key`` in a policy's config; anything else is refused, naming the key."""
    items = config.get(key, default)
    if isinstance(items, str) or not isinstance(items, Sequence):
        msg = f"{key} must be a list of strings"
        raise TypeError(msg)
    return tuple(str(item) for item in items)


def allowed_by_name(name: str, config: Mapping[str, Any]) -> bool:
    """True when ``name`` matches one of the config's ``allowedResourceNames`` patterns."""
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in string_list(config, "allowedResourceNames"))


def resource_validator(
    problems: Problems, label: str = "", *, allow_by_name: bool = False
) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    """A ``validate`` reporting each problem as ``<label> '<name>' (<type>) <problem>.``; with ``allow_by_name``,
    resources the config's ``allowedResourceNames`` match are not checked."""
    prefix = f"{label} " if label else ""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if allow_by_name and allowed_by_name(args.name, args.get_config()):
            return
        for problem in problems(args.resource_type, to_plain(args.props)):
            report_violation(f"{prefix}'{args.name}' ({args.resource_type}) {problem}.", None)

    return validate
