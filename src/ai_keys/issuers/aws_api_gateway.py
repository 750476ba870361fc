"""The ``aws_api_gateway`` issuer: an API Gateway key for one client of your AI service, in a usage plan (throttle,
quota, stages). Unlike the other issuers it may stand alone (no ``backend``: the key lives in API Gateway only) or
be kept in ``aws-secrets-manager``, so the client's app reads it like any other key.

Its rules, resources and mock outputs are those of the ``aws-api-gateway`` store (:mod:`ai_keys.stores.aws_api_gateway`):
this module maps the issuer spelling onto them (:func:`as_store_args`, which ``build_spec`` reaches through the issuer
registry), and refusals name the fields as written here (``issuer.aws_api_gateway.usage_plan...``).
"""

import functools
from collections.abc import Mapping
from typing import Any, Callable

from ..errors import SecureApiKeyError
from ..rules import StoreValidate
from ..stores.aws_api_gateway import rules as api_gateway

EXTRA, SDK = "aws", "pulumi_aws"
STORES = ("aws-secrets-manager",)
"""Where a copy may be kept (the copy's rotation Lambda must also issue the new API key, in AWS)."""


def backend_args(args: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """``args`` in the shape the API Gateway rules read, and whether a copy is kept in Secrets Manager."""
    block = args["issuer"]["aws_api_gateway"]
    if not isinstance(block, Mapping):
        raise SecureApiKeyError("issuer.aws_api_gateway", f"must be a mapping (got {type(block).__name__})", "a dict of options")
    if "api_gateway" in args and args["api_gateway"] is not None:
        raise SecureApiKeyError(
            "api_gateway", "cannot be combined with issuer.aws_api_gateway", "the options in issuer.aws_api_gateway only"
        )
    if args.get("value") is not None:
        raise SecureApiKeyError(
            "value",
            "cannot be given together with issuer: API Gateway generates the key",
            "leave value out (to import an existing key's value, use backend: aws-api-gateway with value)",
        )
    store = args.get("backend")
    if store is not None and store not in STORES:
        raise SecureApiKeyError(
            "backend",
            f"cannot keep an issuer.aws_api_gateway key (got {store!r})",
            "aws-secrets-manager, or leave backend out to keep the key in API Gateway only",
        )
    shaped = {k: v for k, v in args.items() if k not in ("issuer", "backend")}
    return {**shaped, "backend": "aws-api-gateway", "api_gateway": dict(block)}, store is not None


def as_store_args(args: Mapping[str, Any]) -> tuple[dict[str, Any], StoreValidate]:
    """``args`` as the ``aws-api-gateway`` store reads them, and its rules naming the fields as written here."""
    shaped, stored = backend_args(args)
    return shaped, functools.partial(api_gateway.validate, spelling=api_gateway.ISSUER_SPELLING, stored=stored)


def validate(block: Mapping[str, Any], path: str) -> Any:
    """Never reached: :func:`as_store_args` hands this issuer to the API Gateway rules before issuers are parsed."""
    raise SecureApiKeyError(path, "is handled as an API Gateway key", "issuer.aws_api_gateway")


MOCK_OUTPUTS: Mapping[str, Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]] = {}
MOCK_CALLS: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}
