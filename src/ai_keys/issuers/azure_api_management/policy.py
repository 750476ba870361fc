"""The product policy: XML generated from validated numbers and names, never taken from users.

Each element is built with :mod:`xml.etree.ElementTree`, which escapes every attribute value, so no name given to
the component can close an attribute or an element. The numbers reaching here were checked by :mod:`.rules`
against the ranges Microsoft documents; :func:`render` checks them again, so the generator can be used on its own
without emitting a policy API Management would refuse.

Every counter is keyed by the subscription id (``@(context.Subscription.Id)``, a policy expression), so each key
has its own budget, whichever product scope the policy runs at.
"""

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Optional

from ...errors import SecureApiKeyError

__all__ = [
    "COUNTER_KEY",
    "COUNTER_MAX",
    "DEFAULT_DIMENSION",
    "MAX_CUSTOM_DIMENSIONS",
    "QUOTA_PERIOD_MIN",
    "RATE_PERIOD_MAX",
    "TOKEN_QUOTA_PERIODS",
    "CallLimit",
    "PolicySpec",
    "TokenLimit",
    "render",
]

COUNTER_KEY = "@(context.Subscription.Id)"
"""The counter key of every limit: one counter per subscription (the policy references' own example for a quota)."""
TOKEN_QUOTA_PERIODS = ("Hourly", "Daily", "Weekly", "Monthly", "Yearly")
"""``token-quota-period`` (https://learn.microsoft.com/azure/api-management/llm-token-limit-policy#attributes)."""
COUNTER_MAX = 2**63 - 1
"""Microsoft documents no maximum for ``tokens-per-minute``, ``token-quota`` or ``calls`` (llm-token-limit,
rate-limit-by-key and quota-by-key references: "the maximum number of ..."): the largest signed 64-bit integer is
the bound, so any number written is one the gateway can parse."""
RATE_PERIOD_MAX = 300
"""``rate-limit-by-key`` ``renewal-period``: "Maximum allowed value: 300 seconds"
(https://learn.microsoft.com/azure/api-management/rate-limit-by-key-policy#attributes)."""
QUOTA_PERIOD_MIN = 300
"""``quota-by-key`` ``renewal-period``: "Minimum period: 300 seconds. When renewal-period is set to 0, the period is
set to infinite" (https://learn.microsoft.com/azure/api-management/quota-by-key-policy#attributes)."""
QUOTA_PERIOD_MAX = 2**31 - 1
"""No maximum is documented for ``quota-by-key`` ``renewal-period``; 2^31-1 seconds (68 years) bounds it."""
DEFAULT_DIMENSION = "Subscription ID"
"""A default dimension of ``llm-emit-token-metric``, which takes no value: the gateway fills in the subscription
(https://learn.microsoft.com/azure/api-management/llm-emit-token-metric-policy, "Default dimension names that may
be used without value")."""
MAX_CUSTOM_DIMENSIONS = 5
"""``llm-emit-token-metric``: "You can configure at most 5 custom dimensions for this policy" (usage notes)."""
NAMESPACE_MAX = 256
"""No length is documented for the metric ``namespace``; 256 characters bounds it."""


@dataclass(frozen=True)
class TokenLimit:
    """``llm-token-limit``: a rate, a quota over a period, or both."""

    tokens_per_minute: Optional[int] = None
    token_quota: Optional[int] = None
    token_quota_period: Optional[str] = None
    estimate_prompt_tokens: bool = True


@dataclass(frozen=True)
class CallLimit:
    """``rate-limit-by-key`` or ``quota-by-key``: calls per renewal period, in seconds."""

    calls: int
    renewal_period_seconds: int


@dataclass(frozen=True)
class PolicySpec:
    """Everything the product policy holds."""

    token_limit: TokenLimit
    rate_limit: Optional[CallLimit] = None
    quota: Optional[CallLimit] = None
    emit_token_metric: bool = False
    metric_namespace: Optional[str] = None


def _count(field: str, value: Optional[int], low: int = 1, high: int = COUNTER_MAX) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SecureApiKeyError(field, f"is out of range (got {value!r})", f"an integer from {low} to {high}")
    return str(value)


