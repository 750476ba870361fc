"""The second deploy of an API Gateway key, under the lifecycle harness: moving a key between usage plans.

AWS lets an API key be in only one usage plan per API stage: ``CreateUsagePlanKey`` into a second plan that covers
a stage the key's current plan covers fails with ``ConflictException``. ``usagePlanId`` is ForceNew on the
``UsagePlanKey``, so a move replaces that link, and the engine's default (create the new one, delete the old one
last) would make exactly that refused call. Each move is also deployed on the simulated cloud, which enforces that
rule (``aws.apigateway-key.one-plan-per-stage`` in ``ai_keys.testing.constraints``).
"""

from collections.abc import Callable
from typing import Any

import pytest

from ai_keys import SecureApiKey
from ai_keys.testing import Cloud, Scenario, plan_update

from .conftest import ROLE_ARN

PLAN = "aws:apigateway/usagePlan:UsagePlan"
PLAN_KEY = "aws:apigateway/usagePlanKey:UsagePlanKey"
API_ID = "a1b2c3d4e5"
STAGES = [{"api_id": API_ID, "stage": "prod"}]
EXISTING_PLANS = {"plan111": {(API_ID, "prod")}, "plan222": {(API_ID, "prod")}}
"""Plans made outside the stack, and the stages they cover: both cover the stage the component's own plan covers."""


def alone(**aws_api_gateway: Any) -> Callable[[], Any]:
    """A key kept in API Gateway alone: ``issuer.aws_api_gateway`` with no ``backend``."""
    args: dict[str, Any] = {"issuer": {"aws_api_gateway": aws_api_gateway}}
    return lambda: SecureApiKey("acme", args)  # type: ignore[arg-type]


def issuer(**aws_api_gateway: Any) -> Callable[[], Any]:
    """A key with the issuer spelling, kept in Secrets Manager for a client's role."""
    args: dict[str, Any] = {
        "issuer": {"aws_api_gateway": aws_api_gateway},
        "backend": "aws-secrets-manager",
        "readers": [ROLE_ARN],
    }
    return lambda: SecureApiKey("acme", args)  # type: ignore[arg-type]


def deploys_in_order(before: Callable[[], Any], after: Callable[[], Any]) -> int:
    """Deploy ``before`` then ``after`` on the simulated cloud, where both existing plans cover the component's
    stage; a link AWS would refuse raises. Returns how many times the rule was checked."""
    cloud = Cloud()
    for plan_id, stages in EXISTING_PLANS.items():
        cloud.seed_usage_plan(plan_id, [f"{api}:{stage}" for api, stage in stages])
    scenario = Scenario(cloud)
    scenario.deploy(before)
    scenario.deploy(after)
    return cloud.checks["aws.apigateway-key.one-plan-per-stage"]


LINK_MOVES = {"acme-usage-plan-key": "replace-delete-first"}
MOVES = [
    pytest.param(alone(usage_plan_id="plan111"), alone(usage_plan_id="plan222"), LINK_MOVES, id="existing plan to another"),
    pytest.param(
        alone(usage_plan={"api_stages": STAGES}),
        alone(usage_plan_id="plan222"),
        {**LINK_MOVES, "acme-usage-plan": "delete"},
        id="created plan to existing",
    ),
    pytest.param(
        alone(usage_plan_id="plan111"),
        alone(usage_plan={"api_stages": STAGES}),
        {**LINK_MOVES, "acme-usage-plan": "create"},
        id="existing plan to created",
    ),
    pytest.param(issuer(usage_plan_id="plan111"), issuer(usage_plan_id="plan222"), LINK_MOVES, id="issuer spelling, stored copy"),
]


@pytest.mark.parametrize(("before", "after", "touched"), MOVES)
def test_moving_a_key_to_another_plan_leaves_the_old_plan_first(
    before: Callable[[], Any], after: Callable[[], Any], touched: dict[str, str]
) -> None:
    plan = plan_update(before, after)
    assert not plan.refused
    assert deploys_in_order(before, after) == 2  # the first link, then the new one: neither refused
    assert plan.op("acme-usage-plan-key") == "replace-delete-first"
    assert plan.index("delete", "acme-usage-plan-key") < plan.index("create-replacement", "acme-usage-plan-key")
    # Nothing else moves: the key, and its stored copy, stay, so clients keep the same value.
    assert plan.touched() == touched


def test_a_plan_the_component_created_goes_after_the_key_has_left_it() -> None:
    plan = plan_update(alone(usage_plan={"api_stages": STAGES}), alone(usage_plan_id="plan222"))
    assert plan.op("acme-usage-plan") == "delete"
    assert plan.index("create-replacement", "acme-usage-plan-key") < plan.index("delete", "acme-usage-plan")


def test_a_plan_the_component_creates_exists_before_the_key_joins_it() -> None:
    plan = plan_update(alone(usage_plan_id="plan111"), alone(usage_plan={"api_stages": STAGES}))
    assert plan.index("create", "acme-usage-plan") < plan.index("create-replacement", "acme-usage-plan-key")


def test_a_new_key_value_makes_the_new_key_before_the_old_one_leaves_its_plan() -> None:
    """A given ``value`` replaces the API key; the link follows it. The old key leaves the plan only once the new
    key exists, and is deleted last."""
    value = "CANARYapigwOld7fq2XbL9mNw4KzR8tY1vQ3hJ6d"
    new_value = "CANARYapigwNew7fq2XbL9mNw4KzR8tY1vQ3hJ6d"

    def with_value(key: str) -> Callable[[], Any]:
        args: dict[str, Any] = {"issuer": {"aws_api_gateway": {"usage_plan_id": "plan111", "value": key}}}
        return lambda: SecureApiKey("acme", args)  # type: ignore[arg-type]

    plan = plan_update(with_value(value), with_value(new_value))
    assert plan.op("acme-api-key") == "replace"
    assert plan.op("acme-usage-plan-key") == "replace-delete-first"
    assert plan.index("create-replacement", "acme-api-key") < plan.index("delete", "acme-usage-plan-key")
    assert plan.index("create-replacement", "acme-usage-plan-key") < plan.index("delete-replaced", "acme-api-key")


def test_editing_the_created_plan_keeps_the_key_in_it() -> None:
    """Throttle, quota and stages update the plan in place: the link is untouched, so no gap."""
    before = alone(usage_plan={"api_stages": STAGES, "throttle": {"rate_limit": 2, "burst_limit": 5}})
    after = alone(usage_plan={"api_stages": STAGES, "throttle": {"rate_limit": 10, "burst_limit": 20}})
    plan = plan_update(before, after)
    assert plan.touched() == {"acme-usage-plan": "update"}
