"""Store an OpenAI API key in AWS Secrets Manager, readable only by the summarizer's role.

pulumi config set --secret openai_api_key sk-...
pulumi config set rotation_lambda_arn arn:aws:lambda:...:function:rotate-openai   # optional
pulumi up
"""

import json

import pulumi
import pulumi_aws as aws

from ai_keys import SecureApiKey

config = pulumi.Config()

# The identity of the app that calls OpenAI: only this role may read the key.
summarizer_role = aws.iam.Role(
    "summarizer",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
        }
    ),
)

rotation_lambda_arn = config.get("rotation_lambda_arn")

openai_key = SecureApiKey(
    "openai",
    {
        "backend": "aws-secrets-manager",
        "value": config.require_secret("openai_api_key"),
        "description": "OpenAI key for the summarizer",
        "readers": [summarizer_role.arn],
        "encryption": {"create_key": True},
        "replica_regions": [config.get("replica_region") or "eu-west-1"],
        "rotation": {"every_days": 90, "aws_lambda_arn": rotation_lambda_arn} if rotation_lambda_arn else None,
        "tags": {"team": "ml", "app": "summarizer"},
    },
)

# The app reads the key at run time with ai_keys.runtime.resolve(<this ARN>); the value is never exported.
pulumi.export("openai_key_ref", openai_key.secret_ref)
pulumi.export("openai_key_kms_key", openai_key.kms_key_id)
pulumi.export("summarizer_role_arn", summarizer_role.arn)
