"""Create a Gemini API key in a GCP project and keep it in AWS Secrets Manager, readable only by an app's role.

pulumi config set aws:region us-east-1
pulumi config set gcp:project my-project
pulumi up
"""

import json

import pulumi
import pulumi_aws as aws

from ai_keys import SecureApiKey

# The GCP project the key is made in (its Gemini API must be enabled); the key itself is kept in AWS.
project = pulumi.Config("gcp").require("project")

# The identity of the app on AWS that calls Gemini: only this role may read the key.
summarizer_role = aws.iam.Role(
    "summarizer",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
        }
    ),
)

gemini_key = SecureApiKey(
    "gemini",
    {
        "backend": "aws-secrets-manager",
        # Google makes the key: restricted to the Gemini API, bound to a service account the component creates
        # with no roles (give service_account_email to bind it to one of yours).
        "issuer": {"gemini": {"project": project, "display_name": "Summarizer on AWS (Gemini)"}},
        "description": "Gemini key for the summarizer on AWS Lambda",
        "readers": [summarizer_role.arn],
        "encryption": {"create_key": True},
        "tags": {"team": "ml", "app": "summarizer"},
    },
)

# The app reads the key at run time with ai_keys.runtime.resolve(<this ARN>); the value is never exported.
pulumi.export("secret_ref", gemini_key.secret_ref)
pulumi.export("issued_key_id", gemini_key.issued_key_id)
pulumi.export("summarizer_role_arn", summarizer_role.arn)
