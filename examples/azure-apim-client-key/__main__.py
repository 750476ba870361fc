"""Issue an Azure API Management subscription key to one client of your AI service, on a product whose policy holds
the client's token budget, and keep it in a Key Vault that only the client's identity can read.

pulumi config set azure-native:location eastus
pulumi config set apim_service apim-ai              # your API Management service, with your LLM API in it
pulumi config set apim_resource_group rg-ai
pulumi config set llm_api_id openai                  # the id of that LLM API in the service
pulumi config set client_principal_id <object id>    # the client's managed identity or service principal
pulumi up
"""

import pulumi
import pulumi_azure_native as azure_native

from ai_keys import SecureApiKey

config = pulumi.Config()
apim_service = config.require("apim_service")
apim_resource_group = config.require("apim_resource_group")

# A resource group of its own for the client's vault (the API Management service stays where it is).
resource_group = azure_native.resources.ResourceGroup("acme-keys")

acme_key = SecureApiKey(
    "acme",
    {
        "backend": "azure-key-vault",
        # The client's own identity reads its key, and nothing else: hand it over without sending it anywhere.
        "readers": [config.require("client_principal_id")],
        "issuer": {
            "azure_api_management": {
                "service_name": apim_service,
                "resource_group_name": apim_resource_group,
                "product": {
                    "name": "inference-free",
                    "display_name": "Inference (free tier)",
                    "api_ids": [config.get("llm_api_id") or "openai"],
                    # Per key: 5,000 tokens a minute (429 over it) and 1,000,000 a month (403 over it).
                    "token_limit": {"tokens_per_minute": 5000, "token_quota": 1_000_000, "token_quota_period": "Monthly"},
                    # And 60 calls a minute, whatever their size.
                    "rate_limit": {"calls": 60, "renewal_period_seconds": 60},
                },
                # Per-key token counts in Application Insights (the service must log to it).
                "emit_token_metric": True,
                "subscription_display_name": "Acme (free tier)",
            }
        },
        "description": "API Management key of the Acme client",
        "azure": {"resource_group_name": resource_group.name, "create_vault": {}},
        "tags": {"team": "platform", "client": "acme"},
    },
)

# The client reads the key with ai_keys.runtime.resolve(<this URL>); the value is never exported.
pulumi.export("secret_ref", acme_key.secret_ref)
pulumi.export("issued_key_id", acme_key.issued_key_id)
