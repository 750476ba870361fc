"""IAM and KMS policy documents for a Secrets Manager secret, as plain dicts (easy to test)."""

from collections.abc import Sequence
from typing import Any

READ_ACTION = "secretsmanager:GetSecretValue"


def replica_arn(primary_arn: str, region: str) -> str:
    """A replica's ARN equals the primary's with the region swapped."""
    parts = primary_arn.split(":")
    parts[3] = region
    return ":".join(parts)


def secret_read_policy(readers: Sequence[str], secret_arns: Sequence[str]) -> dict[str, Any]:
    """Resource policy: the readers may read this secret (and its replicas) and nothing else."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadThisSecretOnly",
                "Effect": "Allow",
                "Principal": {"AWS": sorted(readers)},
                "Action": READ_ACTION,
                "Resource": list(secret_arns),
            }
        ],
    }


def key_policy(*, account_root: str, readers: Sequence[str], key_region: str, secret_arn: str) -> dict[str, Any]:
    """Key policy: the account administers the key through IAM; readers may decrypt only through
    Secrets Manager in the key's region and only for this secret."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministersKeyThroughIam",
                "Effect": "Allow",
                "Principal": {"AWS": account_root},
                "Action": "kms:*",
                "Resource": "*",  # in a key policy, "*" means this key
            },
            {
                "Sid": "ReadersDecryptThisSecretViaSecretsManager",
                "Effect": "Allow",
                "Principal": {"AWS": sorted(readers)},
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": f"secretsmanager.{key_region}.amazonaws.com",
                        "kms:EncryptionContext:SecretARN": secret_arn,
                    },
                },
            },
        ],
    }
