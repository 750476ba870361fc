"""Rotation on Key Vault: an Event Grid subscription that sends this secret's ``SecretNearExpiry`` events to the
managed rotator, or to the user's webhook or Azure Function (Key Vault itself does not rotate secrets)."""

from collections.abc import Sequence
from typing import Any, Optional

import pulumi
import pulumi_azure_native as azure_native

from ...rules import RotationSpec
from .._inputs import str_input
from . import _names

NEAR_EXPIRY_EVENT = "Microsoft.KeyVault.SecretNearExpiry"
NEW_VERSION_EVENT = "Microsoft.KeyVault.SecretNewVersionCreated"
"""Sent for every version written; the managed rotator acts on it only while the placeholder is current."""
DELIVERY_ATTEMPTS, EVENT_TTL_MINUTES = 30, 1440
"""Event Grid's own retry limits (its defaults, written out): a failed run is delivered again for up to a day
(https://learn.microsoft.com/azure/event-grid/delivery-and-retry)."""


def near_expiry_subscription(
    name: str,
    rotation: RotationSpec,
    vault_id: "pulumi.Output[str]",
    secret_name: str,
    parent: pulumi.Resource,
    *,
    rotator_function_id: "Optional[pulumi.Output[str]]" = None,
    new_versions: bool = False,
    after: "Sequence[pulumi.Resource]" = (),
) -> Optional[azure_native.eventgrid.EventSubscription]:
    """The subscription, or None when rotation names no handler (then the expiry alone is set).

    ``rotator_function_id`` (``<app id>/functions/rotate``) is the managed rotator's function, the destination when
    given; ``new_versions`` also sends ``SecretNewVersionCreated`` (the placeholder's is the rotator's first run).
    ``after``: what the subscription waits for (Event Grid checks that a destination function exists).
    """
    webhook, function = rotation.azure_webhook_url, rotation.azure_function_id
    if webhook is None and function is None and rotator_function_id is None:
        return None
    destination: Any
    if rotator_function_id is not None:
        # The resource id form Event Grid takes for a function: /subscriptions/.../providers/Microsoft.Web/sites/APP/
        # functions/FUNCTION (https://learn.microsoft.com/azure/event-grid/handler-functions). One event per call.
        destination = azure_native.eventgrid.AzureFunctionEventSubscriptionDestinationArgs(
            endpoint_type="AzureFunction", resource_id=rotator_function_id, max_events_per_batch=1
        )
    elif webhook is not None:
        # Webhook URLs usually carry an access code: keep the URL secret in inputs, state and outputs.
        destination = azure_native.eventgrid.WebHookEventSubscriptionDestinationArgs(
            endpoint_type="WebHook", endpoint_url=pulumi.Output.secret(str_input(webhook))
        )
    else:
        destination = azure_native.eventgrid.AzureFunctionEventSubscriptionDestinationArgs(
            endpoint_type="AzureFunction", resource_id=str_input(function)
        )
    managed = rotator_function_id is not None
    return azure_native.eventgrid.EventSubscription(
        f"{name}-near-expiry",
        scope=vault_id,
        event_subscription_name=_names.event_subscription_name(secret_name),
        destination=destination,
        event_delivery_schema="EventGridSchema",
        filter=azure_native.eventgrid.EventSubscriptionFilterArgs(
            included_event_types=[NEAR_EXPIRY_EVENT, *([NEW_VERSION_EVENT] if new_versions else [])],
            # Key Vault events carry the secret's name as their subject: only this secret's events pass.
            advanced_filters=[
                azure_native.eventgrid.StringInAdvancedFilterArgs(key="subject", operator_type="StringIn", values=[secret_name])
            ],
        ),
        retry_policy=azure_native.eventgrid.RetryPolicyArgs(
            max_delivery_attempts=DELIVERY_ATTEMPTS, event_time_to_live_in_minutes=EVENT_TTL_MINUTES
        )
        if managed
        else None,
        opts=pulumi.ResourceOptions(
            parent=parent,
            additional_secret_outputs=["destination"] if webhook is not None and not managed else None,
            depends_on=list(after) or None,
        ),
    )
