"""The ``aws_api_gateway`` issuer: an API Gateway key for one client of your AI service, in a usage plan (throttle,
quota, stages). Unlike the other issuers it may stand alone (no ``backend``: the key lives in API Gateway only) or
be kept in ``aws-secrets-manager``, so the client's app reads it like any other key. A key value you bring goes in
``issuer.aws_api_gateway.value``; left out, AWS generates the key.

Its rules, resources and mock outputs are those of the API Gateway store (:mod:`ai_keys.stores.aws_api_gateway`):
this module maps the issuer spelling onto them (:func:`as_store_args`, which ``build_spec`` reaches through the issuer
registry), and refusals name the fields as written here (``issuer.aws_api_gateway.usage_plan...``). This is the only
spelling: the earlier ``backend: aws-api-gateway`` with a top-level ``api_gateway`` block is refused before anything
is registered (:func:`refuse_earlier_spelling`), with the user's own args shown in this spelling.
"""

import functools
from collections.abc import Mapping, Sequence
from typing import Any, Callable

from ..errors import SecureApiKeyError
from ..key_patterns import find_keys
from ..rules import StoreValidate
from ..rules.common import StoreName
from ..stores.aws_api_gateway import rules as api_gateway

EXTRA, SDK = "aws", "pulumi_aws"
STORES = ("aws-secrets-manager",)
"""Where a copy may be kept (the copy's rotation Lambda must also issue the new API key, in AWS)."""
EARLIER_BACKEND = "aws-api-gateway"
"""The ``backend`` value of the earlier spelling, refused."""
EARLIER_BLOCK = "api_gateway"
"""The top-level block of the earlier spelling, refused."""


def refuse_earlier_spelling(args: Mapping[str, Any]) -> None:
    """Refuse ``backend: aws-api-gateway`` and a top-level ``api_gateway`` block, naming the field and showing the
    user's own args in the ``issuer.aws_api_gateway`` spelling (a key value is shown as a placeholder, never itself)."""
    wrote_backend = isinstance(args.get("backend"), str) and args["backend"] == EARLIER_BACKEND
    wrote_block = args.get(EARLIER_BLOCK) is not None
    if not wrote_backend and not wrote_block:
        return
    field = "backend" if wrote_backend else EARLIER_BLOCK
    problem = (
        f"{EARLIER_BACKEND} is not a backend: an API Gateway key is written issuer.aws_api_gateway"
        if wrote_backend
        else "is not an option: an API Gateway key's options are written in issuer.aws_api_gateway"
    )
    raise SecureApiKeyError(field, problem, _in_issuer_spelling(args))


def _in_issuer_spelling(args: Mapping[str, Any]) -> str:
    """The user's API Gateway args, as they are written in the issuer spelling."""
    raw = args.get(EARLIER_BLOCK)
    block: dict[str, Any] = dict(raw) if isinstance(raw, Mapping) else {}
    stored = block.pop("store_in_secrets_manager", None) is True or args.get("backend") == STORES[0]
    if args.get("value") is not None or block.get("value") is not None:
        block["value"] = _Shown("<your key, as a Pulumi secret>")
    if not block:
        block["usage_plan"] = _Shown("{...}")
    spelled = f"issuer.aws_api_gateway, here: issuer={{'aws_api_gateway': {_shown(block)}}}"
    if stored:
        return f"{spelled} with backend='aws-secrets-manager' (the key kept in API Gateway, with a copy in Secrets Manager)"
    return f"{spelled} with no backend (the key kept in API Gateway only; backend='aws-secrets-manager' adds a copy)"


class _Shown(str):
    """Text shown as it is, not quoted."""


def _shown(raw: Any) -> str:
    """``raw`` as Python source; what is known only at deploy time is shown as ``<Output>``, and text with the shape
    of a vendor's key (misplaced in another field) as a placeholder."""
    if isinstance(raw, _Shown):
        return str(raw)
    if isinstance(raw, str) and find_keys(raw):
        return "<a key, as a Pulumi secret>"
    if isinstance(raw, Mapping):
        return "{" + ", ".join(f"{key!r}: {_shown(item)}" for key, item in raw.items()) + "}"
    if isinstance(raw, Sequence) and not isinstance(raw, str):
        return "[" + ", ".join(_shown(item) for item in raw) + "]"
    if raw is None or isinstance(raw, (str, int, float, bool)):
        return repr(raw)
    return "<Output>"


def backend_args(args: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """``args`` in the shape the API Gateway rules read, and whether a copy is kept in Secrets Manager."""
    block = args["issuer"]["aws_api_gateway"]
    if not isinstance(block, Mapping):
        raise SecureApiKeyError("issuer.aws_api_gateway", f"must be a mapping (got {type(block).__name__})", "a dict of options")
    if args.get("value") is not None:
        raise SecureApiKeyError(
            "value",
            "cannot be given together with issuer: API Gateway generates the key",
            "leave value out; to bring your own key's value, give it as issuer.aws_api_gateway.value",
        )
    store = args.get("backend")
    if store is not None and store not in STORES:
        raise SecureApiKeyError(
            "backend",
            f"cannot keep an issuer.aws_api_gateway key (got {store!r})",
            "aws-secrets-manager, or leave backend out to keep the key in API Gateway only",
        )
    shaped = {k: v for k, v in args.items() if k not in ("issuer", "backend")}
    return {**shaped, "backend": StoreName.AWS_API_GATEWAY, api_gateway.BLOCK: dict(block)}, store is not None


def as_store_args(args: Mapping[str, Any]) -> tuple[dict[str, Any], StoreValidate]:
    """``args`` as the API Gateway store reads them, and its rules naming the fields as written here."""
    shaped, stored = backend_args(args)
    return shaped, functools.partial(api_gateway.validate, stored=stored)


def validate(block: Mapping[str, Any], path: str) -> Any:
    """Never reached: :func:`as_store_args` hands this issuer to the API Gateway rules before issuers are parsed."""
    raise SecureApiKeyError(path, "is handled as an API Gateway key", "issuer.aws_api_gateway")


MOCK_OUTPUTS: Mapping[str, Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]] = {}
MOCK_CALLS: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}
