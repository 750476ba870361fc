"""What an offline preview found, already masked, and how it is printed (text tree or JSON).

Everything here works on masked data: secret values were replaced by :data:`SECRET` before a
:class:`PreviewResult` was built, so no renderer ever sees a secret. The command scrubs what a result holds
(:func:`ai_keys.preview._scrub.scrub_result`) as a second line of defence before rendering it, never the
rendered text: the report's own words and the JSON document's own keys are never rewritten.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

__all__ = [
    "LEAK",
    "SECRET",
    "UNKNOWN",
    "Diagnostic",
    "Leak",
    "Masked",
    "PreviewResource",
    "PreviewResult",
    "from_wire",
    "render_json",
    "render_text",
    "to_document",
    "to_wire",
]

HEADLINE = "offline preview (mock engine; no cloud calls)"

_MAX_TEXT = 96  # characters of a string input shown in the tree (ids and stack outputs are shown whole)
_MAX_ITEMS = 3  # list items / mapping entries shown inline
_MAX_INPUTS = 8  # inputs shown per resource


class Masked(str):
    """A stand-in printed as-is (unquoted) in the tree: :data:`SECRET` or :data:`UNKNOWN`."""

    __slots__ = ()


SECRET = Masked("[secret]")
"""Shown instead of every secret value."""
UNKNOWN = Masked("[unknown]")
"""Shown for values not known until deployment."""
LEAK = Masked("[LEAK]")
"""Shown instead of a secret's value found in plaintext where it is not a secret (see :class:`Leak`)."""

_MASKS = {str(m): m for m in (SECRET, UNKNOWN, LEAK)}
_WIRE_MASK = "\x00"  # prefix of a mask on the wire from the program's process; never part of a scrubbed text


@dataclass(frozen=True)
class PreviewResource:
    """One resource the program registered, with masked inputs."""

    type: str
    """Type token, e.g. ``aws:s3/bucket:Bucket``."""
    name: str
    """Logical name."""
    urn: str
    """URN under the mock engine."""
    parent_urn: Optional[str]
    """URN of the parent resource; None at the top level (child of the stack)."""
    custom: bool
    """False for components."""
    id: Optional[str]
    """The id the mock cloud assigned (custom resources only)."""
    inputs: Mapping[str, Any]
    """Inputs by wire (camelCase) name, every secret replaced by :data:`SECRET`."""


@dataclass(frozen=True)
class Diagnostic:
    """A warning or error the program logged through ``pulumi.log``."""

    severity: str
    """``warning`` or ``error``."""
    message: str
    """The message as logged."""


@dataclass(frozen=True)
class Leak:
    """A secret's value found in plaintext in a stack output or resource input that is not a secret.

    A real deploy would store that output or input unencrypted in the state. Says where, never the value.
    """

    where: str
    """The output or input, e.g. ``output 'leak'`` or ``resource 'logs' (aws:s3/bucket:Bucket) input 'tags.k'``."""
    secret: str
    """Which secret it is, e.g. ``secret config 'demo:openai_api_key'``."""


@dataclass(frozen=True)
class PreviewResult:
    """Everything one offline preview found, masked."""

    project: str
    """Project name from ``Pulumi.yaml``."""
    stack: str
    """Stack name."""
    resources: Sequence[PreviewResource]
    """Every resource except the stack, in tree order: parents first, siblings in dependency order."""
    outputs: Mapping[str, Any]
    """Stack outputs, secrets replaced by :data:`SECRET`."""
    chain: Sequence[PreviewResource]
    """The longest dependency chain, first-created first."""
    placeholders: Sequence[str] = ()
    """Config keys the stack file holds encrypted (``secure:``); the program got stand-ins for them."""
    diagnostics: Sequence[Diagnostic] = field(default_factory=tuple)
    """Warnings and errors the program logged."""
    leaks: Sequence[Leak] = field(default_factory=tuple)
    """Secrets' values found in plaintext in outputs or inputs that are not secrets."""
    complete: bool = True
    """False when the program failed: the result holds what it registered before the failure."""


