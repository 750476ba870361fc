"""The ``aws-secrets-manager`` store: a Secrets Manager secret and its first version, with the KMS keys, read
policy, rotation and replicas the args ask for around it.

This entry is what the registry (:mod:`ai_keys.stores`) reads. The store's rules (:mod:`.rules`) and mock
outputs (:mod:`.mock`) import no cloud SDK; :mod:`.resources` imports ``pulumi_aws``, when a key is stored here.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...rules.common import CommonSpec
from .._entry import create_on_first_use
from .mock import MOCK_CALLS, MOCK_OUTPUTS
from .rules import AwsSecretsManagerOptions, checked_reader, encryption_checked_at_deploy, validate

if TYPE_CHECKING:
    from .resources import create

__all__ = [
    "EXTRA",
    "KEEPS_ISSUED_KEYS",
    "MOCK_CALLS",
    "MOCK_OUTPUTS",
    "SDK",
    "AwsSecretsManagerOptions",
    "check_reader_set",
    "checked_at_deploy",
    "checked_reader",
    "create",
    "validate",
]

EXTRA, SDK = "aws", "pulumi_aws"
KEEPS_ISSUED_KEYS = True


def checked_at_deploy(common: CommonSpec, options: AwsSecretsManagerOptions) -> Mapping[str, Any]:
    """The keys the user brings, each known only at deploy time held back until it passes the KMS key rules."""
    del options  # the encryption rules need the common fields only
    return {"encryption": encryption_checked_at_deploy(common)}


def check_reader_set(common: CommonSpec) -> None:
    """Secrets Manager has no rule over the readers together beyond the common one (no principal twice)."""
    del common


__getattr__ = create_on_first_use(__name__)  # create: see ai_keys.stores._entry
