"""The API Gateway store: an API key for one client of your AI service, in a usage plan, optionally with a copy
in Secrets Manager (made by the ``aws-secrets-manager`` store's resources). API Gateway issues the key and keeps it,
so no issuer's key is kept here. Users reach it only through ``issuer.aws_api_gateway``
(:mod:`ai_keys.issuers.aws_api_gateway` maps it onto these rules); ``backend: aws-api-gateway`` is refused.

This entry is what the registry (:mod:`ai_keys.stores`) reads. The store's rules (:mod:`.rules`) and mock
outputs (:mod:`.mock`) import no cloud SDK; :mod:`.resources` imports ``pulumi_aws``, when a key is stored here.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...rules.common import CommonSpec
from .._entry import create_on_first_use
from ..aws_secrets_manager.rules import checked_reader, encryption_checked_at_deploy
from .mock import MOCK_CALLS, MOCK_OUTPUTS
from .rules import ApiGatewayOptions, validate

if TYPE_CHECKING:
    from .resources import create

__all__ = [
    "EXTRA",
    "KEEPS_ISSUED_KEYS",
    "MOCK_CALLS",
    "MOCK_OUTPUTS",
    "SDK",
    "ApiGatewayOptions",
    "check_reader_set",
    "checked_at_deploy",
    "checked_reader",
    "create",
    "validate",
]

EXTRA, SDK = "aws", "pulumi_aws"
KEEPS_ISSUED_KEYS = False
# Readers, encryption and their rules are those of the copy in Secrets Manager (refused without one).


def checked_at_deploy(common: CommonSpec, options: ApiGatewayOptions) -> Mapping[str, Any]:
    """The copy's KMS keys the user brings, each known only at deploy time held back until it passes the key rules;
    and the key value the user brought (``issuer.aws_api_gateway.value``) as the spec's ``value``, which the
    resources check once it resolves (a known one passed the rules already)."""
    fields: dict[str, Any] = {"encryption": encryption_checked_at_deploy(common)}
    if options.value is not None:
        fields["value"] = options.value
    return fields


def check_reader_set(common: CommonSpec) -> None:
    """The copy's read policy has no rule over the readers together beyond the common one (no principal twice)."""
    del common


__getattr__ = create_on_first_use(__name__)  # create: see ai_keys.stores._entry
