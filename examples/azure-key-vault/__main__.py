"""Store an Anthropic API key in a Key Vault the component creates, readable only by an app's managed identity.

pulumi config set azure-native:location westeurope
pulumi config set --secret anthropic_api_key
pulumi config set app_principal_id <principal id of the app's managed identity>
pulumi config set rotation_function_id <resource id of the rotator Function>   # optional
pulumi up
"""

import pulumi
import pulumi_azure_native as azure_native

from ai_keys import SecureApiKey

config = pulumi.Config()

# The object (principal) id of the app's managed identity: only it may read the key.
# Replace the placeholder with `pulumi config set app_principal_id ...` before `pulumi up`.
app_principal_id = config.get("app_principal_id") or "00000000-0000-0000-0000-00000000a11c"
# Optional: resource id of the Azure Function that rotates the key (.../providers/Microsoft.Web/sites/<app>/functions/<fn>).
rotation_function_id = config.get("rotation_function_id")
# Public IPv4 addresses or CIDR ranges allowed through the vault's firewall (the app's outbound IPs).
allowed_ips = config.get_object("allowed_ips") or []

resource_group = azure_native.resources.ResourceGroup("ai-keys")

anthropic_key = SecureApiKey(
    "anthropic",
    {
        "backend": "azure-key-vault",
        "value": config.require_secret("anthropic_api_key"),
        "description": "Anthropic key for the assistant",
        "readers": [app_principal_id],
        # With a rotator Function, the secret expires in 90 days and an Event Grid subscription sends the
        # Function the SecretNearExpiry event 30 days before (rotation.azure_webhook_url works too). Without one
        # there is no rotation: an expiry nothing acts on would take the key away from the app.
        **({"rotation": {"every_days": 90, "azure_function_id": rotation_function_id}} if rotation_function_id else {}),
        "azure": {
            "resource_group_name": resource_group.name,
            # A dedicated vault: RBAC only, soft delete (90 days), purge protection, firewall denying all
            # but trusted Azure services and the IPs below.
            "create_vault": {"network": {"ip_rules": allowed_ips}},
            "content_type": "text/plain",
        },
        "tags": {"team": "ml", "app": "assistant"},
    },
)

# The app reads the key at run time with ai_keys.runtime.resolve(<this URL>); the value is never exported.
pulumi.export("secret_ref", anthropic_key.secret_ref)
pulumi.export("secret_id", anthropic_key.secret_id)
