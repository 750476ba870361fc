"""IAM and KMS policy documents for a Secrets Manager secret, as plain dicts (easy to test)."""

from collections.abc import Sequence
from typing import Any

from ..errors import SecureApiKeyError

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


def account_of(arn: str) -> str:
    """The account id field of an ARN (``arn:PARTITION:SERVICE:REGION:ACCOUNT:...``)."""
    return arn.split(":")[4]


def refuse_readers_outside_the_account(readers: Sequence[str], secret_arn: str) -> None:
    """Secrets encrypted with the AWS managed key ``aws/secretsmanager`` cannot be read from another account
    (its key policy only trusts the owning account), so such a grant would only ever fail at run time."""
    owner = account_of(secret_arn)
    for index, reader in enumerate(readers):
        if account_of(reader) != owner:
            raise SecureApiKeyError(
                f"readers[{index}]",
                f"is in account {account_of(reader)}, but the secret is in account {owner} and encrypted with the AWS "
                "managed key, which other accounts can never use to decrypt it",
                "principals of the secret's own account, or set encryption.create_key (or encryption.key_id) "
                "so the key can grant the other account kms:Decrypt",
            )


def key_policy(
    *, account_root: str, readers: Sequence[str], key_region: str, secret_arn: str, dns_suffix: str = "amazonaws.com"
) -> dict[str, Any]:
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
                        "kms:ViaService": f"secretsmanager.{key_region}.{dns_suffix}",
                        "kms:EncryptionContext:SecretARN": secret_arn,
                    },
                },
            },
        ],
    }
