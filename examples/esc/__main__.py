"""An OpenAI key in AWS Secrets Manager, opened by reference from a Pulumi ESC environment.

    pulumi stack init prod
    pulumi config set --secret openai_api_key sk-...
    pulumi config set esc_organization acme        # your Pulumi organization
    pulumi up
    esc run acme/ai/prod -- python app.py          # the app reads OPENAI_API_KEY

The environment holds no copy of the key: each time it is opened, ESC logs in to AWS with OIDC (the role below,
which only Pulumi Cloud tokens for this organization can assume) and reads the secret. That role is granted read on
this secret alone, as `readers` are.
"""

import json

import pulumi
import pulumi_aws as aws

from ai_keys import SecureApiKey

config = pulumi.Config()
organization = config.get("esc_organization") or "acme"
account_id = aws.get_caller_identity_output().account_id

# The role ESC assumes: Pulumi Cloud's OIDC issuer, audience the organization (set up once per account:
# an IAM OIDC provider for https://api.pulumi.com/oidc, as Pulumi's OIDC guide shows).
esc_role = aws.iam.Role(
    "esc",
    assume_role_policy=account_id.apply(
        lambda account_id: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Federated": f"arn:aws:iam::{account_id}:oidc-provider/api.pulumi.com/oidc"},
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": {"StringEquals": {"api.pulumi.com/oidc:aud": organization}},
                    }
                ],
            }
        )
    ),
)

key = SecureApiKey(
    "openai",
    {
        "backend": "aws-secrets-manager",
        "value": config.require_secret("openai_api_key"),
        "description": "OpenAI key, handed out by ESC",
        "esc": {
            # One environment per stack: acme/ai/prod for the prod stack.
            "environment": f"{organization}/ai/{pulumi.get_stack()}",
            "login": {"role_arn": esc_role.arn},
            "variable": "OPENAI_API_KEY",
        },
    },
)

pulumi.export("openai_key_ref", key.secret_ref)
pulumi.export("esc_environment", key.esc_environment)
pulumi.export("esc_role_arn", esc_role.arn)