def check_token_limit(path: str, limit: TokenLimit) -> None:
    """The rules of ``llm-token-limit``: a rate, a quota with its period, or both."""
    if (limit.token_quota is None) != (limit.token_quota_period is None):
        missing = "token_quota_period" if limit.token_quota_period is None else "token_quota"
        raise SecureApiKeyError(f"{path}.{missing}", "is required with the other", "token_quota and token_quota_period together")
    if limit.tokens_per_minute is None and limit.token_quota is None:
        raise SecureApiKeyError(path, "sets no limit", "tokens_per_minute, token_quota with token_quota_period, or both")
    if limit.tokens_per_minute is not None:
        _count(f"{path}.tokens_per_minute", limit.tokens_per_minute)
    if limit.token_quota is not None:
        _count(f"{path}.token_quota", limit.token_quota)
        if limit.token_quota_period not in TOKEN_QUOTA_PERIODS:
            raise SecureApiKeyError(
                f"{path}.token_quota_period",
                f"is not one of the allowed values (got {limit.token_quota_period!r})",
                ", ".join(TOKEN_QUOTA_PERIODS),
            )


def check_rate_limit(path: str, limit: CallLimit) -> None:
    """``rate-limit-by-key``: calls from 1, a sliding window of 1 to 300 seconds."""
    _count(f"{path}.calls", limit.calls)
    _count(f"{path}.renewal_period_seconds", limit.renewal_period_seconds, 1, RATE_PERIOD_MAX)


def check_quota(path: str, limit: CallLimit) -> None:
    """``quota-by-key``: calls from 1, a fixed window of 0 (never renews) or at least 300 seconds."""
    _count(f"{path}.calls", limit.calls)
    period = limit.renewal_period_seconds
    if (
        isinstance(period, bool)
        or not isinstance(period, int)
        or not (period == 0 or QUOTA_PERIOD_MIN <= period <= QUOTA_PERIOD_MAX)
    ):
        raise SecureApiKeyError(
            f"{path}.renewal_period_seconds",
            f"is out of range (got {period!r})",
            f"0 (the quota never renews), or an integer from {QUOTA_PERIOD_MIN} to {QUOTA_PERIOD_MAX}",
        )


def render(spec: PolicySpec, path: str = "policy") -> str:
    """The product's policy document, ``<policies>`` with its four sections, every limit keyed by subscription.

    >>> print(render(PolicySpec(TokenLimit(tokens_per_minute=5000)))[:40])
    <policies><inbound><base /><llm-token-l
    """
    check_token_limit(f"{path}.token_limit", spec.token_limit)
    root = ET.Element("policies")
    inbound = ET.SubElement(root, "inbound")
    ET.SubElement(inbound, "base")
    # Cheap call counts first, so a flood is refused before its prompt is tokenized.
    if spec.rate_limit is not None:
        check_rate_limit(f"{path}.rate_limit", spec.rate_limit)
        ET.SubElement(
            inbound,
            "rate-limit-by-key",
            {
                "calls": str(spec.rate_limit.calls),
                "renewal-period": str(spec.rate_limit.renewal_period_seconds),
                "counter-key": COUNTER_KEY,
            },
        )
    if spec.quota is not None:
        check_quota(f"{path}.quota", spec.quota)
        ET.SubElement(
            inbound,
            "quota-by-key",
            {
                "calls": str(spec.quota.calls),
                "renewal-period": str(spec.quota.renewal_period_seconds),
                "counter-key": COUNTER_KEY,
            },
        )
    limit = spec.token_limit
    attributes = {"counter-key": COUNTER_KEY}
    if limit.tokens_per_minute is not None:
        attributes["tokens-per-minute"] = str(limit.tokens_per_minute)
    if limit.token_quota is not None and limit.token_quota_period is not None:
        attributes["token-quota"] = str(limit.token_quota)
        attributes["token-quota-period"] = limit.token_quota_period
    attributes["estimate-prompt-tokens"] = "true" if limit.estimate_prompt_tokens else "false"
    ET.SubElement(inbound, "llm-token-limit", attributes)
    if spec.emit_token_metric:
        metric = ET.SubElement(
            inbound, "llm-emit-token-metric", {"namespace": spec.metric_namespace} if spec.metric_namespace else {}
        )
        ET.SubElement(metric, "dimension", {"name": DEFAULT_DIMENSION})
    for section in ("backend", "outbound", "on-error"):
        ET.SubElement(ET.SubElement(root, section), "base")
    return ET.tostring(root, encoding="unicode")
