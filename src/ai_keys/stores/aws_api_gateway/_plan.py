"""The usage plan the ``aws-api-gateway`` store creates: validated spec -> ``aws.apigateway.UsagePlan``."""

from collections.abc import Mapping
from typing import Optional

import pulumi
import pulumi_aws as aws

from .rules import ApiStageSpec, QuotaSpec, ThrottleSpec, UsagePlanSpec


def create_usage_plan(
    name: str, plan: UsagePlanSpec, tags: Mapping[str, str], parent: pulumi.Resource
) -> aws.apigateway.UsagePlan:
    """One plan with its throttle, quota and API stages (with per-method throttles)."""
    return aws.apigateway.UsagePlan(
        f"{name}-usage-plan",
        name=plan.name,
        description=plan.description,
        api_stages=[_api_stage(stage) for stage in plan.api_stages],
        throttle_settings=_throttle(plan.throttle),
        quota_settings=_quota(plan.quota),
        tags=dict(tags) or None,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _throttle(throttle: Optional[ThrottleSpec]) -> Optional[aws.apigateway.UsagePlanThrottleSettingsArgs]:
    if throttle is None:
        return None
    return aws.apigateway.UsagePlanThrottleSettingsArgs(rate_limit=throttle.rate_limit, burst_limit=throttle.burst_limit)


def _quota(quota: Optional[QuotaSpec]) -> Optional[aws.apigateway.UsagePlanQuotaSettingsArgs]:
    if quota is None:
        return None
    return aws.apigateway.UsagePlanQuotaSettingsArgs(limit=quota.limit, period=quota.period, offset=quota.offset)


def _api_stage(stage: ApiStageSpec) -> aws.apigateway.UsagePlanApiStageArgs:
    return aws.apigateway.UsagePlanApiStageArgs(
        api_id=stage.api_id,
        stage=stage.stage,
        throttles=[
            aws.apigateway.UsagePlanApiStageThrottleArgs(
                path=method.path, rate_limit=method.throttle.rate_limit, burst_limit=method.throttle.burst_limit
            )
            for method in stage.throttles
        ]
        or None,
    )
