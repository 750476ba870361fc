"""Typing helpers for inputs the spec has already checked."""

from typing import Any

import pulumi


def str_input(value: Any) -> "pulumi.Input[str]":
    """A checked ``Input[str]`` (the spec keeps inputs as ``Any`` because they may be Outputs)."""
    if value is None:
        raise ValueError("a required input is missing")  # the spec rules make this unreachable
    result: pulumi.Input[str] = value
    return result
