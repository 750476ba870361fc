"""IAM and KMS policy documents for a Secrets Manager secret, as plain dicts (easy to test)."""

from collections.abc import Sequence
from typing import Any, Optional

from ...errors import SecureApiKeyError
from .rules import READ_ACTION, refuse_an_oversized_policy, secret_read_policy

__all__ = ["READ_ACTION", "account_of", "key_policy", "refuse_an_oversized_policy", "replica_arn", "secret_read_policy"]


def replica_arn(primary_arn: str, region: str) -> str:
    """A replica's ARN equals the primary's with the region swapped."""
    parts = primary_arn.split(":")
    parts[3] = region
    return ":".join(parts)


def account_of(arn: str) -> str:
    """The account id field of an ARN (``arn:PARTITION:SERVICE:REGION:ACCOUNT:...``)."""
    return arn.split(":")[4]


def refuse_readers_in_another_partition(readers: Sequence[str], paths: Sequence[str], secret_arn: str) -> None:
    """IAM trusts no principal across partitions (aws, aws-cn, aws-us-gov): such a reader could never read."""
    partition = secret_arn.split(":")[1]
    for reader, path in zip(readers, paths, strict=True):
        if reader.split(":")[1] != partition:
            raise SecureApiKeyError(
                path,
                f"is in partition {reader.split(':')[1]}, but the secret is in {partition}",
                f"a principal of the {partition} partition",
            )


def refuse_readers_outside_the_account(readers: Sequence[str], paths: Sequence[str], secret_arn: str) -> None:
    """Secrets encrypted with the AWS managed key ``aws/secretsmanager`` cannot be read from another account
    (its key policy only trusts the owning account), so such a grant would only ever fail at run time."""
    owner = account_of(secret_arn)
    for reader, path in zip(readers, paths, strict=True):
        if account_of(reader) != owner:
            raise SecureApiKeyError(
                path,
                f"is in account {account_of(reader)}, but the secret is in account {owner} and encrypted with the AWS "
                "managed key, which other accounts can never use to decrypt it",
                "principals of the secret's own account, or set encryption.create_key (or encryption.key_id) "
                "so the key can grant the other account kms:Decrypt",
            )


def key_policy(
    *,
    account_root: str,
    readers: Sequence[str],
    key_region: str,
    secret_arn: str,
    primary_arn: Optional[str] = None,
    dns_suffix: str = "amazonaws.com",
) -> dict[str, Any]:
    """Key policy: the account administers the key through IAM; readers may decrypt only through
    Secrets Manager in the key's region and only for this secret.

    A replica's key (``primary_arn`` given) accepts the replica's ARN and the primary's as the encryption
    context: AWS documents the context as "the ARN of the secret" without saying which one a replica's reads
    carry, and both name this one secret, so neither choice widens the grant."""
    context: Any = secret_arn if primary_arn is None else [secret_arn, primary_arn]
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
                        "kms:EncryptionContext:SecretARN": context,
                    },
                },
            },
        ],
    }
