"""The ``gcp_api_key`` issuer: a Google API key for a client of your own API on API Gateway or Cloud Endpoints,
restricted (``restrictions.api_targets``) to that API's managed service alone, and optionally to some of its methods.

The key is a standard API key, bound to no service account: API Gateway and Cloud Endpoints check it against the
consumer project and the ``api_targets`` restriction. Their quotas count requests per consumer project and per
minute only (https://cloud.google.com/api-gateway/docs/quotas-configure,
https://cloud.google.com/endpoints/docs/openapi/quotas-overview): every key of one project shares them, so a
budget per key, or in tokens, needs Apigee (the ``apigee`` issuer). A Google API such as the Gemini API
(``generativelanguage.googleapis.com``) is refused here: the ``gemini`` issuer makes that key, bound to a service
account as Google now requires.

No managed rotation: a new key is made by re-issuing (a new ``project``), or by hand; the Gemini rotator's model
(two live keys, the older deleted a period later) would apply and may come later.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional

import pulumi

from ..errors import SecureApiKeyError
from ..rules import RotationSpec
from ..rules import _checks as check
from ..rules.deploy_time import now_or_at_deploy
from . import IssuedKey, ManagedRotation
from ._google_api_keys import (
    DELETION_POLICY,
    PROJECT_PATTERN,
    PROJECT_RULE,
    issued_moment,
    key_name,
    mock_api_key,
    stack_scope,
)

EXTRA, SDK = "gcp", "pulumi_gcp"
ROTATION = ManagedRotation(
    unmanaged="no rotator makes these keys yet (the Gemini rotator's model, two live keys with the older deleted a "
    "period later, would apply). Rotate by hand: pulumi up --replace on the <name>-gcp-api-key-issued resource makes "
    "a new key and stores it, then deletes the old one"
)
"""No store rotates these keys: the refusal says how to make a new one by hand."""
FIELDS = ("project", "service", "methods", "display_name")
# API Gateway names an API's managed service API_ID-HASH.apigateway.PROJECT.cloud.goog
# (https://cloud.google.com/api-gateway/docs/creating-api, "managed service"); Cloud Endpoints
# NAME.endpoints.PROJECT.cloud.goog (https://cloud.google.com/endpoints/docs/openapi/configure-endpoints#configuring_the_host_field).
# The service name is a DNS name: labels of letters, digits and hyphens, at most 253 characters.
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
SERVICE_PATTERN = rf"{_LABEL}(\.{_LABEL})*\.(apigateway|endpoints)\.{PROJECT_PATTERN}\.cloud\.goog"
SERVICE_RULE = (
    "the managed service name of your API: NAME.apigateway.PROJECT.cloud.goog (API Gateway) or "
    "NAME.endpoints.PROJECT.cloud.goog (Cloud Endpoints)"
)
SERVICE_MAX = 253
# A method selector, as API Keys v2 ApiTarget.methods takes it: a method or a prefix, '*' only as the last symbol
# (https://cloud.google.com/api-keys/docs/reference/rest/v2/projects.locations.keys#apitarget).
METHOD_PATTERN = r"[A-Za-z0-9_][A-Za-z0-9_.-]*\*?|\*"
METHOD_RULE = "a method name or prefix such as ListModels, myapi.v1.Get* or Get* ('*' only as the last symbol)"
DISPLAY_NAME_MAX = 63
GEMINI_API = "generativelanguage.googleapis.com"


@dataclass(frozen=True)
class GcpApiKeyOptions:
    """A validated ``issuer.gcp_api_key`` block."""

    project: Any
    service: Any
    methods: tuple[str, ...]
    display_name: Optional[str]


def validate(block: Mapping[str, Any], path: str) -> GcpApiKeyOptions:
    """Check ``issuer.gcp_api_key``; every refusal names the field path. An Output gets the same rules once it
    resolves, before the key is made."""
    check.known_keys(path, block, FIELDS)
    for required, what in (("project", "the id of the project the key is made in"), ("service", SERVICE_RULE)):
        if block.get(required) is None:
            raise SecureApiKeyError(f"{path}.{required}", "is required", what)
    project = check.input_str(f"{path}.project", block["project"], pattern=PROJECT_PATTERN, max_len=30, allowed=PROJECT_RULE)
    service = _service(f"{path}.service", block["service"])
    methods = tuple(
        check.text(f"{path}.methods[{i}]", method, pattern=METHOD_PATTERN, max_len=512, allowed=METHOD_RULE)
        for i, method in enumerate(check.sequence(f"{path}.methods", block.get("methods") or []))
    )
    check.no_duplicates(f"{path}.methods", methods)
    display_name = block.get("display_name")
    if display_name is not None:
        check.text(f"{path}.display_name", display_name, max_len=DISPLAY_NAME_MAX)
    return GcpApiKeyOptions(project, service, methods, display_name)


def _service(field: str, value: Any) -> Any:
    """Your API's managed service name, now or once it resolves; a Google API is refused, naming where it belongs."""

    def rule(resolved: Any) -> str:
        if isinstance(resolved, str) and resolved.endswith(".googleapis.com"):
            where = (
                "the gemini issuer makes keys for it (issuer.gemini), bound to a service account"
                if resolved == GEMINI_API
                else "this issuer restricts a key to your own API on API Gateway or Cloud Endpoints"
            )
            raise SecureApiKeyError(field, f"is a Google API ({resolved}): {where}", SERVICE_RULE)
        return check.text(field, resolved, pattern=SERVICE_PATTERN, max_len=SERVICE_MAX, allowed=SERVICE_RULE)

    if not check.is_input(value):
        raise SecureApiKeyError(field, f"must be a string or a Pulumi Output (got {check.type_name(value)})", SERVICE_RULE)
    return now_or_at_deploy(value, rule)


def issue(
    name: str,
    options: GcpApiKeyOptions,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
    rotation: Optional[RotationSpec] = None,
) -> IssuedKey:
    """The API key, restricted to your API's service (and ``methods``, when given), its value a secret."""
    import pulumi_gcp as gcp

    scope = stack_scope()
    # A new project is a new key under a new id; a new service or methods is the same key, restricted anew.
    issued = issued_moment(name, "gcp-api-key-issued", {"project": options.project}, parent)
    target = gcp.projects.ApiKeyRestrictionsApiTargetArgs(
        service=options.service, methods=list(options.methods) if options.methods else None
    )
    key = gcp.projects.ApiKey(
        f"{name}-gcp-api-key",
        name=issued.apply(lambda at: key_name(name, scope, at, "key")),
        project=options.project,
        display_name=options.display_name or f"Client key {name}"[:DISPLAY_NAME_MAX],
        restrictions=gcp.projects.ApiKeyRestrictionsArgs(api_targets=[target]),
        deletion_policy=DELETION_POLICY,
        # keyString: the SDK lists it in additional_secret_outputs (pulumi_gcp.projects.ApiKey), and the value is
        # wrapped again below so no path un-marks it.
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return IssuedKey(value=pulumi.Output.secret(key.key_string), issued_key_id=key.id)


MOCK_OUTPUTS: Mapping[str, Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]] = {
    "gcp:projects/apiKey:ApiKey": mock_api_key,
}
MOCK_CALLS: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}
