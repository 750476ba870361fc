"""Rotation on Key Vault: an Event Grid subscription that sends this secret's ``SecretNearExpiry`` events
to the user's webhook or Azure Function (Key Vault itself does not rotate secrets)."""

from typing import Any, Optional

import pulumi
import pulumi_azure_native as azure_native

from ...rules import RotationSpec
from .._inputs import str_input
from . import _names

NEAR_EXPIRY_EVENT = "Microsoft.KeyVault.SecretNearExpiry"


def near_expiry_subscription(
    name: str, rotation: RotationSpec, vault_id: "pulumi.Output[str]", secret_name: str, parent: pulumi.Resource
) -> Optional[azure_native.eventgrid.EventSubscription]:
    """The subscription, or None when rotation names no handler (then the expiry alone is set)."""
    webhook, function = rotation.azure_webhook_url, rotation.azure_function_id
    if webhook is None and function is None:
        return None
    destination: Any
    if webhook is not None:
        # Webhook URLs usually carry an access code: keep the URL secret in inputs, state and outputs.
        destination = azure_native.eventgrid.WebHookEventSubscriptionDestinationArgs(
            endpoint_type="WebHook", endpoint_url=pulumi.Output.secret(str_input(webhook))
        )
    else:
        destination = azure_native.eventgrid.AzureFunctionEventSubscriptionDestinationArgs(
            endpoint_type="AzureFunction", resource_id=str_input(function)
        )
    return azure_native.eventgrid.EventSubscription(
        f"{name}-near-expiry",
        scope=vault_id,
        event_subscription_name=_names.event_subscription_name(secret_name),
        destination=destination,
        event_delivery_schema="EventGridSchema",
        filter=azure_native.eventgrid.EventSubscriptionFilterArgs(
            included_event_types=[NEAR_EXPIRY_EVENT],
            # Key Vault events carry the secret's name as their subject: only this secret's events pass.
            advanced_filters=[
                azure_native.eventgrid.StringInAdvancedFilterArgs(key="subject", operator_type="StringIn", values=[secret_name])
            ],
        ),
        opts=pulumi.ResourceOptions(parent=parent, additional_secret_outputs=["destination"] if webhook is not None else None),
    )