def to_document(result: PreviewResult) -> dict[str, Any]:
    """The machine-readable form printed by ``--json``."""
    names = {r.urn: r.name for r in result.resources}
    return {
        "preview": HEADLINE,
        "project": result.project,
        "stack": result.stack,
        "resources": [
            {
                "type": r.type,
                "name": r.name,
                "urn": r.urn,
                "parent": names.get(r.parent_urn) if r.parent_urn else None,
                "parent_urn": r.parent_urn,
                "custom": r.custom,
                "id": r.id,
                "inputs": dict(r.inputs),
            }
            for r in result.resources
        ],
        "outputs": dict(result.outputs),
        "resource_count": len(result.resources),
        "longest_chain": {"length": len(result.chain), "resources": [r.name for r in result.chain]},
        "placeholders": list(result.placeholders),
        "diagnostics": [{"severity": d.severity, "message": d.message} for d in result.diagnostics],
        "leaks": [{"where": leak.where, "secret": leak.secret} for leak in result.leaks],
        "complete": result.complete,
    }


def render_json(result: PreviewResult) -> str:
    """:func:`to_document` as indented JSON."""
    return json.dumps(to_document(result), indent=2)


def to_wire(result: PreviewResult) -> dict[str, Any]:
    """``result`` as JSON-able data for the trip from the program's process, masks tagged."""
    return {
        "project": result.project,
        "stack": result.stack,
        "resources": [_wire_resource(r) for r in result.resources],
        "outputs": _tag(dict(result.outputs)),
        "chain": [r.urn for r in result.chain],
        "placeholders": list(result.placeholders),
        "diagnostics": [[d.severity, d.message] for d in result.diagnostics],
        "leaks": [[leak.where, leak.secret] for leak in result.leaks],
        "complete": result.complete,
    }


def from_wire(data: Mapping[str, Any]) -> PreviewResult:
    """The :class:`PreviewResult` :func:`to_wire` encoded; ``KeyError``/``TypeError``/``ValueError`` when malformed."""
    resources = [
        PreviewResource(
            type=str(r["type"]),
            name=str(r["name"]),
            urn=str(r["urn"]),
            parent_urn=None if r["parent_urn"] is None else str(r["parent_urn"]),
            custom=bool(r["custom"]),
            id=None if r["id"] is None else str(r["id"]),
            inputs=_untag(dict(r["inputs"])),
        )
        for r in data["resources"]
    ]
    by_urn = {r.urn: r for r in resources}
    return PreviewResult(
        project=str(data["project"]),
        stack=str(data["stack"]),
        resources=resources,
        outputs=_untag(dict(data["outputs"])),
        chain=[by_urn[str(urn)] for urn in data["chain"]],
        placeholders=tuple(str(p) for p in data["placeholders"]),
        diagnostics=tuple(Diagnostic(str(s), str(m)) for s, m in data["diagnostics"]),
        leaks=tuple(Leak(str(w), str(s)) for w, s in data["leaks"]),
        complete=bool(data["complete"]),
    )


def _wire_resource(resource: PreviewResource) -> dict[str, Any]:
    return {
        "type": resource.type,
        "name": resource.name,
        "urn": resource.urn,
        "parent_urn": resource.parent_urn,
        "custom": resource.custom,
        "id": resource.id,
        "inputs": _tag(dict(resource.inputs)),
    }


