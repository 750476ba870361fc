"""Scrub known secret values out of what the preview prints: a second line of defence behind the masking.

Only what a result holds is scrubbed (names, ids, inputs, outputs, diagnostics, messages the program wrote),
never the report around it, so the report's own words and the JSON document's own keys stay as they are.
The values scrubbed are the stand-ins the program got for its secret config (see
:mod:`ai_keys.preview._standin`) and, in the program's process, the secrets the program made itself.
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ._render import SECRET, Diagnostic, Leak, Masked, PreviewResource, PreviewResult

__all__ = ["MIN_SCRUBBED", "scrub", "scrub_result"]

MIN_SCRUBBED = 4
"""Shorter secret values are not scrubbed (they would mangle ordinary words)."""


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every known secret value (raw or JSON-escaped) replaced by ``[secret]``."""
    forms: set[str] = set()
    for secret in secrets:
        if len(secret) >= MIN_SCRUBBED:
            forms.add(secret)
            forms.add(json.dumps(secret)[1:-1])
            forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    for form in sorted(forms, key=len, reverse=True):  # longest first so overlaps are fully covered
        text = text.replace(form, SECRET)
    return text


def scrub_result(result: PreviewResult, secrets: Iterable[str]) -> PreviewResult:
    """``result`` with :func:`scrub` applied to every string it holds (mapping keys included); masks kept."""
    known = [s for s in secrets if len(s) >= MIN_SCRUBBED]
    if not known:
        return result

    def text(value: str) -> str:
        return scrub(value, known)

    def resource(r: PreviewResource) -> PreviewResource:
        return replace(
            r,
            type=text(r.type),
            name=text(r.name),
            urn=text(r.urn),
            parent_urn=None if r.parent_urn is None else text(r.parent_urn),
            id=None if r.id is None else text(r.id),
            inputs=_scrub_data(dict(r.inputs), known),
        )

    resources = {r.urn: resource(r) for r in result.resources}
    return replace(
        result,
        project=text(result.project),
        stack=text(result.stack),
        resources=list(resources.values()),
        outputs=_scrub_data(dict(result.outputs), known),
        chain=[resources.get(r.urn) or resource(r) for r in result.chain],
        placeholders=tuple(text(p) for p in result.placeholders),
        diagnostics=tuple(Diagnostic(d.severity, text(d.message)) for d in result.diagnostics),
        leaks=tuple(Leak(text(leak.where), text(leak.secret)) for leak in result.leaks),
    )


def _scrub_data(value: Any, secrets: Sequence[str]) -> Any:
    if isinstance(value, Masked):
        return value
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, Mapping):
        return {scrub(str(k), secrets): _scrub_data(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub_data(v, secrets) for v in value]
    return value
