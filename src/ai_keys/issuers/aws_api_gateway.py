"""The ``aws_api_gateway`` issuer: an API Gateway key for one client of your AI service, in a usage plan (throttle,
quota, stages). Unlike the other issuers it may stand alone (no ``backend``: the key lives in API Gateway only) or
be kept in ``aws-secrets-manager``, so the client's app reads it like any other key. A key value you bring goes in
``issuer.aws_api_gateway.value``; left out, AWS generates the key.

Its rules, resources and mock outputs are those of the API Gateway store (:mod:`ai_keys.stores.aws_api_gateway`):
this module maps the issuer spelling onto them (:func:`as_store_args`, which ``build_spec`` reaches through the issuer
registry), and refusals name the fields as written here (``issuer.aws_api_gateway.usage_plan...``). This is the only
spelling: the earlier ``backend: aws-api-gateway`` with a top-level ``api_gateway`` block is refused before anything
is registered (:func:`refuse_earlier_spelling`), with the user's own args shown in this spelling.

With ``rotation`` and the copy in Secrets Manager (and no ``value`` brought: a key you bring is rotated by your own
Lambda, ``rotation.aws_lambda_arn``), Pulumi makes the usage plan only: the rotator makes each key, the first one
included, adds it to the plan, probes ``issuer.aws_api_gateway.probe_path`` on the plan's first stage until the
gateway accepts it (a new key works only after a delay), stores it, and deletes the key before the previous one.
"""

import functools
import hashlib
import operator
import re
from collections.abc import Mapping, Sequence
from typing import Any, Callable

from ..errors import SecureApiKeyError
from ..key_patterns import find_keys
from ..rotation import RotatorNeeds
from ..rules import StoreValidate
from ..rules.common import StoreName
from ..stores.aws_api_gateway import rules as api_gateway
from . import ManagedRotation

EXTRA, SDK = "aws", "pulumi_aws"
ROTATION = ManagedRotation(stores=("aws-secrets-manager",))
"""The rotator runs as a Lambda function beside the key's copy in Secrets Manager."""
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


STATEMENTS = 4
"""How many statements :func:`rotator_statements` gives."""
KEY_PREFIX_MAX = 64
"""The key name prefix is short: the rotator appends its own suffix (API key names are at most 1024)."""


def key_prefix(component: str, scope: str) -> str:
    """The name prefix of every key the rotator makes (``AIKEYS_KEY_PREFIX``): the component's name and 8 hex digits
    of the stack, so two stacks of one account never list or delete each other's keys."""
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", component)[: KEY_PREFIX_MAX - 18].strip("-") or "key"
    digest = hashlib.sha256(f"{scope}\x00{component}".encode()).hexdigest()[:8]
    return f"ai-keys-{base}-{digest}-"


def probe_url(api_id: str, stage: str, region: str, dns_suffix: str, probe_path: str) -> str:
    """Where the rotator probes a new key: ``probe_path`` on the invoke URL of the plan's first stage."""
    return f"https://{api_id}.execute-api.{region}.{dns_suffix}/{stage}{probe_path}"


def rotator_statements(partition: str, region: str, plan_id: str) -> list[dict[str, Any]]:
    """IAM statements for the rotator's role, with the resource ARNs of API Gateway's control plane
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html, REST API resources:
    ``ApiKeys`` ``/apikeys``, ``ApiKey`` ``/apikeys/{id}``, ``UsagePlanKeys`` ``/usageplans/{usageplan-id}/keys``,
    ``UsagePlanKey`` ``/usageplans/{usageplan-id}/keys/{id}``). Its actions are the HTTP verbs.

    Keys belong to no plan in IAM's eyes (``/apikeys/{id}`` names no plan), so reading and deleting keys cannot be
    narrowed to this plan's: the rotator deletes only keys whose name has its prefix and that are in its plan. Adding
    a key to a plan is narrowed to this plan."""
    base = f"arn:{partition}:apigateway:{region}::"
    return [
        {
            "Sid": "MakeAndListKeys",
            "Effect": "Allow",
            "Action": ["apigateway:POST", "apigateway:GET"],
            "Resource": f"{base}/apikeys",
        },
        {
            "Sid": "ReadAndDeleteKeys",
            "Effect": "Allow",
            "Action": ["apigateway:GET", "apigateway:DELETE"],
            "Resource": f"{base}/apikeys/*",
        },
        {
            "Sid": "AddKeysToThisPlanOnly",
            "Effect": "Allow",
            "Action": ["apigateway:POST", "apigateway:GET"],
            "Resource": f"{base}/usageplans/{plan_id}/keys",
        },
        {
            "Sid": "ReadThisPlansKeys",
            "Effect": "Allow",
            "Action": "apigateway:GET",
            "Resource": f"{base}/usageplans/{plan_id}/keys/*",
        },
    ]


def rotator_needs(plan_id: Any, url: Any, prefix: str, partition: Any, region: Any) -> RotatorNeeds:
    """The rotator's settings and grants for keys of usage plan ``plan_id`` (Outputs allowed)."""
    import pulumi

    statements = pulumi.Output.all(partition, region, plan_id).apply(
        lambda a: rotator_statements(str(a[0]), str(a[1]), str(a[2]))
    )
    return RotatorNeeds(
        issuer="aws_api_gateway",
        env={"AIKEYS_USAGE_PLAN_ID": plan_id, "AIKEYS_PROBE_URL": url, "AIKEYS_KEY_PREFIX": prefix},
        aws_statements=[statements.apply(operator.itemgetter(index)) for index in range(STATEMENTS)],
    )


MOCK_OUTPUTS: Mapping[str, Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]] = {}
MOCK_CALLS: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}
