"""Store key1 of an existing Azure OpenAI account in a Key Vault the component creates, readable only by the app's
managed identity.

pulumi config set azure-native:location eastus
pulumi config set account_name my-aoai
pulumi config set account_resource_group rg-ai
pulumi config set key key2   # optional (default key1)
pulumi up
"""

import pulumi
import pulumi_azure_native as azure_native

from ai_keys import SecureApiKey

config = pulumi.Config()
# The existing Azure OpenAI (Cognitive Services) account, and the resource group it is in.
account_name = config.require("account_name")
account_resource_group = config.require("account_resource_group")
# Which of the account's two keys to store: key1, or key2 while key1 is being regenerated.
which_key = config.get("key") or "key1"

# The app's own resource group, for its identity and the vault (the account stays where it is).
resource_group = azure_native.resources.ResourceGroup("assistant")

# The identity the app runs as (attach it to the Container App, Function or VM): only it may read the key.
app_identity = azure_native.managedidentity.UserAssignedIdentity("assistant", resource_group_name=resource_group.name)

openai_key = SecureApiKey(
    "azure-openai",
    {
        "backend": "azure-key-vault",
        # Reads the account's key with listKeys and makes it a Pulumi secret at once; an account with local
        # (key) authentication disabled is refused.
        "issuer": {
            "azure_ai_services": {"account_name": account_name, "resource_group_name": account_resource_group, "key": which_key}
        },
        "description": "Azure OpenAI key for the assistant",
        # Known only at deploy time: on Azure each reader gets its own role assignment, keyed by this name.
        "readers_by_name": {"assistant": app_identity.principal_id},
        "azure": {
            "resource_group_name": resource_group.name,
            # A dedicated vault: RBAC only, soft delete (90 days), purge protection, firewall denying all but
            # trusted Azure services.
            "create_vault": {},
            "content_type": "text/plain",
        },
        "tags": {"team": "ml", "app": "assistant"},
    },
)

# The app reads the key at run time with ai_keys.runtime.resolve(<this URL>); the value is never exported.
pulumi.export("secret_ref", openai_key.secret_ref)
pulumi.export("issued_key_id", openai_key.issued_key_id)
pulumi.export("app_identity_client_id", app_identity.client_id)
