"""Issue an Apigee consumer key to one client of your AI service, from a developer app on an API product with a
daily quota, and keep it in Google Cloud Secret Manager, readable only by the client's service account.

pulumi config set gcp:project my-project
pulumi config set client_member serviceAccount:acme@acme-project.iam.gserviceaccount.com
pulumi config set apigee_environment prod         # optional, default prod
pulumi config set apigee_proxy inference          # optional: the API proxy that fronts your model
pulumi up
"""

import pulumi

from ai_keys import SecureApiKey

config = pulumi.Config()
project = pulumi.Config("gcp").require("project")
# Apigee names the organization after its Google Cloud project.
org_id = f"organizations/{project}"

acme_key = SecureApiKey(
    "acme",
    {
        "backend": "gcp-secret-manager",
        "gcp": {"project": project},
        # The client's own identity reads its key, and nothing else: hand it over without sending it anywhere.
        "readers": [config.require("client_member")],
        "issuer": {
            "apigee": {
                "org_id": org_id,
                "developer": {
                    "email": "platform@acme.example",
                    "first_name": "Acme",
                    "last_name": "Platform",
                    "user_name": "acme-platform",
                },
                "app_name": "acme-assistant",
                "product": {
                    "name": "inference-free",
                    "display_name": "Inference (free tier)",
                    "environments": [config.get("apigee_environment") or "prod"],
                    "proxies": [config.get("apigee_proxy") or "inference"],
                    # 10,000 calls a day per app, counted by the Quota policy of the proxy.
                    "quota": 10_000,
                    "quota_interval": 1,
                    "quota_time_unit": "day",
                },
            }
        },
        "description": "Apigee key of the Acme client",
        "tags": {"team": "platform", "client": "acme"},
    },
)

# The client reads the key with ai_keys.runtime.resolve(<this name>); the value is never exported.
pulumi.export("secret_ref", acme_key.secret_ref)
pulumi.export("issued_key_id", acme_key.issued_key_id)