def _tag(value: Any) -> Any:
    if isinstance(value, Masked):
        return _WIRE_MASK + value
    if isinstance(value, Mapping):
        return {k: _tag(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_tag(v) for v in value]
    return value


def _untag(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_WIRE_MASK):
        return _MASKS.get(value[len(_WIRE_MASK) :], SECRET)
    if isinstance(value, Mapping):
        return {str(k): _untag(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_untag(v) for v in value]
    return value


def render_text(result: PreviewResult) -> str:
    """The human-readable report: headline, resource tree, outputs (whole), count and longest chain."""
    lines = [f"ai-keys {HEADLINE}: project {result.project!r}, stack {result.stack!r}"]
    if not result.complete:
        lines.append("note: the program failed; this is what it registered before the failure")
    if result.placeholders:
        lines.append(
            "note: secure config values cannot be decrypted offline; the program got a generated stand-in for: "
            + ", ".join(result.placeholders)
        )
    lines += ["", "Resources:"]
    children: dict[Optional[str], list[PreviewResource]] = {}
    known = {r.urn for r in result.resources}
    for resource in result.resources:
        parent = resource.parent_urn if resource.parent_urn in known else None
        children.setdefault(parent, []).append(resource)
    roots = children.get(None, [])
    if not roots:
        lines.append("    (none)")
    for index, resource in enumerate(roots):
        _tree(resource, children, "", index == len(roots) - 1, lines)
    lines += ["", "Outputs:"]
    if not result.outputs:
        lines.append("    (none)")
    for key, value in result.outputs.items():
        lines.append(f"    {_one_line(key)}: {_whole(value)}")
    if result.diagnostics:
        lines += ["", "Diagnostics:"]
        lines += [f"    {d.severity}: {_one_line(d.message)}" for d in result.diagnostics]
    if result.leaks:
        lines += ["", "Leaks (a real deploy would store these in plaintext):"]
        lines += [f"    LEAK: {_one_line(leak.where)} holds the value of {_one_line(leak.secret)}" for leak in result.leaks]
    lines += ["", f"Resources: {len(result.resources)}"]
    chain = " -> ".join(r.name for r in result.chain) if result.chain else "(none)"
    lines.append(f"Longest dependency chain: {len(result.chain)}: {chain}")
    return "\n".join(lines)


def _tree(
    resource: PreviewResource,
    children: Mapping[Optional[str], list[PreviewResource]],
    prefix: str,
    last: bool,
    lines: list[str],
) -> None:
    lines.append(f"{prefix}{'`-- ' if last else '+-- '}{resource.type}  {resource.name}")
    below = prefix + ("    " if last else "|   ")
    kids = children.get(resource.urn, [])
    detail = below + ("|   " if kids else "    ")  # keep the bar down to this node's children
    if resource.custom and resource.id:
        lines.append(f"{detail}id: {_one_line(resource.id)}")
    shown = [(k, v) for k, v in resource.inputs.items() if v is not None]
    for key, value in shown[:_MAX_INPUTS]:
        lines.append(f"{detail}{key}: {_inline(value)}")
    if len(shown) > _MAX_INPUTS:
        lines.append(f"{detail}(+{len(shown) - _MAX_INPUTS} more inputs; see --json)")
    for index, child in enumerate(kids):
        _tree(child, children, below, index == len(kids) - 1, lines)


def _inline(value: Any) -> str:
    """A one-line, truncated rendering: scalars in full, short lists and mappings inline, the rest counted."""
    if _scalar(value):
        return _scalar_text(value)
    if isinstance(value, list):
        if len(value) <= _MAX_ITEMS and all(_scalar(v) for v in value):
            return "[" + ", ".join(_scalar_text(v) for v in value) + "]"
        return f"[{_count(len(value), 'item')}]"
    if isinstance(value, dict):
        if len(value) <= _MAX_ITEMS and all(_scalar(v) for v in value.values()):
            return "{" + ", ".join(f"{k}: {_scalar_text(v)}" for k, v in value.items()) + "}"
        return "{" + _count(len(value), "key") + "}"
    return _text(str(value))


def _whole(value: Any) -> str:
    """A one-line rendering of all of ``value``: strings as JSON, masks as they are, nothing cut or counted."""
    if isinstance(value, list):
        return "[" + ", ".join(_whole(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_one_line(str(k))}: {_whole(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Masked):
        return str(value)
    if _scalar(value):
        return json.dumps(value)
    return _one_line(str(value))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, bool, int, float))


def _scalar_text(value: Any) -> str:
    if isinstance(value, Masked):
        return str(value)
    if isinstance(value, str):
        return json.dumps(_truncate(value))
    return json.dumps(value)


def _text(value: str) -> str:
    return _one_line(_truncate(value))


def _truncate(value: str) -> str:
    return value if len(value) <= _MAX_TEXT else value[: _MAX_TEXT - 3] + "..."


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())
