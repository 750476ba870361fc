"""The ``azure-key-vault`` store: a Key Vault secret, in a vault you bring or one created here, readers granted
"Key Vault Secrets User" on this secret only, and rotation as an expiry plus ``SecretNearExpiry`` notices.

This entry is what the registry (:mod:`ai_keys.stores`) reads. The store's rules (:mod:`.rules`) and mock
outputs (:mod:`.mock`) import no cloud SDK; :mod:`.resources` imports ``pulumi_azure_native``, when a key is
stored here.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...rules.common import CommonSpec
from .._entry import create_on_first_use
from .mock import MOCK_CALLS, MOCK_OUTPUTS
from .rules import AzureKeyVaultOptions, check_reader_set, checked_reader, description_checked_at_deploy, validate

if TYPE_CHECKING:
    from .resources import create

__all__ = [
    "EXTRA",
    "KEEPS_ISSUED_KEYS",
    "MOCK_CALLS",
    "MOCK_OUTPUTS",
    "SDK",
    "AzureKeyVaultOptions",
    "check_reader_set",
    "checked_at_deploy",
    "checked_reader",
    "create",
    "validate",
]

EXTRA, SDK = "azure", "pulumi_azure_native"
KEEPS_ISSUED_KEYS = True


def checked_at_deploy(common: CommonSpec, options: AzureKeyVaultOptions) -> Mapping[str, Any]:
    """A description known only at deploy time, held back until it passes the rule for the tag that keeps it."""
    del options  # the tag rule needs the common fields only
    return {"description": description_checked_at_deploy(common)}


__getattr__ = create_on_first_use(__name__)  # create: see ai_keys.stores._entry
