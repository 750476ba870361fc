"""Create an Amazon Bedrock API key for two models and store it in AWS Secrets Manager, readable only by the app's role.

pulumi config set aws:region us-east-1
# optional: the models the key may invoke
pulumi config set --path 'models[0]' arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0
pulumi config set expires_in_days 30   # optional (default 90)
pulumi up
"""

import json

import pulumi
import pulumi_aws as aws

from ai_keys import SecureApiKey

config = pulumi.Config()
region = pulumi.Config("aws").get("region") or "us-east-1"

# The only models the key may invoke (foundation models have no account id in their ARNs).
models = config.get_object("models") or [
    f"arn:aws:bedrock:{region}::foundation-model/amazon.nova-lite-v1:0",
    f"arn:aws:bedrock:{region}::foundation-model/amazon.nova-micro-v1:0",
]
expires_in_days = config.get_int("expires_in_days") or 90

# The identity of the app that calls Bedrock: only this role may read the key.
assistant_role = aws.iam.Role(
    "assistant",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
        }
    ),
)

bedrock_key = SecureApiKey(
    "bedrock",
    {
        "backend": "aws-secrets-manager",
        # An IAM user made for the key, allowed to invoke these models only, and its Bedrock API key, which
        # expires after expires_in_days.
        "issuer": {"bedrock": {"models": models, "expires_in_days": expires_in_days}},
        "description": "Bedrock key for the assistant",
        "readers": [assistant_role.arn],
        "encryption": {"create_key": True},
        "tags": {"team": "ml", "app": "assistant"},
    },
)

# The app reads the key at run time with ai_keys.runtime.resolve(<this ARN>); the value is never exported.
pulumi.export("secret_ref", bedrock_key.secret_ref)
pulumi.export("issued_key_id", bedrock_key.issued_key_id)
pulumi.export("assistant_role_arn", assistant_role.arn)
