"""The rules of ``issuer.azure_api_management``: pure, no cloud SDK. Every refusal names the field path and what is
allowed, before anything is registered; a name given as an Output gets the same rule once it resolves."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from ...errors import SecureApiKeyError
from ...rules import _checks as check
from .policy import (
    COUNTER_MAX,
    NAMESPACE_MAX,
    TOKEN_QUOTA_PERIODS,
    CallLimit,
    PolicySpec,
    TokenLimit,
    check_quota,
    check_rate_limit,
    check_token_limit,
)

__all__ = ["FIELDS", "ApimOptions", "Product", "validate"]

FIELDS = (
    "service_name",
    "resource_group_name",
    "product",
    "product_id",
    "emit_token_metric",
    "metric_namespace",
    "subscription_display_name",
)
PRODUCT_FIELDS = ("name", "display_name", "api_ids", "token_limit", "rate_limit", "quota")
TOKEN_LIMIT_FIELDS = ("tokens_per_minute", "token_quota", "token_quota_period", "estimate_prompt_tokens")
CALL_LIMIT_FIELDS = ("calls", "renewal_period_seconds")
# An API Management service: 1-50 letters, digits and hyphens, starting with a letter and ending with a letter or
# digit (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftapimanagement).
SERVICE_PATTERN = r"[A-Za-z]([A-Za-z0-9-]{0,48}[A-Za-z0-9])?"
SERVICE_RULE = "an API Management service name: 1-50 letters, digits and '-', starting with a letter"
RESOURCE_GROUP_PATTERN = r"[-\w._()]{0,89}[-\w_()]"
# Products, APIs and subscriptions: 1-256 characters but `*#&+:<>?` (same page). This is a narrower, URL-safe
# subset: the id also goes into the subscription's scope, /products/{id}.
ENTITY_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,255}"
ENTITY_ID_RULE = "1-256 letters, digits, '.', '_' and '-', starting with a letter or digit"
PRODUCT_DISPLAY_MAX = 300
"""ProductContractProperties.displayName: 1-300 (REST API apimproducts.json)."""
SUBSCRIPTION_DISPLAY_MAX = 100
"""SubscriptionCreateParameterProperties.displayName: 1-100 (REST API apimsubscriptions.json)."""
MAX_APIS = 100
"""Our bound on ``api_ids``: one child resource each."""
# A policy attribute starting with '@' is a policy expression, and '{{name}}' is replaced by a named value anywhere
# in a policy: neither may come from a name, whose text must reach the gateway as text.
_EXPRESSION = re.compile(r"^\s*@|\{\{|\}\}")
NAMESPACE_RULE = f"1-{NAMESPACE_MAX} printable characters, not starting with '@' and without '{{{{' or '}}}}'"


@dataclass(frozen=True)
class Product:
    """A product the component creates, with the policy generated from its limits."""

    name: str
    display_name: str
    api_ids: tuple[str, ...]
    policy: PolicySpec


@dataclass(frozen=True)
class ApimOptions:
    """A validated ``issuer.azure_api_management`` block."""

    service_name: Any
    resource_group_name: Any
    product: Optional[Product]
    product_id: Any
    subscription_display_name: Optional[str]


def validate(block: Mapping[str, Any], path: str) -> ApimOptions:
    """Check ``issuer.azure_api_management``; every refusal names the field path."""
    check.known_keys(path, block, FIELDS)
    for required in ("service_name", "resource_group_name"):
        if block.get(required) is None:
            raise SecureApiKeyError(
                f"{path}.{required}", "is required", "the name of the existing API Management service and its resource group"
            )
        check.not_a_resource(f"{path}.{required}", block[required], "service.name")
    service = check.input_str(
        f"{path}.service_name", block["service_name"], pattern=SERVICE_PATTERN, max_len=50, allowed=SERVICE_RULE
    )
    group = check.input_str(
        f"{path}.resource_group_name",
        block["resource_group_name"],
        pattern=RESOURCE_GROUP_PATTERN,
        max_len=90,
        allowed="a resource group name",
    )
    given = [name for name in ("product", "product_id") if block.get(name) is not None]
    if len(given) != 1:
        problem = "and product_id are both given" if len(given) == 2 else "is missing (and so is product_id)"
        raise SecureApiKeyError(
            f"{path}.product",
            problem,
            "exactly one: product (created here, with its token budget) or product_id (a product that exists)",
        )
    emit = check.boolean(f"{path}.emit_token_metric", block.get("emit_token_metric", False))
    namespace = block.get("metric_namespace")
    if namespace is not None:
        namespace = _namespace(f"{path}.metric_namespace", namespace)
    product: Optional[Product] = None
    product_id: Any = None
    if block.get("product") is not None:
        product = _product(f"{path}.product", block["product"], emit, namespace)
    else:
        check.not_a_resource(f"{path}.product_id", block["product_id"], "service.name")
        product_id = check.input_str(
            f"{path}.product_id", block["product_id"], pattern=ENTITY_ID_PATTERN, max_len=256, allowed=ENTITY_ID_RULE
        )
        for only_with_product in ("emit_token_metric", "metric_namespace"):
            if block.get(only_with_product) not in (None, False):
                raise SecureApiKeyError(
                    f"{path}.{only_with_product}",
                    "applies only to a product created here: the component writes the policy of its own product, "
                    "never of one that exists",
                    "leave it out with product_id (add llm-emit-token-metric to that product's policy yourself), or "
                    "give product instead",
                )
    display = block.get("subscription_display_name")
    if display is not None:
        display = check.text(f"{path}.subscription_display_name", display, max_len=SUBSCRIPTION_DISPLAY_MAX)
    return ApimOptions(service, group, product, product_id, display)


def _namespace(field: str, value: Any) -> str:
    text = check.text(field, value, max_len=NAMESPACE_MAX, allowed=NAMESPACE_RULE)
    if not text.isprintable() or _EXPRESSION.search(text):
        raise SecureApiKeyError(field, f"is not plain text (got {check.shown(text)})", NAMESPACE_RULE)
    return text


def _product(path: str, raw: Any, emit: bool, namespace: Optional[str]) -> Product:
    block = check.mapping(path, raw)
    check.known_keys(path, block, PRODUCT_FIELDS)
    name = check.text(f"{path}.name", block.get("name"), pattern=ENTITY_ID_PATTERN, max_len=256, allowed=ENTITY_ID_RULE)
    display = block.get("display_name", name)
    display = check.text(f"{path}.display_name", display, max_len=PRODUCT_DISPLAY_MAX)
    apis = check.sequence(f"{path}.api_ids", block.get("api_ids") or [], max_items=MAX_APIS)
    api_ids = tuple(
        check.text(f"{path}.api_ids[{i}]", api, pattern=ENTITY_ID_PATTERN, max_len=256, allowed=ENTITY_ID_RULE)
        for i, api in enumerate(apis)
    )
    check.no_duplicates(f"{path}.api_ids", api_ids)
    if block.get("token_limit") is None:
        raise SecureApiKeyError(
            f"{path}.token_limit", "is required", "the token budget of each key: tokens_per_minute, token_quota, or both"
        )
    policy = PolicySpec(
        token_limit=_token_limit(f"{path}.token_limit", block["token_limit"]),
        rate_limit=_call_limit(f"{path}.rate_limit", block["rate_limit"], quota=False)
        if block.get("rate_limit") is not None
        else None,
        quota=_call_limit(f"{path}.quota", block["quota"], quota=True) if block.get("quota") is not None else None,
        emit_token_metric=emit,
        metric_namespace=namespace,
    )
    return Product(name=name, display_name=display, api_ids=api_ids, policy=policy)


def _token_limit(path: str, raw: Any) -> TokenLimit:
    block = check.mapping(path, raw)
    check.known_keys(path, block, TOKEN_LIMIT_FIELDS)
    rate = block.get("tokens_per_minute")
    quota = block.get("token_quota")
    period = block.get("token_quota_period")
    limit = TokenLimit(
        tokens_per_minute=check.integer(f"{path}.tokens_per_minute", rate, 1, COUNTER_MAX) if rate is not None else None,
        token_quota=check.integer(f"{path}.token_quota", quota, 1, COUNTER_MAX) if quota is not None else None,
        token_quota_period=check.choice(f"{path}.token_quota_period", period, TOKEN_QUOTA_PERIODS)
        if period is not None
        else None,
        estimate_prompt_tokens=check.boolean(f"{path}.estimate_prompt_tokens", block.get("estimate_prompt_tokens", True)),
    )
    check_token_limit(path, limit)
    return limit


def _call_limit(path: str, raw: Any, *, quota: bool) -> CallLimit:
    block = check.mapping(path, raw)
    check.known_keys(path, block, CALL_LIMIT_FIELDS)
    for required in CALL_LIMIT_FIELDS:
        if block.get(required) is None:
            raise SecureApiKeyError(f"{path}.{required}", "is required", "calls and renewal_period_seconds")
    calls = check.integer(f"{path}.calls", block["calls"], 1, COUNTER_MAX)
    period = block["renewal_period_seconds"]
    # Integral floats (other Pulumi languages send 60.0) become ints; the policy's own rules judge the range.
    if isinstance(period, float) and period.is_integer():
        period = int(period)
    if isinstance(period, bool) or not isinstance(period, int):
        raise SecureApiKeyError(f"{path}.renewal_period_seconds", f"must be an integer (got {check.shown(period)})", "seconds")
    limit = CallLimit(calls=calls, renewal_period_seconds=period)
    (check_quota if quota else check_rate_limit)(path, limit)
    return limit
