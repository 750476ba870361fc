"""The ``aws-api-gateway`` store's resources: an API key for one client of your AI service, the usage plan it
belongs to (created here, or an existing one) and the ``UsagePlanKey`` linking them; optionally a copy
of the key in Secrets Manager, made by :func:`ai_keys.stores.aws_secrets_manager.resources.create`, so the
client's app reads it through ``secret_ref`` like any other key.

The key's value leaves this module only as a Pulumi secret: ``ApiKey.value`` is marked by the SDK, and
``UsagePlanKey.value`` (which AWS fills with the key in plaintext) is marked here.
"""

import dataclasses
from typing import Optional

import pulumi
import pulumi_aws as aws

from ...rotation import PLACEHOLDER, RotatorNeeds
from ...rules import KeySpec, checked_value
from ...rules.deploy_time import at_deploy
from .._inputs import str_input
from ..aws_secrets_manager import resources as secrets_manager
from ..result import BackendResult
from ._plan import create_usage_plan
from .rules import KEY_VALUE_MAX, VALUE_FIELD, ApiGatewayOptions, check_key_value, options_of

KEY_TYPE = "API_KEY"  # the only key type a usage plan accepts


def create(
    name: str,
    spec: KeySpec,
    parent: pulumi.Resource,
    value: "Optional[pulumi.Output[str]]" = None,
    *,
    rotator: Optional[RotatorNeeds] = None,
) -> BackendResult:
    """Create the API key, its usage plan (unless an existing one is named) and the plan key. API Gateway makes the
    key (or takes ``spec.value``, the ``issuer.aws_api_gateway.value`` the user brought), so no issued ``value`` comes
    here. With a managed rotation the rotator makes every key: only the plan, and the copy in Secrets Manager with
    the rotator beside it (this store is its own issuer, so it says what the rotator needs: ``rotator`` is None)."""
    del value, rotator
    options = options_of(spec)
    if spec.rotation is not None and spec.rotation.managed:
        return _rotated(name, spec, options, parent)
    api_key = _api_key(name, spec, options, parent)
    plan_id: pulumi.Output[str] = (
        create_usage_plan(name, options.usage_plan, spec.tags, parent).id
        if options.usage_plan is not None
        else pulumi.Output.from_input(str_input(options.usage_plan_id))
    )
    aws.apigateway.UsagePlanKey(
        f"{name}-usage-plan-key",
        key_id=api_key.id,
        key_type=KEY_TYPE,
        usage_plan_id=plan_id,
        opts=pulumi.ResourceOptions(
            parent=parent,
            # AWS returns the key's value on the plan key too, and the SDK does not mark it secret.
            additional_secret_outputs=["value"],
            # A key may be in one plan per API stage, and a new plan id replaces this link: created first, the new
            # link is refused (ConflictException) while the old plan still covers a shared stage. So the key leaves
            # the old plan first, and is in no plan (403 on every stage) until the new link exists, a few seconds.
            delete_before_replace=True,
        ),
    )
    key_value: pulumi.Output[str] = pulumi.Output.secret(api_key.value)
    if options.secrets_manager is None:
        # An API key's value never changes in place (a new value is a new key), so its id is its version.
        return BackendResult(
            secret_id=api_key.id,
            secret_ref=api_key.id,
            version_id=api_key.id,
            value=key_value,
            api_key_id=api_key.id,
            usage_plan_id=plan_id,
        )
    stored = secrets_manager.create(name, spec, parent, key_value, options=options.secrets_manager)
    return dataclasses.replace(stored, secret_id=api_key.id, api_key_id=api_key.id, usage_plan_id=plan_id)


def _api_key(name: str, spec: KeySpec, options: ApiGatewayOptions, parent: pulumi.Resource) -> aws.apigateway.ApiKey:
    given: Optional[pulumi.Output[str]] = None
    if spec.value is not None:
        # Plain strings were checked by the spec; an Output is checked when it resolves, still as a secret.
        given = at_deploy(checked_value(spec.value, max_bytes=KEY_VALUE_MAX, field_name=VALUE_FIELD), check_key_value)
    rotating = spec.rotation is not None and given is not None
    return aws.apigateway.ApiKey(
        f"{name}-api-key",
        name=spec.name,
        description=spec.description,
        enabled=options.enabled,
        customer_id=options.customer_id,
        value=given,
        tags=dict(spec.tags) or None,
        # With rotation on, the rotator owns the key: a changed config value must not replace it.
        opts=pulumi.ResourceOptions(parent=parent, ignore_changes=["value"] if rotating else None),
    )


def _rotated(name: str, spec: KeySpec, options: ApiGatewayOptions, parent: pulumi.Resource) -> BackendResult:
    """The usage plan, and the copy in Secrets Manager holding the placeholder until the rotator's first key, with
    the rotator beside it: it makes each key in this plan, probing the plan's first stage until the key works."""
    from ...issuers import aws_api_gateway as issuer

    plan = options.usage_plan
    if plan is None or not plan.api_stages or options.secrets_manager is None:
        raise ValueError("a rotated API Gateway key has a plan made here, with stages, and a copy")  # the rules say so
    plan_id = create_usage_plan(name, plan, spec.tags, parent).id
    invoke = pulumi.InvokeOutputOptions(parent=parent)
    region = aws.get_region_output(opts=invoke).region
    partition = aws.get_partition_output(opts=invoke)
    first = plan.api_stages[0]
    probe_path = options.probe_path
    url = pulumi.Output.all(first.api_id, first.stage, region, partition.dns_suffix).apply(
        lambda a: issuer.probe_url(str(a[0]), str(a[1]), str(a[2]), str(a[3]), probe_path)
    )
    scope = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
    needs = issuer.rotator_needs(plan_id, url, issuer.key_prefix(name, scope), partition.partition, region)
    stored = secrets_manager.create(
        name, spec, parent, pulumi.Output.secret(PLACEHOLDER), options=options.secrets_manager, rotator=needs
    )
    return dataclasses.replace(stored, usage_plan_id=plan_id)
