"""The ``gcp-secret-manager`` store: a Secret Manager secret and its first version, automatic or user-managed
replication, Cloud KMS keys per location, rotation notices through Pub/Sub, and readers on this secret only.

This entry is what the registry (:mod:`ai_keys.stores`) reads. The store's rules (:mod:`.rules`) and mock
outputs (:mod:`.mock`) import no cloud SDK; :mod:`.resources` imports ``pulumi_gcp``, when a key is stored here.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...rules.common import CommonSpec
from .._entry import create_on_first_use
from .mock import MOCK_CALLS, MOCK_OUTPUTS
from .rules import GcpSecretManagerOptions, check_reader_set, description_checked_at_deploy, validate
from .rules import checked_member as checked_reader

if TYPE_CHECKING:
    from .resources import create

__all__ = [
    "EXTRA",
    "KEEPS_ISSUED_KEYS",
    "MOCK_CALLS",
    "MOCK_OUTPUTS",
    "SDK",
    "GcpSecretManagerOptions",
    "check_reader_set",
    "checked_at_deploy",
    "checked_reader",
    "create",
    "validate",
]

EXTRA, SDK = "gcp", "pulumi_gcp"
KEEPS_ISSUED_KEYS = True


def checked_at_deploy(common: CommonSpec, options: GcpSecretManagerOptions) -> Mapping[str, Any]:
    """A description known only at deploy time, held back until the annotations it joins fit Secret Manager's limit."""
    return {"description": description_checked_at_deploy(common, options)}


__getattr__ = create_on_first_use(__name__)  # create: see ai_keys.stores._entry
