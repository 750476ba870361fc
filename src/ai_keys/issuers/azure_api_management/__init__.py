"""The ``azure_api_management`` issuer: an Azure API Management subscription key for one client of your own AI
service, on a product whose generated policy holds the client's token budget.

With ``product`` the component creates the product (protected, not published in the developer portal), links the
APIs named in ``api_ids``, and writes the product's policy from typed limits (:mod:`.policy`): ``llm-token-limit``
with the subscription id as its counter key, optional ``rate-limit-by-key`` and ``quota-by-key`` on the same key,
and, with ``emit_token_metric``, ``llm-emit-token-metric`` with the ``Subscription ID`` dimension. Users never give
XML; every number is checked against the range Microsoft documents. With ``product_id`` the product exists and its
own policy sets the limits: the component writes nothing to it.

Then an active subscription scoped to the product (``/products/{id}``). Its keys are read with
``listSubscriptionSecrets`` and made a secret at once, and the subscription's own ``primaryKey``/``secondaryKey``
outputs are listed in ``additional_secret_outputs`` (azure-native marks none of them). The primary key is stored, in
any store (``backend`` is required: API Management itself is not a store the component reads from).

With ``rotation`` (kept in ``azure-key-vault``, :data:`ROTATION`) the first key is still the primary read here; the
rotator then regenerates whichever of primary/secondary is not current and stores it, so clients on the current key
keep working until the next rotation. Its identity gets the built-in role "API Management Service Contributor" on
this subscription only (:data:`.resources.API_MANAGEMENT_SERVICE_CONTRIBUTOR`).
"""

from typing import Optional

from .. import ManagedRotation
from .mocks import MOCK_CALLS, MOCK_OUTPUTS
from .resources import issue
from .rules import FIELDS, ApimOptions, validate

__all__ = [
    "EXTRA",
    "FIELDS",
    "MOCK_CALLS",
    "MOCK_OUTPUTS",
    "ROTATION",
    "SDK",
    "ApimOptions",
    "issue",
    "validate",
]

EXTRA: Optional[str] = "azure"
SDK: Optional[str] = "pulumi_azure_native"
ROTATION = ManagedRotation(stores=("azure-key-vault",))
"""The rotator runs as a Function App beside a Key Vault secret, in Azure; other stores are refused (cross-cloud)."""
