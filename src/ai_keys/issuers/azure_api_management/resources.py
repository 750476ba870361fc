"""The resources of ``issuer.azure_api_management``: the product with its policy (unless an existing product is
named), the subscription on it, and its primary key read through ``listSubscriptionSecrets`` as a secret; with a
managed rotation, what the rotator needs to regenerate that subscription's keys (:func:`rotator_needs`)."""

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any, Optional

import pulumi

from ...rotation import RotatorNeeds
from ...rules import RotationSpec
from .. import IssuedKey
from .policy import render
from .rules import ApimOptions, Product

__all__ = ["API_MANAGEMENT_SERVICE_CONTRIBUTOR", "POLICY_FORMAT", "issue", "product_scope", "rotator_needs", "subscription_id"]

POLICY_FORMAT = "xml"
"""``PolicyContentFormat.XML``, the SDK's default: the value is an inline XML document. ``rawxml`` exists for
documents that are not well-formed XML (policy expressions with raw ``<`` or ``&``); the generated one always is."""
SUBSCRIPTION_SECRET_OUTPUTS = ["primaryKey", "secondaryKey"]
"""The subscription's key outputs, which azure-native does not mark secret (``apimanagement.Subscription``)."""
SID_MAX = 80
API_MANAGEMENT_SERVICE_CONTRIBUTOR = "312a565d-c81f-4fd8-895a-4e21e48d571c"
"""Built-in role "API Management Service Contributor" (learn.microsoft.com/azure/role-based-access-control/built-in-roles/
integration; actions ``Microsoft.ApiManagement/service/*``), assigned on the one subscription resource
(``.../service/{svc}/subscriptions/{sid}``), where it covers that subscription alone: its ``listSecrets``,
``regeneratePrimaryKey`` and ``regenerateSecondaryKey`` actions, and its read, write and delete. It is the only
built-in role holding ``Microsoft.ApiManagement/service/subscriptions/*/action``: the Service Operator and Reader
roles hold ``service/*/read`` only, and the workspace roles act on ``service/workspaces/...`` (a workspace's
subscriptions, not the service's). A custom role with the three actions alone would be narrower, but its name is
unique in the tenant and it asks the deployer for ``Microsoft.Authorization/roleDefinitions/write`` too; so the
built-in role, scoped to this subscription."""


def product_scope(product_id: str) -> str:
    """The subscription's scope for a product: ``/products/{productId}`` (the SDK's ``scope`` argument)."""
    return f"/products/{product_id}"


def subscription_id(component: str, scope: str, service: str, product: str) -> str:
    """The subscription's id: ``<component>-<8 hex>``, the digest of the stack, service and product, so two stacks
    never share a subscription, and moving to another product is a new subscription, made before the old one goes."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", component).strip("-._")[: SID_MAX - 9] or "key"
    digest = hashlib.sha256("\x00".join((scope, component, service, product)).encode()).hexdigest()[:8]
    return f"{base}-{digest}"


def _stack_scope() -> str:
    return f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"


def issue(
    name: str,
    options: ApimOptions,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
    rotation: Optional[RotationSpec] = None,
) -> IssuedKey:
    """The product and its policy (unless ``product_id`` names one), an active subscription on that product, and
    its primary key, a secret from the moment it is read."""
    import pulumi_azure_native as azure_native

    apim = azure_native.apimanagement
    child = pulumi.ResourceOptions(parent=parent)
    product_id: Any = options.product_id
    policy: Optional[pulumi.Resource] = None
    if options.product is not None:
        created, policy = _product(apim, name, options, options.product, child)
        product_id = created.name
    scope = _stack_scope()
    sid = pulumi.Output.all(options.service_name, product_id).apply(lambda a: subscription_id(name, scope, str(a[0]), str(a[1])))
    subscription = apim.Subscription(
        f"{name}-apim-subscription",
        sid=sid,
        service_name=options.service_name,
        resource_group_name=options.resource_group_name,
        scope=pulumi.Output.from_input(product_id).apply(lambda p: product_scope(str(p))),
        display_name=options.subscription_display_name or name[:100],
        # Created active: the default state, submitted, would leave the key unusable until approved.
        state=apim.SubscriptionState.ACTIVE,
        # Tracing lets a caller ask the gateway for its policy trace; a client key has no use for it.
        allow_tracing=False,
        opts=pulumi.ResourceOptions(
            parent=parent,
            additional_secret_outputs=SUBSCRIPTION_SECRET_OUTPUTS,
            # A key on another product is a new key (its counters start at zero), made before the old one is
            # deleted: the scope could be updated in place, but then the key would carry the old budget's usage.
            replace_on_changes=["scope"],
            # The policy holds the limits: the key is handed out once they are in force.
            depends_on=[policy] if policy is not None else None,
        ),
    )
    invoke = pulumi.InvokeOutputOptions(parent=parent, depends_on=list(depends_on) or None)
    secrets = apim.list_subscription_secrets_output(
        resource_group_name=options.resource_group_name,
        service_name=options.service_name,
        sid=subscription.name,
        opts=invoke,
    )
    # Secret before anything else touches it: azure-native returns the keys as plain outputs.
    value: pulumi.Output[str] = pulumi.Output.secret(secrets.apply(lambda result: str(result.primary_key)))
    issued_key_id = subscription.id.apply(lambda sub: f"{sub}#primary")
    if rotation is None or not rotation.managed:
        return IssuedKey(value=value, issued_key_id=issued_key_id)
    return IssuedKey(value=value, issued_key_id=issued_key_id, rotator=rotator_needs(subscription.id))


def rotator_needs(subscription_arm_id: Any) -> RotatorNeeds:
    """The rotator's settings and grant: read and regenerate this subscription's two keys (the first key is the
    primary read at deploy, so the rotator does not make it)."""
    return RotatorNeeds(
        issuer="azure_api_management",
        env={"AIKEYS_APIM_SUBSCRIPTION_ID": subscription_arm_id},
        azure_role_assignments=[(subscription_arm_id, API_MANAGEMENT_SERVICE_CONTRIBUTOR)],
        first_key_by_rotator=False,
    )


def _product(
    apim: Any, name: str, options: ApimOptions, product: Product, child: pulumi.ResourceOptions
) -> tuple[Any, pulumi.Resource]:
    created = apim.Product(
        f"{name}-apim-product",
        product_id=product.name,
        display_name=product.display_name,
        service_name=options.service_name,
        resource_group_name=options.resource_group_name,
        description="Client keys with a token budget, managed by ai-keys.",
        # Protected: every call needs a subscription key. Not published: hidden from the developer portal, so no one
        # subscribes to it there; the component makes its subscriptions.
        subscription_required=True,
        state=apim.ProductState.NOT_PUBLISHED,
        opts=child,
    )
    in_product = pulumi.ResourceOptions(parent=created)
    for api_id in product.api_ids:
        apim.ProductApi(
            f"{name}-apim-api-{api_id}",
            api_id=api_id,
            product_id=created.name,
            service_name=options.service_name,
            resource_group_name=options.resource_group_name,
            opts=in_product,
        )
    policy = apim.ProductPolicy(
        f"{name}-apim-policy",
        product_id=created.name,
        policy_id="policy",
        service_name=options.service_name,
        resource_group_name=options.resource_group_name,
        format=POLICY_FORMAT,
        value=render(product.policy, "issuer.azure_api_management.product"),
        opts=in_product,
    )
    return created, policy
