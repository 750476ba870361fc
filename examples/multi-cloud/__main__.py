"""One OpenAI key, stored in all three clouds, each copy readable only by that cloud's app identity.

    pulumi config set --secret openai_api_key sk-...
    pulumi config set gcp:project my-project
    pulumi config set azure-native:location westeurope
    pulumi up

The app in each cloud reads its copy with ``ai_keys.runtime.resolve(<secret_ref>)`` (see ``app.py``).
"""

import json

import pulumi
import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_gcp as gcp

from ai_keys import SecureApiKey

config = pulumi.Config()
openai_api_key = config.require_secret("openai_api_key")
common = {"value": openai_api_key, "description": "OpenAI key for the assistant", "tags": {"app": "assistant", "team": "ml"}}

# AWS: the app runs as a Lambda role.
aws_app = aws.iam.Role(
    "assistant",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
        }
    ),
)
aws_key = SecureApiKey(
    "openai-aws",
    {**common, "backend": "aws-secrets-manager", "readers": [aws_app.arn], "encryption": {"create_key": True}},
)

# Azure: the app runs with a user-assigned managed identity; the key goes into a vault made for it.
resource_group = azure_native.resources.ResourceGroup("assistant")
azure_app = azure_native.managedidentity.UserAssignedIdentity("assistant", resource_group_name=resource_group.name)
azure_key = SecureApiKey(
    "openai-azure",
    {
        **common,
        "backend": "azure-key-vault",
        # Known only at deploy time: named, so later edits of readers never move its grant.
        "readers_by_name": {"assistant": azure_app.principal_id},
        "azure": {"resource_group_name": resource_group.name, "create_vault": {}},
    },
)

# GCP: the app runs as a Cloud Run service account; the key is encrypted with a key of our own.
# Service account ids are unique per project: one per stack, so a second stack of this program can coexist.
gcp_app = gcp.serviceaccount.Account(
    "assistant", account_id=f"assistant-{pulumi.get_stack()}"[:30].lower(), display_name="Assistant app"
)
gcp_key = SecureApiKey(
    "openai-gcp",
    {
        **common,
        "backend": "gcp-secret-manager",
        "readers_by_name": {"assistant": gcp_app.member},
        "encryption": {"create_key": True},
    },
)

# What each app is configured with: a reference, never the key.
pulumi.export("aws_secret_ref", aws_key.secret_ref)
pulumi.export("azure_secret_ref", azure_key.secret_ref)
pulumi.export("gcp_secret_ref", gcp_key.secret_ref)
